// Harvest runs and each source's outcome in them, and the source state an outcome updates.
import os from 'node:os';
import { type ErrorCode, type RunStatus } from '../config/index.ts';
import { type RunTrigger, type SourceOutcome, type SourceStateUpdate } from '../harvester/ports.ts';
import { type Sqlite } from './db.ts';
import { parseJson } from './util.ts';

export interface RunSourceSummary {
  partner: string;
  source: string;
  status: RunStatus;
  items_found: number;
  items_new: number;
  items_changed: number;
  items_gone: number;
  items_dropped: number;
  http_status: number | null;
  error: { code: ErrorCode; message: string } | null;
  duration_ms: number;
  started_at: string;
  warnings: string[];
}

export interface RunSummary {
  run_id: number;
  started_at: string;
  finished_at: string | null;
  status: string;
  trigger: string;
  sources: RunSourceSummary[];
}

interface RawRunSource {
  partner: string;
  source: string;
  status: RunStatus;
  items_found: number;
  items_new: number;
  items_changed: number;
  items_gone: number;
  items_dropped: number;
  http_status: number | null;
  error_code: ErrorCode | null;
  error_message: string | null;
  duration_ms: number;
  started_at: string;
  warnings: string;
}

const toSummary = (r: RawRunSource): RunSourceSummary => ({
  partner: r.partner,
  source: r.source,
  status: r.status,
  items_found: r.items_found,
  items_new: r.items_new,
  items_changed: r.items_changed,
  items_gone: r.items_gone,
  items_dropped: r.items_dropped,
  http_status: r.http_status,
  error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  duration_ms: r.duration_ms,
  started_at: r.started_at,
  warnings: parseJson<string[]>(r.warnings, []),
});

const RUN_SOURCE_COLUMNS = `s.partner_id AS partner, s.source_id AS source, rs.status, rs.items_found, rs.items_new,
  rs.items_changed, rs.items_gone, rs.items_dropped, rs.http_status, rs.error_code, rs.error_message, rs.duration_ms,
  rs.started_at, rs.warnings`;

export class RunsStore {
  constructor(private readonly sqlite: Sqlite) {}

  /** Starts a run owned by this process (`pid` and `host` are for tests simulating others). */
  start(trigger: RunTrigger, now: string, pid = process.pid, host = os.hostname()): number {
    const info = this.sqlite
      .prepare("INSERT INTO runs (started_at, status, trigger, pid, host) VALUES (?, 'running', ?, ?, ?)")
      .run(now, trigger, pid, host);
    return Number(info.lastInsertRowid);
  }

  finish(runPk: number, now: string): void {
    this.sqlite.prepare("UPDATE runs SET finished_at = ?, status = 'finished' WHERE pk = ?").run(now, runPk);
  }

  /** Runs of one process still marked `running`. */
  runningOf(pid: number, host: string): number[] {
    return (this.sqlite.prepare("SELECT pk FROM runs WHERE status = 'running' AND pid = ? AND host = ? ORDER BY pk").all(pid, host) as Array<{ pk: number }>).map((r) => r.pk);
  }

  /** Sources that have an outcome in a run. */
  sourcesIn(runPk: number): number[] {
    return (this.sqlite.prepare('SELECT DISTINCT source_pk AS pk FROM run_sources WHERE run_pk = ?').all(runPk) as Array<{ pk: number }>).map((r) => r.pk);
  }

  interrupt(runPk: number, now: string): void {
    this.sqlite.prepare("UPDATE runs SET status = 'interrupted', finished_at = ? WHERE pk = ? AND status = 'running'").run(now, runPk);
  }

  /** Runs left `running` by processes that died are marked interrupted. */
  markInterrupted(isAlive: (pid: number, host: string) => boolean, now: string): Array<{ pk: number; pid: number; host: string }> {
    const running = this.sqlite.prepare("SELECT pk, pid, host FROM runs WHERE status = 'running'").all() as Array<{
      pk: number;
      pid: number;
      host: string;
    }>;
    const dead = running.filter((r) => !isAlive(r.pid, r.host));
    const mark = this.sqlite.prepare("UPDATE runs SET status = 'interrupted', finished_at = ? WHERE pk = ?");
    this.sqlite.transaction(() => dead.forEach((r) => mark.run(now, r.pk)))();
    return dead;
  }

  /** Records one source's outcome and updates the source's state. Call inside a transaction. */
  record(runPk: number, sourcePk: number, outcome: SourceOutcome, state: SourceStateUpdate): void {
    this.sqlite
      .prepare(
        `INSERT INTO run_sources (run_pk, source_pk, status, started_at, duration_ms, items_found, items_new, items_changed,
           items_gone, items_dropped, http_status, error_code, error_message, warnings)
         VALUES (@run_pk, @source_pk, @status, @started_at, @duration_ms, @items_found, @items_new, @items_changed,
           @items_gone, @items_dropped, @http_status, @error_code, @error_message, @warnings)`,
      )
      .run({
        run_pk: runPk,
        source_pk: sourcePk,
        status: outcome.status,
        started_at: outcome.startedAt,
        duration_ms: Math.round(outcome.durationMs),
        items_found: outcome.itemsFound,
        items_new: outcome.itemsNew,
        items_changed: outcome.itemsChanged,
        items_gone: outcome.itemsGone,
        items_dropped: outcome.itemsDropped,
        http_status: outcome.httpStatus,
        error_code: outcome.error?.code ?? null,
        error_message: outcome.error?.message ?? null,
        warnings: JSON.stringify(outcome.warnings.slice(0, 50)),
      });
    if (outcome.status === 'skipped') return;
    this.sqlite
      .prepare(
        `UPDATE sources SET last_attempt_at = @attempt, last_status = @status, last_http_status = @http_status,
           last_success_at = CASE WHEN @success THEN @attempt ELSE last_success_at END,
           last_change_at = CASE WHEN @changed THEN @attempt ELSE last_change_at END,
           consecutive_failures = @failures, next_attempt_at = @next,
           last_error_code = @error_code, last_error_message = @error_message,
           etag = CASE WHEN @set_validators THEN @etag ELSE etag END,
           last_modified = CASE WHEN @set_validators THEN @last_modified ELSE last_modified END,
           body_hash = CASE WHEN @set_validators THEN @body_hash ELSE body_hash END
         WHERE pk = @pk`,
      )
      .run({
        pk: sourcePk,
        attempt: state.attemptAt,
        status: outcome.status,
        http_status: outcome.httpStatus,
        success: state.success ? 1 : 0,
        changed: state.changed ? 1 : 0,
        failures: state.consecutiveFailures,
        next: state.nextAttemptAt,
        error_code: outcome.error?.code ?? null,
        error_message: outcome.error?.message ?? null,
        set_validators: state.etag !== undefined || state.lastModified !== undefined || state.bodyHash !== undefined ? 1 : 0,
        etag: state.etag ?? null,
        last_modified: state.lastModified ?? null,
        body_hash: state.bodyHash ?? null,
      });
  }

  summary(runPk: number): RunSummary | undefined {
    const run = this.sqlite.prepare('SELECT pk, started_at, finished_at, status, trigger FROM runs WHERE pk = ?').get(runPk) as
      | { pk: number; started_at: string; finished_at: string | null; status: string; trigger: string }
      | undefined;
    if (!run) return undefined;
    const sources = this.sqlite
      .prepare(
        `SELECT ${RUN_SOURCE_COLUMNS} FROM run_sources rs JOIN sources s ON s.pk = rs.source_pk WHERE rs.run_pk = ? ORDER BY rs.pk`,
      )
      .all(runPk) as RawRunSource[];
    return {
      run_id: run.pk,
      started_at: run.started_at,
      finished_at: run.finished_at,
      status: run.status,
      trigger: run.trigger,
      sources: sources.map(toSummary),
    };
  }

  /**
   * The harvests' watermark: the newest source outcome recorded (what the freshness pages show
   * changes with them) and when the last run finished. The pages' validators use it.
   */
  watermark(): { version: number; finishedAt: string | null } {
    this.pageStatements ??= this.preparePageStatements();
    const version = (this.pageStatements.lastOutcome.get() as number | null) ?? 0;
    return { version, finishedAt: this.lastFinishedAt() };
  }

  /** When the last finished run ended (the pages' "last updated"). */
  lastFinishedAt(): string | null {
    // Runs finish in the order they start often enough; the newest finished run is what visitors see.
    this.pageStatements ??= this.preparePageStatements();
    return (this.pageStatements.lastFinished.get() as { at: string | null } | undefined)?.at ?? null;
  }

  /** Statements every page runs, prepared once (preparing cost as much as running them). */
  private pageStatements: ReturnType<RunsStore['preparePageStatements']> | undefined;
  private preparePageStatements() {
    return {
      lastOutcome: this.sqlite.prepare('SELECT max(pk) FROM run_sources').pluck(),
      lastFinished: this.sqlite.prepare("SELECT finished_at AS at FROM runs WHERE status = 'finished' ORDER BY pk DESC LIMIT 1"),
    };
  }

  /** A source's most recent outcomes, newest first. */
  recentOfSource(sourcePk: number, limit: number): RunSourceSummary[] {
    return (
      this.sqlite
        .prepare(
          `SELECT ${RUN_SOURCE_COLUMNS} FROM run_sources rs JOIN sources s ON s.pk = rs.source_pk
           WHERE rs.source_pk = ? ORDER BY rs.started_at DESC, rs.pk DESC LIMIT ?`,
        )
        .all(sourcePk, limit) as RawRunSource[]
    ).map(toSummary);
  }

  recent(limit: number): Array<{ run_id: number; started_at: string; finished_at: string | null; status: string; trigger: string; sources: number; failed: number }> {
    return this.sqlite
      .prepare(
        `SELECT r.pk AS run_id, r.started_at, r.finished_at, r.status, r.trigger,
           (SELECT count(*) FROM run_sources rs WHERE rs.run_pk = r.pk) AS sources,
           (SELECT count(*) FROM run_sources rs WHERE rs.run_pk = r.pk AND rs.status = 'failed') AS failed
         FROM runs r ORDER BY r.pk DESC LIMIT ?`,
      )
      .all(limit) as Array<{ run_id: number; started_at: string; finished_at: string | null; status: string; trigger: string; sources: number; failed: number }>;
  }
}
