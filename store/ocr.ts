// The OCR queue: scanned documents waiting to be read, one per file (the sha256 of its bytes), and
// the text recognised on their pages, kept by file so a document is read again only when its file
// changes. Harvests and deposits ask for a file (`request`); the OCR worker (`portal ocr`, started
// by `portal serve`) claims queued files one by one and saves what it read, which every item
// whose document is that file then shows and is found by (ItemsStore.applyRecognised).
//
// A harvested scan's bytes are kept under `scans/` beside the database until they are read
// (written once, content-addressed, then removed); a deposit's file already lives in `deposits/`.
// A document whose file could not be kept (the queue was full, or OCR is unavailable) is
// `waiting`: the next harvest that meets it reads it again and keeps it when there is room.
import { type Language } from '../config/index.ts';
import { type OcrJob, type OcrJobStatus } from '../harvester/ports.ts';
import { type Sqlite } from './db.ts';
import { type FileStore } from './files.ts';
import { parseJson } from './util.ts';

/** An OCR job as the admin area and the tests read it. */
export interface OcrJobRow {
  file_hash: string;
  status: OcrJobStatus;
  store: string;
  language: Language | null;
  pages: number[];
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  pages_read: number;
  error_code: string | null;
  error_message: string | null;
  duration_ms: number | null;
}

/** A job is given back to the queue after this many runs that did not finish (a worker killed each time). */
export const OCR_MAX_ATTEMPTS = 3;

export class OcrStore {
  constructor(
    private readonly sqlite: Sqlite,
    /** Harvested scans kept until read. */
    readonly scans: FileStore,
    /** Deposited files (read in place). */
    private readonly deposits: FileStore,
  ) {}

  status(fileHash: string): OcrJobStatus | null {
    return (this.sqlite.prepare('SELECT status FROM ocr_jobs WHERE file_hash = ?').pluck().get(fileHash) as OcrJobStatus | undefined) ?? null;
  }

  /** Documents waiting for their file to be kept, and files kept and not read yet (running ones too). */
  counts(): { waiting: number; queued: number } {
    const rows = this.sqlite.prepare("SELECT status, count(*) AS n FROM ocr_jobs WHERE status IN ('waiting', 'queued', 'running') GROUP BY status").all() as Array<{
      status: string;
      n: number;
    }>;
    const n = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
    return { waiting: n('waiting'), queued: n('queued') + n('running') };
  }

  /**
   * A document asks to be read. A file never asked for is queued (or `waiting` when its bytes
   * could not be kept); a `waiting` one is queued once its bytes are kept. A file queued, being
   * read, read or failed is left as it is: OCR is redone only when the file changes.
   */
  request(fileHash: string, pages: number[], language: Language | null, store: 'scans' | 'deposits' | null, now: string): void {
    const current = this.status(fileHash);
    const pagesJson = JSON.stringify([...new Set(pages)].sort((a, b) => a - b));
    if (current === null) {
      this.sqlite
        .prepare('INSERT INTO ocr_jobs (file_hash, status, store, language, pages, queued_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(fileHash, store ? 'queued' : 'waiting', store ?? 'scans', language, pagesJson, now);
    } else if (current === 'waiting' && store) {
      this.sqlite
        .prepare("UPDATE ocr_jobs SET status = 'queued', store = ?, language = ?, pages = ?, queued_at = ? WHERE file_hash = ? AND status = 'waiting'")
        .run(store, language, pagesJson, now, fileHash);
    }
  }

  releaseStale(isAlive: (owner: string) => boolean): number {
    const running = this.sqlite.prepare("SELECT file_hash, owner FROM ocr_jobs WHERE status = 'running'").all() as Array<{ file_hash: string; owner: string | null }>;
    let released = 0;
    for (const job of running) {
      if (job.owner && isAlive(job.owner)) continue;
      this.sqlite.prepare("UPDATE ocr_jobs SET status = 'queued', owner = NULL WHERE file_hash = ? AND status = 'running'").run(job.file_hash);
      released++;
    }
    return released;
  }

  claim(owner: string, now: string): OcrJob | undefined {
    return this.sqlite.transaction(() => {
      const row = this.sqlite
        .prepare("SELECT file_hash, store, language, pages, attempts FROM ocr_jobs WHERE status = 'queued' ORDER BY queued_at, file_hash LIMIT 1")
        .get() as { file_hash: string; store: string; language: Language | null; pages: string; attempts: number } | undefined;
      if (!row) return undefined;
      this.sqlite
        .prepare("UPDATE ocr_jobs SET status = 'running', owner = ?, started_at = ?, attempts = attempts + 1 WHERE file_hash = ?")
        .run(owner, now, row.file_hash);
      return {
        fileHash: row.file_hash,
        store: row.store === 'deposits' ? 'deposits' : 'scans',
        language: row.language,
        pages: parseJson<number[]>(row.pages, []).filter((p) => Number.isInteger(p) && p >= 1),
        attempts: row.attempts + 1,
      } satisfies OcrJob;
    }).immediate();
  }

  file(job: OcrJob): Buffer | undefined {
    const files = job.store === 'deposits' ? this.deposits : this.scans;
    if (!files.has(job.fileHash)) {
      // Kept files are removed only once read; one missing (a restored backup does not carry them)
      // is read again at the next harvest that meets its document.
      this.sqlite.prepare("UPDATE ocr_jobs SET status = 'waiting', owner = NULL WHERE file_hash = ?").run(job.fileHash);
      return undefined;
    }
    return files.read(job.fileHash);
  }

  /** Saves the recognised pages (bounded to `maxChars` together) and marks the job done. */
  saveRecognised(job: OcrJob, pages: Array<{ page: number; text: string; language: Language | null }>, summary: { failed: string | null; durationMs: number }, now: string, maxChars: number): Map<number, string> {
    const insert = this.sqlite.prepare('INSERT OR REPLACE INTO ocr_pages (file_hash, page, text, language) VALUES (?, ?, ?, ?)');
    this.sqlite.prepare('DELETE FROM ocr_pages WHERE file_hash = ?').run(job.fileHash);
    const kept = new Map<number, string>();
    let room = maxChars;
    for (const page of pages) {
      if (room <= 0) break;
      const text = page.text.length > room ? page.text.slice(0, room) : page.text;
      if (!text.trim()) continue;
      insert.run(job.fileHash, page.page, text, page.language);
      kept.set(page.page, text);
      room -= text.length;
    }
    this.sqlite
      .prepare(
        `UPDATE ocr_jobs SET status = 'done', owner = NULL, finished_at = ?, pages_read = ?, error_code = ?, error_message = ?, duration_ms = ?
         WHERE file_hash = ?`,
      )
      .run(now, kept.size, summary.failed ? 'pages_failed' : null, summary.failed, summary.durationMs, job.fileHash);
    return kept;
  }

  /** The text recognised on a file's pages, by page. */
  recognised(fileHash: string): Map<number, string> {
    const rows = this.sqlite.prepare('SELECT page, text FROM ocr_pages WHERE file_hash = ? ORDER BY page').all(fileHash) as Array<{ page: number; text: string }>;
    return new Map(rows.map((r) => [r.page, r.text]));
  }

  /** The language OCR gave each page of a file (the text view's direction and `lang`). */
  pageLanguages(fileHash: string): Map<number, Language | null> {
    const rows = this.sqlite.prepare('SELECT page, language FROM ocr_pages WHERE file_hash = ?').all(fileHash) as Array<{ page: number; language: Language | null }>;
    return new Map(rows.map((r) => [r.page, r.language]));
  }

  fail(job: OcrJob, code: string, message: string, now: string): void {
    this.sqlite
      .prepare("UPDATE ocr_jobs SET status = 'failed', owner = NULL, finished_at = ?, error_code = ?, error_message = ? WHERE file_hash = ?")
      .run(now, code, message.slice(0, 500), job.fileHash);
  }

  release(job: OcrJob): void {
    // A job that keeps being interrupted (its worker killed mid-way each time) fails at last.
    this.sqlite
      .prepare(
        `UPDATE ocr_jobs SET owner = NULL,
           status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'queued' END,
           error_code = CASE WHEN attempts >= ? THEN 'interrupted' ELSE error_code END,
           error_message = CASE WHEN attempts >= ? THEN 'the OCR of this document was interrupted ' || attempts || ' times' ELSE error_message END
         WHERE file_hash = ? AND status = 'running'`,
      )
      .run(OCR_MAX_ATTEMPTS, OCR_MAX_ATTEMPTS, OCR_MAX_ATTEMPTS, job.fileHash);
  }

  /** Removes a harvested scan's file once it is read or failed for good (a deposit's file stays). */
  dropScan(job: OcrJob): void {
    if (job.store !== 'scans') return;
    const stillNeeded = this.sqlite.prepare("SELECT 1 FROM ocr_jobs WHERE file_hash = ? AND status IN ('queued', 'running')").get(job.fileHash);
    if (!stillNeeded) this.scans.remove(job.fileHash);
  }

  /**
   * Kept scans no job wants any more (a harvest that failed after keeping one): removed once a day
   * old (a harvest under way keeps a file before it commits its job).
   */
  sweepScans(now = Date.now()): number {
    let removed = 0;
    for (const hash of this.scans.list()) {
      if (now - this.scans.modifiedAt(hash) < 86_400_000) continue;
      const wanted = this.sqlite.prepare("SELECT 1 FROM ocr_jobs WHERE file_hash = ? AND status IN ('queued', 'running')").get(hash);
      if (!wanted) {
        this.scans.remove(hash);
        removed++;
      }
    }
    return removed;
  }

  jobs(limit = 100): OcrJobRow[] {
    const rows = this.sqlite
      .prepare(
        `SELECT file_hash, status, store, language, pages, queued_at, started_at, finished_at, attempts, pages_read, error_code, error_message, duration_ms
         FROM ocr_jobs ORDER BY queued_at DESC LIMIT ?`,
      )
      .all(limit) as Array<Omit<OcrJobRow, 'pages'> & { pages: string }>;
    return rows.map((r) => ({ ...r, pages: parseJson<number[]>(r.pages, []) }));
  }
}
