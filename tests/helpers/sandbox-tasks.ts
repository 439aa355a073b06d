// Task functions for tests/connectors/sandbox.test.ts, run inside sandbox processes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

/** What the sandbox handed over, and its own process id. */
export async function describe(input: Buffer, args: { tag: string }) {
  return { bytes: input.length, isBuffer: Buffer.isBuffer(input), first: input[0], tag: args.tag, pid: process.pid, at: new Date(0) };
}

/** Never returns: a tight loop, as pdf.js on a fan-out of nested forms. */
export async function spin(): Promise<never> {
  for (;;) {
    // busy
  }
}

/** Allocates outside the V8 heap until stopped, as pdf.js decoding a flate bomb. */
export async function hog(): Promise<never> {
  const held: Buffer[] = [];
  for (;;) held.push(Buffer.alloc(8 * 1024 * 1024, 1));
}

/** Throws like a parser refusing its input. */
export async function refuse(): Promise<never> {
  throw Object.assign(new Error('the document is damaged'), { name: 'HarvestError', code: 'parse' });
}

/** Exits without answering, as a native crash would. */
export async function crash(): Promise<never> {
  process.kill(process.pid, 'SIGSEGV');
  return new Promise<never>(() => undefined);
}

/** Starts a helper process (as OCR starts tesseract), writes both pids to `pidFile`, and spins. */
export async function helperThenSpin(_input: Buffer, args: { pidFile: string }): Promise<never> {
  const helper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  fs.writeFileSync(args.pidFile, JSON.stringify({ sandbox: process.pid, helper: helper.pid }));
  return spin();
}
