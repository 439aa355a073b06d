// A read worker: its own read-only connection to the catalogue, its own in-memory index and
// caches, answering the pool's queries one at a time (read-pool.ts). WAL lets it read while the
// harvester writes.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/index.ts';
import { queries } from './queries.ts';

interface Task {
  id: number;
  name: string;
  request: unknown;
  notify?: boolean;
}

type Query = (store: unknown, request: unknown) => unknown;
const { dbFile, extraQueries } = workerData as { dbFile: string; extraQueries?: string };
const port = parentPort!;
const store = openStore(dbFile, { readonly: true });
// The worker is loaded as CommonJS (see read-pool.ts): `require`, not a top-level await.
const require = createRequire(import.meta.url);
const table: Record<string, Query> = {
  ...(queries as unknown as Record<string, Query>),
  ...(extraQueries ? (require(fileURLToPath(extraQueries)) as { queries: Record<string, Query> }).queries : {}),
};
const items = queries.warm(store);
port.postMessage({ ready: true, items });

port.on('message', (task: Task) => {
  if (task.notify) port.postMessage({ started: task.id });
  try {
    const run = table[task.name];
    if (!run) throw new Error(`no query named ${task.name}`);
    port.postMessage({ id: task.id, ok: true, value: run(store, task.request) });
  } catch (error) {
    port.postMessage({ id: task.id, ok: false, error: { message: (error as Error).message, code: (error as { code?: string }).code } });
  }
});
