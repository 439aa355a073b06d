// A running portal: the web app, the harvest scheduler, config reloads (SIGHUP and file changes),
// the daily jobs, and a clean shutdown. `portal serve` and `portal demo` both start one.
import fs from 'node:fs';
import os from 'node:os';
import { parse as parseYaml } from 'yaml';
import { DAY_MS, formatConfigError, formatDuration, loadConfig, partnerSchema, type ConfigError, type PortalSettings } from '../config/index.ts';
import { closeKilledRun } from '../harvester/runs.ts';
import { Scheduler } from '../harvester/scheduler.ts';
import { buildApp, ensureSecret, I18n, runReminders, startReadPool, watchRuntime, type HarvestControl, type HarvestJob, type MailSender } from '../publisher/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { spawnHarvest, spawnOcr, type HarvestProcess, type HarvestProcessOptions } from './runner.ts';

export interface PortalOptions {
  configDir: string;
  dbFile: string;
  host: string;
  port: number;
  /** Run the scheduler (serve without --no-harvest). */
  harvest: boolean;
  trigger?: 'schedule' | 'demo';
  /** Print log lines as JSON on stdout (pino through Fastify). */
  logger?: boolean;
  out?: NodeJS.WritableStream;
  /** Spread of scheduled starts (default 60 s; the demo uses less). */
  maxRandomDelayMs?: number;
  /** The hourly reminder check (default on). */
  reminders?: boolean;
  /** How often the OCR queue is looked at (default every minute; it is also after each harvest). */
  ocrCheckMs?: number;
}

export interface RunningPortal {
  url: string;
  store: Store;
  settings(): PortalSettings;
  close(): Promise<void>;
  reload(): { ok: boolean; errors: ConfigError[] };
}

function scheduled(settings: PortalSettings, store: Store) {
  const state = new Map(store.listSources().map((s) => [`${s.partnerId}/${s.sourceId}`, s.lastAttemptAt]));
  return settings.partners.flatMap((p) =>
    p.sources
      .filter((s) => s.enabled)
      .map((s) => ({ key: `${p.id}/${s.id}`, schedule: s.schedule ?? settings.portal.harvest.schedule, lastAttemptAt: state.get(`${p.id}/${s.id}`) ?? null })),
  );
}

export async function startPortal(options: PortalOptions): Promise<RunningPortal> {
  const out = options.out ?? process.stderr;
  const log = (entry: Record<string, unknown>) => out.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  const first = loadConfig(options.configDir);
  if (!first.config) {
    for (const error of first.errors) out.write(`${formatConfigError(error)}\n`);
    throw Object.assign(new Error(`the config in ${options.configDir} is unusable`), { exitCode: 2 });
  }
  // Partners whose file is broken are left out (their sources keep their state) and the errors are
  // shown in the admin area: a typo in one file must not take the whole portal down.
  for (const error of first.errors) out.write(`${formatConfigError(error)}\n`);
  let settings = first.config;
  let configErrors: ConfigError[] = first.errors;
  const store = openStore(options.dbFile);
  store.syncConfig(settings, new Date().toISOString(), first.invalidPartnerIds);
  const mail: MailSender | undefined = settings.portal.mail ? (await import('./mail.ts')).makeMailer(settings.portal.mail) : undefined;

  // Every harvest this portal starts runs in a child process with a deadline
  // (harvest.run_time_limit). A child stopped past it, or by the portal shutting down, has its
  // runs closed here: interrupted, its sources failed with the reason, their leases released.
  const children = new Set<HarvestProcess>();
  let stopping = false;
  const startHarvest = (run: Pick<HarvestProcessOptions, 'partners' | 'sources' | 'trigger' | 'onLine'>): HarvestProcess => {
    const limit = settings.portal.harvest.run_time_limit;
    const keys =
      run.sources?.length || run.partners?.length
        ? [...(run.sources ?? []), ...settings.partners.filter((p) => run.partners?.includes(p.id)).flatMap((p) => p.sources.map((s) => `${p.id}/${s.id}`))]
        : settings.partners.flatMap((p) => p.sources.filter((s) => s.enabled).map((s) => `${p.id}/${s.id}`));
    const child = spawnHarvest({ configDir: options.configDir, dbFile: options.dbFile, ...run, deadlineMs: limit });
    children.add(child);
    void child.done.then(() => {
      children.delete(child);
      // The scans it queued are read in the background.
      startOcr();
      if (!child.overDeadline && !stopping) return;
      if (child.pid === undefined) return;
      const reason = child.overDeadline
        ? `the harvest was stopped after its time limit of ${formatDuration(limit)} (harvest.run_time_limit)`
        : 'the harvest was stopped because the portal was shutting down';
      try {
        const runs = closeKilledRun(store, { pid: child.pid, host: os.hostname(), sources: keys, reason });
        log({ level: 'warn', msg: 'harvest process stopped', reason, runs });
      } catch (error) {
        log({ level: 'error', msg: 'could not record the stopped harvest', error: (error as Error).message });
      }
    });
    return child;
  };

  // Scanned documents queued by harvests and deposits are read by `portal ocr` in a child process,
  // one at a time, started after each harvest and looked for every minute. When OCR is not
  // installed (the notice the catalogue keeps), it is tried again only every hour.
  let ocrChild: HarvestProcess | undefined;
  let ocrTriedAt = 0;
  const startOcr = (): void => {
    if (!options.harvest || stopping || ocrChild || settings.portal.harvest.ocr_concurrency === 0) return;
    try {
      if (store.ocrCounts().queued === 0) return;
      if (store.ocrNotice() !== undefined && Date.now() - ocrTriedAt < 3_600_000) return;
    } catch {
      return;
    }
    ocrTriedAt = Date.now();
    const child = spawnOcr({ configDir: options.configDir, dbFile: options.dbFile, onLine: (line) => out.write(`${line}\n`) });
    ocrChild = child;
    void child.done.then((code) => {
      ocrChild = undefined;
      // More came while it read (a harvest, a deposit): on with them, unless it failed.
      if (code === 0) setImmediate(startOcr);
    });
  };

  // Background harvests started from the admin area, with their progress.
  const jobs = new Map<string, HarvestJob>();
  let jobCounter = 0;
  const harvestControl: HarvestControl = {
    async start(scope, actor) {
      const id = `${Date.now().toString(36)}-${++jobCounter}`;
      const job: HarvestJob = { id, state: 'running', startedAt: new Date().toISOString(), done: 0, total: 0, lines: [] };
      jobs.set(id, job);
      log({ msg: 'harvest started from the admin area', actor, scope });
      const child = startHarvest({
        partners: scope.partners,
        sources: scope.sources,
        trigger: 'admin',
        onLine: (line) => {
          const total = /^harvesting (\d+) source/.exec(line);
          if (total) job.total = Number(total[1]);
          const progress = /^\[\s*(\d+)\/(\d+)\]/.exec(line);
          if (progress) job.done = Number(progress[1]);
          const run = /^run (\d+) finished/.exec(line);
          if (run) job.runId = Number(run[1]);
          if (!line.startsWith('{')) job.lines.push(line);
          if (job.lines.length > 200) job.lines.shift();
        },
      });
      void child.done.then((code) => {
        job.state = code === 0 ? 'finished' : 'failed';
        job.finishedAt = new Date().toISOString();
        if (child.overDeadline) job.error = `the harvest was stopped after its time limit of ${formatDuration(settings.portal.harvest.run_time_limit)} (harvest.run_time_limit)`;
        else if (code !== 0) job.error = `the harvest process ended with code ${code}`;
        for (const [key, old] of jobs) if (jobs.size > 50 && old.state !== 'running') jobs.delete(key);
        log({ ...(job.state === 'failed' ? { level: 'warn' } : {}), msg: 'harvest from the admin area ended', job: id, state: job.state, ...(job.error ? { error: job.error } : {}) });
      });
      return { jobId: id };
    },
    status: (jobId) => jobs.get(jobId),
    async test(partnerId, sourceId, sourceYaml) {
      let source = settings.partners.find((p) => p.id === partnerId)?.sources.find((s) => s.id === sourceId);
      if (sourceYaml !== undefined) {
        // The operator's draft of the source, checked with the same schema as the files.
        let raw: unknown;
        try {
          raw = parseYaml(sourceYaml, { maxAliasCount: 10 });
        } catch (error) {
          return { ok: false, configErrors: [`YAML: ${(error as Error).message.split('\n')[0]}`], items: [], dropped: [], warnings: [], durationMs: 0 };
        }
        const partner = partnerSchema.safeParse({ id: partnerId, name: { fr: partnerId }, kind: 'government', sources: [raw] });
        if (!partner.success) {
          return {
            ok: false,
            configErrors: partner.error.issues.map((i) => `${i.path.slice(2).join('.') || 'source'}: ${i.message}`),
            items: [],
            dropped: [],
            warnings: [],
            durationMs: 0,
          };
        }
        source = partner.data.sources[0];
      }
      if (!source) return { ok: false, error: { code: 'config', message: 'no such source' }, items: [], dropped: [], warnings: [], durationMs: 0 };
      // The connectors (PDF and HTML parsers) are loaded the first time an operator tests a source.
      const { testSource } = await import('../harvester/test-source.ts');
      return testSource(settings, partnerId, source);
    },
  };

  const i18n = new I18n();
  // The public pages read the catalogue in worker threads, off the event loop (publisher/read-pool.ts).
  const reads = startReadPool({ dbFile: options.dbFile, log });
  const app = await buildApp(
    {
      store,
      reads,
      settings: () => settings,
      configErrors: () => configErrors,
      i18n,
      now: () => new Date(),
      secret: ensureSecret(store),
      harvest: harvestControl,
      mail,
      secureCookies: settings.portal.site.base_url?.startsWith('https:') ?? false,
    },
    { logger: options.logger ? { level: 'info' } : false },
  );
  const unwatch = watchRuntime(app, log);
  await app.listen({ host: options.host, port: options.port });
  reads.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

  const scheduler = options.harvest
    ? new Scheduler({
        run: async (keys) => {
          const child = startHarvest({ sources: keys, trigger: options.trigger ?? 'schedule', onLine: (line) => out.write(`${line}\n`) });
          await child.done;
        },
        maxRandomDelayMs: options.maxRandomDelayMs,
        log,
      })
    : undefined;
  scheduler?.update(scheduled(settings, store));

  const reload = () => {
    const result = loadConfig(options.configDir);
    if (!result.config || result.errors.length > 0) {
      configErrors = result.errors;
      store.setMeta('config_errors', JSON.stringify(result.errors));
      for (const error of result.errors) log({ level: 'error', msg: 'config reload refused; the running config stays', error: formatConfigError(error) });
      return { ok: false, errors: result.errors };
    }
    settings = result.config;
    configErrors = [];
    store.setMeta('config_errors', null);
    const synced = store.syncConfig(settings, new Date().toISOString());
    scheduler?.update(scheduled(settings, store));
    app.renderer.cache.clear();
    log({ msg: 'config reloaded', ...synced });
    return { ok: true, errors: [] };
  };
  const onHup = () => reload();
  process.on('SIGHUP', onHup);
  let debounce: NodeJS.Timeout | undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(options.configDir, { recursive: true }, () => {
      clearTimeout(debounce);
      debounce = setTimeout(reload, 500);
    });
  } catch (error) {
    log({ level: 'warn', msg: 'cannot watch the config directory; send SIGHUP to reload', error: (error as Error).message });
  }

  // Daily: contact details past their retention are deleted; today's freshness is recorded (its
  // figures counted by a read worker: at 200,000 items they held the event loop 75-300 ms).
  const daily = async () => {
    try {
      const now = new Date();
      const cutoff = new Date(now.getTime() - settings.portal.privacy.contact_retention).toISOString();
      const purged = store.suggestions.purgeContacts(cutoff, now.toISOString());
      if (purged) log({ msg: 'contact details deleted after the retention period', suggestions: purged });
      store.stats.recordDailyFreshness(now, await reads.run('indicators', { now: now.toISOString(), months: 1 }));
      store.files.sweepTemp(now.getTime());
      // Scans kept by a harvest that then failed, which no job wants: removed (not while OCR reads).
      if (!ocrChild) store.ocr.sweepScans();
    } catch (error) {
      if (!stopping) log({ level: 'error', msg: 'daily job failed', error: (error as Error).message });
    }
  };
  void daily();
  const dailyTimer = setInterval(() => void daily(), DAY_MS / 24);
  dailyTimer.unref();

  // Every hour: reminders to the partners behind (at most one a week each) and, from Monday 08:00,
  // the week's digest to the authority. Without SMTP settings they are only recorded (admin area).
  let reminding: Promise<void> = Promise.resolve();
  const remind = () => {
    reminding = (async () => {
      try {
        const outcome = await runReminders({ store, settings, i18n, mail, now: new Date() });
        const acted = outcome.partners.filter((p) => p.outcome !== 'within_week' && p.outcome !== 'no_contact');
        if (acted.length || (outcome.digest && !['not_due', 'done'].includes(outcome.digest))) log({ msg: 'reminders', partners: acted, digest: outcome.digest });
      } catch (error) {
        log({ level: 'error', msg: 'reminder check failed', error: (error as Error).message });
      }
    })();
  };
  if (options.reminders !== false) remind();
  const remindTimer = options.reminders !== false ? setInterval(remind, DAY_MS / 24) : undefined;
  remindTimer?.unref();

  startOcr();
  const ocrTimer = setInterval(startOcr, options.ocrCheckMs ?? 60_000);
  ocrTimer.unref();

  // Restore refuses while this process holds the database (store/backup.ts also scans /proc).
  store.setMeta('server', JSON.stringify({ pid: process.pid, host: os.hostname(), started_at: new Date().toISOString() }));

  return {
    url,
    store,
    settings: () => settings,
    reload,
    async close() {
      stopping = true;
      process.off('SIGHUP', onHup);
      watcher?.close();
      clearTimeout(debounce);
      clearInterval(dailyTimer);
      clearInterval(remindTimer);
      clearInterval(ocrTimer);
      await reminding;
      await Promise.all([...children, ...(ocrChild ? [ocrChild] : [])].map((child) => child.stop()));
      await scheduler?.stop();
      await app.close();
      unwatch();
      await reads.close();
      try {
        store.setMeta('server', null);
      } catch {
        // a read-only or full disk: the record names a dead process, which restore ignores
      }
      store.close();
    },
  };
}
