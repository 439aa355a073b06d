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

  /** A worker that dies mid-query. */
  crash() {
    process.exit(3);
  },
};
