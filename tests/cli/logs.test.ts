// The real log output of a real `portal serve` process: searches, 404s, refused forms, sign-in
// attempts and rate-limited suggestions, from visitors behind a trusted proxy. The log must keep no
// client address (neither the socket's nor X-Forwarded-For) and no query string (search terms,
// form values): with the time of a suggestion they would identify its author (law 09-08).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { writeConfig } from '../helpers/config.ts';
import { ROOT as root, startServe } from '../helpers/serve-process.ts';

const VISITOR = '203.0.113.77';
const OPERATOR = '198.51.100.23';

t.test('portal serve logs requests without addresses or query strings', async (t) => {
  const config = writeConfig({ portal: { trust_proxy: ['127.0.0.1'] }, partners: [{ id: 'alpha', sources: [] }] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-logs-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { child, url, output: log, exited } = await startServe([path.join(root, 'bin/portal.js'), 'serve', '--no-harvest', '--port', '0', '--config', config, '--db', path.join(dir, 'portal.db')]);

  const get = (pathAndQuery: string, from = VISITOR) => fetch(`${url}${pathAndQuery}`, { headers: { 'x-forwarded-for': from }, redirect: 'manual' });
  const statuses: string[] = [];
  const note = async (label: string, response: Promise<Response>) => {
    const r = await response;
    await r.arrayBuffer();
    statuses.push(`${label} ${r.status}`);
    return r;
  };
  await note('search', get('/fr/search?q=secretterm'));
  await note('404', get('/fr/items/0000000000000000?q=secretterm2'));
  await note('bad API query', get('/api/items?q=secretterm3&per_page=100000'));
  // Values that error messages quote: a bad date, an unknown partner, a malformed address.
  await note('bad date', get('/fr/search?q=a&from=secretterm7'));
  await note('unknown partner', get('/api/items?partner=secretterm8'));
  await note('malformed address', get('/fr/%E0%A4%A?q=secretterm9'));
  await note('login form', get('/admin/login?next=/admin/secretpath'));
  const form = await (await get('/fr/suggestions')).text();
  const token = /name="csrf" value="([^"]+)"/.exec(form)![1]!;
  for (let i = 0; i < 6; i++) {
    await note(
      `suggestion ${i}`,
      fetch(`${url}/fr/suggestions?ref=secretterm4`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'x-forwarded-for': VISITOR, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: token, message: `Ma suggestion secretterm5 numéro ${i}`, email: 'visitor@example.ma' }).toString(),
      }),
    );
  }
  await note(
    'made-up Sec-Fetch-Site',
    fetch(`${url}/fr/suggestions`, { method: 'POST', redirect: 'manual', headers: { 'x-forwarded-for': VISITOR, 'sec-fetch-site': 'secretterm10@x.ma', 'content-type': 'application/x-www-form-urlencoded' }, body: 'message=x' }),
  );
  await note(
    'malformed Origin',
    fetch(`${url}/fr/suggestions`, { method: 'POST', redirect: 'manual', headers: { 'x-forwarded-for': VISITOR, origin: 'http://[::1', 'content-type': 'application/x-www-form-urlencoded' }, body: 'message=x' }),
  );
  const login = await fetch(`${url}/admin/login`, { headers: { 'x-forwarded-for': OPERATOR } });
  const loginCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const loginToken = /name="csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  await note(
    'wrong password',
    fetch(`${url}/admin/login?from=secretterm6`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'x-forwarded-for': OPERATOR, cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: loginToken, name: 'secretname', password: 'secretpassword' }).toString(),
    }),
  );
  t.same(statuses, [
    'search 200',
    '404 404',
    'bad API query 400',
    'bad date 400',
    'unknown partner 400',
    'malformed address 400',
    'login form 200',
    'suggestion 0 303',
    'suggestion 1 303',
    'suggestion 2 303',
    'suggestion 3 303',
    'suggestion 4 303',
    'suggestion 5 429',
    'made-up Sec-Fetch-Site 403',
    'malformed Origin 403',
    'wrong password 401',
  ]);
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'closed cleanly');
  const output = log();

  const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  const requests = lines.filter((l) => l.req || l.res);
  t.ok(requests.length >= 2 * statuses.length, `${requests.length} request log lines (the log is not empty)`);
  t.ok(
    requests.some((l) => (l.req as { url?: string } | undefined)?.url === '/fr/search'),
    'the search is logged, by its path',
  );
  for (const secret of [VISITOR, OPERATOR, 'secretterm', 'secretpath', 'secretname', 'secretpassword', 'visitor@example.ma']) {
    t.notOk(output.includes(secret), `"${secret}" appears nowhere in the output`);
  }
  t.notMatch(output, /remoteAddress|remotePort/, 'no address fields');
  for (const line of requests) {
    const text = JSON.stringify(line);
    if (/127\.0\.0\.1|::1|\?/.test(text)) t.fail(`a request log line holds an address or a query string: ${text}`);
    if (line.req) t.same(Object.keys(line.req as object).sort(), ['method', 'url'], 'a request is logged as its method and path only');
  }
  t.ok(
    lines.some((l) => l.msg === 'bad request' && l.err === 'unknown partner …'),
    'a bad request is logged with what was wrong, not the value',
  );
  t.ok(
    lines.some((l) => l.msg === 'a form sent from another site was refused'),
    'the refused form is logged, for the operator',
  );
});
