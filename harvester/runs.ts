// Run bookkeeping shared by a harvest pass and by `portal serve`, which must close the runs of a
// harvesting process it killed without loading the connectors: back-off, lease owners, outcomes.
import { type HarvestStore, type SourceOutcome, type SourceRecord, type SourceStateUpdate } from './ports.ts';

/** First back-off after a failure; doubled at each further failure, capped at a week. */
export const BACKOFF_BASE_MS = 30 * 60_000;
export const BACKOFF_CAP_MS = 7 * 86_400_000;

/** Exponential back-off with ±20 % jitter, capped at 7 days; `random` is injectable for tests. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.min(BACKOFF_CAP_MS, Math.round(base * (0.8 + 0.4 * random())));
}

/** Who holds a source's lease: a run of a process on a host. */
export function leaseOwner(host: string, pid: number, runPk: number): string {
  return `${host}:${pid}:${runPk}`;
}

export interface KilledRun {
  pid: number;
  host: string;
  /** The sources the process was asked to harvest ("partner/source"), to say which it never reached. */
  sources?: string[];
  /** Why it was stopped, for the sources' errors: "the harvest was stopped after its time limit of 2 h". */
  reason: string;
  now?: () => Date;
  random?: () => number;
}

/**
 * After `portal serve` killed a harvesting process (its deadline passed, or the portal stopped):
 * its runs are marked interrupted, each source it was reading fails with `timeout` and the
 * reason, its leases are released so the next pass takes those sources, and the sources it never
 * reached get a `skipped` outcome saying so. Returns the runs closed.
 */
export function closeKilledRun(store: HarvestStore, killed: KilledRun): number[] {
  const now = killed.now ?? (() => new Date());
  const random = killed.random ?? Math.random;
  const runs = store.runningRunsOf(killed.pid, killed.host);
  for (const runPk of runs) {
    const at = now().toISOString();
    const owner = leaseOwner(killed.host, killed.pid, runPk);
    const held = store.sourcesLeasedBy(owner);
    for (const source of held) {
      const failures = source.consecutiveFailures + 1;
      const outcome: SourceOutcome = { ...emptyOutcome(at), status: 'failed', error: { code: 'timeout', message: `${killed.reason}, while this source was being read: nothing was changed` } };
      const next = new Date(Math.min(now().getTime() + backoffMs(failures, random), now().getTime() + BACKOFF_CAP_MS)).toISOString();
      store.commitHarvest({ runPk, source, plan: null, outcome, state: { attemptAt: at, success: false, changed: false, consecutiveFailures: failures, nextAttemptAt: next }, now: at });
      store.releaseSource(source.pk, owner);
    }
    if (killed.sources?.length) {
      const recorded = new Set(store.sourcesRecordedIn(runPk));
      for (const source of store.listSources({ sources: killed.sources })) {
        if (recorded.has(source.pk)) continue;
        const outcome: SourceOutcome = { ...emptyOutcome(at), status: 'skipped', warnings: [`${killed.reason}, before this source was reached`] };
        store.commitHarvest({ runPk, source, plan: null, outcome, state: skippedState(source, at), now: at });
      }
    }
    store.interruptRun(runPk, at);
  }
  return runs;
}

export function emptyOutcome(startedAt: string): SourceOutcome {
  return {
    status: 'ok',
    startedAt,
    durationMs: 0,
    itemsFound: 0,
    itemsNew: 0,
    itemsChanged: 0,
    itemsGone: 0,
    itemsDropped: 0,
    httpStatus: null,
    error: null,
    warnings: [],
  };
}

export function skippedState(source: SourceRecord, at: string): SourceStateUpdate {
  return { attemptAt: at, success: false, changed: false, consecutiveFailures: source.consecutiveFailures, nextAttemptAt: source.nextAttemptAt };
}

