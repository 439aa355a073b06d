// What the harvester needs from the catalogue, declared here and implemented by store/. Data
// flows harvester → store, so store/ imports these types and the harvester never sees SQL.
import { type CourseFormat, type DocType, type ErrorCode, type Language, type RunStatus, type Section, type SourceConfig } from '../config/index.ts';
import { type DatasetPayload, type OcrResult } from '../connectors/index.ts';
import { type PageSpan } from './pages.ts';

/** A source as the store knows it: its config and its harvest state. */
export interface SourceRecord {
  pk: number;
  partnerId: string;
  sourceId: string;
  config: SourceConfig;
  configHash: string;
  enabled: boolean;
  etag: string | null;
  lastModified: string | null;
  bodyHash: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastChangeAt: string | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
  /** Items of the source that are not gone. */
  activeItems: number;
}

/** A document (a PDF) an item links to, as last extracted. */
export interface DocumentFacts {
  url: string;
  etag: string | null;
  lastModified: string | null;
  /** sha256 of the extracted text. */
  hash: string;
  pages: number | null;
  scanned: boolean;
  fetchedAt: string;
  /** sha256 of the document's bytes (null: read before issue 17, or not known). */
  fileHash?: string | null;
}

/** Where a scanned document stands with OCR: `waiting` (its file could not be kept yet) to `done`. */
export type OcrJobStatus = 'waiting' | 'queued' | 'running' | 'done' | 'failed';

/** A document with pages to recognise, as the harvest (or a deposit) asks for it. */
export interface OcrRequestFacts {
  fileHash: string;
  /** 1-based pages without a text layer. */
  pages: number[];
  /** The source's (or deposit's) language; null: detected per page. */
  language: Language | null;
  /** Where the file was kept for OCR; null: it could not be (queue full, OCR unavailable): `waiting`. */
  store: 'scans' | 'deposits' | null;
}

/** An item already in the catalogue, with what the harvester compares against. */
export interface ExistingItem {
  pk: number;
  identity: string;
  contentHash: string;
  sortDate: string;
  firstSeenAt: string;
  missingCount: number;
  goneSince: string | null;
  offListingSince: string | null;
  snapshot: ItemSnapshot;
  document: DocumentFacts | null;
  /** Its text has a page map (false: read before issue 17: its document is read again once). */
  paged?: boolean;
  /** Where its document's file stands with OCR, when it was ever asked for. */
  ocrStatus?: OcrJobStatus | null;
}

/** The normalised fields of an item that its content hash covers (and versions record). */
export interface ItemSnapshot {
  title: string;
  url: string;
  summary: string;
  published_at: string | null;
  doc_type: DocType | null;
  language: Language | null;
  /** sha256 of the extracted text, or null without text. */
  text_hash: string | null;
  document_url: string | null;
  /** Training items with course facts only (so other items' hashes are what they were). */
  course?: CourseFacts;
}

/** Course facts of a training item (doc_type `training`): what its course page shows. */
export interface CourseFacts {
  /** First and last day, "YYYY-MM-DD". */
  startsOn: string | null;
  endsOn: string | null;
  format: CourseFormat | null;
  audience: string | null;
  /** The course's language when the partner states it (else the item's applies). */
  language: Language | null;
  registrationUrl: string | null;
  organiser: string | null;
  location: string | null;
}

/** An item as the harvester produced it from one fetch. */
export interface HarvestedItem {
  id: string;
  identity: string;
  guid: string | null;
  url: string;
  title: string;
  /** Sanitised HTML. */
  summary: string;
  /** The summary as plain text, for the search index. */
  summaryText: string;
  language: Language | null;
  section: Section;
  docType: DocType | null;
  publishedAt: string | null;
  author: string | null;
  /** Extracted text (bounded); undefined when unchanged since the stored version (reuse it). */
  text: string | undefined;
  /** Where each page lies in `text` (documents read page by page); absent: text without pages. */
  pageSpans?: PageSpan[];
  /** Pages without a text layer, to recognise (OCR). */
  ocr?: OcrRequestFacts;
  document: DocumentFacts | null;
  contentHash: string;
  snapshot: ItemSnapshot;
  /** Training items: the course facts found (null: none; absent: the item is not a training). */
  course?: CourseFacts | null;
}

/** What a harvest changes in the catalogue, planned by harvester/plan.ts and applied at once. */
export interface ChangePlan {
  inserts: HarvestedItem[];
  /** Items whose content changed (a new version), or that came back after being gone. */
  updates: Array<{ existing: ExistingItem; item: HarvestedItem; event: 'changed' | 'back'; changedFields: string[] }>;
  /** Items listed again after being missing or off the listing: counters reset, no new version. */
  seenAgain: ExistingItem[];
  /** Items not listed this time: their missing count grows (first time: last seen recorded). */
  missing: ExistingItem[];
  /** Items now missing from enough successful harvests to be marked gone. */
  gone: ExistingItem[];
  /** Items older than everything the source lists now: scrolled out of its listing window. */
  offListing: ExistingItem[];
  /**
   * Newest fetch time of a document whose validators were refreshed without a content change;
   * with the item read, so its page map, file hash and OCR request are brought up to date.
   */
  documentRefresh: Array<{ existing: ExistingItem; document: DocumentFacts; item?: HarvestedItem }>;
}

export interface SourceOutcome {
  status: RunStatus;
  startedAt: string;
  durationMs: number;
  itemsFound: number;
  itemsNew: number;
  itemsChanged: number;
  itemsGone: number;
  itemsDropped: number;
  httpStatus: number | null;
  error: { code: ErrorCode; message: string } | null;
  warnings: string[];
}

/** How the source's own state changes after an attempt. */
export interface SourceStateUpdate {
  attemptAt: string;
  success: boolean;
  /** The content changed (new, changed or gone items). */
  changed: boolean;
  etag?: string | null;
  lastModified?: string | null;
  bodyHash?: string | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
}

/** What one read of a dataset file changed (issue 16). */
export interface DatasetCounts {
  /** Observations read from the file. */
  observations: number;
  new: number;
  /** Observations whose value changed: a new version each. */
  revised: number;
  /** Series written. */
  series: number;
}

export type RunTrigger = 'cli' | 'schedule' | 'admin' | 'demo' | 'test';

export interface HarvestStore {
  /** Sources to harvest, enabled ones, optionally narrowed to partners or `partner/source` keys. */
  listSources(filter?: { partners?: string[]; sources?: string[]; includeDisabled?: boolean }): SourceRecord[];
  startRun(trigger: RunTrigger, now: string): number;
  finishRun(runPk: number, now: string): void;
  /** Marks runs left `running` by a process that no longer exists as interrupted; returns how many. */
  markInterruptedRuns(isAlive: (pid: number, host: string) => boolean, now: string): number;
  /** Runs of a process still marked running (to close them when `portal serve` killed it). */
  runningRunsOf(pid: number, host: string): number[];
  /** Source pks that have an outcome in a run. */
  sourcesRecordedIn(runPk: number): number[];
  /** Marks a running run interrupted. */
  interruptRun(runPk: number, now: string): void;
  /** Sources whose lease `owner` holds. */
  sourcesLeasedBy(owner: string): SourceRecord[];
  /** Takes the source for this process until `until`; false when another live process holds it. */
  claimSource(sourcePk: number, owner: string, now: string, until: string): boolean;
  releaseSource(sourcePk: number, owner: string): void;
  existingItems(sourcePk: number): ExistingItem[];
  /** Applies a plan and records the outcome, in one transaction. */
  commitHarvest(args: {
    runPk: number;
    source: SourceRecord;
    plan: ChangePlan | null;
    outcome: SourceOutcome;
    state: SourceStateUpdate;
    now: string;
  }): void;
  /**
   * Writes a dataset source's parsed file (series, new observations, revisions) and records the
   * outcome, in one transaction; `outcome` and `state` are built from what changed.
   */
  commitDataset(args: {
    runPk: number;
    source: SourceRecord;
    dataset: DatasetPayload;
    outcome: (counts: DatasetCounts) => SourceOutcome;
    state: (counts: DatasetCounts) => SourceStateUpdate;
    now: string;
  }): DatasetCounts;
  /** Records the day's freshness figures (the indicators' history). */
  recordDailyFreshness(now: Date): void;
  /** OCR: where a file stands (null: never asked for). */
  ocrStatus(fileHash: string): OcrJobStatus | null;
  /** OCR: documents whose file waits to be kept, and files kept or being read (the queue's length). */
  ocrCounts(): { waiting: number; queued: number };
  /** OCR: keeps a scanned document's bytes until OCR has read them; returns their sha256. */
  keepScan(bytes: Buffer): string;
  /** What the portal last said about OCR being unavailable (said once, until it changes). */
  ocrNotice(): string | undefined;
  setOcrNotice(message: string | null): void;
  /** The version of the summary sanitiser the stored summaries went through (1 when never recorded). */
  summariesSanitizedWith(): number;
  setSummariesSanitizedWith(version: number): void;
  /** Stored summaries holding `fragment`, pk past `afterPk`, `limit` at a time (a repair's candidates). */
  summariesWith(fragment: string, afterPk: number, limit: number): Array<{ pk: number; summary: string }>;
  /** Rewrites summaries' HTML, in one transaction (their text, hence the search index, is unchanged). */
  rewriteSummaries(rows: Array<{ pk: number; summary: string }>): void;
}

/** A scanned document taken from the queue by an OCR worker. */
export interface OcrJob {
  fileHash: string;
  store: 'scans' | 'deposits';
  language: Language | null;
  pages: number[];
  attempts: number;
}

/** What the OCR worker (harvester/ocr-queue.ts) needs from the catalogue. */
export interface OcrQueueStore {
  /** Jobs left `running` by a process that is gone go back to the queue; returns how many. */
  releaseStaleOcrJobs(isAlive: (owner: string) => boolean, now: string): number;
  /** Takes the oldest queued job for `owner`; undefined when none is left. */
  claimOcrJob(owner: string, now: string): OcrJob | undefined;
  /** The job's file; undefined when it is gone (it becomes `waiting`: read again at a harvest). */
  ocrFile(job: OcrJob): Buffer | undefined;
  /** Saves what was recognised and gives the text to every item whose document is that file. */
  completeOcrJob(job: OcrJob, result: OcrResult & { status: 'ok' }, now: string, maxChars: number): { items: number; pages: number };
  failOcrJob(job: OcrJob, code: string, message: string, now: string): void;
  /** Puts a job back in the queue (the worker stopped, or OCR turned out unavailable). */
  releaseOcrJob(job: OcrJob): void;
  ocrCounts(): { waiting: number; queued: number };
  ocrNotice(): string | undefined;
  setOcrNotice(message: string | null): void;
}
