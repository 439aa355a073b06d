// Queries the read pool's tests add to its workers (ReadPoolOptions.extraQueries).
import { type Store } from '../../store/index.ts';

export const queries = {
  /**
   * A query that keeps its worker busy with real SQLite work, statement after statement, until the
   * test sets the shared flag (so it is slow exactly as long as the test needs, with no timing
   * guess). Returns how many statements it ran.
   */
  hold(store: Store, request: { flag: SharedArrayBuffer }) {
    const flag = new Int32Array(request.flag);
    let statements = 0;
    while (Atomics.load(flag, 0) === 0) {
      store.items.count();
      statements++;
    }
    return statements;
  },

  /**
   * A long query in steps, as a search runs in a worker: real SQLite work in each step, until the
   * test sets the flag. Returns how many steps it took.
   */
  *steps(store: Store, request: { flag: SharedArrayBuffer }) {
    const flag = new Int32Array(request.flag);
    let steps = 0;
    while (Atomics.load(flag, 0) === 0) {
      for (let i = 0; i < 20; i++) store.items.count();
      steps++;
      yield;
    }
    return steps;
  },

  /** Whether the worker has built the titles' vocabulary (it does while idle). */
  vocabularyBuilt(store: Store) {
    return store.items.vocabularyBuilt();
  },

  /** A query that fails as SQLite does on a bad FTS5 query: its message quotes what was searched. */
  quotingFailure(_store: Store, request: { words: string }) {
    throw Object.assign(new Error(`fts5: syntax error near ""${request.words}""`), { code: 'SQLITE_ERROR' });
  },

  /** A worker that dies mid-query. */
  crash() {
    process.exit(3);
  },
};
