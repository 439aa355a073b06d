// What `portal demo` prints once it serves: the next-steps block stays on screen, and the
// scheduled harvests (every three minutes) go to a log file instead of scrolling it away. The
// terminal gets one quiet status line for the latest round of harvests, rewritten in place on a
// terminal (a line per finished batch elsewhere).
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { type RunSummary } from '../store/index.ts';

export interface DemoOutputOptions {
  /** Where every line of the harvests and the server's log goes (appended). */
  logFile: string;
  /** The user's terminal (or whatever stderr is). */
  terminal: NodeJS.WritableStream;
  /** A finished run's summary, read from the catalogue. */
  runSummary(runId: number): RunSummary | undefined;
}

export interface DemoOutput {
  /** Pass as the portal's `out`: lines are written to the log file and watched for finished runs. */
  sink: NodeJS.WritableStream;
  close(): Promise<void>;
}

/** The harvests of one scheduled round: the scheduler runs due sources in batches a few seconds apart. */
export interface RoundTally {
  startedAt: number;
  sources: number;
  newItems: number;
  failed: Array<{ partner: string; code: string }>;
}

/** Adds a finished run to the current round, or starts a new round when the run began 2 minutes after it. */
export function tally(round: RoundTally | undefined, summary: RunSummary): RoundTally {
  const startedAt = Date.parse(summary.started_at);
  const current = round && startedAt - round.startedAt < 120_000 ? round : { startedAt, sources: 0, newItems: 0, failed: [] };
  current.sources += summary.sources.length;
  current.newItems += summary.sources.reduce((n, s) => n + s.items_new, 0);
  for (const s of summary.sources) if (s.status === 'failed') current.failed.push({ partner: s.partner, code: s.error?.code ?? 'failed' });
  return current;
}

/** "16:42 harvest: 42 sources, 3 new items, 3 failed (mtnra: network, mef: timeout, …)" (local time). */
export function statusLine(round: RoundTally): string {
  const at = new Date(round.startedAt);
  const time = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  const failed = round.failed;
  const which = failed.length ? ` (${failed.slice(0, 2).map((f) => `${f.partner}: ${f.code}`).join(', ')}${failed.length > 2 ? ', …' : ''})` : '';
  return `${time} harvest: ${round.sources} source${round.sources === 1 ? '' : 's'}, ${round.newItems} new item${round.newItems === 1 ? '' : 's'}, ${failed.length} failed${which}`;
}

export function demoOutput(options: DemoOutputOptions): DemoOutput {
  const file = fs.createWriteStream(options.logFile, { flags: 'a' });
  const terminal = options.terminal as NodeJS.WriteStream;
  const tty = terminal.isTTY === true;
  let pending = '';
  let round: RoundTally | undefined;
  const finished = (runId: number) => {
    const summary = options.runSummary(runId);
    if (!summary) return;
    round = tally(round, summary);
    let text = statusLine(round);
    if (tty) {
      // Rewritten in place: cut to the terminal's width so "\r" clears all of it.
      const width = (terminal.columns || 80) - 1;
      if (text.length > width) text = `${text.slice(0, width - 1)}…`;
      terminal.write(`\r\x1b[K${text}`);
    } else {
      terminal.write(`${text}\n`);
    }
  };
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = chunk.toString();
      file.write(text);
      pending += text;
      let end: number;
      while ((end = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        const run = /^run (\d+) finished/.exec(line);
        if (run) finished(Number(run[1]));
      }
      // A line without its end yet stays pending, bounded.
      if (pending.length > 64 * 1024) pending = '';
      callback();
    },
  });
  return {
    sink,
    close: () =>
      new Promise<void>((resolve) => {
        if (tty) terminal.write('\n');
        file.end(resolve);
      }),
  };
}
