// OCR in the background. A harvest (or a deposit) that meets a PDF whose pages have no text layer
// keeps its bytes and queues it (OcrIntake, bounded by `harvest.ocr_queue`); the queue is read by
// `runOcrQueue`, which `npx portal ocr` runs and `portal serve` starts in a child process of its
// own after harvests, so OCR never delays a harvest or a page. The engine (connectors/ocr.ts) runs
// pdftoppm and Tesseract in killable, memory-limited processes, `harvest.ocr_concurrency` at once.
//
// When the programs are missing the portal says so once (the notice is kept in the catalogue, so
// neither each harvest nor each worker repeats it), scans stay flagged and nothing else changes;
// a document met meanwhile is `waiting`, and is read again by a harvest once OCR works.
import os from 'node:os';
import { type PortalSettings } from '../config/index.ts';
import { OcrEngine, ocrOptionsFrom, type DocumentOutcome } from '../connectors/index.ts';
import { type ExistingItem, type HarvestStore, type OcrJob, type OcrQueueStore } from './ports.ts';

type Log = (entry: Record<string, unknown>) => void;
type NoticeStore = Pick<HarvestStore, 'ocrNotice' | 'setOcrNotice'>;

/**
 * Whether OCR can run here, saying so once when it cannot (and once when it can again). The
 * notice is kept in the catalogue: harvest children and OCR workers come and go.
 */
export async function ocrAvailable(engine: OcrEngine, store: NoticeStore, log: Log): Promise<{ available: boolean; message?: string }> {
  const availability = await engine.availability();
  const said = store.ocrNotice();
  if (!availability.available) {
    const message = availability.message ?? 'OCR is unavailable';
    if (said !== message) {
      store.setOcrNotice(message);
      log({ level: 'warn', msg: 'OCR unavailable: scanned documents stay flagged without text', reason: message });
    }
    return { available: false, message };
  }
  if (said !== undefined) {
    store.setOcrNotice(null);
    log({ level: 'info', msg: 'OCR available again: scanned documents will be read' });
  }
  return { available: true };
}

/**
 * What one harvest pass does for OCR: keeps the bytes of scanned documents for the queue while
 * it has room, and re-reads documents that wait for their bytes to be kept.
 */
export class OcrIntake {
  /** Files kept by this pass (sha256): their items are queued when they are written. */
  readonly kept = new Set<string>();
  private room: number | undefined;
  private probe: Promise<boolean> | undefined;

  constructor(
    private readonly settings: PortalSettings,
    private readonly store: HarvestStore,
    private readonly log: Log,
    private readonly engine?: OcrEngine,
  ) {}

  /** Checks OCR up front when documents wait to be read again (their sources must know before fetching). */
  async prepare(): Promise<void> {
    if (this.settings.portal.harvest.ocr_concurrency > 0 && this.store.ocrCounts().waiting > 0) await this.available();
  }

  private available(): Promise<boolean> {
    if (this.settings.portal.harvest.ocr_concurrency === 0) return Promise.resolve(false);
    this.probe ??= (async () => {
      // The engine is only asked whether the programs are there: it says nothing itself.
      const engine = this.engine ?? new OcrEngine(ocrOptionsFrom(this.settings.portal.harvest));
      const { available } = await ocrAvailable(engine, this.store, this.log);
      if (available) this.room = Math.max(0, this.settings.portal.harvest.ocr_queue - this.store.ocrCounts().queued);
      return available;
    })();
    return this.probe;
  }

  /** Room left in the queue, known once OCR was found available (else 0). */
  private roomLeft(): number {
    return this.room ?? 0;
  }

  /**
   * Documents of a source to read again in full (not from the cache, not as "not modified"):
   * those read before pages were kept, and, while the queue has room, scans waiting for their
   * file to be kept.
   */
  rereads(existing: readonly ExistingItem[]): Set<string> {
    const urls = new Set<string>();
    let budget = this.roomLeft();
    for (const item of existing) {
      if (!item.document || item.goneSince) continue;
      if (item.paged === false) urls.add(item.document.url);
      else if (item.ocrStatus === 'waiting' && budget > 0) {
        urls.add(item.document.url);
        budget--;
      }
    }
    return urls;
  }

  /**
   * A fetched document's bytes are dropped from the outcome; kept for OCR when it has pages
   * without a text layer that were never read or queued, OCR works and the queue has room.
   */
  async take<T extends DocumentOutcome | undefined>(outcome: T): Promise<T> {
    if (!outcome || outcome.kind !== 'fetched' || !outcome.scan) return outcome;
    const bytes = outcome.scan;
    delete outcome.scan;
    const status = this.store.ocrStatus(outcome.fileHash);
    if (status !== null && status !== 'waiting') return outcome;
    if (this.kept.has(outcome.fileHash)) return outcome;
    if (!(await this.available()) || this.roomLeft() <= 0) return outcome;
    try {
      this.store.keepScan(bytes);
    } catch (error) {
      // A full disk: the scan waits for a later harvest, the harvest goes on.
      this.log({ level: 'warn', msg: 'a scanned document could not be kept for OCR', error: (error as Error).message });
      return outcome;
    }
    this.kept.add(outcome.fileHash);
    this.room = this.roomLeft() - 1;
    return outcome;
  }
}

// ---------------------------------------------------------------- the worker

export interface OcrRunOptions {
  store: OcrQueueStore;
  settings: PortalSettings;
  /** Injected by tests; otherwise built from `harvest.ocr_*`. */
  engine?: OcrEngine;
  log?: Log;
  now?: () => Date;
  /** Stops the run: running programs are killed and their documents go back to the queue. */
  signal?: AbortSignal;
  /** Documents read at most in this run (default: until the queue is empty). */
  maxDocuments?: number;
  /** Whether the process that holds a running job is alive (default: this host's processes). */
  ownerAlive?: (owner: string) => boolean;
}

export interface OcrRunSummary {
  /** Documents read (done) and failed in this run. */
  documents: number;
  failed: number;
  /** Pages recognised, and items that got text. */
  pages: number;
  items: number;
  /** Why nothing was read, when OCR is turned off or not installed. */
  unavailable?: string;
  /** Documents left in the queue. */
  remaining: number;
  durationMs: number;
}

export const OCR_OWNER = `${os.hostname()}:${process.pid}`;

/** A job's owner (`host:pid`) is alive: another host is assumed alive; here, its process answers. */
export function ocrOwnerAlive(owner: string): boolean {
  const at = owner.lastIndexOf(':');
  const host = owner.slice(0, at);
  const pid = Number(owner.slice(at + 1));
  if (host !== os.hostname()) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads the queue: `ocr_concurrency` documents at a time, each saved as soon as it is read (so a
 * stopped run loses at most the documents under way, which go back to the queue).
 */
export async function runOcrQueue(options: OcrRunOptions): Promise<OcrRunSummary> {
  const started = performance.now();
  const { store, settings } = options;
  const harvest = settings.portal.harvest;
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const summary: OcrRunSummary = { documents: 0, failed: 0, pages: 0, items: 0, remaining: 0, durationMs: 0 };
  const finish = () => ({ ...summary, remaining: store.ocrCounts().queued, durationMs: Math.round(performance.now() - started) });
  if (harvest.ocr_concurrency === 0) return { ...finish(), unavailable: 'OCR is turned off (harvest.ocr_concurrency: 0)' };
  const engine = options.engine ?? new OcrEngine(ocrOptionsFrom(harvest));
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    store.releaseStaleOcrJobs(options.ownerAlive ?? ocrOwnerAlive, now().toISOString());
    const availability = await ocrAvailable(engine, store, log);
    if (!availability.available) return { ...finish(), unavailable: availability.message };
    let taken = 0;
    const one = async (job: OcrJob) => {
      const pdf = store.ocrFile(job);
      if (!pdf) {
        log({ level: 'warn', msg: 'OCR: the kept file is missing; the document is read again at its next harvest', file: job.fileHash });
        return;
      }
      const result = await engine.recognise({ pdf, language: job.language, pages: job.pages.length ? job.pages : undefined, signal: stop.signal });
      if (stop.signal.aborted) {
        store.releaseOcrJob(job);
        return;
      }
      if (result.status === 'unavailable') {
        store.releaseOcrJob(job);
        summary.unavailable = result.message;
        stop.abort();
        return;
      }
      if (result.status === 'failed') {
        if (result.code === 'closed' || result.code === 'queue_full') {
          store.releaseOcrJob(job);
          return;
        }
        store.failOcrJob(job, result.code, result.message, now().toISOString());
        summary.failed++;
        log({ level: 'warn', msg: 'OCR failed', file: job.fileHash, code: result.code, reason: result.message });
        return;
      }
      const written = store.completeOcrJob(job, result, now().toISOString(), harvest.max_text_chars);
      summary.documents++;
      summary.pages += written.pages;
      summary.items += written.items;
      log({ level: 'info', msg: 'OCR done', file: job.fileHash, pages: written.pages, failed_pages: result.failed.length, items: written.items, ms: result.durationMs });
    };
    const worker = async () => {
      while (!stop.signal.aborted && (options.maxDocuments === undefined || taken < options.maxDocuments)) {
        const job = store.claimOcrJob(OCR_OWNER, now().toISOString());
        if (!job) return;
        taken++;
        try {
          await one(job);
        } catch (error) {
          // The catalogue could not be written: the job goes back, the run stops.
          try {
            store.releaseOcrJob(job);
          } catch {
            // released at the next run (its owner is gone by then)
          }
          stop.abort();
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, harvest.ocr_concurrency) }, worker));
    return finish();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!options.engine) engine.close();
  }
}
