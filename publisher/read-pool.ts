// A small pool of worker threads, each with a read-only connection to the catalogue, that runs
// the public pages' reads (queries.ts) off the web server's event loop (issue 12). better-sqlite3
// is synchronous: a query run on the event loop holds every other request of the process until it
// ends. Here a slow query holds one worker; the event loop and the other workers go on, and both
// cores serve. WAL lets the workers read while a harvest writes.
//
// - A worker runs up to `perWorker` tasks: searches oldest first, step after step, the one-step
//   reads (listings, the home page) between two steps (read-worker.ts). A task goes to the least
//   busy worker, never to one whose oldest task has run
//   for 50 ms when another can take it: a worker held by a slow query is given nothing more
//   meanwhile. Searches for the same words go to the same worker when it is as free as the others,
//   so its per-query caches serve them. Past that, tasks wait in one queue.
// - Past `maxQueued` tasks waiting, new ones are refused (503) rather than queued without end.
// - A worker busy with one task for `stuckAfterMs` is replaced: its task fails (503) and a new
//   worker starts; a task no worker took within `maxWaitMs` fails too. A worker that dies is
//   replaced, waiting longer after each death in a row.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type QueryName, type QueryRequest, type QueryResult } from './queries.ts';
import { type Reads, type RunOptions } from './reads.ts';
import { withoutValues } from './log-safe.ts';

export interface ReadPoolOptions {
  dbFile: string;
  /** Worker threads (default: one less than the cores, at least 1, at most 4; env PORTAL_READ_WORKERS). */
  workers?: number;
  /** Tasks a worker is given at once (default 4). */
  perWorker?: number;
  /** Tasks waiting or running before new ones are refused with 503. */
  maxQueued?: number;
  /** A task running this long means its worker is stuck: it is replaced. */
  stuckAfterMs?: number;
  /** A task no worker took in this time fails (503): every worker stuck, or none can start. */
  maxWaitMs?: number;
  /** A module (URL) whose `queries` add to the workers' (tests). */
  extraQueries?: string;
  /** Told when a worker dies, is replaced, or a task fails. */
  log?: (entry: Record<string, unknown>) => void;
}

interface Task {
  id: number;
  name: string;
  request: unknown;
  notify: boolean;
  affinity?: string;
  queuedAt: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** It was ready once (a later exit is a crash, not a failed start). */
  started?: boolean;
  /** The last error it reported. */
  error?: string;
  /** The tasks it was given, oldest first. */
  tasks: Map<number, Task & { sentAt: number }>;
}

type Message =
  | { ready: true; items: number }
  | { started: number }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; code?: string } };

/** An error the web app answers with its status (503: try again). */
export class ReadError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * One worker less than the cores: the event loop (HTTP, rendering) keeps a core of its own. On two
 * cores, one worker: measured at 200,000 items under the benchmark's mix, the process held 277 MB
 * with one and 328 MB with two (the target is 300), and served as many requests a second.
 */
export function defaultWorkers(): number {
  const fromEnv = Number(process.env.PORTAL_READ_WORKERS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1 && fromEnv <= 64) return fromEnv;
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

// The portal runs its TypeScript without a build step, and a worker does not inherit the loader of
// the thread that starts it: each worker registers tsx itself. Its CommonJS hook, which compiles
// in the worker's own thread: the ES module hook runs in a thread of its own, 23 MB per worker.
const WORKER = fileURLToPath(new URL('./read-worker.ts', import.meta.url));
const BOOT = `require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(WORKER)});`;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class ReadPool extends EventEmitter implements Reads {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private restarts = 0;
  private deathsInARow = 0;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;
  private readonly size: number;
  private readonly perWorker: number;
  private readonly maxQueued: number;
  private readonly stuckAfterMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: ReadPoolOptions) {
    super();
    this.size = options.workers ?? defaultWorkers();
    this.perWorker = options.perWorker ?? 4;
    this.maxQueued = options.maxQueued ?? 512;
    this.stuckAfterMs = options.stuckAfterMs ?? 20_000;
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.watchdog = setInterval(() => this.checkStuck(), Math.min(1000, this.stuckAfterMs / 2, this.maxWaitMs / 2));
    this.watchdog.unref();
  }

  /**
   * Starts the workers; tasks asked before they are ready wait for them. The portal calls it once
   * it listens: workers loading their code and index would otherwise slow its start.
   */
  start(): this {
    if (this.slots.length === 0 && !this.closed) for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
    return this;
  }

  private spawn(): Slot {
    const worker = new Worker(BOOT, {
      eval: true,
      workerData: { dbFile: this.options.dbFile, extraQueries: this.options.extraQueries },
      // A small young generation: a worker's garbage is short-lived query results. Measured at
      // 200,000 items: a worker's resident memory from 108-138 MB to 85-98 MB.
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 },
    });
    const slot: Slot = { worker, ready: false, tasks: new Map() };
    worker.on('message', (message: Message) => this.onMessage(slot, message));
    worker.on('error', (error) => {
      slot.error = error.message;
      this.options.log?.({ level: 'error', msg: 'read worker failed', error: withoutValues(error.message) });
    });
    worker.on('exit', (code) => this.onExit(slot, code));
    return slot;
  }

  private onMessage(slot: Slot, message: Message): void {
    if ('ready' in message) {
      slot.ready = true;
      slot.started = true;
      this.deathsInARow = 0;
      this.emit('ready', message.items);
      this.drain();
      return;
    }
    if ('started' in message) {
      this.emit('started', message.started);
      return;
    }
    const task = slot.tasks.get(message.id);
    if (!task) return;
    slot.tasks.delete(message.id);
    if (message.ok) task.resolve(message.value);
    else {
      this.options.log?.({ level: 'error', msg: 'read query failed', query: task.name, error: withoutValues(message.error.message), code: message.error.code });
      task.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
    }
    this.drain();
  }

  private onExit(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    // Never ready: its code or the database could not be loaded (ready() says so instead of waiting).
    if (!slot.ready && !slot.started && !this.closed) this.emit('failed', new Error(`a catalogue reader could not start: ${slot.error ?? `it exited with code ${code}`}`));
    for (const task of slot.tasks.values()) task.reject(new ReadError('the catalogue reader stopped; try again', 503));
    slot.tasks.clear();
    slot.ready = false;
    if (this.closed || index < 0) return;
    this.deathsInARow++;
    this.options.log?.({ level: 'error', msg: 'read worker exited; starting another', code, restarts: this.restarts + 1 });
    // A worker that dies at once (a missing database, say) is not restarted in a hot loop.
    const delay = Math.min(30_000, 100 * 2 ** Math.min(8, this.deathsInARow - 1));
    const placeholder: Slot = { worker: slot.worker, ready: false, tasks: new Map() };
    this.slots[index] = placeholder;
    setTimeout(() => {
      if (this.closed || this.slots[index] !== placeholder) return;
      this.restarts++;
      this.slots[index] = this.spawn();
    }, delay).unref();
  }

  private checkStuck(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      const oldest = slot.tasks.values().next().value;
      if (!oldest || now - oldest.sentAt < this.stuckAfterMs) continue;
      this.options.log?.({ level: 'error', msg: 'read worker stuck on one query; replacing it', query: oldest.name, ms: Math.round(now - oldest.sentAt) });
      // The exit handler fails its tasks and starts another worker.
      void slot.worker.terminate();
    }
    // Tasks no worker took in that time (every worker stuck, or none can start) are not kept waiting.
    while (this.waiting.length > 0 && now - this.waiting[0]!.queuedAt > this.maxWaitMs) {
      this.waiting.shift()!.reject(new ReadError('the catalogue readers are not answering; try again', 503));
    }
  }

  /** The worker for a task, or none while every worker has its fill. */
  private pick(affinity: string | undefined): Slot | undefined {
    const now = performance.now();
    const open = this.slots.filter((s) => s.ready && s.tasks.size < this.perWorker);
    if (open.length === 0) return undefined;
    // A worker whose oldest task has run 50 ms may be held by a slow query: others first.
    const held = (s: Slot) => {
      const oldest = s.tasks.values().next().value;
      return oldest !== undefined && now - oldest.sentAt > 50;
    };
    const candidates = open.some((s) => !held(s)) ? open.filter((s) => !held(s)) : open;
    const least = candidates.reduce((best, s) => (s.tasks.size < best.tasks.size ? s : best));
    if (affinity !== undefined) {
      const preferred = this.slots[hash(affinity) % this.slots.length]!;
      if (candidates.includes(preferred) && preferred.tasks.size <= least.tasks.size) return preferred;
    }
    return least;
  }

  private send(slot: Slot, task: Task): void {
    slot.tasks.set(task.id, { ...task, sentAt: performance.now() });
    slot.worker.postMessage({ id: task.id, name: task.name, request: task.request, notify: task.notify });
  }

  /** Gives waiting tasks to free workers, oldest first. */
  private drain(): void {
    while (this.waiting.length > 0) {
      const slot = this.pick(this.waiting[0]!.affinity);
      if (!slot) return;
      this.send(slot, this.waiting.shift()!);
    }
  }

  private queued(): number {
    return this.waiting.length + this.slots.reduce((n, s) => n + s.tasks.size, 0);
  }

  run<K extends QueryName>(name: K, request: QueryRequest<K>, options: RunOptions & { notify?: boolean } = {}): Promise<QueryResult<K>> {
    if (this.closed) return Promise.reject(new ReadError('the portal is stopping', 503));
    this.start();
    if (this.queued() >= this.maxQueued) return Promise.reject(new ReadError('the portal is too busy; try again in a moment', 503));
    return new Promise((resolve, reject) => {
      this.waiting.push({
        id: this.nextId++,
        name,
        request,
        notify: options.notify ?? false,
        affinity: options.affinity,
        queuedAt: performance.now(),
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.drain();
    });
  }

  /** Runs a query of `extraQueries` (tests). */
  runExtra(name: string, request: unknown, options: { notify?: boolean } = {}): Promise<unknown> {
    return this.run(name as QueryName, request as never, options);
  }

  /** Resolves once every worker has its index in memory; rejects when one cannot start. */
  async ready(): Promise<void> {
    this.start();
    while (this.slots.some((s) => !s.ready)) {
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.off('failed', failed);
          resolve();
        };
        const failed = (error: Error) => {
          this.off('ready', done);
          reject(error);
        };
        this.once('ready', done);
        this.once('failed', failed);
      });
    }
  }

  stats() {
    return {
      workers: this.slots.filter((s) => s.ready).length,
      busy: this.slots.filter((s) => s.tasks.size > 0).length,
      queued: this.queued(),
      restarts: this.restarts,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    for (const task of this.waiting.splice(0)) task.reject(new ReadError('the portal is stopping', 503));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/**
 * A pool for a database file; its workers start with `start()` (or the first task) and open the
 * database and build their index in the background.
 */
export function startReadPool(options: ReadPoolOptions): ReadPool {
  return new ReadPool(options);
}
