// Crashes and storage failures: `portal harvest` (a real child process) is killed with SIGKILL at
// named points of a run (harvester/crash-points.ts: PORTAL_CRASH_AT makes the process kill itself
// on reaching a step, so the point is the same on an idle or a loaded machine); on restart the
// database passes PRAGMA integrity_check, the killed run is marked interrupted, the next run
// completes and no item is duplicated; a run killed while it rewrites a source leaves that source
// entirely old. Then the disk fills up, and the database becomes read-only, during a harvest (a
// small tmpfs in a private mount namespace): a clear message, and the previous catalogue intact.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { CRASH_AT_ENV } from '../../harvester/crash-points.ts';
import { openStore } from '../../store/index.ts';
import { record } from '../helpers/faults.ts';
import { writeConfig } from '../helpers/config.ts';
import { rss, startServer, type FixtureServer } from '../helpers/server.ts';
import { ROOT } from '../helpers/root.ts';

const PORTAL = path.join(ROOT, 'bin/portal.js');
const INSPECT = path.join(ROOT, 'tests/helpers/inspect-db.ts');
/**
 * Items of the big source: enough that its transaction (about 19 MB) outgrows the page cache
 * (better-sqlite3 builds SQLite with 16 MB) and spills uncommitted pages into the WAL before it
 * commits: the case recovery must undo. (1,500 items fit in the cache and spill nothing.)
 */
const BIG = 4000;
/**
 * Items of the third source in the cases that need no spill: the points before, between and after
 * the sources prove the same with a few hundred items, in a fraction of the time.
 */
const SMALL = 300;

let server: FixtureServer;
let configDir = '';
let work = '';
let bigVersion = 1;
/** How many items the third source (/c/feed) serves now: BIG or SMALL, set by each case. */
let bigCount = BIG;
let holdA = false;
const waiting = new Map<string, () => void>();

function bigFeed(version: number, count = bigCount): string {
  const paragraph = 'Le rapport analyse la gouvernance, la transparence et la probité des établissements publics. '.repeat(12);
  return rss(
    Array.from({ length: count }, (_, i) => ({
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
  server.set('/a/feed', (_req, res) => {
    waiting.get('/a/feed')?.();
    if (holdA) return; // no answer until the client goes away
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(rss([1, 2, 3].map((i) => ({ title: `Actualité A${i}`, link: `https://a.example/${i}`, guid: `a${i}` }))));
  });
  server.set('/b/feed', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(rss([1, 2].map((i) => ({ title: `Actualité B${i}`, link: `https://b.example/${i}`, guid: `b${i}` }))));
  });
  server.set('/c/feed', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(bigFeed(bigVersion));
  });
  const feed = (id: string, p: string) => ({ id, type: 'feed', url: `${server.url}${p}`, section: 'news' });
  configDir = writeConfig({
    harvest: { timeout: '60s', max_bytes: '50MB', concurrency: 1 },
    partners: [{ id: 'alpha', sources: [feed('a', '/a/feed'), feed('b', '/b/feed'), feed('c', '/c/feed')] }],
  });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-crash-'));
});
t.teardown(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** `portal harvest` as a child process; `crashAt` names the step at which it kills itself. */
function harvester(db: string, options: { config?: string; crashAt?: string } = {}): { child: ChildProcess; done: Promise<Exit> } {
  const env = { ...process.env };
  delete env[CRASH_AT_ENV];
  if (options.crashAt) env[CRASH_AT_ENV] = options.crashAt;
  const child = spawn(process.execPath, [PORTAL, 'harvest', '--config', options.config ?? configDir, '--db', db], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
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

/** The catalogue as a restarted process finds it (opened here, as `portal` would, then closed). */
function inspect(db: string): Inspection {
  const store = openStore(db);
  try {
    const items = store.items.allIds(1_000_000).map(({ id }) => {
      const item = store.items.get(id, 1_000_000)!;
      return { id, title: item.title, url: item.url, text: item.text, published_at: item.published_at, versions: item.versions.length };
    });
    items.sort((a, b) => a.id.localeCompare(b.id));
    return {
      integrity: store.integrityCheck(),
      count: items.length,
      distinctUrls: new Set(items.map((i) => i.url)).size,
      titles: items.map((i) => i.title),
      digest: createHash('sha256').update(JSON.stringify(items)).digest('hex'),
      runs: store.runs.recent(50).map((r) => ({ id: r.run_id, status: r.status })),
    };
  } finally {
    store.close();
  }
}

const when = (p: string) => new Promise<void>((resolve) => waiting.set(p, resolve));

/**
 * Pages of a transaction that was never committed, left in the WAL (https://sqlite.org/fileformat.html#the_write_ahead_log):
 * the frames after the last commit frame (a commit frame carries the database size) whose salt
 * matches the header's. Read before anything opens the database again (opening recovers the WAL).
 */
function uncommittedFrames(db: string): number {
  if (!fs.existsSync(`${db}-wal`)) return 0;
  const wal = fs.readFileSync(`${db}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let frames = 0;
  let sinceCommit = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    frames++;
    sinceCommit = wal.readUInt32BE(at + 4) > 0 ? 0 : sinceCommit + 1;
  }
  return frames && sinceCommit;
}

async function completeRun(db: string): Promise<Exit> {
  return harvester(db).done;
}

interface KillPoint {
  name: string;
  /** Items of the third source: BIG where the transaction must spill into the WAL. */
  items: number;
  /** The step at which the harvester kills itself (harvester/crash-points.ts). */
  crashAt?: string;
  /** Otherwise: the test kills it once this resolves. */
  killWhen?: () => Promise<void>;
  before?: () => void;
  after?: () => void;
  /** Items committed at the moment of the kill: the sources before the point, whole. */
  committed: number;
}

const KILL_POINTS: KillPoint[] = [
  { name: 'while the first source is being fetched', items: SMALL, killWhen: () => when('/a/feed'), before: () => (holdA = true), after: () => (holdA = false), committed: 0 },
  { name: 'between sources, right after the first was committed', items: SMALL, crashAt: 'committed:alpha/a', committed: 3 },
  { name: `while the ${SMALL} items of the third source are read (half of them normalised)`, items: SMALL, crashAt: `read:alpha/c:${SMALL / 2}`, committed: 3 + 2 },
  { name: `inside the transaction writing the ${BIG} items of the big source, before it commits`, items: BIG, crashAt: 'writing:alpha/c', committed: 3 + 2 },
  { name: 'after the last source was committed, before the run was closed', items: SMALL, crashAt: 'committed:alpha/c', committed: 3 + 2 + SMALL },
];

for (const [index, point] of KILL_POINTS.entries()) {
  t.test(`SIGKILL ${point.name}`, async (t) => {
    const db = path.join(work, `kill-${index}.db`);
    bigCount = point.items;
    point.before?.();
    const moment = point.killWhen?.();
    const { child, done } = harvester(db, { crashAt: point.crashAt });
    if (moment) {
      await moment;
      child.kill('SIGKILL');
    }
    const killed = await done;
    point.after?.();
    t.equal(killed.signal, 'SIGKILL', `the harvester died at the point (${killed.stderr.slice(-300)})`);
    if (point.crashAt === 'writing:alpha/c') {
      const spilled = uncommittedFrames(db);
      t.ok(spilled > 0, `the open transaction had spilled ${spilled} pages into the WAL: recovery had to undo them`);
    }
    const afterKill = inspect(db);
    t.equal(afterKill.integrity, 'ok', 'integrity_check right after the kill');
    t.equal(afterKill.count, point.committed, `the ${point.committed} items committed before the point are there, nothing of what was not`);
    t.equal(afterKill.distinctUrls, afterKill.count, 'no duplicate');

    const next = await completeRun(db);
    t.equal(next.code, 0, `the next run completes: ${next.stderr.slice(-300)}`);
    const state = inspect(db);
    t.equal(state.integrity, 'ok', 'integrity_check after the next run');
    t.match(state.runs.find((r) => r.id === 1), { status: 'interrupted' }, 'the killed run is marked interrupted');
    t.match(state.runs.find((r) => r.id === 2), { status: 'finished' }, 'the next run finished');
    t.equal(state.count, 3 + 2 + point.items, 'every item of every source, once');
    t.equal(state.distinctUrls, state.count, 'nothing duplicated');
    record({
      area: 'Crashes and concurrency',
      case: `SIGKILL ${point.name}`,
      how: point.crashAt
        ? `\`portal harvest\` as a child process, killing itself with SIGKILL at the step \`${point.crashAt}\` (PORTAL_CRASH_AT); then inspected and run again`
        : '`portal harvest` as a child process, killed with SIGKILL while its request waits for an answer; then inspected and run again',
      result: `integrity ok; killed run "interrupted"; ${afterKill.count} items before restart, ${state.count} after, no duplicates`,
    });
  });
}

t.test('SIGKILL while a source is rewritten: all of it or none of it', async (t) => {
  const db = path.join(work, 'rewrite.db');
  bigCount = BIG;
  bigVersion = 1;
  t.equal((await completeRun(db)).code, 0, 'version 1 harvested');
  const before = inspect(db);
  bigVersion = 2;
  const killed = await harvester(db, { crashAt: 'writing:alpha/c' }).done;
  t.equal(killed.signal, 'SIGKILL', 'killed with every new version written and not committed');
  const afterKill = inspect(db);
  t.equal(afterKill.integrity, 'ok');
  const v2 = afterKill.titles.filter((title) => title.endsWith('version 2')).length;
  t.equal(v2, 0, `the source is all old after the kill (${v2} of ${BIG} new)`);
  t.equal(afterKill.digest, before.digest, 'every item exactly as before the rewrite');
  t.equal((await completeRun(db)).code, 0);
  const state = inspect(db);
  t.equal(state.titles.filter((title) => title.endsWith('version 2')).length, BIG, 'all new after the next run');
  t.equal(state.distinctUrls, state.count);
  record({
    area: 'Crashes and concurrency',
    case: 'SIGKILL while a source is rewritten',
    how: `${BIG} items change; the harvester kills itself inside the transaction, after writing them all (\`writing:alpha/c\`)`,
    result: 'after the kill all old, item for item (one transaction per source); after the next run all new',
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
  # Fill the disk, then give back 256 KB: the harvest can open the database but not write its 1,000 items.
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
    // The catalogue before: sources a and b only; the third source is new: 1,000 items need more
    // than a megabyte, four times the room left on the full disk.
    bigCount = fault === 'full' ? 1000 : SMALL;
    const seedDb = path.join(work, `seed-${fault}.db`);
    const seedConfig = writeConfig({ partners: [{ id: 'alpha', sources: [{ id: 'a', type: 'feed', url: `${server.url}/a/feed`, section: 'news' }, { id: 'b', type: 'feed', url: `${server.url}/b/feed`, section: 'news' }] }] });
    const seeded = harvester(seedDb, { config: seedConfig });
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
      how: fault === 'full' ? 'a 12 MB tmpfs filled up to 256 KB free, in a private mount namespace; the harvest writes 1,000 new items (over 1 MB)' : 'the tmpfs holding the database remounted read-only before the harvest',
      result: `exit 1: "${messages.split('\n').find((l) => /full|read-only/.test(l))?.replace(/^stderr: /, '').replace(/\/tmp\/[^ ]*\//, '…/')}"; catalogue identical (digest), integrity ok`,
    });
  });
}
