// The store's one entry point: `openStore(file)` gives every aggregate, and implements the
// harvester's HarvestStore port. Nothing outside store/ sees SQL or the database driver.
import fs from 'node:fs';
import { type PortalSettings } from '../config/index.ts';
import { type DatasetPayload } from '../connectors/index.ts';
import { type OcrResult } from '../connectors/index.ts';
import {
  type ChangePlan,
  type DatasetCounts,
  type HarvestStore,
  type OcrJob,
  type OcrJobStatus,
  type OcrQueueStore,
  type RunTrigger,
  type SourceOutcome,
  type SourceRecord,
  type SourceStateUpdate,
} from '../harvester/ports.ts';
import { crashPoint } from '../harvester/crash-points.ts';
import { DatasetsStore } from './datasets.ts';
import { openDatabase, type OpenOptions, type Sqlite } from './db.ts';
import { DepositsStore } from './deposits.ts';
import { FileStore, filesDirFor } from './files.ts';
import { ItemsStore } from './items.ts';
import { LibraryStore } from './library.ts';
import { OcrStore } from './ocr.ts';
import { PartnersStore, type SyncResult } from './partners.ts';
import { RemindersStore } from './reminders.ts';
import { RunsStore } from './runs.ts';
import { StatsStore } from './stats.ts';
import { SuggestionsStore } from './suggestions.ts';
import { UsersStore } from './users.ts';

export type { ItemDetail, ItemFilters, ItemRow, ItemText, ItemVersion, FacetCounts, FtsQuery, Page, SearchOptions, SearchPage } from './items.ts';
export { OCR_MAX_ATTEMPTS, type OcrJobRow } from './ocr.ts';
export type { PartnerRow, SourceRow, SyncResult } from './partners.ts';
export type { RunSummary, RunSourceSummary } from './runs.ts';
export type { FreshnessReport, PartnerFreshnessRow, SourceFreshnessRow, Indicators, PartnerFreshness, SourceFreshness } from './stats.ts';
export { PARTNER_FRESHNESS, lastMonths } from './stats.ts';
export type { SuggestionRow, SuggestionStatus, NewSuggestion } from './suggestions.ts';
export { SUGGESTION_STATUSES } from './suggestions.ts';
export { INDEXED_TEXT_CHARS, hasFilters } from './items.ts';
export type { OaiFilter, OaiCursor, OaiRecordRow, CourseRow, CourseListRow, CollectionRow, SitemapFile } from './library.ts';
export { RANK_WINDOW, complete } from './search.ts';
export { ROLES, type Role, type UserRow, type SessionRow, type AuditEntry } from './users.ts';
export { describeStorageError } from './db.ts';
export { DEPOSIT_STATUSES, DepositRefused, type DepositDetail, type DepositFields, type DepositFile, type DepositRevision, type DepositStatus, type DepositSummary, type PublishContext } from './deposits.ts';
export { FileStore, filesDirFor, hashFile } from './files.ts';
export { backupDatabase, restoreDatabase, databaseHolders, BackupError, type BackupResult, type RestoreResult, type Holder } from './backup.ts';
export type { ReminderKind, ReminderMessage, ReminderRow, ReminderStatus } from './reminders.ts';
export { headlinePoints, sameValue, type SeriesRow, type SeriesDisplay, type ObservationRow, type RevisionRow } from './datasets.ts';

export class Store implements HarvestStore, OcrQueueStore {
  readonly partners: PartnersStore;
  readonly items: ItemsStore;
  readonly runs: RunsStore;
  readonly stats: StatsStore;
  readonly suggestions: SuggestionsStore;
  readonly users: UsersStore;
  readonly deposits: DepositsStore;
  readonly reminders: RemindersStore;
  /** Deposited files, content-addressed under the data directory. */
  readonly files: FileStore;
  readonly library: LibraryStore;
  readonly datasets: DatasetsStore;
  /** The OCR queue and the text recognised on scanned documents. */
  readonly ocr: OcrStore;

  constructor(
    private readonly sqlite: Sqlite,
    filesDir: string,
    scansDir: string,
    options: StoreOptions = {},
    /** The scans folder is this store's alone (an in-memory catalogue's): removed when it closes. */
    private readonly privateScans = false,
  ) {
    this.partners = new PartnersStore(sqlite);
    this.files = new FileStore(filesDir);
    this.ocr = new OcrStore(sqlite, new FileStore(scansDir), this.files);
    this.items = new ItemsStore(sqlite, this.ocr, options.rankWindow, options.searchCacheBytes);
    this.runs = new RunsStore(sqlite);
    this.stats = new StatsStore(sqlite);
    this.suggestions = new SuggestionsStore(sqlite);
    this.users = new UsersStore(sqlite);
    this.deposits = new DepositsStore(sqlite, this.items, this.partners, () => this.stats.invalidate());
    this.reminders = new RemindersStore(sqlite);
    this.library = new LibraryStore(sqlite);
    this.datasets = new DatasetsStore(sqlite);
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
    if (this.privateScans) fs.rmSync(this.ocr.scans.dir, { recursive: true, force: true });
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T {
    return this.sqlite.transaction(fn)();
  }

  /**
   * Changes since this connection last looked: SQLite's data_version moves when another connection
   * commits. The publisher drops its page cache when it moves.
   */
  dataVersion(): number {
    return this.sqlite.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Diagnostics for benchmarks and tests: counts every row written to the item tables (items,
   * their texts, versions and search rows) from now on, through temporary triggers.
   */
  countItemWrites(): () => number {
    this.sqlite.exec(`
      CREATE TEMP TABLE IF NOT EXISTS item_write_count (n INTEGER NOT NULL);
      DELETE FROM item_write_count; INSERT INTO item_write_count VALUES (0);
      CREATE TEMP TRIGGER IF NOT EXISTS count_item_insert AFTER INSERT ON items BEGIN UPDATE item_write_count SET n = n + 1; END;
      CREATE TEMP TRIGGER IF NOT EXISTS count_item_update AFTER UPDATE ON items BEGIN UPDATE item_write_count SET n = n + 1; END;
      CREATE TEMP TRIGGER IF NOT EXISTS count_text_insert AFTER INSERT ON item_texts BEGIN UPDATE item_write_count SET n = n + 1; END;
      CREATE TEMP TRIGGER IF NOT EXISTS count_version_insert AFTER INSERT ON item_versions BEGIN UPDATE item_write_count SET n = n + 1; END;
    `);
    return () => (this.sqlite.prepare('SELECT n FROM item_write_count').get() as { n: number }).n;
  }

  /** True when the database answers. */
  ping(): boolean {
    try {
      return (this.sqlite.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
    } catch {
      return false;
    }
  }

  /** Checks the database file; "ok" when sound. */
  integrityCheck(): string {
    return String(this.sqlite.pragma('integrity_check', { simple: true }));
  }

  syncConfig(settings: PortalSettings, now: string, keepPartnerIds: readonly string[] = []): SyncResult {
    this.stats.invalidate();
    return this.partners.sync(settings, now, keepPartnerIds);
  }

  getMeta(key: string): string | undefined {
    return (this.sqlite.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.sqlite.prepare('DELETE FROM meta WHERE key = ?').run(key);
    else
      this.sqlite
        .prepare(
          `INSERT INTO meta (key, value, updated_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
           ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        )
        .run(key, value);
  }

  // ---------------------------------------------------------------- HarvestStore

  listSources(filter?: { partners?: string[]; sources?: string[]; includeDisabled?: boolean }): SourceRecord[] {
    return this.partners.sources(filter);
  }

  startRun(trigger: RunTrigger, now: string): number {
    return this.runs.start(trigger, now);
  }

  finishRun(runPk: number, now: string): void {
    this.runs.finish(runPk, now);
  }

  markInterruptedRuns(isAlive: (pid: number, host: string) => boolean, now: string): number {
    const dead = this.runs.markInterrupted(isAlive, now);
    for (const run of dead) this.partners.releaseLeasesOf(`${run.host}:${run.pid}:`);
    return dead.length;
  }

  runningRunsOf(pid: number, host: string): number[] {
    return this.runs.runningOf(pid, host);
  }

  sourcesRecordedIn(runPk: number): number[] {
    return this.runs.sourcesIn(runPk);
  }

  interruptRun(runPk: number, now: string): void {
    this.runs.interrupt(runPk, now);
  }

  sourcesLeasedBy(owner: string): SourceRecord[] {
    return this.partners.leasedBy(owner);
  }

  claimSource(sourcePk: number, owner: string, now: string, until: string): boolean {
    return this.partners.claim(sourcePk, owner, now, until);
  }

  releaseSource(sourcePk: number, owner: string): void {
    this.partners.release(sourcePk, owner);
  }

  existingItems(sourcePk: number) {
    return this.items.existing(sourcePk);
  }

  commitHarvest(args: { runPk: number; source: SourceRecord; plan: ChangePlan | null; outcome: SourceOutcome; state: SourceStateUpdate; now: string }): void {
    this.sqlite.transaction(() => {
      const since = new Date().toISOString();
      if (args.plan) {
        this.items.apply(args.source, args.plan, args.runPk, args.now);
        this.library.applyCourses(args.plan);
        this.library.restamp(since, new Date().toISOString());
        crashPoint(`writing:${args.source.partnerId}/${args.source.sourceId}`);
      }
      this.runs.record(args.runPk, args.source.pk, args.outcome, args.state);
    })();
    this.stats.invalidate();
  }

  commitDataset(args: {
    runPk: number;
    source: SourceRecord;
    dataset: DatasetPayload;
    outcome: (counts: DatasetCounts) => SourceOutcome;
    state: (counts: DatasetCounts) => SourceStateUpdate;
    now: string;
  }): DatasetCounts {
    const counts = this.sqlite.transaction(() => {
      const written = this.datasets.commit(args.source, args.dataset, args.runPk, args.now);
      this.runs.record(args.runPk, args.source.pk, args.outcome(written), args.state(written));
      return written;
    })();
    this.stats.invalidate();
    return counts;
  }

  recordDailyFreshness(now: Date): void {
    this.stats.recordDailyFreshness(now);
  }

  // ---------------------------------------------------------------- OCR (HarvestStore, OcrQueueStore)

  ocrStatus(fileHash: string): OcrJobStatus | null {
    return this.ocr.status(fileHash);
  }

  ocrCounts(): { waiting: number; queued: number } {
    return this.ocr.counts();
  }

  keepScan(bytes: Buffer): string {
    return this.ocr.scans.putSync(bytes);
  }

  ocrNotice(): string | undefined {
    return this.getMeta('ocr_unavailable');
  }

  setOcrNotice(message: string | null): void {
    this.setMeta('ocr_unavailable', message);
  }

  summariesSanitizedWith(): number {
    return Number(this.getMeta('summary_sanitizer') ?? 1);
  }

  setSummariesSanitizedWith(version: number): void {
    this.setMeta('summary_sanitizer', String(version));
  }

  summariesWith(fragment: string, afterPk: number, limit: number): Array<{ pk: number; summary: string }> {
    return this.items.summariesWith(fragment, afterPk, limit);
  }

  rewriteSummaries(rows: Array<{ pk: number; summary: string }>): void {
    this.items.rewriteSummaries(rows);
  }

  releaseStaleOcrJobs(isAlive: (owner: string) => boolean): number {
    return this.ocr.releaseStale(isAlive);
  }

  claimOcrJob(owner: string, now: string): OcrJob | undefined {
    return this.ocr.claim(owner, now);
  }

  ocrFile(job: OcrJob): Buffer | undefined {
    return this.ocr.file(job);
  }

  completeOcrJob(job: OcrJob, result: OcrResult & { status: 'ok' }, now: string, maxChars: number): { items: number; pages: number } {
    const failed = result.failed.length ? result.failed.map((f) => `p. ${f.page}: ${f.message}`).join('; ').slice(0, 500) : null;
    const outcome = this.sqlite.transaction(() => {
      const kept = this.ocr.saveRecognised(job, result.pages, { failed, durationMs: result.durationMs }, now, maxChars);
      return { items: this.items.applyRecognised(job.fileHash, now), pages: kept.size };
    })();
    this.ocr.dropScan(job);
    this.stats.invalidate();
    return outcome;
  }

  failOcrJob(job: OcrJob, code: string, message: string, now: string): void {
    this.ocr.fail(job, code, message, now);
    this.ocr.dropScan(job);
  }

  releaseOcrJob(job: OcrJob): void {
    this.ocr.release(job);
  }
}

export interface StoreOptions extends OpenOptions {
  /** Body-tier matches a search ranks together (store/search.ts; default RANK_WINDOW). */
  rankWindow?: number;
  /** Bytes of search results a connection keeps (store/search.ts; default 8 MB). */
  searchCacheBytes?: number;
  /** Where deposited files live; by default `deposits/` beside the database (a private temporary folder for ':memory:'). */
  filesDir?: string;
  /** Where scans wait for OCR; by default `scans/` beside the database (a private temporary folder for ':memory:'). */
  scansDir?: string;
}

/** Opens the catalogue. */
export function openStore(file: string, options: StoreOptions = {}): Store {
  const { sqlite } = openDatabase(file, options);
  return new Store(
    sqlite,
    options.filesDir ?? filesDirFor(file),
    options.scansDir ?? filesDirFor(file, 'scans'),
    options,
    file === ':memory:' && !options.scansDir,
  );
}
export { Vocabulary, editDistance } from './vocabulary.ts';
export type { VocabularyWord } from './vocabulary.ts';
