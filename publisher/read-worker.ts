// A read worker: its own read-only connection to the catalogue, its own in-memory index and
// caches, answering the pool's queries (read-pool.ts); long ones take turns step by step. WAL lets
// it read while the harvester writes.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/index.ts';
import { isSteps, queries } from './queries.ts';

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

// Queries that run in steps (searches) run oldest first, step after step; the tasks that arrive
// meanwhile run between two steps: a listing (one step) is answered at once, a new search waits for
// the older ones. (Taking turns step by step made every search as slow as all of them together.)
const running: Array<{ id: number; steps: Generator<void, unknown> }> = [];
let turn: NodeJS.Immediate | undefined;

const answer = (id: number, value: unknown) => port.postMessage({ id, ok: true, value });
const fail = (id: number, error: unknown) =>
  port.postMessage({ id, ok: false, error: { message: (error as Error).message, code: (error as { code?: string }).code } });

function next(): void {
  turn = undefined;
  const task = running[0];
  if (!task) return;
  try {
    const step = task.steps.next();
    if (step.done) {
      running.shift();
      answer(task.id, step.value);
    }
  } catch (error) {
    running.shift();
    fail(task.id, error);
  }
  // setImmediate, not a loop: messages that arrived during the step are taken first.
  if (running.length > 0) turn = setImmediate(next);
  else resumePreparing();
}

// Prepared while the worker is idle: the titles' vocabulary (typo checks, prefixes). Built on first
// use otherwise, it made the first visitor with a typo wait for it (2.4 s at 200,000 items). One
// step at a time, only when no query is running; a search that needs it first drives the same build.
let preparing: Generator<void, unknown> | undefined = store.items.vocabularySteps();
/** The build waits for the running queries: the last one to end resumes it. */
let paused = false;
function resumePreparing(): void {
  if (!paused) return;
  paused = false;
  setImmediate(prepare);
}
function prepare(): void {
  if (!preparing) return;
  if (running.length > 0) {
    paused = true;
    return;
  }
  try {
    if (preparing.next().done) preparing = undefined;
  } catch {
    preparing = undefined; // a search will build it, and say what failed
  }
  if (preparing) setImmediate(prepare);
}
setImmediate(prepare);

port.on('message', (task: Task) => {
  if (task.notify) port.postMessage({ started: task.id });
  try {
    const run = table[task.name];
    if (!run) throw new Error(`no query named ${task.name}`);
    const value = run(store, task.request);
    if (!isSteps(value)) return answer(task.id, value);
    running.push({ id: task.id, steps: value });
    turn ??= setImmediate(next);
  } catch (error) {
    fail(task.id, error);
  }
});
