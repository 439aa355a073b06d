// The commands of `npx portal`, one function each, returning the exit status. Each command loads
// what it needs when it runs: `serve` does not load the PDF and HTML parsers, `check` no server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatConfigError, loadConfig, type LoadResult, type PortalSettings } from '../config/index.ts';
import { type ProgressEvent } from '../harvester/harvest.ts';
import { describeStorageError, openStore, type Store } from '../store/index.ts';
import { formatOutcome } from './output.ts';

export interface CommandContext {
  args: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  configDir: string;
  dbFile: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export type Command = (context: CommandContext) => Promise<number>;

/** Added to `portal harvest`'s nice value. */
const HARVEST_NICENESS = 5;

/** `portal check`: 0 when the config directory is valid, 1 with every error on stderr. */
async function check(context: CommandContext): Promise<number> {
  const result = loadConfig(context.configDir);
  for (const error of result.errors) context.stderr.write(`${formatConfigError(error)}\n`);
  if (result.errors.length > 0) {
    context.stderr.write(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${context.configDir}\n`);
    return 1;
  }
  const config = result.config!;
  const sources = config.partners.reduce((n, p) => n + p.sources.length, 0);
  context.stdout.write(
    `${context.configDir}: valid (${config.partners.length} partners, ${sources} sources, ` +
      `${config.directory.channels.length} claim channels, ${config.directory.platforms.length} platforms)\n`,
  );
  return 0;
}

/** Loads and validates the config; prints the errors and returns undefined when it is unusable. */
export function loadValidConfig(context: CommandContext): { settings: PortalSettings; result: LoadResult } | undefined {
  const result = loadConfig(context.configDir);
  if (result.errors.length > 0 || !result.config) {
    for (const error of result.errors) context.stderr.write(`${formatConfigError(error)}\n`);
    context.stderr.write(`the config in ${context.configDir} is invalid: fix it, then check it with \`npx portal check\`\n`);
    return undefined;
  }
  return { settings: result.config, result };
}

/** Opens the database and brings partners and sources in line with the config. */
export function openSyncedStore(context: CommandContext, settings: PortalSettings, keep: string[] = []): Store {
  const store = openStore(context.dbFile);
  store.syncConfig(settings, new Date().toISOString(), keep);
  return store;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? (value as string[]) : typeof value === 'string' ? [value] : [];
}

/** `portal harvest`: one pass now; 0 when the pass ran whatever sources failed, 2 on invalid config. */
async function harvest(context: CommandContext): Promise<number> {
  const loaded = loadValidConfig(context);
  if (!loaded) return 2;
  // A harvest is background work: on the portal's own machine it yields the CPU to the web server
  // (its PDF extractor yields further, connectors/sandbox.ts).
  try {
    os.setPriority(Math.min(19, os.getPriority() + HARVEST_NICENESS));
  } catch {
    // not allowed here: it runs at the caller's priority
  }
  const partners = list(context.options.partner);
  const sources = list(context.options.source);
  const known = new Set(loaded.settings.partners.map((p) => p.id));
  const knownSources = new Set(loaded.settings.partners.flatMap((p) => p.sources.map((s) => `${p.id}/${s.id}`)));
  const unknown = [...partners.filter((p) => !known.has(p)), ...sources.filter((s) => !knownSources.has(s))];
  if (unknown.length > 0) {
    context.stderr.write(`unknown partner or source: ${unknown.join(', ')} (see ${context.configDir}/partners/)\n`);
    return 2;
  }
  const { runHarvest } = await import('../harvester/harvest.ts');
  const { runSummaryJson } = await import('./output.ts');
  let store: Store;
  try {
    store = openSyncedStore(context, loaded.settings);
  } catch (error) {
    const storage = describeStorageError(error, context.dbFile);
    if (!storage) throw error;
    context.stderr.write(`the harvest cannot start: ${storage}\n`);
    return 1;
  }
  try {
    const progress = (event: ProgressEvent) => {
      if (event.type === 'start') context.stderr.write(`harvesting ${event.total} source${event.total === 1 ? '' : 's'}\n`);
      if (event.type === 'source-done') context.stderr.write(`${formatOutcome(event)}\n`);
    };
    const trigger = context.options.trigger === 'schedule' ? 'schedule' : context.options.trigger === 'admin' ? 'admin' : 'cli';
    const { runPk } = await runHarvest({
      settings: loaded.settings,
      store,
      trigger,
      partners,
      sources,
      respectBackoff: trigger === 'schedule',
      onProgress: progress,
      log: (entry) => context.stderr.write(`${JSON.stringify(entry)}\n`),
    });
    const summary = store.runs.summary(runPk)!;
    if (context.options.json) context.stdout.write(`${JSON.stringify(runSummaryJson(summary))}\n`);
    const failed = summary.sources.filter((s) => s.status === 'failed').length;
    context.stderr.write(`run ${runPk} finished: ${summary.sources.length} sources, ${failed} failed\n`);
    const { queued } = store.ocrCounts();
    if (queued > 0 && loaded.settings.portal.harvest.ocr_concurrency > 0) {
      context.stderr.write(`${queued} scanned document${queued === 1 ? '' : 's'} wait${queued === 1 ? 's' : ''} for OCR: \`npx portal serve\` reads them in the background, \`npx portal ocr\` now\n`);
    }
    return 0;
  } catch (error) {
    const storage = describeStorageError(error, context.dbFile);
    context.stderr.write(
      `the harvest stopped: ${storage ?? (error as Error).message}\n` +
        'nothing was lost: every source is written in one transaction, so the catalogue is as it was before the failing write\n',
    );
    return 1;
  } finally {
    try {
      store.close();
    } catch (error) {
      context.stderr.write(`closing the database: ${describeStorageError(error, context.dbFile) ?? (error as Error).message}\n`);
    }
  }
}

/**
 * `portal ocr`: reads the scanned documents waiting in the OCR queue, then exits (0, also when OCR
 * is unavailable: the scans stay flagged; 1 when the catalogue cannot be written). `portal serve`
 * runs it in a child process after harvests; SIGTERM stops it, and what was under way goes back
 * to the queue. `--json` prints the summary.
 */
async function ocr(context: CommandContext): Promise<number> {
  const loaded = loadValidConfig(context);
  if (!loaded) return 2;
  try {
    // OCR is background work (its programs run at nice 10 too, connectors/ocr.ts).
    os.setPriority(Math.min(19, os.getPriority() + HARVEST_NICENESS));
  } catch {
    // not allowed here
  }
  const { runOcrQueue } = await import('../harvester/ocr-queue.ts');
  let store: Store;
  try {
    store = openSyncedStore(context, loaded.settings);
  } catch (error) {
    const storage = describeStorageError(error, context.dbFile);
    if (!storage) throw error;
    context.stderr.write(`OCR cannot start: ${storage}\n`);
    return 1;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const { queued } = store.ocrCounts();
    if (queued > 0) context.stderr.write(`OCR: ${queued} scanned document${queued === 1 ? '' : 's'} to read\n`);
    const summary = await runOcrQueue({ store, settings: loaded.settings, signal: stop.signal, log: (entry) => context.stderr.write(`${JSON.stringify(entry)}\n`) });
    if (context.options.json) context.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.unavailable) context.stderr.write(`OCR did not run: ${summary.unavailable}\n`);
    else
      context.stderr.write(
        `OCR finished: ${summary.documents} document${summary.documents === 1 ? '' : 's'} read (${summary.pages} pages), ${summary.failed} failed, ${summary.remaining} left${stop.signal.aborted ? ' (stopped)' : ''}\n`,
      );
    return 0;
  } catch (error) {
    context.stderr.write(`OCR stopped: ${describeStorageError(error, context.dbFile) ?? (error as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    store.close();
  }
}

/** Resolves on SIGINT or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

function listenOptions(context: CommandContext): { host: string; port: number } | undefined {
  const host = (context.options.host as string | undefined) ?? process.env.HOST ?? '127.0.0.1';
  const portText = (context.options.port as string | undefined) ?? process.env.PORT ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    context.stderr.write(`invalid port "${portText}"\n`);
    return undefined;
  }
  return { host, port };
}

/** `portal serve`: the portal and the harvest scheduler, until SIGINT/SIGTERM. */
async function serve(context: CommandContext): Promise<number> {
  const listen = listenOptions(context);
  if (!listen) return 2;
  const { startPortal } = await import('./portal.ts');
  let portal;
  try {
    portal = await startPortal({
      configDir: context.configDir,
      dbFile: context.dbFile,
      ...listen,
      harvest: !context.options['no-harvest'],
      logger: true,
      out: context.stderr,
    });
  } catch (error) {
    context.stderr.write(`portal: ${(error as Error).message}\n`);
    return (error as { exitCode?: number }).exitCode ?? 1;
  }
  context.stderr.write(`the portal is served on ${portal.url}/ (${context.options['no-harvest'] ? 'no harvesting' : 'harvesting on schedule'}); Ctrl+C stops it\n`);
  const signal = await untilStopped();
  context.stderr.write(`${signal}: closing\n`);
  await portal.close();
  return 0;
}

/** A progress bar on a terminal, a line per source elsewhere. */
function progressPrinter(stream: NodeJS.WritableStream) {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  return (event: ProgressEvent) => {
    if (event.type === 'start') stream.write(`harvesting ${event.total} sources\n`);
    if (event.type !== 'source-done') return;
    if (!tty) {
      stream.write(`${formatOutcome(event)}\n`);
      return;
    }
    const width = 30;
    const filled = Math.round((event.index / event.total) * width);
    const outcome = event.outcome;
    const mark = outcome.status === 'failed' ? `failed (${outcome.error?.code})` : outcome.status === 'ok' ? `${outcome.itemsNew} new` : outcome.status;
    stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${event.index}/${event.total} ${event.partner}/${event.source}: ${mark}`);
    if (event.index === event.total) stream.write('\n');
  };
}

/**
 * Where a demo keeps its database, its generated config and its harvest log: data/demo/, or beside
 * the database `--db` names. The config was always data/demo/config, so a second demo (`npm run
 * screenshots` gives its own --db) rewrote the running one's partner addresses, and its harvests
 * failed on ports nobody served.
 */
export function demoPaths(db?: string): { dbFile: string; configDir: string; logFile: string } {
  const dbFile = db ? path.resolve(db) : path.resolve('data/demo/portal.db');
  const dir = path.dirname(dbFile);
  return { dbFile, configDir: path.join(dir, 'config'), logFile: path.join(dir, 'harvest.log') };
}

/** `portal demo`: simulated partner sites, harvested into their own database, and served. */
async function demo(context: CommandContext): Promise<number> {
  const listen = listenOptions(context);
  if (!listen) return 2;
  const { dbFile, configDir, logFile } = demoPaths(context.options.db ? context.dbFile : undefined);
  if (context.options.fresh) {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${dbFile}${suffix}`, { force: true });
    context.stderr.write(`--fresh: starting over with an empty database (${dbFile})\n`);
  }
  const { DEFAULT_PORT_BASE, startDemoSites } = await import('../demo/sites.ts');
  const { writeDemoConfig } = await import('../demo/config.ts');
  const { runHarvest } = await import('../harvester/harvest.ts');
  const { startPortal } = await import('./portal.ts');
  const portBase = Number(process.env.DEMO_PORT_BASE ?? DEFAULT_PORT_BASE);
  const sites = await startDemoSites({ portBase });
  context.stderr.write(`19 simulated partner sites on 127.0.0.1 ports ${portBase}-${portBase + 18}\n`);
  let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
  let output: { sink: NodeJS.WritableStream; close(): Promise<void> } | undefined;
  try {
    // The demo's links (feeds, sitemap) point where it is served; a random port (0) keeps the default.
    const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
    const baseUrl = listen.port ? `http://${host}:${listen.port}` : undefined;
    writeDemoConfig({ sourceConfigDir: context.configDir, targetDir: configDir, urls: sites.urls, baseUrl });
    const loaded = loadConfig(configDir);
    const store = openStore(dbFile);
    store.syncConfig(loaded.config!, new Date().toISOString());
    // A new demo database gets a year of simulated visits, so the indicators have something to chart.
    if (store.stats.visitsByDay(1).length === 0) store.stats.addVisits((await import('../demo/content.ts')).demoVisits(new Date()));
    const { runPk } = await runHarvest({ settings: loaded.config!, store, trigger: 'demo', onProgress: progressPrinter(context.stderr) });
    const summary = store.runs.summary(runPk)!;
    const items = store.items.count();
    const failed = summary.sources.filter((s) => s.status === 'failed');
    context.stderr.write(`first harvest: ${items} items in the catalogue; ${failed.length} sources failed as designed (${failed.map((f) => `${f.partner}: ${f.error?.code}`).join(', ')})\n`);
    const { prepareDemoFocalPoint } = await import('../demo/focal.ts');
    const focal = await prepareDemoFocalPoint(store, loaded.config!);
    const users = store.users.list().filter((u) => u.role !== 'partner').length;
    store.close();
    // The scheduled harvests log to a file; the terminal keeps the block below and one status line.
    if (!context.options.verbose) {
      const { demoOutput } = await import('./demo-output.ts');
      output = demoOutput({ logFile, terminal: context.stderr, runSummary: (runId) => portal?.store.runs.summary(runId) });
    }
    portal = await startPortal({ configDir, dbFile, ...listen, harvest: true, trigger: 'demo', maxRandomDelayMs: 10_000, logger: false, out: output?.sink ?? context.stderr });
    const url = portal.url;
    context.stdout.write(
      [
        '',
        `  The portal:           ${url}/fr/   ${url}/ar/   ${url}/en/`,
        `  Search:               ${url}/fr/search?q=corruption`,
        `  Freshness report:     ${url}/admin/freshness   (${url}/api/freshness as JSON)`,
        `  Admin area:           ${url}/admin   ${users ? '' : `(first create an operator: npx portal user add NAME --db ${path.relative(process.cwd(), dbFile)})`}`,
        `  A partner's focal point: ${url}/admin   name ${focal.name}, password ${focal.password}   (new at every start; one deposit waits for approval)`,
        `  Simulated sites:      ${sites.urls.get('inpplc')}/ … (new items appear every few minutes; harvested every 3 minutes)`,
        '',
        context.options.verbose
          ? '  Harvest log:          printed below (--verbose)'
          : `  Harvest log:          ${path.relative(process.cwd(), logFile) || logFile}   (the line below shows the latest harvest)`,
        '',
        '  Ctrl+C stops the demo. `npx portal demo` again reuses the database; `--fresh` starts over; `--help` lists the options.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    await output?.close();
    await sites.close();
    context.stderr.write(`demo: ${(error as Error).message}\n`);
    return 1;
  }
  const signal = await untilStopped();
  await output?.close();
  context.stderr.write(`${signal}: closing the demo\n`);
  await portal.close();
  await sites.close();
  return 0;
}

/** `portal report freshness --format table|json|csv`: the same figures as the admin page. */
async function report(context: CommandContext): Promise<number> {
  const [name] = context.args;
  if (name !== 'freshness') {
    context.stderr.write('usage: npx portal report freshness [--format table|json|csv]\n');
    return 2;
  }
  const format = (context.options.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'csv'].includes(format)) {
    context.stderr.write(`unknown format "${format}": use table, json or csv\n`);
    return 2;
  }
  // Like the other commands: an unusable config directory is an error (exit 2), and a database
  // that does not exist is not created empty to print an empty report.
  const loaded = loadConfig(context.configDir);
  for (const error of loaded.errors) context.stderr.write(`${formatConfigError(error)}\n`);
  if (!loaded.config) {
    context.stderr.write(`the config in ${context.configDir} is unusable: fix it, then check it with \`npx portal check\`\n`);
    return 2;
  }
  if (loaded.errors.length > 0) {
    context.stderr.write(`partners whose file has errors are reported as the catalogue last knew them: ${loaded.invalidPartnerIds.join(', ') || 'none'}\n`);
  }
  if (context.dbFile !== ':memory:' && !fs.existsSync(context.dbFile)) {
    context.stderr.write(`no catalogue at ${context.dbFile}: harvest first (\`npx portal harvest\`), or give the database with --db FILE\n`);
    return 1;
  }
  const { freshnessCsv, freshnessTable } = await import('../publisher/reports.ts');
  const store = openStore(context.dbFile);
  try {
    store.syncConfig(loaded.config, new Date().toISOString(), loaded.invalidPartnerIds);
    const freshness = store.stats.freshness(new Date());
    context.stdout.write(format === 'json' ? `${JSON.stringify(freshness, null, 2)}\n` : format === 'csv' ? freshnessCsv(freshness) : freshnessTable(freshness));
    return 0;
  } finally {
    store.close();
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/**
 * `portal backup FILE`: the catalogue (SQLite's online backup, consistent while the portal runs
 * and harvests) and every deposited file, in one file. 0, or 1 with the reason.
 */
async function backup(context: CommandContext): Promise<number> {
  const [target] = context.args;
  if (!target) {
    context.stderr.write('usage: npx portal backup FILE   (e.g. /var/backups/portal/portal-2026-12-01.db)\n');
    return 2;
  }
  const { backupDatabase, filesDirFor } = await import('../store/index.ts');
  try {
    const result = await backupDatabase(context.dbFile, filesDirFor(context.dbFile), target);
    context.stderr.write(
      `backup written to ${result.file}: ${formatBytes(result.bytes)}, ${result.items} items, ${result.files} deposited files (${(result.durationMs / 1000).toFixed(1)} s)\n`,
    );
    return 0;
  } catch (error) {
    context.stderr.write(`the backup failed: ${(error as Error).message}\n`);
    return 1;
  }
}

/** `portal restore FILE`: puts a backup back; refuses while a process holds the database. */
async function restore(context: CommandContext): Promise<number> {
  const [source] = context.args;
  if (!source) {
    context.stderr.write('usage: npx portal restore FILE   (a file written by `npx portal backup`)\n');
    return 2;
  }
  const { restoreDatabase, filesDirFor } = await import('../store/index.ts');
  try {
    const result = restoreDatabase(source, context.dbFile, filesDirFor(context.dbFile));
    context.stderr.write(
      `restored ${path.resolve(context.dbFile)} from the backup of ${result.createdAt ?? 'an unknown date'}: ${result.items} items, ` +
        `${result.files} deposited files written (${result.filesAlreadyThere} were already there)` +
        `${result.previous ? `; the database it replaced is kept as ${result.previous}` : ''}\n`,
    );
    return 0;
  } catch (error) {
    context.stderr.write(`the restore failed: ${(error as Error).message}\n`);
    return 1;
  }
}

export const commands: Record<string, Command> = {
  backup,
  restore,
  check,
  harvest,
  ocr,
  serve,
  demo,
  report,
  user: async (context) => (await import('./users.ts')).user(context),
};
