// Hostile input at the portal. Every XSS vector of the project's fixtures (tests/fixtures/xss) and,
// when the shared corpora are beside the clone, of ../shared/corpus/sanitizer-xss, arrives through a
// harvested feed (title and description), a listing page (title and summary), a PDF's metadata
// title and a suggestion; then every page of the portal and of the admin area that can show them
// is parsed with a real HTML parser and must hold no executable markup, under a CSP without inline
// script. Then: every query parameter fuzzed with fast-check; path traversal, overlong URLs and
// header injection; every admin route against anonymous visitors and editors; session fixation and
// brute force; hostile config files.
import fs from 'node:fs';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { loadConfig } from '../../config/index.ts';
import { makePdf } from '../../demo/pdf.ts';
import { testSource } from '../../harvester/test-source.ts';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { Browser, PASSWORD } from '../helpers/admin-browser.ts';
import { appOver, BROWSER, type TestApp } from '../helpers/app.ts';
import { corpusAvailable, corpusPath, corpusSkipped } from '../helpers/corpus.ts';
import { record } from '../helpers/faults.ts';
import { makeBed, type Bed } from '../helpers/harvest.ts';
import { atomHtmlParts, executableMarkup } from '../helpers/markup.ts';
import { rss, startServer, type FixtureServer } from '../helpers/server.ts';

const WITH_CORPUS = corpusAvailable('sanitizer-xss');

function vectors(): string[] {
  const all = new Set<string>();
  const own = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/xss/vectors.json'), 'utf8')).vectors as Array<{ vector: string }>;
  for (const c of own) all.add(c.vector);
  if (WITH_CORPUS) {
    const read = (file: string) => JSON.parse(fs.readFileSync(corpusPath('sanitizer-xss', file), 'utf8'));
    for (const c of read('dompurify/expect.json') as Array<{ payload: string }>) all.add(c.payload);
    const sanitizeHtml = read('sanitize-html/cases.json');
    for (const c of (sanitizeHtml.cases ?? sanitizeHtml) as Array<{ input: unknown }>) if (typeof c.input === 'string') all.add(c.input);
    for (const c of read('feedparser-sanitize/cases.json').cases as Array<{ input_html: unknown }>) if (typeof c.input_html === 'string') all.add(c.input_html);
  }
  // Vectors that live in URLs rather than markup.
  for (const url of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)']) all.add(url);
  return [...all].filter((v) => v.trim().length > 0);
}

const VECTORS = vectors();
if (!WITH_CORPUS) corpusSkipped(t, ['sanitizer-xss'], 'the XSS vectors of DOMPurify, sanitize-html and feedparser');
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

let server: FixtureServer;
let bed: Bed;
let portal: TestApp;
let dir = '';

t.before(async () => {
  server = await startServer();
  server.set('/feed', {
    headers: { 'content-type': 'application/rss+xml' },
    body: rss([
      ...VECTORS.map((v, i) => ({ title: v, link: `https://hostile.example/f/${i}`, guid: `f${i}`, description: v })),
      ...VECTORS.filter((v) => /script:|data:/i.test(v)).map((v, i) => ({ title: `Lien piégé ${i}`, link: v, guid: `l${i}`, description: 'Un lien.' })),
      { title: 'Injection d\u2019en-tête', link: 'https://hostile.example/a\r\nSet-Cookie: evil=1', guid: 'crlf', description: 'CRLF' },
    ]),
  });
  server.set('/publications', {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Publications</title></head><body>${VECTORS.map(
      (v, i) => `<div class="row"><h3><a href="/doc/${i}">${escapeHtml(v)}</a></h3><div class="summary">${v}</div></div>`,
    ).join('\n')}<div class="row"><h3><a href="javascript:alert(1)">Lien javascript</a></h3></div></body></html>`,
  });
  const pdfVectors = VECTORS.slice(0, 240);
  await Promise.all(
    pdfVectors.map(async (v, i) => {
      const pdf = await makePdf({ title: v, pages: [`Document ${i}`] });
      server.set(`/pdf/${i}.pdf`, { headers: { 'content-type': 'application/pdf' }, body: pdf });
    }),
  );
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-hostile-'));
  bed = makeBed(
    {
      harvest: { max_bytes: '20MB', concurrency: 4 },
      partners: [
        {
          id: 'hostile',
          sources: [
            { id: 'feed', type: 'feed', url: `${server.url}/feed`, section: 'news' },
            { id: 'listing', type: 'html', url: `${server.url}/publications`, section: 'publications', select: { item: '.row', title: 'h3', link: 'h3 a@href', summary: '.summary' } },
          ],
        },
        { id: 'pdfs', sources: pdfVectors.map((_, i) => ({ id: `doc-${i}`, type: 'pdf', url: `${server.url}/pdf/${i}.pdf`, section: 'publications' })) },
      ],
    },
    path.join(dir, 'portal.db'),
  );
  await bed.harvest();
  const hash = await hashPassword(PASSWORD);
  bed.store.users.add('amina', 'admin', hash, new Date().toISOString());
  bed.store.users.add('karim', 'editor', hash, new Date().toISOString());
  portal = await appOver(bed.store, bed.settings, {
    harvest: {
      start: () => Promise.reject(new Error('not started in this test')),
      status: () => undefined,
      test: (partnerId, sourceId) => testSource(bed.settings, partnerId, bed.settings.partners.find((p) => p.id === partnerId)!.sources.find((s) => s.id === sourceId)!),
    },
  });
});

t.teardown(async () => {
  await portal?.app.close();
  bed?.close();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Crawl {
  pages: number;
  findings: string[];
}

function check(crawl: Crawl, url: string, response: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  crawl.pages++;
  const type = String(response.headers['content-type'] ?? '');
  if (type.startsWith('text/html')) {
    const csp = String(response.headers['content-security-policy'] ?? '');
    if (!/script-src 'self'/.test(csp) || /unsafe-inline|unsafe-eval/.test(csp) || !/object-src 'none'/.test(csp) || !/base-uri 'none'/.test(csp)) crawl.findings.push(`${url}: weak CSP "${csp}"`);
    for (const finding of executableMarkup(response.body)) crawl.findings.push(`${url}: ${finding}`);
  } else if (type.includes('atom+xml')) {
    for (const part of atomHtmlParts(response.body)) for (const finding of executableMarkup(part)) crawl.findings.push(`${url} (Atom): ${finding}`);
  } else if (type.startsWith('application/json')) {
    if (response.headers['x-content-type-options'] !== 'nosniff') crawl.findings.push(`${url}: JSON without nosniff`);
  }
}

t.test('every XSS vector, through every channel, reaches no page as executable markup', async (t) => {
  const items = bed.store.items.allIds(100_000);
  t.ok(items.length > VECTORS.length, `${items.length} harvested items carry the ${VECTORS.length} vectors`);

  // Suggestions: each vector as a message and a name, through the real form; the refused ones
  // (too long, control characters) come back on the form with the values kept.
  const form = await portal.app.inject({ url: '/fr/suggestions', headers: BROWSER });
  const token = /name="csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const crawl: Crawl = { pages: 0, findings: [] };
  let accepted = 0;
  for (const [i, v] of VECTORS.entries()) {
    const response = await portal.app.inject({
      method: 'POST',
      url: i % 2 ? '/fr/suggestions' : '/ar/suggestions',
      headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf: token, message: `Suggestion ${i} : ${v}`, name: v.slice(0, 100), topic: '' }).toString(),
      remoteAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    });
    if (response.statusCode === 303) accepted++;
    else check(crawl, `POST /suggestions #${i} (${response.statusCode})`, response);
  }
  t.ok(accepted > VECTORS.length / 2, `${accepted} suggestions stored, the others refused with the form shown again`);
  const stored = bed.store.suggestions.list({ limit: 10_000 }).items;
  for (const s of stored.slice(0, 40)) bed.store.suggestions.answer(s.id, `Réponse à ${s.message}`, true, 'amina', new Date().toISOString());

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await portal.app.inject({ url, headers: { ...BROWSER, ...headers } });
    check(crawl, url, response);
    return response;
  };
  // The public portal.
  for (const lang of ['fr', 'ar']) {
    await get(`/${lang}/`);
    for (const section of ['news', 'publications']) {
      const first = await get(`/${lang}/${section}`);
      const last = Number(/page=(\d+)[^"]*"[^>]*>\s*\d+\s*<\/a>\s*<\/li>\s*<\/ol>/.exec(first.body)?.[1] ?? 1);
      const pages = Math.max(last, Math.ceil(bed.store.items.list({ section: section as 'news' }, 1, 1).total / 20));
      for (let page = 2; page <= pages; page++) if (lang === 'fr' || page <= 3) await get(`/${lang}/${section}?page=${page}`);
    }
    for (const q of ['script', 'alert', 'onerror', 'javascript', 'svg', 'img', 'iframe', 'style', 'xss', 'Suggestion']) await get(`/${lang}/search?q=${encodeURIComponent(q)}`);
    for (const partner of ['hostile', 'pdfs']) await get(`/${lang}/partners/${partner}`);
    await get(`/${lang}/suggestions`);
    await get(`/${lang}/feed.atom`);
  }
  for (const [index, { id }] of items.entries()) {
    await get(`/fr/items/${id}`);
    if (index % 7 === 0) await get(`/ar/items/${id}`);
    // The link to the partner's page: only http(s), never a line break (it ends up in attributes).
    const target = bed.store.items.get(id, 0)!.url;
    if (/[\r\n]/.test(target) || !/^https?:\/\//.test(target)) crawl.findings.push(`item ${id}: link "${target.slice(0, 60)}"`);
  }
  await get('/api/items?per_page=100&q=script');
  const publicPages = crawl.pages;

  // The admin area, where operators read the same content and the suggestions' contact fields.
  const admin = new Browser(portal, '10.200.0.1');
  t.equal((await admin.login('amina')).status, 303, 'signed in');
  const adminGet = async (url: string) => {
    const response = await admin.get(url);
    check(crawl, url, { statusCode: response.status, headers: response.headers, body: response.body });
    return response;
  };
  for (const url of ['/admin/freshness', '/admin/partners/hostile', '/admin/partners/pdfs', '/admin/audit', '/admin/indicators', '/admin/config']) await adminGet(url);
  const perPage = 50;
  for (let page = 1; page <= Math.ceil(stored.length / perPage) + 1; page++) await adminGet(`/admin/suggestions?page=${page}`);
  for (const status of ['new', 'answered', 'published', 'rejected']) await adminGet(`/admin/suggestions?status=${status}`);
  for (const s of stored) await adminGet(`/admin/suggestions/${s.id}`);
  for (const source of ['hostile/feed', 'hostile/listing']) {
    const csrf = await admin.token('/admin/test-source');
    const response = await admin.post('/admin/test-source', { csrf, source, yaml: '' });
    t.equal(response.status, 200, `test a source: ${source}`);
    check(crawl, `POST /admin/test-source ${source}`, { statusCode: response.status, headers: response.headers, body: response.body });
  }

  t.same(crawl.findings.slice(0, 60), [], `no executable markup in ${crawl.pages} pages (${crawl.findings.length} findings)`);
  t.ok(crawl.pages > items.length, `${crawl.pages} pages checked`);
  record({
    area: 'Hostile input at the portal',
    case: 'every XSS vector of the project and the shared corpus, through feed, listing page, PDF title and suggestion',
    how: `${VECTORS.length} distinct vectors (${WITH_CORPUS ? "the project's own, DOMPurify, sanitize-html, feedparser" : "the project's own; the shared corpus was not there"}, plus URL schemes); ${Math.min(240, VECTORS.length)} of them as PDF metadata titles; every public and admin page that shows them parsed with parse5`,
    result: `${crawl.findings.length} findings in ${crawl.pages} responses (${publicPages} public, ${crawl.pages - publicPages} admin); CSP script-src 'self', object-src 'none', base-uri 'none' on every page`,
    figures: { vectors: VECTORS.length, 'harvested items': items.length, 'suggestions stored': accepted, 'pages parsed': crawl.pages },
  });
});

t.test('suggestions: forged, flooding, oversized and malformed posts are refused', async (t) => {
  const page = await portal.app.inject({ url: '/fr/suggestions', headers: BROWSER });
  const token = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const before = bed.store.suggestions.list({ limit: 1 }).total;
  const post = (payload: string, ip: string) =>
    portal.app.inject({ method: 'POST', url: '/fr/suggestions', headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' }, payload, remoteAddress: ip });
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const outcomes: string[] = [];
  const expectRefused = async (name: string, payload: string, status: number, ip: string, kept?: string) => {
    const response = await post(payload, ip);
    outcomes.push(`${name} → ${response.statusCode}`);
    t.equal(response.statusCode, status, `${name}: ${status}`);
    if (kept !== undefined) t.ok(response.body.includes(kept), `${name}: the form comes back with what was typed`);
    t.same(executableMarkup(response.body), [], `${name}: the answer is safe`);
  };
  await expectRefused('no CSRF token', form({ message: 'Une suggestion sans jeton.' }), 403, '10.210.0.1');
  await expectRefused('a forged CSRF token', form({ csrf: `${token.slice(0, -4)}AAAA`, message: 'Une suggestion au jeton falsifié.' }), 403, '10.210.0.2');
  await expectRefused('a 5,001-character message', form({ csrf: token, message: 'x'.repeat(5001), name: 'Samira' }), 400, '10.210.0.3', 'Samira');
  await expectRefused('a 101-character name', form({ csrf: token, message: 'Un message correct et assez long.', name: 'n'.repeat(101) }), 400, '10.210.0.4', 'Un message correct et assez long.');
  await expectRefused('control characters', form({ csrf: token, message: 'Bonjour\u0000\u0007\u001b[31m tout le monde', name: 'Karim' }), 400, '10.210.0.5', 'Karim');
  await expectRefused('invalid UTF-8', `csrf=${encodeURIComponent(token)}&name=Nadia&message=Bonjour%20%C3%28%20le%20monde%20entier`, 400, '10.210.0.6', 'Nadia');
  await expectRefused('a 40 KB body', form({ csrf: token, message: 'y'.repeat(40_000) }), 413, '10.210.0.7');
  const flood: number[] = [];
  for (let i = 0; i < 8; i++) flood.push((await post(form({ csrf: token, message: `Suggestion répétée numéro ${i}.` }), '10.210.1.1')).statusCode);
  t.same(flood, [303, 303, 303, 303, 303, 429, 429, 429], 'a flood from one client is rate limited');
  t.equal(bed.store.suggestions.list({ limit: 1 }).total, before + 5, 'only the five accepted posts were stored');
  record({
    area: 'Hostile input at the portal',
    case: 'suggestions: CSRF, flood, oversized fields, control characters, invalid UTF-8',
    how: 'posts through the real form handler (app.inject), one client address per case',
    result: `${outcomes.join('; ')}; flood ${flood.join(' ')}; nothing stored from a refused post`,
  });
});

t.test('every query parameter fuzzed: only 200, 400 or 404 (302 where the route redirects)', async (t) => {
  const [item] = bed.store.items.list({}, 1, 1).items;
  const routes = [
    '/fr/',
    '/ar/news',
    '/fr/publications',
    '/en/statistics',
    '/fr/services',
    '/fr/search',
    '/ar/search',
    `/fr/items/${item!.id}`,
    '/fr/partners',
    '/fr/partners/hostile',
    '/fr/claims',
    '/fr/directory',
    '/fr/indicators',
    '/fr/suggestions',
    '/fr/feed.atom',
    '/sitemap.xml',
    '/sitemap-pages.xml',
    '/oai',
    '/catalog.ttl',
    '/catalog.jsonld',
    '/api/items',
    `/api/items/${item!.id}`,
    '/api/partners',
    '/api/freshness',
    '/api/directory',
    `/go/${item!.id}`,
    '/',
  ];
  const keys = ['q', 'section', 'type', 'doc_type', 'partner', 'language', 'lang', 'year', 'page', 'per_page', 'sort', 'since', 'updated_since', 'format', 'status', 'about', 'next'];
  const value = fc.oneof(
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'))),
    fc.integer().map(String),
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
    fc.double().map(String),
    fc.constantFrom('', '%', '%zz', '%C3%28', '%00', '%ED%A0%80', '1e309', '-0', 'NaN', '__proto__', 'constructor', '[]', '{}', '%0d%0aX-Evil:%201'),
    fc.string({ minLength: 1000, maxLength: 4000 }).map(encodeURIComponent),
  );
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 10 }).map(encodeURIComponent)), value), { maxLength: 6 });
  const seen = new Map<number, number>();
  let runs = 0;
  for (const route of routes) {
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        runs++;
        const qs = pairs.map(([k, v]) => `${k}=${v}`).join('&');
        const response = await portal.app.inject({ url: `${route}${qs ? `?${qs}` : ''}`, headers: BROWSER });
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        const allowed = route === '/' || route.startsWith('/go/') ? [200, 302, 400, 404] : [200, 400, 404];
        if (!allowed.includes(response.statusCode)) throw new Error(`${route}?${qs.slice(0, 200)} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
        if (response.headers['x-evil']) throw new Error(`${route}?${qs}: header injected`);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60), seed: Number(process.env.FUZZ_SEED ?? 20261126) },
    );
  }
  // Path parameters too: languages, sections, ids.
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), async (a, b) => {
      runs++;
      for (const url of [`/${encodeURIComponent(a)}/${encodeURIComponent(b)}`, `/fr/items/${encodeURIComponent(a)}`, `/api/items/${encodeURIComponent(b)}`, `/fr/partners/${encodeURIComponent(a)}`]) {
        const response = await portal.app.inject({ url, headers: BROWSER });
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        if (![200, 301, 302, 400, 404].includes(response.statusCode)) throw new Error(`${url} answered ${response.statusCode}`);
      }
    }),
    { numRuns: 200, seed: 7 },
  );
  const statuses = Object.fromEntries([...seen].sort(([a], [b]) => a - b));
  t.notOk(Object.keys(statuses).some((s) => Number(s) >= 500), `no 5xx in ${runs} fuzzed requests: ${JSON.stringify(statuses)}`);
  record({
    area: 'Hostile input at the portal',
    case: 'query and path parameters fuzzed (fast-check)',
    how: `${routes.length} routes × ${process.env.FUZZ_RUNS ?? 60} random queries (strings, unicode, lone surrogates, huge and odd numbers, repeated keys, bad escapes, 4 KB values) plus 200 random path parameters; fixed seed`,
    result: `answers ${JSON.stringify(statuses)}, never 5xx`,
    figures: { requests: runs },
  });
});

/** A raw request, so the path reaches the server exactly as written (no client-side normalising). */
function raw(base: string, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: rawPath, method: 'GET', agent: false, headers: { 'user-agent': BROWSER['user-agent'] } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    // A server that refuses a request before reading it all (431 for a huge URL) may reset the
    // connection while the client still writes: that is a refusal too.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve({ status: 0, headers: {}, body: '' }) : reject(error)));
    request.end();
  });
}

t.test('paths: traversal, overlong URLs and header injection are refused', async (t) => {
  await portal.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(portal.app.server.address() as AddressInfo).port}`;
  const results: string[] = [];
  for (const attempt of [
    '/static/../package.json',
    '/static/..%2fpackage.json',
    '/static/%2e%2e/%2e%2e/package.json',
    '/static/%2e%2e%2f%2e%2e%2fpackage.json',
    '/static/%252e%252e%252fpackage.json',
    '/static/....//....//package.json',
    '/static/..\\..\\package.json',
    '/static/%c0%ae%c0%ae/package.json',
    '/static/portal.css%00.html',
    '/static/../../../../etc/passwd',
    '/fr/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/static//etc/passwd',
  ]) {
    const response = await raw(base, attempt);
    results.push(`${attempt} → ${response.status}`);
    t.ok([400, 403, 404].includes(response.status), `${attempt}: ${response.status}`);
    t.notMatch(response.body, /integrity-portal|root:x:0:0/, `${attempt}: nothing outside static/ is served`);
  }
  const overlong = await raw(base, `/fr/search?q=${'a'.repeat(100_000)}`);
  t.ok([0, 400, 414, 431].includes(overlong.status), `a 100 KB URL is refused (${overlong.status || 'connection closed'})`);
  const long = await raw(base, `/fr/search?q=${'corruption+'.repeat(700)}`);
  t.ok([200, 400].includes(long.status), `an 8 KB query is answered or refused cleanly (${long.status})`);
  for (const attempt of ['/go/abc%0d%0aSet-Cookie:%20evil=1', '/go/%0d%0aLocation:%20https://evil.example', '/fr%0d%0aX-Evil:%201', '/fr/search?q=%0d%0aX-Evil:%201']) {
    const response = await raw(base, attempt);
    t.ok(response.status < 500, `${attempt}: ${response.status}`);
    t.notOk(response.headers['x-evil'], `${attempt}: no injected header`);
    t.notMatch(String(response.headers['set-cookie'] ?? ''), /evil/, `${attempt}: no injected cookie`);
    t.notMatch(String(response.headers.location ?? ''), /evil/, `${attempt}: no injected redirect`);
  }
  record({
    area: 'Hostile input at the portal',
    case: 'path traversal, overlong URLs, header injection via /go/',
    how: 'raw HTTP requests (no client normalising): 13 traversal forms incl. encoded, double-encoded, overlong UTF-8 and backslashes; a 100 KB URL; CR/LF in /go/ ids, paths and queries',
    result: `${results.join('; ')}; 100 KB URL → ${overlong.status}; no injected header, cookie or redirect`,
  });
});

t.test('admin: every route refuses anonymous visitors and editors as it should', async (t) => {
  // The policy, route by route. A new admin route fails this test until it is added here.
  const policy: Record<string, { anonymous: 'login' | 'open'; editor: 'allowed' | 'forbidden' }> = {
    'GET /admin': { anonymous: 'open', editor: 'allowed' },
    'GET /admin/login': { anonymous: 'open', editor: 'allowed' },
    'POST /admin/login': { anonymous: 'open', editor: 'allowed' },
    'POST /admin/logout': { anonymous: 'open', editor: 'allowed' },
    'GET /admin/freshness': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/freshness.csv': { anonymous: 'login', editor: 'allowed' },
    'GET /admin/freshness.json': { anonymous: 'login', editor: 'allowed' },
    'GET /admin/partners/:id': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/harvest': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/jobs/:id': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/test-source': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/test-source': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/suggestions': { anonymous: 'login', editor: 'allowed' },
    'GET /admin/suggestions.csv': { anonymous: 'login', editor: 'allowed' },
    'GET /admin/suggestions/:id': { anonymous: 'login', editor: 'allowed' },
    'POST /admin/suggestions/:id': { anonymous: 'login', editor: 'allowed' },
    'GET /admin/indicators': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/audit': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/config': { anonymous: 'login', editor: 'forbidden' },
    // Issue 18: the focal points' area, deposits' review, accounts, reminders (a focal point's own
    // boundaries are tested route by route in tests/publisher/focal-boundaries.test.ts).
    'GET /admin/partner': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/partner/items': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/partner/deposits': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/partner/deposits/new': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/partner/deposits': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/partner/deposits/:id': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/partner/deposits/:id/edit': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/partner/deposits/:id': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/partner/deposits/:id/withdraw': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/partner/deposits/:id/revisions/:n/document.pdf': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/deposits': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/deposits/:id': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/deposits/:id/review': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/deposits/:id/revisions/:n/document.pdf': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/users': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/users': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/users/:name/remove': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/reminders': { anonymous: 'login', editor: 'forbidden' },
    'POST /admin/reminders/check': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/reminders/:id': { anonymous: 'login', editor: 'forbidden' },
    'GET /admin/reminders/:id/messages/:file': { anonymous: 'login', editor: 'forbidden' },
  };
  const adminRoutes = portal.app.routeList.filter((r) => r.url.startsWith('/admin')).map((r) => `${r.method} ${r.url}`);
  t.same(adminRoutes.filter((r) => !(r in policy)), [], 'every admin route has a policy');
  const suggestion = bed.store.suggestions.list({ limit: 1 }).items[0]!;
  const concrete = (route: string) => route.split(' ')[1]!.replace(':id', route.includes('partners') ? 'hostile' : route.includes('jobs') ? 'job-1' : String(suggestion.id));
  const editor = new Browser(portal, '10.201.0.1');
  t.equal((await editor.login('karim')).status, 303);
  const csrf = await editor.token();
  const before = JSON.stringify(bed.store.suggestions.get(suggestion.id));
  for (const route of adminRoutes) {
    const [method] = route.split(' ') as ['GET' | 'POST'];
    const url = concrete(route);
    const form = { csrf: 'none', action: 'reject', source: 'hostile/feed', scope: 'all', name: '', password: '' };
    const anonymous = await portal.app.inject({ method, url, headers: { ...BROWSER, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, payload: method === 'POST' ? new URLSearchParams(form).toString() : undefined, remoteAddress: '10.202.0.1' });
    if (policy[route]!.anonymous === 'login') {
      t.equal(anonymous.statusCode, 302, `anonymous ${route}: sent to sign in`);
      t.match(String(anonymous.headers.location), /^\/admin\/login/, `anonymous ${route}: to the login page`);
    } else {
      t.ok(anonymous.statusCode < 500 && anonymous.statusCode !== 200 || method === 'GET', `anonymous ${route}: ${anonymous.statusCode}`);
    }
    if (policy[route]!.anonymous === 'open') continue; // signing in and out: not about roles
    const asEditor = method === 'GET' ? await editor.get(url) : await editor.post(url, { ...form, csrf });
    if (policy[route]!.editor === 'forbidden') t.equal(asEditor.status, 403, `editor ${route}: forbidden`);
    else t.not(asEditor.status, 403, `editor ${route}: allowed (${asEditor.status})`);
  }
  t.not(JSON.stringify(bed.store.suggestions.get(suggestion.id)), before, 'the editor could act on a suggestion (allowed)');
  record({
    area: 'Hostile input at the portal',
    case: 'every admin route, anonymous and editor',
    how: `the app's own route list (${adminRoutes.length} admin routes) against a policy table; a route without a policy fails the test`,
    result: 'anonymous → 302 to the login page on every protected route; editor → 403 on every administrator route',
  });
});

t.test('admin: session fixation, cookie flags, brute force from many addresses', async (t) => {
  const login = await portal.app.inject({ url: '/admin/login', headers: { ...BROWSER, cookie: 'portal_session=chosen-by-the-attacker' } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(login.body)![1]!;
  const binding = String(login.headers['set-cookie']).split(';')[0]!;
  const signedIn = await portal.app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...BROWSER, cookie: `portal_session=chosen-by-the-attacker; ${binding}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, name: 'amina', password: PASSWORD, next: '' }).toString(),
    remoteAddress: '10.203.0.1',
  });
  t.equal(signedIn.statusCode, 303);
  const cookie = [signedIn.headers['set-cookie']].flat().find((c) => String(c).startsWith('portal_session='))!;
  t.notMatch(cookie, /chosen-by-the-attacker/, 'a new session token is issued at sign-in');
  t.match(cookie, /HttpOnly/);
  t.match(cookie, /SameSite=Strict/);
  const fixed = await portal.app.inject({ url: '/admin/freshness', headers: { cookie: 'portal_session=chosen-by-the-attacker' } });
  t.equal(fixed.statusCode, 302, "the attacker's token opens nothing");

  // Guessing from many addresses slows the name down but never locks the account: the operator's
  // right password gets through (the lock-out attack itself is measured in attackers.test.ts).
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await new Browser(portal, `10.204.${i}.1`).login('karim', `guess number ${i}`)).status);
  t.same(statuses, [401, 401, 401, 401, 401, 401, 401, 401], 'every guess is answered "wrong", none locks anything');
  const right = new Browser(portal, '10.205.0.1');
  t.equal((await right.login('karim')).status, 303, 'the right password gets through');
  record({
    area: 'Hostile input at the portal',
    case: 'admin sign-in: fixation, cookie flags, guesses from many addresses',
    how: 'a session cookie chosen before sign-in; 8 wrong passwords for one account from 8 addresses, then the right one from a ninth',
    result: `new token at sign-in, HttpOnly + SameSite=Strict, attacker token useless; answers ${statuses.join(' ')}, then the right password signs in (303)`,
  });
});

t.test('config: an alias bomb, a 50 MB file and deep nesting are refused quickly and clearly', async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-hostile-config-'));
  fs.cpSync(bed.configDir, base, { recursive: true });
  const cases: Array<[string, (file: string) => void, RegExp]> = [
    [
      'alias bomb',
      (file) => fs.writeFileSync(file, `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\n`),
      /alias/i,
    ],
    [
      '50 MB file',
      (file) => {
        const fd = fs.openSync(file, 'w');
        fs.ftruncateSync(fd, 50 * 1024 * 1024);
        fs.closeSync(fd);
      },
      /50\.0 MB; config files are limited/,
    ],
    ['deep nesting (flow)', (file) => fs.writeFileSync(file, `id: deep\nsources: ${'['.repeat(5000)}${']'.repeat(5000)}\n`), /nested more than \d+ levels|too deep|nest/i],
    ['deep nesting (block)', (file) => fs.writeFileSync(file, `id: deep\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`), /nested more than \d+ levels|too deep|nest/i],
  ];
  const results: string[] = [];
  for (const [name, write, expected] of cases) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-hostile-config-'));
    fs.cpSync(base, dir, { recursive: true });
    write(path.join(dir, 'partners/deep.yaml'));
    const started = performance.now();
    const result = loadConfig(dir);
    const ms = performance.now() - started;
    const messages = result.errors.map((e) => `${path.relative(dir, e.file)}:${e.line}:${e.col}: ${e.message}`);
    t.ok(result.errors.length > 0, `${name}: refused`);
    t.match(messages.join('\n'), expected, `${name}: ${messages[0]}`);
    t.match(messages[0], /partners\/deep\.yaml:\d+:\d+: /, `${name}: the file and position are named`);
    results.push(`${name}: ${ms.toFixed(0)} ms, "${messages[0]}"`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.rmSync(base, { recursive: true, force: true });
  t.comment(results.join('\n'));
  record({ area: 'Hostile input at the portal', case: 'hostile config files', how: 'written into partners/ and loaded by the same loader as `portal check`', result: results.join('; ') });
});
