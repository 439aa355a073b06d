// Runs a parse function on untrusted bytes in a separate process with a hard wall-clock limit and
// a memory cap, so a hostile document (a PDF whose forms draw each other 34 levels deep, a flate
// bomb, a page that nests 40,000 elements) costs at most its limits: past them the process is
// killed, the task fails with `timeout` or `too_large`, and the next task gets a fresh process.
//
//   const sandbox = new Sandbox({ preload: [MODULE_URL] });
//   const value = await sandbox.run({ module: MODULE_URL, fn: 'parse', input: buffer, args }, { timeMs, memoryBytes });
//
// `fn` is an exported `async (input: Buffer, args) => result` of `module` (a file URL). Input and
// result cross by structured clone (Buffers, Dates, plain objects). An error the function throws
// comes back as a SandboxError with reason `failed` and its name, message and `code`.
//
// Why a child process and not a worker thread: a worker's `resourceLimits` caps the V8 heap only,
// and pdf.js holds decoded streams in ArrayBuffers outside it (a 2 MB flate stream reached 1.9 GB
// that way). The child's resident memory is read from /proc every `pollMs` and the whole process
// group is killed past the cap; `--max-old-space-size` caps its heap as well. A warm child is kept
// between tasks (pdf.js takes 0.7-1.3 s to load) and stopped after `idleMs` without work. The
// child watches its parent from a thread of its own: if the parent dies (SIGKILL by `portal
// serve`'s deadline), the child kills itself even while its main thread is stuck in a parse.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type SandboxFailure = 'timeout' | 'too_large' | 'crashed' | 'failed';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    /** timeout: over the time limit; too_large: over the memory cap; crashed: the process died; failed: the function threw. */
    readonly reason: SandboxFailure,
    message: string,
    /** For `failed`: what the function threw. */
    readonly thrown?: { name: string; message: string; code?: string },
  ) {
    super(message);
  }
}

export interface SandboxLimits {
  /** Wall clock for one task, from the moment a ready process receives it. */
  timeMs: number;
  /** Resident memory of the process running the task. */
  memoryBytes: number;
}

export interface SandboxTask {
  /** File URL of the module exporting `fn`. */
  module: string;
  fn: string;
  input: unknown;
  args?: unknown;
}

export interface SandboxOptions {
  /** Task modules (file URLs, TypeScript) the process imports before it says it is ready. */
  preload?: string[];
  /**
   * Packages imported natively, before TypeScript's loader is registered (a path or URL): the
   * heavy JavaScript ones a task uses (pdf.js is 5 times larger in memory through the loader).
   */
  native?: string[];
  /** Processes running tasks side by side (default 1). */
  size?: number;
  /** A process without a task for this long is stopped (default 30 s). */
  idleMs?: number;
  /** Time a new process has to load and say it is ready (default 60 s: a busy machine is slow). */
  startTimeoutMs?: number;
  /** How often resident memory is read while a task runs (default 25 ms). */
  pollMs?: number;
}

export interface SandboxStats {
  spawned: number;
  tasks: number;
  timeouts: number;
  tooLarge: number;
  crashed: number;
  /** Highest resident memory seen in a sandbox process since the last `resetPeak()`. */
  peakRssBytes: number;
}

const CHILD = path.join(import.meta.dirname, 'sandbox-child.js');
const MB = 1024 * 1024;

interface Job {
  task: SandboxTask;
  limits: SandboxLimits;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  child: ChildProcess;
  memoryBytes: number;
  ready: Promise<void>;
  job?: Job;
  /** Why this process was killed by the sandbox, while it ran a task. */
  killedFor?: 'timeout' | 'too_large';
  exited: boolean;
  stderr: string;
  idleTimer?: NodeJS.Timeout;
}

/** Resident memory of a process in bytes, from /proc (Linux); undefined where it cannot be read. */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // The child leads its own process group: helpers it started (tesseract, pdftoppm) go too.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Sandboxes not closed: whatever ends this process, their processes go with it (SIGKILL, which
 * runs no handler, is covered by the children's own watchdog). */
const LIVE = new Set<{ killAll(): void }>();
process.once('exit', () => {
  for (const sandbox of LIVE) sandbox.killAll();
});

export class Sandbox {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private closed = false;
  readonly stats: SandboxStats = { spawned: 0, tasks: 0, timeouts: 0, tooLarge: 0, crashed: 0, peakRssBytes: 0 };

  constructor(private readonly options: SandboxOptions = {}) {
    LIVE.add(this);
  }

  /** Runs `task` in a sandbox process within `limits`. */
  run<T>(task: SandboxTask, limits: SandboxLimits): Promise<T> {
    if (this.closed) return Promise.reject(new SandboxError('crashed', 'the sandbox is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task, limits, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Starts a process now, so the first task does not wait for it to load; resolves when it is ready. */
  warm(memoryBytes: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const existing = [...this.slots].find((s) => !s.exited && s.memoryBytes === memoryBytes);
    const slot = existing ?? (this.slots.size < (this.options.size ?? 1) ? this.spawn(memoryBytes) : undefined);
    if (!slot) return Promise.resolve();
    if (!slot.job) this.idle(slot);
    return slot.ready.catch(() => undefined);
  }

  resetPeak(): void {
    this.stats.peakRssBytes = 0;
  }

  /** Stops every process; tasks still queued or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    LIVE.delete(this);
    for (const job of this.queue.splice(0)) job.reject(new SandboxError('crashed', 'the sandbox was closed'));
    const exits = [...this.slots].map((slot) => (slot.exited ? undefined : new Promise<void>((resolve) => slot.child.once('exit', () => resolve()))));
    this.killAll();
    await Promise.all(exits);
  }

  /** Kills every process of this sandbox at once (also when this process exits). */
  killAll(): void {
    for (const slot of this.slots) if (!slot.exited) killGroup(slot.child);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      let slot = [...this.slots].find((s) => !s.job && !s.exited && s.memoryBytes === next.limits.memoryBytes);
      if (!slot) {
        // An idle process started with another memory cap makes room for one with this cap.
        const other = [...this.slots].find((s) => !s.job && !s.exited);
        if (other) this.retire(other);
        if (this.slots.size >= (this.options.size ?? 1)) return;
        slot = this.spawn(next.limits.memoryBytes);
      }
      this.queue.shift();
      this.dispatch(slot, next);
    }
  }

  private spawn(memoryBytes: number): Slot {
    const heapMb = Math.max(64, Math.floor(memoryBytes / MB));
    const args = [...(this.options.native ?? []).flatMap((n) => ['--native', n]), ...(this.options.preload ?? []).flatMap((m) => ['--module', m])];
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, CHILD, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      detached: true,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    this.stats.spawned++;
    const slot: Slot = { child, memoryBytes, exited: false, stderr: '', ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup(child);
        reject(new SandboxError('crashed', `the sandbox process did not start within ${Math.round((this.options.startTimeoutMs ?? 60_000) / 1000)} s`));
      }, this.options.startTimeoutMs ?? 60_000);
      timer.unref();
      const onMessage = (message: { type?: string }) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new SandboxError('crashed', `the sandbox process stopped while starting (${signal ?? `exit code ${code}`}): ${slot.stderr.trim().split('\n').slice(-3).join(' ')}`));
      });
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      slot.stderr = (slot.stderr + chunk).slice(-4096);
    });
    child.on('error', () => undefined);
    child.once('exit', () => {
      slot.exited = true;
      clearTimeout(slot.idleTimer);
      this.slots.delete(slot);
      // A task was queued behind this process: give it another.
      if (!this.closed) this.pump();
    });
    // Once ready and idle, neither the process nor its pipes keep this one alive: a harvest ends
    // when its work does. While it starts, it does (someone may be waiting for `warm()`).
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    slot.ready.then(
      () => {
        if (!slot.job) this.unref(slot);
      },
      () => undefined,
    );
    this.slots.add(slot);
    return slot;
  }

  /** An idle process does not keep this one alive; a busy one does (its caller is waiting). */
  private unref(slot: Slot): void {
    slot.child.unref();
    (slot.child.channel as { unref?: () => void } | undefined)?.unref?.();
    (slot.child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private ref(slot: Slot): void {
    slot.child.ref();
    (slot.child.channel as { ref?: () => void } | undefined)?.ref?.();
  }

  private retire(slot: Slot): void {
    this.slots.delete(slot);
    killGroup(slot.child);
  }

  private idle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => this.retire(slot), this.options.idleMs ?? 30_000);
    slot.idleTimer.unref();
  }

  private dispatch(slot: Slot, job: Job): void {
    clearTimeout(slot.idleTimer);
    slot.job = job;
    slot.killedFor = undefined;
    this.ref(slot);
    this.stats.tasks++;
    const { child } = slot;
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: { value: unknown } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      child.off('message', onMessage);
      child.off('exit', onExit);
      slot.job = undefined;
      this.unref(slot);
      if ('error' in outcome) job.reject(outcome.error);
      else job.resolve(outcome.value);
      if (!slot.exited && this.slots.has(slot)) this.idle(slot);
      this.pump();
    };
    const onMessage = (message: { type?: string; ok?: boolean; value?: unknown; error?: { name: string; message: string; code?: string } }) => {
      if (message?.type !== 'result') return;
      this.sample(slot);
      if (message.ok) finish({ value: message.value });
      else {
        const thrown = message.error ?? { name: 'Error', message: 'unknown error' };
        finish({ error: new SandboxError('failed', thrown.message, thrown) });
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => finish({ error: this.exitError(slot, job.limits, code, signal) });
    const kill = (reason: 'timeout' | 'too_large') => {
      if (settled || slot.killedFor) return;
      slot.killedFor = reason;
      if (reason === 'timeout') this.stats.timeouts++;
      else this.stats.tooLarge++;
      this.slots.delete(slot);
      killGroup(child);
    };

    slot.ready.then(
      () => {
        if (settled) return;
        if (slot.exited) return finish({ error: this.exitError(slot, job.limits, child.exitCode, child.signalCode) });
        child.on('message', onMessage);
        child.once('exit', onExit);
        timer = setTimeout(() => kill('timeout'), job.limits.timeMs);
        poll = setInterval(() => {
          const rss = this.sample(slot);
          if (rss !== undefined && rss > job.limits.memoryBytes) kill('too_large');
        }, this.options.pollMs ?? 25);
        try {
          child.send({ type: 'run', module: job.task.module, fn: job.task.fn, input: job.task.input, args: job.task.args });
        } catch (error) {
          killGroup(child);
          finish({ error: new SandboxError('crashed', `the task could not be sent to the sandbox process: ${(error as Error).message}`) });
        }
      },
      (error: unknown) => finish({ error }),
    );
  }

  private sample(slot: Slot): number | undefined {
    if (slot.child.pid === undefined || slot.exited) return undefined;
    const rss = residentBytes(slot.child.pid);
    if (rss !== undefined && rss > this.stats.peakRssBytes) this.stats.peakRssBytes = rss;
    return rss;
  }

  private exitError(slot: Slot, limits: SandboxLimits, code: number | null, signal: NodeJS.Signals | null): SandboxError {
    if (slot.killedFor === 'timeout') return new SandboxError('timeout', `did not finish within ${formatMs(limits.timeMs)}`);
    if (slot.killedFor === 'too_large') return new SandboxError('too_large', `needed more than ${Math.round(limits.memoryBytes / MB)} MB of memory`);
    // V8 aborts when the heap reaches --max-old-space-size.
    if (signal === 'SIGABRT' || signal === 'SIGTRAP' || code === 134 || /heap out of memory|Allocation failed/i.test(slot.stderr)) {
      this.stats.tooLarge++;
      return new SandboxError('too_large', `needed more than ${Math.round(limits.memoryBytes / MB)} MB of memory`);
    }
    this.stats.crashed++;
    const why = signal ? `signal ${signal}` : `exit code ${code}`;
    return new SandboxError('crashed', `the sandbox process stopped unexpectedly (${why})`);
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
