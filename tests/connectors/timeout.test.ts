// The request timeout counts the partner's time, not this process's own stalls: pdf.js parses on
// the event loop, and an answer that arrived while it parsed must not be called a timeout. A
// partner that really does not answer still times out.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import t from 'tap';
import { HarvestError, HttpClient } from '../../connectors/index.ts';

// The partner in its own process, so it answers while this one is blocked.
const SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  if (req.url === '/silent') return; // never answers
  setTimeout(() => res.end('<rss version="2.0"><channel><title>ok</title></channel></rss>'), 300);
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;
const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
t.teardown(() => child.kill());
const port = Number(await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve)));
const base = `http://127.0.0.1:${port}`;

const client = () => new HttpClient({ timeoutMs: 1000, userAgent: 'IntegrityPortalBot/1.0 (tests)', allowPrivateNetworks: true, perHostDelayMs: 0, robots: false });
// Blocks the loop as pdf.js does: outside the timers phase (a block inside a timer callback is
// not seen by timers due in the same phase, since libuv's clock is read once per turn).
const block = (ms: number) =>
  new Promise<void>((resolve) =>
    setImmediate(() => {
      const until = Date.now() + ms;
      while (Date.now() < until);
      resolve();
    }),
  );

t.test('an answer that arrived while the event loop was blocked past the timeout is read', async (t) => {
  const http = client();
  t.teardown(() => http.close());
  const started = Date.now();
  const pending = http.fetch(`${base}/feed`, { maxBytes: 1_000_000 });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the request is sent
  await block(1800); // the answer comes at 300 ms; the 1 s timer can only fire at 1.9 s
  const result = await pending;
  t.equal(result.status, 200);
  t.match(result.body.toString(), /<title>ok<\/title>/);
  t.ok(Date.now() - started < 3000, `read ${Date.now() - started} ms after the start`);
});

t.test('a partner that does not answer still times out, after its timeout', async (t) => {
  const http = client();
  t.teardown(() => http.close());
  const started = Date.now();
  const error = await http.fetch(`${base}/silent`, { maxBytes: 1_000_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = Date.now() - started;
  t.ok(error instanceof HarvestError);
  t.equal((error as HarvestError).code, 'timeout');
  t.ok(elapsed >= 950 && elapsed < 1800, `timed out after ${elapsed} ms`);
});

t.test('and when this process is blocked too, it times out within three times the timeout', async (t) => {
  const http = client();
  t.teardown(() => http.close());
  const started = Date.now();
  const pending = http.fetch(`${base}/silent`, { maxBytes: 1_000_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  await block(1500);
  const error = await pending;
  const elapsed = Date.now() - started;
  t.equal((error as HarvestError).code, 'timeout');
  t.ok(elapsed < 3300, `timed out after ${elapsed} ms`);
});
