// Harvest passes against real loopback servers: every connector, conditional GET, errors with
// their codes, drift (`empty`), gone-marking, back-off, versions, charsets, concurrency.
import fs from 'node:fs';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import t from 'tap';
import { makePdf } from '../../demo/pdf.ts';
import { type RawItem } from '../../connectors/index.ts';
import { backoffMs, BACKOFF_CAP_MS, readItems } from '../../harvester/harvest.ts';
import { makeBed } from '../helpers/harvest.ts';
import { rss, startServer, type FixtureServer } from '../helpers/server.ts';

const TLS = path.join(import.meta.dirname, '../fixtures/tls');

function listing(rows: Array<{ title: string; href: string; date: string }>, itemClass = 'views-row'): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Publications</title></head><body><main>
${rows.map((r) => `<div class="${itemClass}"><h3><a href="${r.href}">${r.title}</a></h3><span class="date">${r.date}</span><p class="summary">Résumé de ${r.title}</p></div>`).join('\n')}
</main></body></html>`;
}

let server: FixtureServer;
t.before(async () => {
  server = await startServer();
});
t.teardown(() => server.close());

t.test('feed: items parsed, links resolved, dates and language normalised, 304 afterwards', async (t) => {
  server.set('/a/feed/', {
    etag: '"feed-v1"',
    headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
    body: rss([
      { title: 'Lancement de la stratégie nationale', link: '/a/news/1?utm_source=rss#top', date: 'Tue, 12 Mar 2024 10:00:00 +0100', description: '<p>La <b>stratégie</b> <script>alert(1)</script></p>' },
      { title: 'تقديم التقرير السنوي', link: 'https://partner.example/ar/2', guid: 'ar-2', date: 'Wed, 13 Mar 2024 09:00:00 GMT' },
      { title: '', link: '' },
    ]),
  });
  const bed = makeBed({ partners: [{ id: 'alpha', sources: [{ id: 'news', type: 'feed', url: `${server.url}/a/feed/`, section: 'news' }] }] });
  const [first] = await bed.harvest();
  t.match(first, { status: 'ok', items_found: 2, items_new: 2, items_changed: 0, items_gone: 0, items_dropped: 1, http_status: 200, error: null });
  const items = bed.store.items.list({}, 1, 10).items;
  const fr = items.find((i) => i.language === 'fr')!;
  t.equal(fr.url, 'https://partner.example/a/news/1', 'relative link resolved against the feed link, tracking and fragment removed');
  t.equal(fr.published_at, '2024-03-12');
  t.equal(fr.summary, '<p>La <b>stratégie</b> </p>', 'summary sanitised');
  t.equal(fr.doc_type, 'news');
  const ar = items.find((i) => i.language === 'ar')!;
  t.equal(ar.title, 'تقديم التقرير السنوي');

  const [second] = await bed.harvest();
  t.match(second, { status: 'not_modified', http_status: 304, items_new: 0, error: null });
  t.equal(server.lastHeaders('/a/feed/')?.['if-none-match'], '"feed-v1"', 'conditional GET sent the ETag');
  t.match(server.lastHeaders('/a/feed/')?.['user-agent'], /^IntegrityPortalBot\/1\.0 \(\+https:\/\/portal\.example\/\)$/);
  const detail = bed.store.items.get(fr.id)!;
  t.equal(detail.versions.length, 1, 'no new version on a 304');
  bed.close();
});

t.test('feed: an identical body without validators is not parsed again', async (t) => {
  server.set('/b/feed/', { body: rss([{ title: 'Une', link: 'https://b.example/1' }]) });
  const bed = makeBed({ partners: [{ id: 'beta', sources: [{ id: 'news', type: 'feed', url: `${server.url}/b/feed/`, section: 'news' }] }] });
  t.equal((await bed.harvest())[0]!.status, 'ok');
  t.match((await bed.harvest())[0], { status: 'not_modified', http_status: 200 });
  server.set('/b/feed/', { body: rss([{ title: 'Une', link: 'https://b.example/1' }, { title: 'Deux', link: 'https://b.example/2' }]) });
  t.match((await bed.harvest())[0], { status: 'ok', items_new: 1 });
  bed.close();
});

t.test('Atom with xml:base, RSS 1.0 and a windows-1256 feed', async (t) => {
  server.set('/atom', {
    headers: { 'content-type': 'application/atom+xml' },
    body: `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/fr/">
<title>Atom</title><entry xml:base="actualites/"><title>Entrée relative</title><link href="article-1"/><id>urn:1</id><updated>2024-05-15T10:00:00Z</updated></entry></feed>`,
  });
  server.set('/rdf', {
    headers: { 'content-type': 'application/rdf+xml' },
    body: `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/1"><title>Item RDF</title><link>https://rdf.example/1</link><dc:date>2023-01-02</dc:date></item></rdf:RDF>`,
  });
  const arabic = rss([{ title: 'الهيئة الوطنية للنزاهة تصدر تقريرها', link: 'https://cp.example/1', date: 'Thu, 04 Jan 2024 08:00:00 GMT' }]).replace('UTF-8', 'windows-1256');
  server.set('/cp1256', { headers: { 'content-type': 'text/xml' }, body: iconv.encode(arabic, 'windows-1256') });
  const bed = makeBed({
    partners: [
      {
        id: 'gamma',
        sources: [
          { id: 'atom', type: 'feed', url: `${server.url}/atom`, section: 'news' },
          { id: 'rdf', type: 'feed', url: `${server.url}/rdf`, section: 'news' },
          { id: 'cp', type: 'feed', url: `${server.url}/cp1256`, section: 'news', language: 'ar' },
        ],
      },
    ],
  });
  const outcomes = await bed.harvest();
  for (const o of outcomes) t.equal(o.status, 'ok', `${o.source}: ${o.error?.message ?? 'ok'}`);
  const titles = Object.fromEntries(bed.store.items.list({}, 1, 10).items.map((i) => [i.source, i]));
  t.equal(titles.atom!.url, 'https://atom.example/fr/actualites/article-1');
  t.equal(titles.atom!.published_at, '2024-05-15');
  t.equal(titles.rdf!.published_at, '2023-01-02');
  t.equal(titles.cp!.title, 'الهيئة الوطنية للنزاهة تصدر تقريرها', 'windows-1256 decoded');
  bed.close();
});

t.test('html listing with follow_pdf: PDFs fetched, text attached and searchable; empty when the layout changes', async (t) => {
  const report = await makePdf({ title: 'Rapport annuel', created: new Date('2024-06-01T00:00:00Z'), pages: ['Rapport annuel sur la gouvernance des marchés publics', 'Deuxième page'] });
  const arReport = await makePdf({ pages: ['دراسة حول النزاهة في الصفقات العمومية'] });
  const scan = await makePdf({ scanned: true, pages: ['', ''] });
  server.set('/c/docs/r1.pdf', { body: report, headers: { 'content-type': 'application/pdf' } });
  server.set('/c/docs/r2.pdf', { body: arReport, headers: { 'content-type': 'application/pdf' } });
  server.set('/c/docs/scan.pdf', { body: scan, headers: { 'content-type': 'application/pdf' } });
  server.set('/c/publications', {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: listing([
      { title: 'Rapport annuel 2023', href: 'docs/r1.pdf', date: 'Le 27/09/2024 à 17h25' },
      { title: 'دراسة النزاهة', href: '/c/docs/r2.pdf', date: '3 شتنبر 2023' },
      { title: 'Document numérisé', href: '/c/docs/scan.pdf', date: '15 mai 2022' },
    ]),
  });
  const bed = makeBed({
    partners: [
      {
        id: 'delta',
        sources: [
          {
            id: 'reports',
            type: 'html',
            url: `${server.url}/c/publications`,
            section: 'publications',
            select: { item: '.views-row', title: 'h3', link: 'h3 a@href', date: '.date', summary: '.summary' },
            follow_pdf: true,
          },
        ],
      },
    ],
  });
  const [first] = await bed.harvest();
  t.match(first, { status: 'ok', items_found: 3, items_new: 3 });
  const items = bed.store.items.list({}, 1, 10).items;
  const byTitle = Object.fromEntries(items.map((i) => [i.title, i]));
  t.equal(byTitle['Rapport annuel 2023']!.url, `${server.url}/c/docs/r1.pdf`);
  t.equal(byTitle['Rapport annuel 2023']!.published_at, '2024-09-27');
  t.equal(byTitle['Rapport annuel 2023']!.pages, 2);
  t.equal(byTitle['Rapport annuel 2023']!.doc_type, 'report', 'doc type inferred from the title');
  t.equal(byTitle['دراسة النزاهة']!.published_at, '2023-09-03');
  t.equal(byTitle['دراسة النزاهة']!.language, 'ar');
  t.equal(byTitle['دراسة النزاهة']!.doc_type, 'study');
  t.equal(byTitle['Document numérisé']!.scanned, true, 'a PDF without text layer is flagged');
  const detail = bed.store.items.get(byTitle['Rapport annuel 2023']!.id)!;
  t.match(detail.text, /gouvernance des marchés publics/);
  t.match(detail.versions[0]!.snapshot, { document_url: `${server.url}/c/docs/r1.pdf` });
  t.equal(server.hits('/c/docs/r1.pdf'), 1);

  // The page changes a little (a new item): PDFs already read are not downloaded again.
  server.set('/c/publications', {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: listing([
      { title: 'Note nouvelle', href: '/c/docs/none.pdf', date: '01/10/2024' },
      { title: 'Rapport annuel 2023', href: 'docs/r1.pdf', date: 'Le 27/09/2024 à 17h25' },
      { title: 'دراسة النزاهة', href: '/c/docs/r2.pdf', date: '3 شتنبر 2023' },
      { title: 'Document numérisé', href: '/c/docs/scan.pdf', date: '15 mai 2022' },
    ]),
  });
  const [second] = await bed.harvest();
  t.match(second, { status: 'ok', items_new: 1, items_changed: 0 });
  t.match(second!.warnings.join('\n'), /none\.pdf answered HTTP 404/, 'a missing PDF is a warning, the item is kept');
  t.equal(server.hits('/c/docs/r1.pdf'), 1, 'not downloaded again');

  // A redesign: the page still answers 200 but the selectors match nothing.
  server.set('/c/publications', { headers: { 'content-type': 'text/html' }, body: listing([{ title: 'Rapport', href: 'x.pdf', date: '' }], 'card') });
  const [third] = await bed.harvest();
  t.match(third, { status: 'failed', error: { code: 'empty' }, items_new: 0, items_gone: 0 });
  t.match(third!.error!.message, /selector "\.views-row" matches nothing/);
  t.equal(bed.store.items.list({}, 1, 10).total, 4, 'nothing removed');
  const source = bed.store.listSources()[0]!;
  t.equal(source.consecutiveFailures, 1);
  bed.close();
});

t.test('pdf source: title from the config, text, page count and date from the document', async (t) => {
  server.set('/d/annual.pdf', {
    headers: { 'content-type': 'application/pdf' },
    body: await makePdf({ title: 'Metadata title', created: new Date('2024-02-20T00:00:00Z'), pages: ['Rapport annuel 2024 de la Cour des comptes', 'Suite'] }),
  });
  const bed = makeBed({
    partners: [
      {
        id: 'epsilon',
        sources: [{ id: 'annual', type: 'pdf', url: `${server.url}/d/annual.pdf`, section: 'publications', doc_type: 'report', title: { fr: 'Rapport annuel 2024' } }],
      },
    ],
  });
  const [outcome] = await bed.harvest();
  t.match(outcome, { status: 'ok', items_new: 1 });
  const [item] = bed.store.items.list({}, 1, 1).items;
  t.match(item, { title: 'Rapport annuel 2024', published_at: '2024-02-20', pages: 2, doc_type: 'report', language: 'fr' });
  bed.close();
});

t.test('every error code is recorded on the right source while the others are harvested', async (t) => {
  server.set('/e/ok', { body: rss([{ title: 'Valide', link: 'https://e.example/1' }]) });
  server.set('/e/500', { status: 500, body: 'boom' });
  server.set('/e/html', { headers: { 'content-type': 'text/html' }, body: '<!doctype html><html><body>Not a feed</body></html>' });
  server.set('/e/broken', { headers: { 'content-type': 'application/rss+xml' }, body: '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a' });
  server.set('/e/big', { body: Buffer.alloc(2 * 1024 * 1024, 'a') });
  // Compressed once, before the harvest: compressing 64 MB in the handler held this process (and
  // the harvest's 2 s clock) for a second or more on a busy machine.
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
  server.set('/e/bomb', (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(bomb);
  });
  server.set('/e/slow', (_req, res) => {
    res.write('<?xml version="1.0"?>');
    const timer = setInterval(() => res.write(' '), 300);
    res.on('close', () => clearInterval(timer));
  });
  server.set('/robots.txt', { body: 'User-agent: IntegrityPortalBot\nDisallow: /e/private\n' });
  server.set('/e/private', { body: rss([{ title: 'x', link: 'https://e.example/x' }]) });
  server.set('/e/pdf-html', { headers: { 'content-type': 'application/pdf' }, body: '<html><body>Please log in</body></html>' });
  server.set('/e/loop1', { status: 302, headers: { location: '/e/loop2' } });
  server.set('/e/loop2', { status: 302, headers: { location: '/e/loop1' } });
  const tlsServer = https.createServer(
    { key: fs.readFileSync(path.join(TLS, 'self-signed.key')), cert: fs.readFileSync(path.join(TLS, 'self-signed.crt')) },
    (_req, res) => res.end(rss([])),
  );
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const tlsPort = (tlsServer.address() as AddressInfo).port;
  const closed = await startServer();
  const closedUrl = closed.url;
  await closed.close();

  const feedSource = (id: string, url: string) => ({ id, type: 'feed', url, section: 'news' });
  const bed = makeBed({
    harvest: { timeout: '2s', max_bytes: '1MB' },
    partners: [
      {
        id: 'zeta',
        sources: [
          feedSource('ok', `${server.url}/e/ok`),
          feedSource('server-error', `${server.url}/e/500`),
          feedSource('html-page', `${server.url}/e/html`),
          feedSource('broken', `${server.url}/e/broken`),
          feedSource('big', `${server.url}/e/big`),
          feedSource('bomb', `${server.url}/e/bomb`),
          feedSource('slow', `${server.url}/e/slow`),
          feedSource('private', `${server.url}/e/private`),
          feedSource('loop', `${server.url}/e/loop1`),
          { id: 'pdf-html', type: 'pdf', url: `${server.url}/e/pdf-html`, section: 'publications' },
        ],
      },
      { id: 'eta', sources: [feedSource('tls', `https://127.0.0.1:${tlsPort}/feed`), feedSource('down', `${closedUrl}/feed`)] },
    ],
  });
  const outcomes = await bed.harvest();
  const code = (id: string) => bed.outcome(outcomes, id).error?.code ?? bed.outcome(outcomes, id).status;
  t.equal(code('ok'), 'ok');
  t.equal(code('server-error'), 'http_status');
  t.equal(bed.outcome(outcomes, 'server-error').http_status, 500);
  t.equal(code('html-page'), 'wrong_type');
  t.equal(code('broken'), 'parse');
  t.equal(code('big'), 'too_large');
  t.equal(code('bomb'), 'too_large');
  t.equal(code('slow'), 'timeout');
  t.equal(code('private'), 'robots');
  t.equal(code('loop'), 'http_status');
  t.equal(code('pdf-html'), 'wrong_type');
  t.equal(code('tls'), 'tls');
  t.equal(code('down'), 'network');
  for (const o of outcomes.filter((o) => o.status === 'failed')) {
    t.ok(o.error!.message.length > 20, `${o.source}: a message an operator can read: ${o.error!.message}`);
  }
  const failing = bed.store.listSources({ sources: ['zeta/server-error'] })[0]!;
  t.equal(failing.consecutiveFailures, 1);
  t.ok(failing.nextAttemptAt, 'next attempt set');
  t.equal(bed.store.items.count(), 1, 'the good source was harvested');
  await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  bed.close();
});

t.test('private addresses are refused unless allowed', async (t) => {
  server.set('/f/feed', { body: rss([{ title: 'x', link: 'https://f.example/1' }]) });
  server.set('/f/redirect', { status: 302, headers: { location: `${server.url}/f/feed` } });
  const bed = makeBed({
    harvest: { allow_private_networks: false },
    partners: [{ id: 'theta', sources: [{ id: 'loopback', type: 'feed', url: `${server.url}/f/feed`, section: 'news' }] }],
  });
  const [outcome] = await bed.harvest();
  t.match(outcome, { status: 'failed', error: { code: 'network', message: /refused to connect to 127\.0\.0\.1.*allow_private_networks/ } });
  t.equal(server.hits('/f/feed'), 0, 'no request was sent');
  bed.close();
});

t.test('back-off: exponential, jittered, capped at a week, skipped by the scheduler, never given up', async (t) => {
  t.equal(backoffMs(1, () => 0.5), 30 * 60_000);
  t.equal(backoffMs(2, () => 0.5), 60 * 60_000);
  t.equal(backoffMs(3, () => 0), 0.8 * 120 * 60_000);
  t.equal(backoffMs(40, () => 1), BACKOFF_CAP_MS);
  server.set('/g/feed', { status: 503, headers: { 'retry-after': '3600' } });
  const bed = makeBed({ partners: [{ id: 'iota', sources: [{ id: 'news', type: 'feed', url: `${server.url}/g/feed`, section: 'news' }] }] });
  for (let i = 1; i <= 3; i++) {
    const [o] = await bed.harvest({ random: () => 0.5 });
    t.match(o, { status: 'failed', http_status: 503, error: { code: 'http_status' } });
  }
  const source = bed.store.listSources()[0]!;
  t.equal(source.consecutiveFailures, 3);
  const wait = Date.parse(source.nextAttemptAt!) - Date.parse(source.lastAttemptAt!);
  t.ok(Math.abs(wait - 120 * 60_000) < 5_000, `the longer of back-off (2 h) and Retry-After (1 h): ${wait} ms`);
  const [skipped] = await bed.harvest({ respectBackoff: true });
  t.match(skipped, { status: 'skipped' });
  t.equal(bed.store.listSources()[0]!.consecutiveFailures, 3, 'a skip is not a failure');
  server.set('/g/feed', { body: rss([{ title: 'De retour', link: 'https://g.example/1' }]) });
  const later = new Date(Date.now() + 3 * 3_600_000);
  const [back] = await bed.harvest({ now: () => later, respectBackoff: true });
  t.match(back, { status: 'ok', items_new: 1 });
  t.equal(bed.store.listSources()[0]!.consecutiveFailures, 0);
  bed.close();
});

t.test('a hanging host does not delay the others beyond its timeout', async (t) => {
  const hanging = await startServer({ '/feed': () => undefined }, '127.0.0.2');
  const quick = await startServer({ '/feed': { body: rss([{ title: 'Rapide', link: 'https://q.example/1' }]) } }, '127.0.0.3');
  const bed = makeBed({
    harvest: { timeout: '3s' },
    partners: [
      { id: 'hang', sources: [{ id: 'news', type: 'feed', url: `${hanging.url}/feed`, section: 'news' }] },
      { id: 'quick', sources: [{ id: 'news', type: 'feed', url: `${quick.url}/feed`, section: 'news' }] },
    ],
  });
  const done: Record<string, number> = {};
  const order: string[] = [];
  const started = performance.now();
  const outcomes = await bed.harvest({
    onProgress: (e) => {
      if (e.type !== 'source-done') return;
      done[e.partner] = performance.now() - started;
      order.push(e.partner);
    },
  });
  t.equal(bed.outcome(outcomes, 'hang/news').error?.code, 'timeout');
  t.equal(bed.outcome(outcomes, 'quick/news').status, 'ok');
  // By the order of the events, not a time: the quick host was done while the other still hung.
  t.same(order, ['quick', 'hang'], `the quick host finished first (${Math.round(done.quick!)} ms), without waiting for the hanging one`);
  t.ok(done.hang! >= 2900, `the hanging host waited for its timeout (${Math.round(done.hang!)} ms)`);
  await hanging.close();
  await quick.close();
  bed.close();
});

t.test('an interrupted run is marked at the next start', async (t) => {
  const bed = makeBed({ partners: [{ id: 'kappa', sources: [{ id: 'news', type: 'feed', url: `${server.url}/e/ok`, section: 'news' }] }] });
  // A run left `running` by a process that no longer exists (a pid that cannot exist).
  const stale = bed.store.runs.start('test', '2026-01-01T00:00:00.000Z', 999_999_999);
  await bed.harvest();
  t.equal(bed.store.runs.summary(stale)!.status, 'interrupted');
  bed.close();
});

t.test('changed items get versions; a guid shared by two links gives two items', async (t) => {
  server.set('/h/feed', {
    body: rss([
      { title: 'Premier titre', link: 'https://h.example/1', guid: 'same' },
      { title: 'Autre', link: 'https://h.example/2', guid: 'same' },
    ]),
  });
  const bed = makeBed({ partners: [{ id: 'lambda', sources: [{ id: 'news', type: 'feed', url: `${server.url}/h/feed`, section: 'news' }] }] });
  t.match((await bed.harvest())[0], { items_new: 2 });
  server.set('/h/feed', {
    body: rss([
      { title: 'Titre corrigé', link: 'https://h.example/1', guid: 'same' },
      { title: 'Autre', link: 'https://h.example/2', guid: 'same' },
    ]),
  });
  t.match((await bed.harvest())[0], { items_new: 0, items_changed: 1 });
  const item = bed.store.items.list({}, 1, 10).items.find((i) => i.url === 'https://h.example/1')!;
  const detail = bed.store.items.get(item.id)!;
  t.same(detail.versions.map((v) => [v.event, v.snapshot.title]), [
    ['new', 'Premier titre'],
    ['changed', 'Titre corrigé'],
  ]);
  bed.close();
});

t.test('one item that cannot be read is dropped with a warning naming it; the others are kept', async (t) => {
  const bed = makeBed({ partners: [{ id: 'mu', sources: [{ id: 'news', type: 'feed', url: `${server.url}/mu/feed`, section: 'news' }] }] });
  const source = bed.store.listSources()[0]!;
  const logged: Array<Record<string, unknown>> = [];
  // Whatever a parser might still throw on hostile markup (here, what a stack overflow throws).
  const trap: RawItem = {
    title: 'Piège <b>imbriqué</b>',
    link: 'https://mu.example/2',
    get summaryHtml(): string {
      throw new RangeError('Maximum call stack size exceeded');
    },
  };
  const read = await readItems(
    { source, runPk: 0, owner: 'test', client: undefined as never, settings: bed.settings, store: bed.store, now: () => new Date(), random: Math.random, respectBackoff: false, log: (e) => logged.push(e) },
    [{ title: 'Avant', link: 'https://mu.example/1' }, trap, { title: 'Après', link: 'https://mu.example/3' }],
    new Map(),
    new Date(),
  );
  t.same(read.items.map((i) => i.title), ['Avant', 'Après']);
  t.equal(read.dropped, 1);
  t.same(read.warnings, ['item 2 ("Piège imbriqué") was dropped: it cannot be read (its markup is nested too deeply)']);
  t.match(logged, [{ level: 'warn', msg: 'item dropped', partner: 'mu', source: 'news', item: 2 }], 'the details go to the log');
  bed.close();
});
