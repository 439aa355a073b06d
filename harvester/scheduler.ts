// Keeps sources harvested on their own cron schedules (node-cron 4): sources that come due
// together run in one batch, spread by a random delay; a source never runs twice at once; sources
// never harvested, or missed while the portal was down, run soon after start.
import cron, { type ScheduledTask } from 'node-cron';

export interface ScheduledSource {
  /** "partner/source". */
  key: string;
  schedule: string;
  lastAttemptAt: string | null;
}

export interface SchedulerOptions {
  /** Runs one harvest of these sources; resolves when it is over. */
  run: (keys: string[]) => Promise<void>;
  /** Random delay before a due source joins a batch, so 40 sources on "0 *\/6 * * *" do not start together. */
  maxRandomDelayMs?: number;
  /** Due sources are collected this long before a batch starts. */
  batchWindowMs?: number;
  now?: () => Date;
  log?: (entry: Record<string, unknown>) => void;
  timezone?: string;
}

export class Scheduler {
  private tasks = new Map<string, ScheduledTask>();
  private readonly running = new Set<string>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private batches: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** Replaces the schedule with these sources (called at start and after a config reload). */
  update(sources: ScheduledSource[]): void {
    for (const task of this.tasks.values()) void task.destroy();
    this.tasks = new Map();
    const now = (this.options.now ?? (() => new Date()))();
    for (const source of sources) {
      const task = cron.createTask(source.schedule, () => this.due(source.key), {
        name: source.key,
        noOverlap: true,
        maxRandomDelay: this.options.maxRandomDelayMs ?? 60_000,
        timezone: this.options.timezone ?? 'Africa/Casablanca',
      });
      this.tasks.set(source.key, task);
      void task.start();
      if (isMissed(task, source.lastAttemptAt, now)) this.due(source.key);
    }
    this.options.log?.({ msg: 'schedule updated', sources: sources.length });
  }

  /** Next planned run of each source (for the admin area). */
  nextRuns(): Map<string, Date | null> {
    return new Map([...this.tasks].map(([key, task]) => [key, task.getNextRun()]));
  }

  private due(key: string): void {
    if (this.stopped || this.running.has(key)) return;
    this.pending.add(key);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.batchWindowMs ?? 2_000);
      this.timer.unref();
    }
  }

  private flush(): void {
    this.timer = undefined;
    const keys = [...this.pending].filter((k) => !this.running.has(k));
    this.pending.clear();
    if (keys.length === 0 || this.stopped) return;
    for (const key of keys) this.running.add(key);
    const batch = this.options
      .run(keys)
      .catch((error: unknown) => this.options.log?.({ level: 'error', msg: 'scheduled harvest failed', error: (error as Error)?.message }))
      .finally(() => {
        for (const key of keys) this.running.delete(key);
        this.batches = this.batches.filter((b) => b !== batch);
      });
    this.batches.push(batch);
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Stops the schedule and waits for the batches under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const task of this.tasks.values()) await task.destroy();
    this.tasks.clear();
    await Promise.all(this.batches);
  }
}

/** True when a source was never attempted, or its schedule fired since its last attempt. */
function isMissed(task: ScheduledTask, lastAttemptAt: string | null, now: Date): boolean {
  if (!lastAttemptAt) return true;
  const [first, second] = task.getNextRuns(2);
  if (!first || !second) return false;
  const period = second.getTime() - first.getTime();
  return now.getTime() - Date.parse(lastAttemptAt) > period;
}
