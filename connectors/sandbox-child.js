// A sandbox process (see sandbox.ts). Plain JavaScript, started without TypeScript's loader, so
// the heavy libraries a task needs (pdf.js: 2 MB of code and 3 MB of source maps) are loaded
// natively first (`--native SPECIFIER`): through tsx the same pdf.js takes 500 MB instead of
// 90 MB. tsx is registered after them, for the project's own TypeScript task modules
// (`--module URL`), which find the native ones in the module cache (or on
// globalThis.__sandboxNative). Then it says it is ready and runs one task at a time.
//
// It exits when the parent goes away: on the IPC channel closing when its event loop is free, and
// from a watchdog thread when the main thread is stuck in a parse (the parent was killed with
// SIGKILL, its deadline passed): the watchdog kills the whole process group.
import { Worker } from 'node:worker_threads';

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.parent) {
    try { process.kill(-process.pid, 'SIGKILL'); } catch { process.kill(process.pid, 'SIGKILL'); }
  }
}, 250);
`;
new Worker(WATCHDOG, { eval: true, workerData: { parent: process.ppid } }).unref();
process.on('disconnect', () => process.exit(0));

const natives = [];
const preloads = [];
for (let i = 2; i < process.argv.length; i += 2) {
  if (process.argv[i] === '--native') natives.push(process.argv[i + 1]);
  if (process.argv[i] === '--module') preloads.push(process.argv[i + 1]);
}

/** @type {Map<string, Promise<Record<string, unknown>>>} */
const modules = new Map();
function load(url) {
  let loaded = modules.get(url);
  if (!loaded) {
    loaded = import(url);
    modules.set(url, loaded);
  }
  return loaded;
}

function send(message) {
  process.send?.(message);
}

/** Buffers arrive as plain Uint8Arrays through the structured clone. */
function revive(value) {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

async function run(message) {
  try {
    const fn = (await load(message.module))[message.fn];
    if (typeof fn !== 'function') throw new Error(`${message.module} exports no function ${message.fn}`);
    const value = await fn(revive(message.input), message.args);
    send({ type: 'result', ok: true, value });
  } catch (error) {
    send({
      type: 'result',
      ok: false,
      error: { name: String(error?.name ?? 'Error'), message: String(error?.message ?? error), code: typeof error?.code === 'string' ? error.code : undefined },
    });
  }
}

process.on('message', (message) => {
  if (message?.type === 'run') void run(message);
});

globalThis.__sandboxNative = {};
for (const specifier of natives) globalThis.__sandboxNative[specifier] = await import(specifier);
const { register } = await import('tsx/esm/api');
register();
await Promise.all(preloads.map(load));
send({ type: 'ready' });
