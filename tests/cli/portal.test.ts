// A real running portal (what `portal serve` starts) over HTTP on loopback: harvest now in a child
// process with its progress page, test a source and an edited draft of it without writing,
// config reloads that are applied when valid and refused (file:line shown) when not.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'cheerio';
import t from 'tap';
import { demoOutput } from '../../cli/demo-output.ts';
import { demoPaths } from '../../cli/commands.ts';
import { startPortal } from '../../cli/portal.ts';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { type RunSummary } from '../../store/index.ts';
import { writeConfig } from '../helpers/config.ts';
import { rss, startServer } from '../helpers/server.ts';

const site = await startServer({
  '/feed/': { body: rss([{ title: 'Première actualité', link: 'https://site.example/1', date: 'Mon, 03 Mar 2025 10:00:00 GMT' }]) },
  '/listing': {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: '<html><body><div class="card"><h2><a href="/a">Guide de la probité</a></h2><time>15 mai 2025</time></div><div class="card"><h2><a href="/b">Rapport annuel</a></h2><time>3 juin 2025</time></div></body></html>',
  },
});
t.teardown(() => site.close());

const configDir = writeConfig({
  partners: [
    {
      id: 'alpha',
      sources: [
        { id: 'news', type: 'feed', url: `${site.url}/feed/`, section: 'news' },
        { id: 'guides', type: 'html', url: `${site.url}/listing`, section: 'publications', select: { item: '.row', title: 'h2' } },
      ],
    },
  ],
});
const dbFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-serve-')), 'portal.db');
const out: string[] = [];
const waiters: Array<{ pattern: RegExp; from: number; resolve: (line: string) => void }> = [];
/** The portal's log as events: resolves with the first line matching `pattern` written after line `from`. */
function logged(pattern: RegExp, from = out.length): Promise<string> {
  const seen = out.slice(from).find((line) => pattern.test(line));
  return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pattern, from, resolve }));
}
const sink = {
  write(text: string) {
    out.push(text);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(text);
      }
    }
    return true;
  },
} as unknown as NodeJS.WritableStream;
const portal = await startPortal({ configDir, dbFile, host: '127.0.0.1', port: 0, harvest: false, out: sink });
t.teardown(() => portal.close());
portal.store.users.add('amina', 'admin', await hashPassword('a long enough password'), new Date().toISOString());

const jar = new Map<string, string>();
let cookie = '';
async function request(method: string, url: string, form?: Record<string, string>) {
  const response = await fetch(`${portal.url}${url}`, {
    method,
    redirect: 'manual',
    headers: { cookie, 'user-agent': 'Mozilla/5.0 test', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  for (const set of response.headers.getSetCookie()) {
    const [name, value] = set.split(';')[0]!.split('=') as [string, string];
    if (value) jar.set(name, value);
    else jar.delete(name);
  }
  cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const body = await response.text();
  return { status: response.status, location: response.headers.get('location'), body, $: load(body) };
}

t.test('sign in over HTTP', async (t) => {
  const form = await request('GET', '/admin/login');
  const response = await request('POST', '/admin/login', { csrf: form.$('input[name=csrf]').val() as string, name: 'amina', password: 'a long enough password' });
  t.equal(response.status, 303);
  t.match(cookie, /portal_session=/);
});

t.test('harvest now runs in the background and shows its progress and outcome', async (t) => {
  const page = await request('GET', '/admin/partners/alpha?lang=en');
  const token = page.$('input[name=csrf]').first().val() as string;
  const from = out.length;
  const started = await request('POST', '/admin/harvest', { csrf: token, scope: 'source:alpha/news' });
  t.equal(started.status, 303);
  t.match(started.location, /^\/admin\/jobs\//);
  const running = await request('GET', started.location!);
  t.match(running.$('h1').text(), /^Harvest (in progress|finished)$/, 'the job page, while it runs or once done');
  // The child process's end, as the portal logs it: no polling, no time limit but tap's.
  t.match(await logged(/"harvest from the admin area ended"/, from), /"state":"finished"/);
  const job = await request('GET', started.location!);
  t.equal(job.$('h1').text(), 'Harvest finished');
  t.match(job.$('.progress-lines').text(), /alpha\/news\s+ok\s+1 found, 1 new/);
  t.equal(portal.store.items.count(), 1, 'the child process wrote to the same database');
  t.match(portal.store.users.auditLog(10).entries.map((e) => e.action).join(' '), /harvest_now/);
});

t.test('test a source: what would be extracted, nothing written; a draft with new selectors', async (t) => {
  const page = await request('GET', '/admin/test-source?source=alpha/guides&lang=en');
  const token = page.$('input[name=csrf]').val() as string;
  const asIs = await request('POST', '/admin/test-source', { csrf: token, source: 'alpha/guides', yaml: '' });
  t.match(asIs.$('#test-result').text(), /0 documents would be extracted/);
  t.match(asIs.$.text(), /the item selector matches nothing/);
  const draft = `id: guides
type: html
url: ${site.url}/listing
section: publications
select:
  item: ".card"
  title: "h2 a"
  link: "h2 a@href"
  date: "time"
`;
  const fixed = await request('POST', '/admin/test-source', { csrf: token, source: 'alpha/guides', yaml: draft });
  t.match(fixed.$('#test-result').text(), /2 documents would be extracted/);
  const rows = fixed.$('table tbody tr');
  t.equal(rows.length, 2);
  t.match(rows.first().text(), /Guide de la probité/);
  t.match(rows.first().text(), /2025-05-15/);
  t.match(rows.first().text(), /title.*link.*date/s);
  const broken = await request('POST', '/admin/test-source', { csrf: token, source: 'alpha/guides', yaml: 'id: guides\ntype: html\nurl: nope\nsection: publications\n' });
  t.match(broken.$('.notice-warn').text(), /url: expected an http/);
  t.equal(portal.store.items.count(), 1, 'testing wrote nothing');
});

t.test('config reload: a valid change is applied, an invalid one refused and shown with file:line', async (t) => {
  const partnerFile = path.join(configDir, 'partners', 'alpha.yaml');
  const original = fs.readFileSync(partnerFile, 'utf8');
  fs.writeFileSync(partnerFile, `${original}  - id: extra\n    type: pdf\n    url: ${site.url}/doc.pdf\n    section: publications\n`);
  const applied = portal.reload();
  t.equal(applied.ok, true);
  t.ok(portal.settings().partners[0]!.sources.some((s) => s.id === 'extra'));
  t.ok(portal.store.listSources().some((s) => s.sourceId === 'extra'));
  fs.writeFileSync(partnerFile, original.replace('kind: government', 'kind: goverment'));
  const refused = portal.reload();
  t.equal(refused.ok, false);
  t.ok(portal.settings().partners[0]!.sources.some((s) => s.id === 'extra'), 'the running config stays');
  const configPage = await request('GET', '/admin/config?lang=en');
  t.match(configPage.$('.config-errors').text(), /partners\/alpha\.yaml:\d+:7: kind: "goverment" is not allowed here/);
  const freshness = await request('GET', '/admin/freshness?lang=en');
  t.equal(freshness.$('a[href="/admin/config"]').length > 0, true, 'the freshness page points at the problem');
  t.match(out.join(''), /config reload refused/);
  // Fixing the file through the watcher applies it without a call: the next "config reloaded"
  // (reloads before it read the broken file and were refused).
  const reloaded = logged(/"config reloaded"/);
  fs.writeFileSync(partnerFile, original);
  await reloaded;
  t.notOk(portal.settings().partners[0]!.sources.some((s) => s.id === 'extra'), 'the file change was picked up');
  t.equal(portal.store.listSources({ includeDisabled: true }).find((s) => s.sourceId === 'extra')?.enabled, false, 'the removed source is disabled, not deleted');
  t.same((await request('GET', '/admin/config?lang=en')).$('.notice-ok').length, 1);
});

t.test('`portal demo --help` lists the demo\'s options (issue 14)', async (t) => {
  const run = (args: string[]) => spawnSync(process.execPath, [path.join(import.meta.dirname, '../../bin/portal.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  const help = run(['demo', '--help']);
  t.equal(help.status, 0);
  for (const option of ['--fresh', '--port', '--host', '--db', '--config', '--verbose', 'DEMO_PORT_BASE', 'harvest.log']) t.match(help.stdout, option, `mentions ${option}`);
  t.notMatch(help.stdout, /report freshness/, 'the demo\'s help, not the general one');
  t.match(run(['--help']).stdout, /npx portal demo --help/, 'the general help points at it');
});

t.test("a demo's config and log go beside its database: a second demo (npm run screenshots) leaves the first one's alone", async (t) => {
  t.same(demoPaths(), { dbFile: path.resolve('data/demo/portal.db'), configDir: path.resolve('data/demo/config'), logFile: path.resolve('data/demo/harvest.log') });
  const other = path.join(os.tmpdir(), 'shots', 'portal.db');
  t.same(demoPaths(other), { dbFile: other, configDir: path.join(os.tmpdir(), 'shots', 'config'), logFile: path.join(os.tmpdir(), 'shots', 'harvest.log') });
});

t.test('the demo\'s terminal: the harvests go to a log file, one status line is rewritten in place (issue 14)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-demo-out-'));
  const logFile = path.join(dir, 'harvest.log');
  const source = (partner: string, status: 'ok' | 'failed', fresh: number, code?: string) =>
    ({ partner, source: 'news', status, items_new: fresh, error: code ? { code, message: '…' } : null }) as unknown as RunSummary['sources'][number];
  const runs = new Map<number, RunSummary>([
    [4, { run_id: 4, started_at: '2026-03-02T10:00:01Z', sources: [source('inpplc', 'ok', 2), source('mef', 'failed', 0, 'timeout'), source('pmp', 'ok', 1)] } as RunSummary],
    [5, { run_id: 5, started_at: '2026-03-02T10:00:09Z', sources: [source('mtnra', 'failed', 0, 'network'), source('cndp', 'failed', 0, 'empty')] } as RunSummary],
    [6, { run_id: 6, started_at: '2026-03-02T10:03:02Z', sources: [source('inpplc', 'ok', 1)] } as RunSummary],
  ]);
  const written: string[] = [];
  const terminal = { isTTY: true, columns: 100, write: (text: string) => written.push(text) } as unknown as NodeJS.WritableStream;
  const output = demoOutput({ logFile, terminal, runSummary: (id) => runs.get(id) });
  const lines = [
    '{"time":"2026-03-02T10:00:00.000Z","msg":"schedule updated","sources":42}\n',
    'harvesting 3 sources\n[1/3] inpplc/news                         ok           12 found, 2 new\n',
    'run 4 fin',
    'ished: 3 sources, 1 failed\nharvesting 2 sources\n',
    'run 5 finished: 2 sources, 2 failed\n',
  ];
  for (const chunk of lines) output.sink.write(chunk);
  t.equal(written.length, 2, 'one status write per finished run, nothing else');
  t.ok(written.every((w) => w.startsWith('\r\x1b[K') && !w.includes('\n')), 'rewritten in place');
  t.match(written[1], /\d\d:\d\d harvest: 5 sources, 3 new items, 3 failed \(mef: timeout, mtnra: network, …\)$/, 'the batches of one round add up');
  t.ok(written.every((w) => w.length - 4 <= 99), 'no longer than the terminal is wide');
  t.notMatch(written.join(''), /schedule updated|\[1\/3\]|\{/, 'no log line reaches the terminal');
  output.sink.write('run 6 finished: 1 sources, 0 failed\n');
  t.match(written.at(-1), /harvest: 1 source, 1 new item, 0 failed$/, 'the next round starts afresh');
  await output.close();
  const log = fs.readFileSync(logFile, 'utf8');
  t.equal(log, `${lines.join('')}run 6 finished: 1 sources, 0 failed\n`, 'the log file has every line, as written');
  // A narrow terminal: the line is cut, so "\r" still clears all of it.
  const narrow: string[] = [];
  const small = demoOutput({ logFile, terminal: { isTTY: true, columns: 40, write: (text: string) => narrow.push(text) } as unknown as NodeJS.WritableStream, runSummary: (id) => runs.get(id) });
  small.sink.write('run 4 finished: 3 sources, 1 failed\n');
  await small.close();
  t.ok(narrow[0]!.length - 4 <= 39 && narrow[0]!.endsWith('…'), `cut to 39 columns: ${narrow[0]}`);
  // Not a terminal (a file, CI): one line per finished run.
  const plain: string[] = [];
  const other = demoOutput({ logFile, terminal: { write: (text: string) => plain.push(text) } as unknown as NodeJS.WritableStream, runSummary: (id) => runs.get(id) });
  other.sink.write('run 4 finished: 3 sources, 1 failed\n');
  await other.close();
  t.match(plain, [/harvest: 3 sources, 3 new items, 1 failed \(mef: timeout\)\n$/]);
});
