// `npm run bench:load`: the portal under a visitor population's load (issue 12). For each size
// (10,000, 50,000 and 200,000 items by default), a synthetic catalogue (bench/catalogue.ts) is
// served by the real `portal serve` process, started through the CLI, and autocannon sends it a
// mix of distinct URLs over 20 connections: 5 % home pages, 30 % sections with filters and pages
// (up to page 60), 35 % item pages over 2,000 ids, 30 % Arabic and French searches of 1-3 words
// (common, domain and rare words of the catalogue's own vocabulary) with filters and pages, drawn
// from a population of 3,803 distinct URLs; and 10 % of all requests revalidate a page fetched
// before (If-None-Match), as returning visitors and proxies do. Then a bare node:http server returning 10 KB gets the same load, as the baseline of
// what this machine serves at all during the run.
//
// Printed per size: start to first 200 on /healthz, req/s, latency p50/p95/p99/max (and search
// p95), server CPU per request (every thread of the process), peak RSS during the run, the event
// loop's longest delay (the server's monitorEventLoopDelay, read through SIGUSR2), the baseline's
// req/s and the ratio, the share of 304s, errors and timeouts; then the same mix paced at the
// target's rate (150 req/s at 200,000 items, 300 below), whose latencies are the service's rather
// than the queue's; then the targets of issue 12.
//
// BENCH_SIZES=10000,50000,200000 · BENCH_SECONDS=10 · BENCH_CONNECTIONS=20 · BENCH_DIR=dir keeps
// the seeded databases between runs (seeding 200,000 items takes about 5 minutes on 2 cores);
// without it they go in a temporary directory, removed at the end. BENCH_NODE_FLAGS passes Node
// options to the portal process (--cpu-prof --cpu-prof-dir=DIR profiles it, workers included).
// The portal gets the environment deploy/portal.service sets (NODE_OPTIONS with its heap sizes,
// MALLOC_ARENA_MAX), printed with the results; BENCH_PLAIN=1 measures it with Node's defaults.
// BENCH_COLD=1 (as root) empties the OS page cache before each portal start, as after a reboot:
// the database's pages then come from the disk as requests need them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { SECTION_DOC_TYPES, SECTIONS, type Section } from '../config/index.ts';
import { prng } from '../demo/content.ts';
import { openStore } from '../store/index.ts';
import { PARTNERS, seedCatalogue, vocabularies, zipf, type Lang } from './catalogue.ts';
import { serviceProcessEnvironment } from './service-env.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '10000,50000,200000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
/** Node options for the portal process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it). */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
// The portal runs with the environment deploy/portal.service gives it (its memory settings), as
// deployed; BENCH_PLAIN=1 runs it with Node's defaults instead.
const SERVICE_ENV = process.env.BENCH_PLAIN === '1' ? {} : serviceProcessEnvironment();
/** The OS page cache emptied before each start (BENCH_COLD=1, root only). */
const COLD = process.env.BENCH_COLD === '1';
if (COLD && process.getuid?.() !== 0) throw new Error('BENCH_COLD=1 empties the OS page cache through /proc/sys/vm/drop_caches: run it as root');
const keep = Boolean(process.env.BENCH_DIR);
const dir = process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-load-'));
const configDir = path.join(dir, 'config');
const log = (line: string) => process.stderr.write(`${line}\n`);

type Kind = 'home' | 'section' | 'item' | 'search' | 'revalidate';
interface Request {
  kind: Kind;
  path: string;
  etag?: string;
}

// ------------------------------------------------------------------ the URL mix
/** Share of each kind of request in the mix (the rest of the 100 % are revalidations). */
const SHARES: Array<[Exclude<Kind, 'revalidate'>, number, number]> = [
  // kind, share of requests, distinct URLs of that kind in the population
  ['home', 0.05, 3],
  ['section', 0.3, 1200],
  ['item', 0.35, 1400],
  ['search', 0.3, 1200],
];

/** A generator of requests of each kind, from its own seed. */
function generators(ids: string[], seed: number): Record<Exclude<Kind, 'revalidate'>, () => Request> {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const vocab = vocabularies();
  // Mostly first pages, some deep ones, up to page 60.
  const page = () => {
    const r = random();
    return r < 0.6 ? 1 : r < 0.85 ? 2 + Math.floor(random() * 9) : 11 + Math.floor(random() * 50);
  };
  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== 1) search.set(key, String(value));
    const text = search.toString();
    return text ? `?${text}` : '';
  };
  const filters = (section?: Section) => ({
    partner: random() < 0.35 ? `p${Math.floor(random() * PARTNERS)}` : undefined,
    doc_type: section && random() < 0.2 ? pick(SECTION_DOC_TYPES[section]) : undefined,
    language: random() < 0.15 ? pick(['ar', 'fr']) : undefined,
    year: random() < 0.2 ? 2021 + Math.floor(random() * 5) : undefined,
  });
  const word = (lang: Lang) => {
    const r = random();
    const v = vocab[lang];
    // Words as they come in the catalogue's text (common ones often), the portal's own subject, or rare ones.
    if (r < 0.45) return zipf(v, random);
    if (r < 0.75) return pick(v.domain);
    return v.words[1000 + Math.floor(random() * (v.words.length - 1000))]!;
  };
  const lang = () => (random() < 0.5 ? 'ar' : 'fr');
  return {
    home: () => ({ kind: 'home', path: `/${pick(['ar', 'fr', 'en'])}/` }),
    section: () => {
      const section = pick(SECTIONS);
      return { kind: 'section', path: `/${lang()}/${section}${query({ ...filters(section), page: page() })}` };
    },
    item: () => ({ kind: 'item', path: `/${lang()}/items/${pick(ids)}` }),
    search: () => {
      const l = lang();
      const words = Array.from({ length: 1 + Math.floor(random() * 3) }, () => word(l)).join(' ');
      const section = random() < 0.15 ? pick(SECTIONS) : undefined;
      return { kind: 'search', path: `/${l}/search${query({ q: words, section, ...filters(), page: page() })}` };
    },
  };
}

/**
 * The population of distinct URLs (3,803 by default), and a draw from it: a kind by its share, then
 * one of that kind's URLs at random.
 */
function urlMix(ids: string[], seed: number): { size: number; next: () => Request } {
  const make = generators(ids, seed);
  const random = prng(seed + 1);
  const population = SHARES.map(([kind, share, distinct]) => {
    const urls = new Map<string, Request>();
    for (let tries = 0; urls.size < distinct && tries < distinct * 50; tries++) {
      const r = make[kind]();
      urls.set(r.path, r);
    }
    return { share, urls: [...urls.values()] };
  });
  return {
    size: population.reduce((n, p) => n + p.urls.length, 0),
    next: () => {
      let r = random();
      const group = population.find((p) => (r -= p.share) < 0) ?? population.at(-1)!;
      return group.urls[Math.floor(random() * group.urls.length)]!;
    },
  };
}

// ------------------------------------------------------------------ processes
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function lines(child: ChildProcess): AsyncIterator<string> {
  return readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
}

/** CPU seconds of a process, all its threads. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The machine's CPU time by state, in jiffies, all cores together (/proc/stat's first line). */
function machineCpu(): { busy: number; iowait: number; steal: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  return { busy: user! + nice! + system! + irq! + softirq!, iowait: iowait!, steal: steal!, total: user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal! };
}

/** How the machine spent a period (from two machineCpu() readings), as shares of all its cores. */
function machineShare(before: ReturnType<typeof machineCpu>, after: ReturnType<typeof machineCpu>): string {
  const total = after.total - before.total || 1;
  const pc = (n: number) => `${((100 * n) / total).toFixed(0)} %`;
  return `busy ${pc(after.busy - before.busy)}, iowait ${pc(after.iowait - before.iowait)}, steal ${pc(after.steal - before.steal)}`;
}

function memory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * Reads a file through once, so that the run starts with it in the OS page cache, and says how long
 * that took (a slow read: it was not cached). This machine's kernel pages out file pages unread
 * for about a minute (DAMON's pageout scheme, /sys/kernel/mm/damon), whatever memory is free: the
 * 200,000-item database, idle while the smaller sizes ran, was read back from disk during its
 * run (iowait 14 %, 242 req/s against 371-402 in the runs around it).
 */
function readThrough(file: string): string {
  const started = performance.now();
  const buffer = Buffer.alloc(8 * 1024 * 1024);
  const fd = fs.openSync(file, 'r');
  let bytes = 0;
  try {
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) bytes += n;
  } finally {
    fs.closeSync(fd);
  }
  const seconds = (performance.now() - started) / 1000;
  return `${(bytes / 1048576).toFixed(0)} MB read in ${seconds.toFixed(1)} s (${(bytes / 1048576 / seconds).toFixed(0)} MB/s)`;
}

async function startPortal(dbFile: string): Promise<{ child: ChildProcess; url: string; readyMs: number; runtime: () => Promise<Record<string, unknown>> }> {
  if (COLD) {
    execFileSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin/portal.js'), 'serve', '--no-harvest', '--config', configDir, '--db', dbFile, '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...SERVICE_ENV },
  });
  const reports: Array<(report: Record<string, unknown>) => void> = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === 'runtime') reports.shift()?.(entry);
    else if (entry.level === 'error' || entry.level === 'warn') log(`  server: ${line}`);
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  // Start to first 200 on /healthz, polled every 10 ms.
  for (;;) {
    if (exited) throw new Error('portal serve exited before answering /healthz');
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  const runtime = () =>
    new Promise<Record<string, unknown>>((resolve) => {
      reports.push(resolve);
      child.kill('SIGUSR2');
    });
  return { child, url, readyMs, runtime };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Measured {
  requests: number;
  rps: number;
  latencies: Record<Kind | 'all', number[]>;
  status: Map<number, number>;
  /** 404s of listing or search pages past their last page: the portal's answer, not an error. */
  pastEnd: number;
  errors: number;
  timeouts: number;
}

/** What a run observed, answer by answer: latencies by kind, statuses, 404s past the end of a list. */
function tally() {
  const latencies: Measured['latencies'] = { all: [], home: [], section: [], item: [], search: [], revalidate: [] };
  const status = new Map<number, number>();
  const observed = { latencies, status, pastEnd: 0 };
  const answer = (r: Pick<Request, 'kind' | 'path'>, code: number, ms: number) => {
    // A page past the last one of a filtered list is answered 404 with a link to it: the portal's answer.
    if (code === 404 && /[?&]page=/.test(r.path)) observed.pastEnd++;
    latencies.all.push(ms);
    latencies[r.kind].push(ms);
    status.set(code, (status.get(code) ?? 0) + 1);
  };
  return { observed, answer };
}

function cannon(url: string, next: () => Request, seconds: number): Promise<Measured> {
  const { observed, answer } = tally();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        timeout: 10,
        headers: { 'user-agent': 'Mozilla/5.0 (bench:load)' },
        requests: [
          {
            setupRequest: (request, context) => {
              const r = next();
              (context as { request?: Request }).request = r;
              return { ...request, path: r.path, headers: { ...request.headers, ...(r.etag ? { 'if-none-match': r.etag } : {}) } };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({ requests: result.requests.total, rps: result.requests.average, ...observed, errors: result.errors, timeouts: result.timeouts });
      },
    );
    // The response of a connection comes before its next request is set up: its context still
    // says what the request was.
    instance.on('response', (client: unknown, code: number, _bytes: number, ms: number) => {
      const context = (client as { requestIterator: { context: { request?: Request } } }).requestIterator.context;
      answer(context.request ?? { kind: 'home', path: '/' }, code, ms);
    });
  });
}

/**
 * The mix at a steady `rate`, open loop: request i is sent at start + i / rate whatever the earlier
 * ones are doing, over a keep-alive pool that opens a connection whenever all are busy, and its
 * latency counts from when it was due (a request the client could not send on time waited too).
 * autocannon's overallRate is not this: each connection sends its share of a second as fast as it
 * is answered, then waits for the next second, so every second starts with a burst of the whole
 * second's requests on 20 connections, and the latencies were the full-load queue's again.
 */
function paced(url: string, next: () => Request, seconds: number, rate: number): Promise<Measured> {
  const { observed, answer } = tally();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const count = Math.max(1, Math.round(seconds * rate));
  let errors = 0;
  let timeouts = 0;
  let done = 0;
  return new Promise((resolve) => {
    const start = performance.now() + 50;
    // Requests per second as sent: the rate asked for, unless the client could not keep up.
    let lastSent = start;
    const finish = () => {
      if (++done < count) return;
      agent.destroy();
      resolve({ requests: count, rps: count / (Math.max(lastSent - start, 1) / 1000 + 1 / rate), ...observed, errors, timeouts });
    };
    const send = (i: number) => {
      const due = start + (i * 1000) / rate;
      const r = next();
      let answered = false;
      let timedOut = false;
      const request = http.get(
        { host: target.hostname, port: target.port, path: r.path, agent, timeout: 10_000, headers: { 'user-agent': 'Mozilla/5.0 (bench:load)', ...(r.etag ? { 'if-none-match': r.etag } : {}) } },
        (response) => {
          response.resume();
          response.once('end', () => {
            answered = true;
            answer(r, response.statusCode ?? 0, performance.now() - due);
          });
        },
      );
      request.once('timeout', () => {
        timedOut = true;
        request.destroy();
      });
      request.on('error', () => undefined);
      // Once per request, however it ended: answered, timed out, refused, or cut mid-answer.
      request.once('close', () => {
        if (!answered) {
          if (timedOut) timeouts++;
          else errors++;
        }
        finish();
      });
    };
    let sent = 0;
    const tick = () => {
      const now = performance.now();
      while (sent < count && start + (sent * 1000) / rate <= now) {
        send(sent++);
        lastSent = performance.now();
      }
      if (sent < count) setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
    };
    setTimeout(tick, 50);
  });
}

/** Answers that are right: 200, 304, and 404 for a page past the end of a list. */
const rightAnswers = (m: Measured) => (m.status.get(200) ?? 0) + (m.status.get(304) ?? 0) + m.pastEnd;

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

// ------------------------------------------------------------------ the run
interface Row {
  items: number;
  readyMs: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  searchP95: number;
  cpuMs: number;
  rssMb: number;
  loopMaxMs: number;
  bareRps: number;
  notModified: number;
  revalidations: number;
  population: number;
  distinct: number;
  pacedRate: number;
  pacedRps: number;
  pacedP95: number;
  pacedP99: number;
  pacedSearchP95: number;
  /** Answers of the paced run other than 200, 304 and a 404 past the end of a list; connection errors and timeouts. */
  pacedErrors: number;
  errors: number;
  requests: number;
}

const rows: Row[] = [];
fs.mkdirSync(dir, { recursive: true });
try {
  for (const size of SIZES) {
    const dbDir = path.join(dir, `db-${size}`);
    fs.mkdirSync(dbDir, { recursive: true });
    const dbFile = path.join(dbDir, 'portal.db');
    const seeded = seedCatalogue(configDir, dbFile, size, log);
    if (seeded.written) log(`seeded ${seeded.written} items in ${(seeded.ms / 1000).toFixed(0)} s (${dbFile})`);
    const store = openStore(dbFile, { readonly: true });
    const all = store.items.allIds(size).map((r) => r.id);
    store.close();
    const idRandom = prng(size);
    const ids = Array.from({ length: 2000 }, () => all[Math.floor(idRandom() * all.length)]!);

    // The database in the OS page cache, as under steady traffic (BENCH_COLD=1: emptied instead).
    if (!COLD) log(`${size} items: database file ${readThrough(dbFile)} before the start`);
    const portal = await startPortal(dbFile);
    log(`${size} items: portal serve answered /healthz 200 after ${Math.round(portal.readyMs)} ms`);
    // Warm-up with URLs of their own (JIT, workers' indexes), not the measured ones; pages fetched
    // here give the ETags that measured revalidations send.
    await cannon(portal.url, urlMix(ids, 999).next, 3);
    const known: Request[] = [];
    const warm = urlMix(ids, 998).next;
    while (known.length < 300) {
      const r = warm();
      const response = await fetch(`${portal.url}${r.path}`, { headers: { 'user-agent': 'Mozilla/5.0 (bench:load)' } });
      await response.arrayBuffer();
      const etag = response.headers.get('etag');
      if (response.status === 200 && etag) known.push({ kind: 'revalidate', path: r.path, etag });
    }
    const mix = urlMix(ids, 1);
    const revalidate = prng(2);
    const distinct = new Set<string>();
    const next = () => {
      const r = revalidate() < 0.1 ? known[Math.floor(revalidate() * known.length)]! : mix.next();
      distinct.add(r.path);
      return r;
    };
    await portal.runtime(); // starts the server's measurement period
    const cpuBefore = cpuSeconds(portal.child.pid!);
    const machineBefore = machineCpu();
    const clientBefore = process.cpuUsage();
    let rssMax = 0;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, memory(portal.child.pid!).rss)), 250);
    const measured = await cannon(portal.url, next, SECONDS);
    clearInterval(sampler);
    rssMax = Math.max(rssMax, memory(portal.child.pid!).rss);
    const cpu = cpuSeconds(portal.child.pid!) - cpuBefore;
    // The machine during the run (the load generator shares it): what else competed with the portal.
    const client = process.cpuUsage(clientBefore);
    const machine = `${machineShare(machineBefore, machineCpu())} of ${os.availableParallelism()} cores; this load generator ${((client.user + client.system) / 1e6).toFixed(1)} s CPU, the portal ${cpu.toFixed(1)} s`;
    const runtime = await portal.runtime();
    // The same mix at the target's rate, not as fast as it goes: latencies without the queue that
    // 20 connections asking as fast as they are answered keep full (the run above).
    const target = size >= 200_000 ? 150 : 300;
    const steady = await paced(portal.url, next, SECONDS, target);
    await stop(portal.child);

    // The bare baseline, right after, on the same machine.
    const bare = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/bare.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const { port } = JSON.parse((await lines(bare).next()).value as string) as { port: number };
    const baseline = await cannon(`http://127.0.0.1:${port}`, () => ({ kind: 'home', path: '/' }), SECONDS);
    await stop(bare);

    // A page past the end of a filtered list is answered 404 with a link to the last page (issue 14):
    // a right answer, counted apart; any other 404 (an item, a first page) is an error.
    const ok = rightAnswers(measured);
    rows.push({
      items: size,
      readyMs: portal.readyMs,
      rps: measured.rps,
      p50: percentile(measured.latencies.all, 50),
      p95: percentile(measured.latencies.all, 95),
      p99: percentile(measured.latencies.all, 99),
      max: Math.max(...measured.latencies.all),
      searchP95: percentile(measured.latencies.search, 95),
      cpuMs: (cpu * 1000) / measured.requests,
      rssMb: rssMax / 1048576,
      loopMaxMs: Number(runtime.event_loop_delay_max_ms),
      bareRps: baseline.rps,
      notModified: measured.status.get(304) ?? 0,
      revalidations: measured.latencies.revalidate.length,
      population: mix.size + known.length,
      pacedRate: target,
      pacedRps: steady.rps,
      pacedP95: percentile(steady.latencies.all, 95),
      pacedP99: percentile(steady.latencies.all, 99),
      pacedSearchP95: percentile(steady.latencies.search, 95),
      pacedErrors: steady.requests - rightAnswers(steady),
      distinct: distinct.size,
      errors: measured.requests - ok + measured.errors + measured.timeouts,
      requests: measured.requests,
    });
    const row = rows.at(-1)!;
    log(
      `${size} items: ${Math.round(row.rps)} req/s, p50 ${row.p50.toFixed(0)} / p95 ${row.p95.toFixed(0)} / p99 ${row.p99.toFixed(0)} / max ${row.max.toFixed(0)} ms, ` +
        `search p95 ${row.searchP95.toFixed(0)} ms, ${row.cpuMs.toFixed(1)} ms CPU a request, RSS ${row.rssMb.toFixed(0)} MB, loop delay max ${row.loopMaxMs} ms; ` +
        `${row.distinct} distinct URLs requested of ${row.population}; statuses ${JSON.stringify(Object.fromEntries(measured.status))} (${measured.pastEnd} of the 404s past the end of a list); bare node:http ${Math.round(row.bareRps)} req/s; ` +
        `server: ${JSON.stringify(runtime)}; at ${target} req/s: p95 ${row.pacedP95.toFixed(0)}, p99 ${row.pacedP99.toFixed(0)}, search p95 ${row.pacedSearchP95.toFixed(0)} ms, statuses ${JSON.stringify(Object.fromEntries(steady.status))}, ${steady.errors} connection errors, ${steady.timeouts} timeouts; ` +
        `p95 by kind (full load / paced): ${(['home', 'section', 'item', 'search', 'revalidate'] as const).map((k) => `${k} ${percentile(measured.latencies[k], 95).toFixed(0)}/${percentile(steady.latencies[k], 95).toFixed(0)}`).join(', ')} ms; ` +
        `machine during the full-load run: ${machine}`,
    );
  }
} finally {
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

// ------------------------------------------------------------------ report
const f0 = (n: number) => n.toFixed(0);
console.log(
  `\nnpm run bench:load — ${CONNECTIONS} connections, ${SECONDS} s per size, on ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), load average before the run ${os.loadavg()[0]!.toFixed(1)}${COLD ? '; OS page cache emptied before each start (BENCH_COLD=1)' : '; each database file read through before its start (in the OS page cache)'}; portal environment: ${Object.keys(SERVICE_ENV).length ? Object.entries(SERVICE_ENV).map(([k, v]) => `${k}=${v}`).join(' ') + ' (deploy/portal.service)' : "Node's defaults (BENCH_PLAIN=1)"}\n`,
);
console.log('| items | ready | req/s | p50 | p95 | p99 | max | search p95 | CPU/request | RSS | loop delay max | bare node:http 10 KB | ratio | 304s | distinct URLs (of) | errors |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.items.toLocaleString('en')} | ${(r.readyMs / 1000).toFixed(2)} s | ${f0(r.rps)} | ${f0(r.p50)} ms | ${f0(r.p95)} ms | ${f0(r.p99)} ms | ${f0(r.max)} ms | ${f0(r.searchP95)} ms | ` +
      `${r.cpuMs.toFixed(1)} ms | ${f0(r.rssMb)} MB | ${r.loopMaxMs} ms | ${f0(r.bareRps)} req/s | ${(r.rps / r.bareRps).toFixed(3)} | ` +
      `${((100 * r.notModified) / r.requests).toFixed(1)} % (${r.notModified} of ${r.revalidations} revalidations) | ${r.distinct} (${r.population}) | ${r.errors} |`,
  );
}
console.log('\nthe same mix at the target rate (open loop: one request every 1/rate s, latency from when it was due):\n');
console.log('| items | rate | req/s | p95 | p99 | search p95 | errors |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.items.toLocaleString('en')} | ${r.pacedRate} req/s | ${f0(r.pacedRps)} | ${f0(r.pacedP95)} ms | ${f0(r.pacedP99)} ms | ${f0(r.pacedSearchP95)} ms | ${r.pacedErrors} |`);
const met = (ok: boolean) => (ok ? 'MET' : 'MISSED');
console.log('\ntargets (issue 12):');
for (const r of rows) {
  const checks: string[] = [];
  if (r.items === 50_000) checks.push(`≥ 300 req/s ${met(r.rps >= 300)}`, `p99 ≤ 250 ms ${met(r.p99 <= 250)}`, `max ≤ 1 s ${met(r.max <= 1000)}`);
  if (r.items === 200_000)
    checks.push(
      `≥ 150 req/s ${met(r.rps >= 150)}`,
      `p99 ≤ 400 ms ${met(r.p99 <= 400)}`,
      `max ≤ 1.5 s ${met(r.max <= 1500)}`,
      `search p95 ≤ 60 ms ${met(r.searchP95 <= 60)} (at 150 req/s: ${f0(r.pacedSearchP95)} ms ${met(r.pacedSearchP95 <= 60)})`,
      `RSS ≤ 300 MB ${met(r.rssMb <= 300)}`,
    );
  checks.push(`zero errors ${met(r.errors === 0 && r.pacedErrors === 0)}`, `loop delay ≤ 100 ms ${met(r.loopMaxMs <= 100)}`, `ready ≤ 2 s ${met(r.readyMs <= 2000)}`);
  console.log(`  ${r.items.toLocaleString('en')} items: ${checks.join('; ')}`);
}
