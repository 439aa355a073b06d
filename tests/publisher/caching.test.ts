// Pages past one machine (issue 12): validators from the catalogue's change watermark, 304 without
// reading or rendering, Cache-Control a proxy can use, a page cache that outlives harvests which
// change nothing, deep pages refused with a clear message, and a search cut by its time budget
// answering with what it found and a notice.
import { load } from 'cheerio';
import t from 'tap';
import { inlineReads, type Reads } from '../../publisher/reads.ts';
import { PUBLIC_CACHE_CONTROL } from '../../publisher/render.ts';
import { pagination } from '../../publisher/views.ts';
import { BROWSER, makeApp, seed, SEED_ITEMS, type SeedItem, type TestApp } from '../helpers/app.ts';

let bed: TestApp;
/** What the pages asked the catalogue for. */
const calls: string[] = [];
t.before(async () => {
  // Reads that count what the pages ask for, over the app's own store.
  const inner: { reads?: Reads } = {};
  const reads: Reads = {
    run(name, request, options) {
      calls.push(name);
      return inner.reads!.run(name, request, options);
    },
    stats: () => inner.reads!.stats(),
    close: async () => {},
  };
  bed = await makeApp({ reads });
  inner.reads = inlineReads(bed.store);
});
t.teardown(() => bed.close());

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await bed.app.inject({ url, headers: { ...BROWSER, ...headers } });
  return { status: response.statusCode, body: response.body, headers: response.headers, $: load(response.body) };
}

const PAGES = ['/fr/', '/ar/news', '/fr/publications?language=fr', '/fr/search?q=transparence', '/en/partners', '/fr/partners/alpha', '/ar/indicators', '/fr/claims', '/fr/directory'];

t.test('cacheable pages carry validators and Cache-Control; a current copy gets 304 without a read or a render', async (t) => {
  for (const url of PAGES) {
    const first = await get(url);
    t.equal(first.status, 200, url);
    const etag = first.headers.etag as string;
    t.match(etag, /^W\/"[^"]+"$/, `${url}: a weak ETag`);
    t.ok(Date.parse(first.headers['last-modified'] as string) > 0, `${url}: Last-Modified`);
    t.equal(first.headers['cache-control'], PUBLIC_CACHE_CONTROL, `${url}: Cache-Control`);
    calls.length = 0;
    const again = await get(url, { 'if-none-match': etag });
    t.equal(again.status, 304, `${url}: 304 for the same ETag`);
    t.equal(again.body, '', 'no body');
    t.equal(again.headers.etag, etag);
    t.equal(again.headers['cache-control'], PUBLIC_CACHE_CONTROL);
    t.same(calls, [], `${url}: the 304 read nothing from the catalogue`);
    t.equal((await get(url, { 'if-none-match': `"other", ${etag}` })).status, 304, 'one of several tags');
    t.equal((await get(url, { 'if-modified-since': first.headers['last-modified'] as string })).status, 304, `${url}: 304 for If-Modified-Since`);
    t.equal((await get(url, { 'if-none-match': 'W/"stale"' })).status, 200, 'a stale tag gets the page');
    t.equal((await get(url, { 'if-modified-since': new Date(Date.parse(first.headers['last-modified'] as string) - 1000).toUTCString() })).status, 200, 'an older copy gets the page');
  }
});

t.test('the page cache serves a page again without reading the catalogue', async (t) => {
  bed.app.renderer.cache.clear();
  calls.length = 0;
  const first = await get('/fr/search?q=rapport&language=fr');
  t.ok(calls.includes('search'), 'rendered once from a read');
  calls.length = 0;
  const second = await get('/fr/search?q=rapport&language=fr');
  t.same(calls, [], 'then from the cache');
  t.equal(second.body, first.body);
});

t.test('validators follow the catalogue: a harvest that changes content changes them, one that changes nothing keeps them', async (t) => {
  const item = bed.store.items.list({ section: 'news', language: 'ar' }, 1, 1).items[0]!;
  const before = { home: await get('/fr/'), news: await get('/fr/news'), item: await get(`/fr/items/${item.id}`), partners: await get('/fr/partners') };
  // A harvest of every source that finds the same items: outcomes recorded, no content changed.
  seed(bed.store, SEED_ITEMS);
  const same = await get('/fr/news', { 'if-none-match': before.news.headers.etag as string });
  t.equal(same.status, 304, 'nothing changed in the catalogue: still 304');
  t.equal((await get('/fr/partners', { 'if-none-match': before.partners.headers.etag as string })).status, 200, 'the freshness pages follow the harvests themselves');
  calls.length = 0;
  await get('/fr/news');
  t.same(calls, [], 'and the page cache still serves');
  // A new item: the catalogue's watermark moves.
  seed(bed.store, [...SEED_ITEMS, { partner: 'alpha', source: 'news', title: 'Nouvelle actualité', section: 'news', docType: 'news', language: 'fr', publishedAt: '2025-09-01', url: 'https://alpha.example/new/1' }]);
  const changed = await get('/fr/news', { 'if-none-match': before.news.headers.etag as string });
  t.equal(changed.status, 200, 'content changed: the page again');
  t.not(changed.headers.etag, before.news.headers.etag);
  t.match(changed.$('.item-card').first().text(), /Nouvelle actualité/, 'with the new item, not the cached page');
  t.equal((await get('/fr/', { 'if-none-match': before.home.headers.etag as string })).status, 200);
  t.equal((await get(`/fr/items/${item.id}`, { 'if-none-match': before.item.headers.etag as string })).status, 304, 'an item page depends on its item alone');
  // A reloaded config (a partner renamed, say) changes every validator.
  const settings = bed.settings;
  bed.ctx.settings = () => ({ ...settings });
  t.equal((await get(`/fr/items/${item.id}`, { 'if-none-match': before.item.headers.etag as string })).status, 200, 'a new config: the page again');
  bed.ctx.settings = () => settings;
});

t.test('errors, forms and unknown items are not stored by proxies', async (t) => {
  for (const url of ['/fr/news?page=abc', '/fr/items/0123456789abcdef', '/fr/nowhere/at/all', '/fr/suggestions']) {
    const { status, headers } = await get(url);
    t.notOk(headers.etag, `${url} (${status}): no ETag`);
    t.not(headers['cache-control'], PUBLIC_CACHE_CONTROL, `${url}: not public`);
  }
  t.equal((await get('/fr/suggestions')).headers['cache-control'], 'private, no-cache');
});

t.test('pages past the 2,000th result: 400 with a message in the visitor\'s language; no link to them', async (t) => {
  // A catalogue with more than 2,000 results for the lists asked for (news, and "rapport").
  const many: SeedItem[] = Array.from({ length: 2_100 }, (_, i) => ({
    partner: 'alpha',
    source: 'news',
    title: `Rapport d'activité n° ${i + 1}`,
    section: 'news',
    docType: 'news',
    language: 'fr',
    publishedAt: `20${String(10 + (i % 15)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
  }));
  const deep = await makeApp({ items: [...SEED_ITEMS, ...many] });
  t.teardown(() => deep.close());
  const at = async (url: string) => {
    const response = await deep.app.inject({ url, headers: BROWSER });
    return { status: response.statusCode, $: load(response.body) };
  };
  const fr = await at('/fr/news?page=101');
  t.equal(fr.status, 400);
  t.match(fr.$('main').text(), /Les résultats s'arrêtent à la page 100 \(les 2000 premiers\)/);
  const ar = await at('/ar/search?q=rapport&page=101');
  t.equal(ar.status, 400);
  t.match(ar.$('main').text(), /تتوقف النتائج عند الصفحة 100/);
  t.equal((await at('/en/news?page=100')).status, 200, 'page 100 is the last one served');
  t.equal((await at('/fr/news?page=999')).status, 404, 'past the last page of the list (106): a 404 with a link to it, as any page past the end');
  t.equal((await get('/fr/publications?page=101')).status, 404, 'a short list past its end: 404, not 400');
  const api = await deep.app.inject({ url: '/api/items?q=rapport&per_page=100&page=21' });
  t.equal(api.statusCode, 400);
  t.match(api.json().error.message, /results stop at the 2000th/);
  t.equal((await deep.app.inject({ url: '/api/items?per_page=100&page=500' })).statusCode, 200, 'the API\'s listing pages cost the same at any depth: no limit');
  const view = pagination(bed.ctx, 'fr', '/fr/news', {}, 1, 100_000, 20)!;
  t.same(view.pages.filter((p) => 'number' in p).map((p) => (p as { number: number }).number), [1, 2, 100], 'the last link is page 100');
});

t.test('a search cut by its time budget answers with what it found, and says so in ar, fr and en', async (t) => {
  const cut = await makeApp({ build: { searchBudgetMs: 0 } });
  t.teardown(() => cut.close());
  // الرشوة: in one title, and in another item's text only (the body tier, which needs ranking).
  const notices = { ar: /تطلب هذا البحث حسابا أطول/, fr: /Cette recherche demandait trop de calcul/, en: /This search needed too much work/ };
  for (const [lang, notice] of Object.entries(notices)) {
    const response = await cut.app.inject({ url: `/${lang}/search?q=${encodeURIComponent('الرشوة')}`, headers: BROWSER });
    const $ = load(response.body);
    t.equal(response.statusCode, 200);
    t.match($('.notice').text(), notice, `${lang}: the notice`);
    t.same($('.item-card h3').map((_, e) => $(e).text().trim()).get(), ['ندوة حول الرَّشْوَة في الإدارة العمومية'], `${lang}: the title match, found without ranking`);
  }
  const full = await get(`/fr/search?q=${encodeURIComponent('الرشوة')}`);
  t.equal(full.$('.item-card').length, 2, 'with a budget, both');
  t.notMatch(full.$('.notice').text(), /trop de calcul/);
});
