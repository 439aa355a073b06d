// Crashes and storage failures: `portal harvest` (a real child process) is killed with SIGKILL at
// several points of a run; on restart the database passes PRAGMA integrity_check, the killed run
// is marked interrupted, the next run completes and no item is duplicated; a run killed while it
// rewrites a source leaves that source entirely old or entirely new. Then the disk fills up, and
// the database becomes read-only, during a harvest (a small tmpfs in a private mount namespace):
// a clear message, and the previous catalogue intact.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { record } from '../helpers/faults.ts';
import { writeConfig } from '../helpers/config.ts';
import { rss, startServer, type FixtureServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PORTAL = path.join(ROOT, 'bin/portal.js');
const INSPECT = path.join(ROOT, 'tests/helpers/inspect-db.ts');
const BIG = 4000;

let server: FixtureServer;
let configDir = '';
let work = '';
let bigVersion = 1;
let holdB = false;
const waiting = new Map<string, () => void>();
const bigServed: Array<() => void> = [];

function bigFeed(version: number): string {
  const paragraph = 'Le rapport analyse la gouvernance, la transparence et la probité des établissements publics. '.repeat(12);
  return rss(
    Array.from({ length: BIG }, (_, i) => ({
      title: `Publication ${i + 1} version ${version}`,
      link: `https://big.example/p/${i + 1}`,
      guid: `p${i + 1}`,
      date: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toUTCString(),
      description: `${paragraph} (${version})`,
    })),
  );
}

t.before(async () => {
  server = await startServer();
  server.set('/a/feed', (req, res) => {
    waiting.get('/a/feed')?.();
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(rss([1, 2, 3].map((i) => ({ title: `Actualité A${i}`, link: `https://a.example/${i}`, guid: `a${i}` }))));
  });
  server.set('/b/feed', (_req, res) => {
    waiting.get('/b/feed')?.();
    if (holdB) return; // hangs until the client goes away
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(rss([1, 2].map((i) => ({ title: `Actualité B${i}`, link: `https://b.example/${i}`, guid: `b${i}` }))));
  });
  server.set('/c/feed', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(bigFeed(bigVersion), () => bigServed.splice(0).forEach((f) => f()));
  });
  const feed = (id: string, p: string) => ({ id, type: 'feed', url: `${server.url}${p}`, section: 'news' });
  configDir = writeConfig({
    harvest: { timeout: '30s', max_bytes: '50MB', concurrency: 1 },
    partners: [{ id: 'alpha', sources: [feed('a', '/a/feed'), feed('b', '/b/feed'), feed('c', '/c/feed')] }],
  });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-crash-'));
});
t.teardown(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function harvester(db: string, config = configDir): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [PORTAL, 'harvest', '--config', config, '--db', db], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

interface Inspection {
  integrity: string;
  count: number;
  distinctUrls: number;
  titles: string[];
  digest: string;
  runs: Array<{ id: number; status: string }>;
}

function inspect(db: string, readonly = false): Inspection {
  const out = spawnSync(process.execPath, ['--import', 'tsx', INSPECT, db, ...(readonly ? ['--readonly'] : [])], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`inspect ${db}: ${out.stderr}`);
  return JSON.parse(out.stdout) as Inspection;
}

const when = (p: string) => new Promise<void>((resolve) => waiting.set(p, resolve));
const afterBigServed = () => new Promise<void>((resolve) => bigServed.push(resolve));

async function completeRun(db: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = performance.now();
  const { done } = harvester(db);
  const result = await done;
  return { ...result, ms: performance.now() - started };
}

let calibration = 0;

t.test('a full run, timed: where the writes happen', async (t) => {
  const db = path.join(work, 'calibration.db');
  const started = performance.now();
  const served = afterBigServed();
  const { done } = harvester(db);
  await served;
  const servedAt = performance.now();
  const result = await done;
  calibration = performance.now() - servedAt;
  t.equal(result.code, 0, result.stderr);
  const state = inspect(db);
  t.equal(state.count, 3 + 2 + BIG);
  t.comment(`whole run ${(performance.now() - started).toFixed(0)} ms; after the big feed was served ${calibration.toFixed(0)} ms`);
});

interface KillPoint {
  name: string;
  /** Resolves at the moment to kill; `scale` shortens a timed moment when a run was faster than the calibration. */
  at(scale: number): Promise<void>;
  before?: () => void;
  after?: () => void;
}

const KILL_POINTS: KillPoint[] = [
  { name: 'while the first source is being fetched', at: () => when('/a/feed') },
  {
    name: 'between sources, after the first was written',
    before: () => (holdB = true),
    at: () => when('/b/feed').then(() => new Promise((resolve) => setTimeout(resolve, 200))),
    after: () => (holdB = false),
  },
  ...[0.15, 0.45, 0.75].map((fraction) => ({
    name: `while ${BIG} items are parsed and written (${Math.round(fraction * 100)} % into it)`,
    at: (scale: number) => afterBigServed().then(() => new Promise<void>((resolve) => setTimeout(resolve, calibration * fraction * scale))),
  })),
];

for (const [index, point] of KILL_POINTS.entries()) {
  t.test(`SIGKILL ${point.name}`, async (t) => {
    const db = path.join(work, `kill-${index}.db`);
    // A timed moment can come after a run that went faster than the calibrated one (the machine is
    // shared with other tests): then the run finished whole, and the case is tried again earlier.
    let killed: Awaited<ReturnType<typeof harvester>['done']>;
    for (let attempt = 0; ; attempt++) {
      for (const file of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(file, { force: true });
      point.before?.();
      const moment = point.at(0.6 ** attempt);
      const { child, done } = harvester(db);
      await moment;
      child.kill('SIGKILL');
      killed = await done;
      point.after?.();
      if (killed.signal === 'SIGKILL' || attempt === 3) break;
      t.comment(`the run finished before the moment to kill it (attempt ${attempt + 1}); again, earlier`);
    }
    t.equal(killed.signal, 'SIGKILL', 'the harvester died');
    const afterKill = inspect(db);
    t.equal(afterKill.integrity, 'ok', 'integrity_check right after the kill');
    t.equal(afterKill.distinctUrls, afterKill.count, `no duplicate among the ${afterKill.count} items written before the kill`);

    const next = await completeRun(db);
    t.equal(next.code, 0, `the next run completes: ${next.stderr.slice(-300)}`);
    const state = inspect(db);
    t.equal(state.integrity, 'ok', 'integrity_check after the next run');
    t.match(state.runs.find((r) => r.id === 1), { status: 'interrupted' }, 'the killed run is marked interrupted');
    t.match(state.runs.find((r) => r.id === 2), { status: 'finished' }, 'the next run finished');
    t.equal(state.count, 3 + 2 + BIG, 'every item of every source, once');
    t.equal(state.distinctUrls, state.count, 'nothing duplicated');
    record({
      area: 'Crashes and concurrency',
      case: `SIGKILL ${point.name}`,
      how: '`portal harvest` as a child process, killed with SIGKILL; then inspected and run again',
      result: `integrity ok; killed run "interrupted"; ${afterKill.count} items before restart, ${state.count} after, no duplicates`,
    });
  });
}

t.test('SIGKILL while a source is rewritten: all of it or none of it', async (t) => {
  const db = path.join(work, 'rewrite.db');
  bigVersion = 1;
  t.equal((await completeRun(db)).code, 0, 'version 1 harvested');
  let signal: string | null = null;
  for (let attempt = 0; ; attempt++) {
    bigVersion = 2;
    const moment = afterBigServed().then(() => new Promise<void>((resolve) => setTimeout(resolve, calibration * 0.6 * 0.6 ** attempt)));
    const { child, done } = harvester(db);
    await moment;
    child.kill('SIGKILL');
    signal = (await done).signal;
    if (signal === 'SIGKILL' || attempt === 3) break;
    // Faster than calibrated: the rewrite finished whole. Back to version 1, and again, earlier.
    t.comment(`the rewrite finished before the moment to kill it (attempt ${attempt + 1}); again, earlier`);
    bigVersion = 1;
    t.equal((await completeRun(db)).code, 0, 'back to version 1');
  }
  t.equal(signal, 'SIGKILL');
  const afterKill = inspect(db);
  t.equal(afterKill.integrity, 'ok');
  const v2 = afterKill.titles.filter((title) => title.endsWith('version 2')).length;
  t.ok(v2 === 0 || v2 === BIG, `the source is all old or all new after the kill (${v2} of ${BIG} new)`);
  t.equal((await completeRun(db)).code, 0);
  const state = inspect(db);
  t.equal(state.titles.filter((title) => title.endsWith('version 2')).length, BIG, 'all new after the next run');
  t.equal(state.distinctUrls, state.count);
  record({
    area: 'Crashes and concurrency',
    case: 'SIGKILL while a source is rewritten',
    how: `${BIG} items change; the harvester is killed mid-write`,
    result: `after the kill ${v2 === 0 ? 'all old' : 'all new'} (one transaction per source); after the next run all new`,
  });
  bigVersion = 1;
});

// A private mount namespace with a small tmpfs: root uses `unshare -m`, others `unshare -rm`.
function namespaceAvailable(): string | undefined {
  const flags = process.getuid?.() === 0 ? ['-m'] : ['-r', '-m'];
  const probe = spawnSync('unshare', [...flags, 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d" && rmdir "$d"'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `no private mount namespace here (${probe.error?.message ?? probe.stderr.trim()})`;
}

/** Runs a script in a private mount namespace (asynchronously: the fixture server lives in this process). */
function inNamespace(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const flags = process.getuid?.() === 0 ? ['-m'] : ['-r', '-m'];
  const child = spawn('unshare', [...flags, 'bash', '-c', script], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
}

const STORAGE_SCRIPT = String.raw`
set -u
mnt=$(mktemp -d)
mount -t tmpfs -o size=12m tmpfs "$mnt"
cp "$SEED_DB" "$mnt/portal.db"
if [ "$FAULT" = full ]; then
  # Fill the disk, then give back 256 KB: the harvest can open the database but not write 6 MB.
  dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null || true
  truncate -s -256K "$mnt/filler"
else
  mount -o remount,ro "$mnt"
fi
"$NODE" "$PORTAL" harvest --config "$CONFIG" --db "$mnt/portal.db" >/dev/null 2>"$mnt.stderr"
echo "exit=$?"
cat "$mnt.stderr" | tail -5 | sed 's/^/stderr: /'
[ "$FAULT" = full ] && rm -f "$mnt/filler" || mount -o remount,rw "$mnt"
echo "inspect=$("$NODE" --import tsx "$INSPECT" "$mnt/portal.db")"
umount "$mnt"; rmdir "$mnt"; rm -f "$mnt.stderr"
`;

const unavailable = namespaceAvailable();
for (const fault of ['full', 'read-only'] as const) {
  t.test(`the disk is ${fault === 'full' ? 'full' : 'read-only'} during a harvest: a clear error, the catalogue intact`, { skip: unavailable ?? false }, async (t) => {
    // The catalogue before: sources a and b only; the big source is new and needs ~6 MB.
    const seedDb = path.join(work, `seed-${fault}.db`);
    const seedConfig = writeConfig({ partners: [{ id: 'alpha', sources: [{ id: 'a', type: 'feed', url: `${server.url}/a/feed`, section: 'news' }, { id: 'b', type: 'feed', url: `${server.url}/b/feed`, section: 'news' }] }] });
    const seeded = harvester(seedDb, seedConfig);
    t.equal((await seeded.done).code, 0, 'the catalogue before');
    const before = inspect(seedDb);
    t.equal(before.count, 5);

    const out = await inNamespace(STORAGE_SCRIPT, { SEED_DB: seedDb, FAULT: fault === 'full' ? 'full' : 'ro', NODE: process.execPath, PORTAL, CONFIG: configDir, INSPECT });
    t.equal(out.status, 0, `the namespace script ran: ${out.stderr}`);
    const exit = Number(/exit=(\d+)/.exec(out.stdout)?.[1]);
    const messages = out.stdout.split('\n').filter((l) => l.startsWith('stderr: ')).join('\n');
    t.equal(exit, 1, 'the harvest exits with status 1');
    t.match(messages, fault === 'full' ? /the disk holding .*portal\.db is full \(SQLITE_FULL\): free some space/ : /portal\.db cannot be written: the file or its file system is read-only/, `a clear message:\n${messages}`);
    t.notMatch(messages, /^\s+at /m, 'no stack trace');
    const after = JSON.parse(/inspect=(.*)/.exec(out.stdout)![1]!) as Inspection;
    t.equal(after.integrity, 'ok', 'integrity_check ok');
    t.equal(after.digest, before.digest, `the ${before.count} items are exactly as before`);
    record({
      area: 'Crashes and concurrency',
      case: fault === 'full' ? 'disk full during a harvest' : 'database read-only during a harvest',
      how: fault === 'full' ? 'a 12 MB tmpfs filled up to 256 KB free, in a private mount namespace; the harvest needs ~6 MB' : 'the tmpfs holding the database remounted read-only before the harvest',
      result: `exit 1: "${messages.split('\n').find((l) => /full|read-only/.test(l))?.replace(/^stderr: /, '').replace(/\/tmp\/[^ ]*\//, '…/')}"; catalogue identical (digest), integrity ok`,
    });
  });
}
