// The catalogue reads of the public pages (queries.ts), asked for asynchronously: from a pool of
// read workers (read-pool.ts) when the portal serves a database file, or in process otherwise.
import { complete, type Store } from '../store/index.ts';
import { isSteps, queries, type QueryName, type QueryRequest, type QueryResult } from './queries.ts';

export interface RunOptions {
  /** Requests with the same key go to the same worker when it is free (its caches then serve them). */
  affinity?: string;
}

export interface Reads {
  run<K extends QueryName>(name: K, request: QueryRequest<K>, options?: RunOptions): Promise<QueryResult<K>>;
  /** Load figures, for diagnostics. */
  stats(): { workers: number; busy: number; queued: number; restarts: number };
  close(): Promise<void>;
}

/** Reads run in process, on the caller's thread (tests; an in-memory database). */
export function inlineReads(store: Store): Reads {
  return {
    async run(name, request) {
      const answer = (queries[name] as (store: Store, request: unknown) => unknown)(store, request);
      return (isSteps(answer) ? complete(answer) : answer) as never;
    },
    stats: () => ({ workers: 0, busy: 0, queued: 0, restarts: 0 }),
    async close() {},
  };
}
