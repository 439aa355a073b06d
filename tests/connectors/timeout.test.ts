// The request timeout counts the partner's time, not this process's own stalls: pdf.js parses on
// the event loop, and an answer that arrived while it parsed must not be called a timeout. A
// partner that really does not answer still times out. The partner runs in its own process and
// says on its stdout when a request reached it; it leaves a file behind once it has answered, so
// a test can hold this process's loop exactly until then (no guessed delays).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import t from 'tap';
import { HarvestError, HttpClient } from '../../connectors/index.ts';

const TIMEOUT_MS = 1000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-timeout-'));
t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));

// The partner in its own process, so it answers while this one is blocked.
const SERVER = `
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
http.createServer((req, res) => {
  console.log('request ' + req.url);
  if (req.url.startsWith('/silent')) return; // never answers
  setTimeout(() => res.end('<rss version="2.0"><channel><title>ok</title></channel></rss>', () => fs.writeFileSync(path.join(process.argv[1], 'answered' + req.url.replace(/\\W/g, '-')), '')), 300);
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;
const child = spawn(process.execPath, ['-e', SERVER, work], { stdio: ['ignore', 'pipe', 'inherit'] });
t.teardown(() => child.kill());
const lines = readline.createInterface({ input: child.stdout! });
const port = Number(await new Promise<string>((resolve) => lines.once('line', resolve)));
const base = `http://127.0.0.1:${port}`;
/** Resolves when the partner has received a request for `url`. */
const received = (url: string) =>
  new Promise<void>((resolve) => {
    const listener = (line: string) => {
      if (line !== `request ${url}`) return;
      lines.off('line', listener);
      resolve();
    };
    lines.on('line', listener);
  });

const client = () => new HttpClient({ timeoutMs: TIMEOUT_MS, userAgent: 'IntegrityPortalBot/1.0 (tests)', allowPrivateNetworks: true, perHostDelayMs: 0, robots: false });
// Blocks the loop as pdf.js does: outside the timers phase (a block inside a timer callback is
// not seen by timers due in the same phase, since libuv's clock is read once per turn), until
// `done()` holds.
const blockUntil = (done: () => boolean) =>
  new Promise<void>((resolve) =>
    setImmediate(() => {
      while (!done());
      resolve();
    }),
  );

t.test('an answer that arrived while the event loop was blocked past the timeout is read', async (t) => {
  const http = client();
  t.teardown(() => http.close());
  const asked = received('/feed');
  const started = Date.now();
  const pending = http.fetch(`${base}/feed`, { maxBytes: 1_000_000 });
  await asked;
  // Blocked until the partner has answered and the timeout has passed: the timer can only fire
  // once the answer is already waiting to be read.
  const marker = path.join(work, 'answered-feed');
  await blockUntil(() => Date.now() - started > TIMEOUT_MS * 1.5 && fs.existsSync(marker));
  const unblocked = Date.now();
  const result = await pending;
  t.equal(result.status, 200);
  t.match(result.body.toString(), /<title>ok<\/title>/);
  t.ok(Date.now() - unblocked < TIMEOUT_MS, `read ${Date.now() - unblocked} ms after the loop was free again, ${unblocked - started} ms after the start: not called a timeout`);
});

t.test('a partner that does not answer still times out, after its timeout', async (t) => {
  const http = client();
  t.teardown(() => http.close());
  const started = Date.now();
  const error = await http.fetch(`${base}/silent-1`, { maxBytes: 1_000_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = Date.now() - started;
  t.ok(error instanceof HarvestError);
  t.equal((error as HarvestError).code, 'timeout');
  // Not before its timeout; at most three times it (the limit when this process is stalled, as it
  // may seem to be on a machine busy with other work), plus the lateness of a timer there.
  t.ok(elapsed >= TIMEOUT_MS * 0.95 && elapsed < TIMEOUT_MS * 3 + 1500, `timed out after ${elapsed} ms`);
});

t.test('and when this process is blocked too, it times out within three times the timeout', async (t) => {
  const http = client();
  t.teardown(() => http.close());
  const asked = received('/silent-2');
  const started = Date.now();
  const pending = http.fetch(`${base}/silent-2`, { maxBytes: 1_000_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  await asked;
  await blockUntil(() => Date.now() - started > TIMEOUT_MS * 1.5);
  const error = await pending;
  const elapsed = Date.now() - started;
  t.equal((error as HarvestError).code, 'timeout');
  t.ok(elapsed >= TIMEOUT_MS * 1.5 && elapsed < TIMEOUT_MS * 3 + 1500, `timed out after ${elapsed} ms (the limit is ${TIMEOUT_MS * 3} ms, plus the lateness of a timer on a busy machine)`);
});
