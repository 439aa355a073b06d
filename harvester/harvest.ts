// One harvest pass: every selected source fetched through its connector, normalised, compared
// with the catalogue and committed, each outcome recorded on its source. Sources of different
// hosts run concurrently; one failing or hanging source never stops the others. Expected failures
// are outcomes, not exceptions; only an unusable database ends a pass early.
import os from 'node:os';
import { type PortalSettings } from '../config/index.ts';
import {
  connectorFor,
  fetchPdfDocument,
  HarvestError,
  HttpClient,
  loadExcel,
  warmPdfExtractor,
  makeDocumentFetcher,
  type ConnectorResult,
  type OcrEngine,
  type RawItem,
} from '../connectors/index.ts';
import { crashPoint } from './crash-points.ts';
import { normaliseItem, type Normalised } from './normalise.ts';
import { OcrIntake } from './ocr-queue.ts';
import { planChanges } from './plan.ts';
import { type ExistingItem, type HarvestedItem, type HarvestStore, type RunTrigger, type SourceOutcome, type SourceRecord } from './ports.ts';
import { backoffMs, BACKOFF_CAP_MS, emptyOutcome, leaseOwner, skippedState } from './runs.ts';
import { repairSummaries } from './repair.ts';

export { backoffMs, BACKOFF_BASE_MS, BACKOFF_CAP_MS, closeKilledRun, leaseOwner, type KilledRun } from './runs.ts';

export const DEFAULT_USER_AGENT = 'IntegrityPortalBot/1.0';
/** A source is held by one process at most this long (a crash frees it after that). */
const LEASE_MS = 60 * 60_000;

export type ProgressEvent =
  | { type: 'start'; total: number }
  | { type: 'source-start'; partner: string; source: string; index: number; total: number }
  | { type: 'source-done'; partner: string; source: string; index: number; total: number; outcome: SourceOutcome }
  | { type: 'done'; runPk: number };

export interface HarvestOptions {
  settings: PortalSettings;
  store: HarvestStore;
  trigger: RunTrigger;
  /** Narrow the pass: partner ids and `partner/source` keys (either matches). */
  partners?: string[];
  sources?: string[];
  /** Skip sources still backing off after failures (the scheduler does; a manual pass does not). */
  respectBackoff?: boolean;
  now?: () => Date;
  random?: () => number;
  onProgress?: (event: ProgressEvent) => void;
  /** Injected by tests; otherwise built from the settings. */
  client?: HttpClient;
  /** The OCR engine asked whether OCR can run (tests inject stand-in programs); else from `harvest.ocr_*`. */
  ocrEngine?: OcrEngine;
  log?: (entry: Record<string, unknown>) => void;
}

export interface HarvestResult {
  runPk: number;
  outcomes: Array<{ partner: string; source: string; outcome: SourceOutcome }>;
}

/** Whether a process recorded in a run is still alive (same host only; elsewhere assumed alive). */
export function processAlive(pid: number, host: string): boolean {
  if (host !== os.hostname()) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function makeClient(settings: PortalSettings): HttpClient {
  const harvest = settings.portal.harvest;
  const contact = settings.portal.site.contact_url ?? settings.portal.site.base_url;
  return new HttpClient({
    timeoutMs: harvest.timeout,
    userAgent: harvest.user_agent ?? `${DEFAULT_USER_AGENT}${contact ? ` (+${contact})` : ''}`,
    allowPrivateNetworks: harvest.allow_private_networks,
    perHostDelayMs: harvest.per_host_delay,
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

export async function runHarvest(options: HarvestOptions): Promise<HarvestResult> {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const { store, settings } = options;
  const log = options.log ?? (() => undefined);
  store.markInterruptedRuns(processAlive, now().toISOString());
  const repaired = repairSummaries(store);
  if (repaired > 0) log({ level: 'info', msg: 'summaries sanitised again (an older sanitiser left them unbalanced)', items: repaired });
  const sources = store.listSources({ partners: options.partners, sources: options.sources });
  // The same for exceljs when the pass may read a workbook.
  if (sources.some((s) => s.config.type === 'dataset' && s.config.format !== 'csv' && s.config.format !== 'json')) await loadExcel();
  // PDFs are read in a sandbox process; start it now, while the first requests are under way, so
  // the first document does not wait for pdf.js to load.
  if (sources.some((s) => s.config.type === 'pdf' || ('follow_pdf' in s.config && s.config.follow_pdf))) {
    void warmPdfExtractor(settings.portal.harvest.pdf_memory_limit);
  }
  // Scans are kept for OCR while its queue has room; documents waiting for that are read again.
  const ocr = new OcrIntake(settings, store, log, options.ocrEngine);
  await ocr.prepare();
  const runPk = store.startRun(options.trigger, now().toISOString());
  const owner = leaseOwner(os.hostname(), process.pid, runPk);
  const client = options.client ?? makeClient(settings);
  const outcomes: HarvestResult['outcomes'] = [];
  options.onProgress?.({ type: 'start', total: sources.length });

  // One queue per host: sources of a host run one after the other (the client also keeps one
  // request at a time per host), hosts run side by side.
  const byHost = new Map<string, SourceRecord[]>();
  for (const source of sources) {
    const host = hostOf(source.config.url);
    byHost.set(host, [...(byHost.get(host) ?? []), source]);
  }
  let index = 0;
  let fatal: unknown;
  try {
    await mapLimit([...byHost.values()], settings.portal.harvest.concurrency, async (group) => {
      for (const source of group) {
        if (fatal) return;
        const position = ++index;
        options.onProgress?.({ type: 'source-start', partner: source.partnerId, source: source.sourceId, index: position, total: sources.length });
        const context: SourceContext = { source, runPk, owner, client, settings, store, now, random, respectBackoff: options.respectBackoff ?? false, log, ocr };
        try {
          let outcome: SourceOutcome;
          try {
            outcome = await harvestSource(context);
          } catch (error) {
            // The database failing (disk full, read-only file) stops the pass cleanly; anything
            // else is this source's alone: it fails with a code, and the pass goes on.
            if (isStorageError(error)) throw error;
            outcome = recordFailure(context, emptyOutcome(now().toISOString()), error, () => emptyOutcome(now().toISOString()));
            try {
              store.releaseSource(source.pk, owner);
            } catch {
              // the lease expires on its own
            }
          }
          outcomes.push({ partner: source.partnerId, source: source.sourceId, outcome });
          options.onProgress?.({ type: 'source-done', partner: source.partnerId, source: source.sourceId, index: position, total: sources.length, outcome });
        } catch (error) {
          fatal ??= error;
        }
      }
    });
  } finally {
    if (!options.client) await client.close();
  }
  if (fatal) throw fatal;
  store.finishRun(runPk, now().toISOString());
  store.recordDailyFreshness(now());
  options.onProgress?.({ type: 'done', runPk });
  return { runPk, outcomes };
}

export interface SourceContext {
  source: SourceRecord;
  runPk: number;
  owner: string;
  client: HttpClient;
  settings: PortalSettings;
  store: HarvestStore;
  now: () => Date;
  random: () => number;
  respectBackoff: boolean;
  log: (entry: Record<string, unknown>) => void;
  /** Scans kept for OCR (runHarvest gives every source the pass's). */
  ocr?: OcrIntake;
}

async function harvestSource(ctx: SourceContext): Promise<SourceOutcome> {
  const { source, store, now } = ctx;
  const started = now();
  const startedAt = started.toISOString();
  const clock = performance.now();
  const outcome = emptyOutcome(startedAt);
  const finish = () => ({ ...outcome, durationMs: performance.now() - clock });

  if (ctx.respectBackoff && source.nextAttemptAt && source.nextAttemptAt > startedAt) {
    outcome.status = 'skipped';
    outcome.warnings.push(`backing off after ${source.consecutiveFailures} failures until ${source.nextAttemptAt}`);
    store.commitHarvest({ runPk: ctx.runPk, source, plan: null, outcome: finish(), state: skippedState(source, startedAt), now: startedAt });
    return finish();
  }
  const leaseUntil = new Date(started.getTime() + LEASE_MS).toISOString();
  if (!store.claimSource(source.pk, ctx.owner, startedAt, leaseUntil)) {
    outcome.status = 'skipped';
    outcome.warnings.push('another harvest is working on this source');
    store.commitHarvest({ runPk: ctx.runPk, source, plan: null, outcome: finish(), state: skippedState(source, startedAt), now: startedAt });
    return finish();
  }
  try {
    const existing = store.existingItems(source.pk);
    const byIdentity = new Map(existing.map((e) => [e.identity, e]));
    const byDocument = new Map(existing.filter((e) => e.document).map((e) => [e.document!.url, e.document!]));
    const harvestSettings = ctx.settings.portal.harvest;
    // Documents to read again in full: read before their pages were kept, or scans waiting for
    // OCR to have room. Their source is then read in full too (its listing may be unchanged).
    const rereads = ctx.ocr?.rereads(existing) ?? new Set<string>();
    const fetcher = makeDocumentFetcher({ client: ctx.client, settings: harvestSettings, known: (url) => (rereads.has(url) ? undefined : byDocument.get(url)), now });
    const documents = async (url: string) => (ctx.ocr ? ctx.ocr.take(await fetcher(url)) : fetcher(url));

    let result: ConnectorResult;
    try {
      result = await connectorFor(source.config).harvest(source.config, {
        client: ctx.client,
        settings: harvestSettings,
        validators: rereads.size > 0 ? {} : { etag: source.etag, lastModified: source.lastModified, bodyHash: source.bodyHash },
        documents,
      });
      // A `type: pdf` source reads its document itself.
      if (result.status === 'ok' && ctx.ocr) for (const raw of result.items) await ctx.ocr.take(raw.document);
    } catch (error) {
      return recordFailure(ctx, outcome, error, finish);
    }
    crashPoint(`fetched:${source.partnerId}/${source.sourceId}`);

    outcome.httpStatus = result.httpStatus;
    if (result.status === 'not_modified') {
      outcome.status = 'not_modified';
      store.commitHarvest({
        runPk: ctx.runPk,
        source,
        plan: null,
        outcome: finish(),
        state: { attemptAt: startedAt, success: true, changed: false, consecutiveFailures: 0, nextAttemptAt: null },
        now: startedAt,
      });
      return finish();
    }

    outcome.warnings.push(...result.warnings);
    if (source.config.type === 'dataset') return commitDataset(ctx, outcome, result, finish);
    for (const d of result.dropped.slice(0, 20)) outcome.warnings.push(`item ${d.index + 1} dropped: ${d.reason}`);
    let read: ReadItems;
    try {
      read = await readItems(ctx, result.items, byIdentity, started);
    } catch (error) {
      return recordFailure(ctx, outcome, error, finish);
    }
    const found = read.items;
    const dropped = result.dropped.length + read.dropped;
    outcome.warnings.push(...read.warnings);
    outcome.itemsFound = found.length;
    outcome.itemsDropped = dropped;

    if (found.length === 0 && (source.activeItems > 0 || result.selectorMatchedNothing)) {
      const message =
        source.config.type === 'html'
          ? result.selectorMatchedNothing
            ? `the page was fetched but the item selector "${source.config.select.item.source}" matches nothing: the site's layout may have changed, check the selectors`
            : 'the page was fetched but none of its items could be read (no title): check the selectors'
          : `the ${source.config.type === 'feed' ? 'feed' : 'document'} was fetched but contains no usable item`;
      return recordFailure(ctx, outcome, new HarvestError('empty', message, { httpStatus: result.httpStatus }), finish);
    }

    const planned = planChanges(existing, found, { goneAfter: harvestSettings.gone_after });
    outcome.itemsNew = planned.counts.new;
    outcome.itemsChanged = planned.counts.changed;
    outcome.itemsGone = planned.counts.gone;
    const changed = planned.counts.new + planned.counts.changed + planned.counts.gone > 0;
    const validators = { etag: result.etag, lastModified: result.lastModified, bodyHash: result.bodyHash };
    if (planned.refusal) {
      outcome.status = 'failed';
      outcome.error = { code: 'empty', message: planned.refusal };
      const failures = source.consecutiveFailures + 1;
      store.commitHarvest({
        runPk: ctx.runPk,
        source,
        plan: planned.plan,
        outcome: finish(),
        // Validators are not kept: the next harvest must read the listing again.
        state: { attemptAt: startedAt, success: false, changed, consecutiveFailures: failures, nextAttemptAt: nextAttempt(ctx, failures, undefined), etag: null, lastModified: null, bodyHash: null },
        now: startedAt,
      });
      return finish();
    }
    outcome.status = 'ok';
    store.commitHarvest({
      runPk: ctx.runPk,
      source,
      plan: planned.plan,
      outcome: finish(),
      state: { attemptAt: startedAt, success: true, changed, consecutiveFailures: 0, nextAttemptAt: null, ...validators },
      now: startedAt,
    });
    crashPoint(`committed:${source.partnerId}/${source.sourceId}`);
    return finish();
  } finally {
    try {
      store.releaseSource(source.pk, ctx.owner);
    } catch {
      // the lease expires on its own
    }
  }
}

/**
 * A dataset source's read file: series and observations written with their provenance, a changed
 * value as a new version. In the run summary, items are observations (found, new, changed =
 * revised) and dropped items the rows that could not be read.
 */
function commitDataset(ctx: SourceContext, outcome: SourceOutcome, result: ConnectorResult & { status: 'ok' }, finish: () => SourceOutcome): SourceOutcome {
  const dataset = result.dataset;
  if (!dataset) return recordFailure(ctx, outcome, new Error('the dataset connector returned no dataset'), finish);
  const startedAt = outcome.startedAt;
  outcome.status = 'ok';
  outcome.itemsDropped = dataset.dropped;
  const validators = { etag: result.etag, lastModified: result.lastModified, bodyHash: result.bodyHash };
  ctx.store.commitDataset({
    runPk: ctx.runPk,
    source: ctx.source,
    dataset,
    outcome: (counts) => {
      outcome.itemsFound = counts.observations;
      outcome.itemsNew = counts.new;
      outcome.itemsChanged = counts.revised;
      return finish();
    },
    state: (counts) => ({ attemptAt: startedAt, success: true, changed: counts.new + counts.revised > 0, consecutiveFailures: 0, nextAttemptAt: null, ...validators }),
    now: startedAt,
  });
  return finish();
}

/** Time the items of one source may take to normalise (sanitising, dates, language). */
export const ITEMS_TIME_LIMIT_MS = 60_000;

export interface ReadItems {
  items: HarvestedItem[];
  dropped: number;
  warnings: string[];
}

/** A short, harmless name for an item in a warning, read without any parser: its title, else the end of its link. */
function itemLabel(raw: RawItem, index: number): string {
  const clean = (text: string) => text.replace(/<[^>]*>?/g, ' ').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  const title = clean((raw.title ?? '').slice(0, 300));
  if (title) return `item ${index + 1} ("${title.length > 60 ? `${title.slice(0, 59)}…` : title}")`;
  const link = clean(raw.link ?? '');
  if (link) return `item ${index + 1} ("${link.length > 60 ? `…${link.slice(-59)}` : link}")`;
  return `item ${index + 1}`;
}

/**
 * The connector's raw items normalised one by one, each in its own guard: an item that throws
 * (however hostile its markup) is dropped with a warning naming it, and the others are kept.
 * Items that would share an identity are told apart (identity.ts); exact duplicates are dropped.
 * Normalising is bounded: past ITEMS_TIME_LIMIT_MS the source fails with `timeout`.
 */
export async function readItems(ctx: SourceContext, raws: RawItem[], byIdentity: Map<string, ExistingItem>, started: Date): Promise<ReadItems> {
  const { source } = ctx;
  const harvestSettings = ctx.settings.portal.harvest;
  const warnings: string[] = [];
  const warn = (text: string) => {
    if (warnings.length < 30) warnings.push(text);
  };
  let dropped = 0;
  let busyMs = 0;
  const normalise = async (raw: RawItem, distinguish?: number): Promise<Normalised> => {
    const context = {
      partnerId: source.partnerId,
      source: source.config,
      maxTextChars: harvestSettings.max_text_chars,
      now: started,
      existing: (identity: string) => byIdentity.get(identity),
      keptScans: ctx.ocr?.kept,
      distinguish,
    };
    const clock = performance.now();
    let normalised = normaliseItem(raw, context);
    busyMs += performance.now() - clock;
    if ('needsDocument' in normalised) {
      const document = await fetchPdfDocument(ctx.client, harvestSettings, normalised.needsDocument);
      const again: RawItem = { ...raw, document: ctx.ocr ? await ctx.ocr.take(document) : document };
      const clockAgain = performance.now();
      normalised = normaliseItem(again, context);
      busyMs += performance.now() - clockAgain;
    }
    if (busyMs > ITEMS_TIME_LIMIT_MS) {
      throw new HarvestError(
        'timeout',
        `reading the items took longer than ${ITEMS_TIME_LIMIT_MS / 1000} s (their markup is unusually heavy, e.g. nested thousands of levels deep): nothing was changed`,
      );
    }
    return normalised;
  };

  const entries: Array<{ index: number; raw: RawItem; item: HarvestedItem }> = [];
  const key = `${source.partnerId}/${source.sourceId}`;
  for (const [index, raw] of raws.entries()) {
    crashPoint(`read:${key}:${index}`);
    let normalised: Normalised;
    try {
      normalised = await normalise(raw);
    } catch (error) {
      if (error instanceof HarvestError) throw error;
      dropped++;
      warn(`${itemLabel(raw, index)} was dropped: it cannot be read (${describeBug(error)})`);
      ctx.log({ level: 'warn', msg: 'item dropped', partner: source.partnerId, source: source.sourceId, item: index + 1, error: (error as Error)?.stack?.slice(0, 2000) });
      continue;
    }
    if ('dropped' in normalised || 'needsDocument' in normalised) {
      dropped++;
      warn(`${itemLabel(raw, index)} was dropped: ${'dropped' in normalised ? normalised.dropped : 'its document could not be read'}`);
      continue;
    }
    if (normalised.titleFallback) {
      const from = normalised.titleFallback === 'link_text' ? 'the text of its link' : 'its address';
      warn(`${itemLabel(raw, index)} has no title of its own: titled "${normalised.item.title.slice(0, 80)}" from ${from}`);
    }
    entries.push({ index, raw, item: normalised.item });
  }

  // Items sharing an identity (podcast episodes linking to one page, without guids) are told apart;
  // one that was in the catalogue alone under the shared identity keeps it.
  const groups = new Map<string, typeof entries>();
  for (const entry of entries) {
    const group = groups.get(entry.item.identity);
    if (group) group.push(entry);
    else groups.set(entry.item.identity, [entry]);
  }
  // Identities that were told apart before stay so when an item is left alone under them.
  const distinguishedBefore = new Set([...byIdentity.keys()].filter((i) => i.includes('\nd:')).map((i) => i.slice(0, i.indexOf('\nd:'))));
  const items: HarvestedItem[] = [];
  const seen = new Map<string, HarvestedItem>();
  /** Exact namesakes met so far per distinguished identity, to number the next one. */
  const ordinals = new Map<string, number>();
  /** The item normalised again with a discriminator; undefined if it cannot be (it keeps its first form). */
  const distinguished = async (raw: RawItem, ordinal: number): Promise<HarvestedItem | undefined> => {
    let again: Normalised;
    try {
      again = await normalise(raw, ordinal);
    } catch (error) {
      if (error instanceof HarvestError) throw error;
      return undefined;
    }
    return 'item' in again ? again.item : undefined;
  };
  let duplicates = 0;
  for (const [identity, group] of groups) {
    const before = byIdentity.get(identity);
    const keeper = group.length > 1 && before ? group.find((e) => e.item.title === before.snapshot.title) : undefined;
    for (const entry of group) {
      let item = entry.item;
      if (group.length === 1 && !before && distinguishedBefore.has(identity)) {
        const again = await normalise(entry.raw, 1).catch(() => undefined);
        if (again && 'item' in again && byIdentity.has(again.item.identity)) item = again.item;
      } else if (group.length > 1 && entry !== keeper) {
        const distinct = await distinguished(entry.raw, 1);
        if (distinct) {
          item = distinct;
          const namesake = seen.get(item.identity);
          if (namesake && namesake.contentHash !== item.contentHash) {
            // Same link, title and date, other content: numbered in the order listed.
            const ordinal = (ordinals.get(item.identity) ?? 1) + 1;
            ordinals.set(item.identity, ordinal);
            item = (await distinguished(entry.raw, ordinal)) ?? item;
          }
        }
      }
      const namesake = seen.get(item.identity);
      if (namesake) {
        // The same item listed twice, word for word.
        duplicates++;
        continue;
      }
      seen.set(item.identity, item);
      items.push(item);
    }
  }
  if (duplicates) {
    dropped += duplicates;
    warn(`${duplicates} item${duplicates === 1 ? ' was' : 's were'} listed twice, word for word: kept once`);
  }
  return { items, dropped, warnings };
}

/** An unexpected error as an operator may read it: its kind, never a stack. */
function describeBug(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'its markup is nested too deeply';
  const name = (error as Error)?.name;
  return name && name !== 'Error' ? `${name}, logged` : 'an unexpected error, logged';
}

function nextAttempt(ctx: SourceContext, failures: number, retryAfter: Date | undefined): string {
  const backoff = ctx.now().getTime() + backoffMs(failures, ctx.random);
  const at = retryAfter && retryAfter.getTime() > backoff ? retryAfter.getTime() : backoff;
  return new Date(Math.min(at, ctx.now().getTime() + BACKOFF_CAP_MS)).toISOString();
}

/** SQLite's own errors (better-sqlite3 gives them SQLITE_* codes): the catalogue cannot be written. */
function isStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

function recordFailure(ctx: SourceContext, outcome: SourceOutcome, error: unknown, finish: () => SourceOutcome): SourceOutcome {
  const harvestError =
    error instanceof HarvestError ? error : new HarvestError('parse', `the source could not be read: ${describeBug(error)}; nothing was changed`);
  if (!(error instanceof HarvestError)) {
    ctx.log({ level: 'error', msg: 'connector bug', partner: ctx.source.partnerId, source: ctx.source.sourceId, error: (error as Error)?.stack });
  }
  outcome.status = 'failed';
  outcome.error = { code: harvestError.code, message: harvestError.message };
  outcome.httpStatus = harvestError.details.httpStatus ?? outcome.httpStatus;
  const failures = ctx.source.consecutiveFailures + 1;
  const startedAt = outcome.startedAt;
  ctx.store.commitHarvest({
    runPk: ctx.runPk,
    source: ctx.source,
    plan: null,
    outcome: finish(),
    state: { attemptAt: startedAt, success: false, changed: false, consecutiveFailures: failures, nextAttemptAt: nextAttempt(ctx, failures, harvestError.details.retryAfter) },
    now: startedAt,
  });
  return finish();
}

export type { ExistingItem };
