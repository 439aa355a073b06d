// /sitemap.xml: one file while the catalogue fits in 50,000 URLs; above, a sitemap index over
// files of at most 50,000 URLs, checked on a seeded catalogue of 16,700 items (50,100 item URLs
// in three languages): every visible item in every language exactly once, items marked gone left
// out, absolute links from base_url, files that do not exist are 404.
import { load } from 'cheerio';
import t from 'tap';
import { openStore } from '../../store/index.ts';
import { appOver, seed, SEED_CONFIG, SEED_ITEMS, type SeedItem } from '../helpers/app.ts';
import { loadTestConfig, writeConfig } from '../helpers/config.ts';

const settings = loadTestConfig(writeConfig(SEED_CONFIG));
const PAGE_URLS = (11 + 3) * 3; // 11 static pages and 3 partners, in three languages

async function get(app: Awaited<ReturnType<typeof appOver>>['app'], url: string) {
  const response = await app.inject({ url, headers: { host: 'evil.example' } });
  return { status: response.statusCode, type: response.headers['content-type'], body: response.body, $: load(response.body, { xml: true }) };
}

t.test('a small catalogue: one file with every page and item in every language', async (t) => {
  const store = openStore(':memory:');
  store.syncConfig(settings, new Date().toISOString());
  seed(store, SEED_ITEMS);
  const bed = await appOver(store, settings);
  t.teardown(() => bed.close());
  const { status, type, $, body } = await get(bed.app, '/sitemap.xml');
  t.equal(status, 200);
  t.match(type, /^application\/xml/);
  t.equal($('urlset').length, 1, 'a urlset, not an index');
  const locs = $('url > loc').map((_, e) => $(e).text()).get();
  t.equal(locs.length, PAGE_URLS + SEED_ITEMS.length * 3);
  t.equal(new Set(locs).size, locs.length, 'no URL twice');
  t.ok(locs.every((l) => l.startsWith('https://portal.example/')), 'absolute links from base_url');
  t.notMatch(body, /evil\.example/);
  t.equal($('url').first().find('xhtml\\:link').length, 3, 'pages name their other languages');
  t.match($('url > lastmod').first().text(), /^\d{4}-\d{2}-\d{2}$/);
});

t.test('above 50,000 URLs: a sitemap index over files of at most 50,000', async (t) => {
  const store = openStore(':memory:');
  store.syncConfig(settings, new Date().toISOString());
  const count = 16_700;
  const items: SeedItem[] = Array.from({ length: count }, (_, i) => ({
    partner: i % 2 ? 'alpha' : 'beta',
    source: i % 2 ? 'news' : 'media',
    title: `Document ${i}`,
    section: i % 2 ? 'news' : 'media',
    docType: i % 2 ? 'news' : 'video',
    language: 'fr',
    publishedAt: '2024-01-01',
    url: `https://partner.example/doc/${i}`,
  }));
  const t0 = performance.now();
  seed(store, items);
  t.comment(`seeded in ${(performance.now() - t0).toFixed(0)} ms`);
  // One item marked gone: it leaves the sitemap.
  const source = store.listSources({ sources: ['alpha/news'] })[0]!;
  const gone = store.existingItems(source.pk).reduce((a, b) => (b.pk > a.pk ? b : a));
  const run = store.startRun('test', new Date().toISOString());
  store.commitHarvest({
    runPk: run,
    source,
    plan: { inserts: [], updates: [], seenAgain: [], missing: [], gone: [gone], offListing: [], documentRefresh: [] },
    outcome: { status: 'ok', startedAt: '', durationMs: 1, itemsFound: 0, itemsNew: 0, itemsChanged: 0, itemsGone: 1, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] },
    state: { attemptAt: new Date().toISOString(), success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
    now: new Date().toISOString(),
  });
  const goneId = store.items.list({ includeGone: true, section: 'news' }, 1, 1).items[0]!.id;
  t.equal(store.items.get(goneId)?.gone_since !== null, true, 'the newest news item is the one marked gone');
  t.comment(`setup ${(performance.now() - t0).toFixed(0)} ms`);
  const bed = await appOver(store, settings);
  t.teardown(() => bed.close());

  const started = performance.now();
  const index = await get(bed.app, '/sitemap.xml');
  const indexMs = performance.now() - started;
  t.equal(index.$('sitemapindex').length, 1, 'an index');
  const files = index.$('sitemap > loc').map((_, e) => index.$(e).text()).get();
  t.same(files, ['https://portal.example/sitemap-pages.xml', 'https://portal.example/sitemap-items-1.xml', 'https://portal.example/sitemap-items-2.xml']);
  t.match(index.$('sitemap').eq(1).find('lastmod').text(), /^\d{4}-\d{2}-\d{2}$/);

  const seen: string[] = [];
  let largest = 0;
  const times: number[] = [];
  for (const file of files) {
    const fileStarted = performance.now();
    const response = await bed.app.inject({ url: new URL(file).pathname });
    times.push(performance.now() - fileStarted);
    const { statusCode: status, body } = response;
    t.equal(status, 200, file);
    t.match(body, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9"[^>]*>\n[\s\S]*<\/urlset>\n$/, `${file} is a urlset`);
    // A regular expression: CSS selectors over 50,000 elements take a minute.
    const locs = [...body.matchAll(/<url><loc>([^<]*)<\/loc>/g)].map((m) => m[1]!);
    t.equal(locs.length, (body.match(/<url>/g) ?? []).length, 'each <url> has its <loc> first');
    t.ok(locs.length <= 50_000, `${file}: ${locs.length} URLs, at most 50,000`);
    t.ok(Buffer.byteLength(body) < 50 * 1024 * 1024, `${file}: under 50 MB`);
    largest = Math.max(largest, Buffer.byteLength(body));
    seen.push(...locs);
  }
  t.comment(`index ${indexMs.toFixed(0)} ms; files ${times.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}; largest ${(largest / 1024 / 1024).toFixed(1)} MB (in-process, a loaded machine)`);
  const itemUrls = seen.filter((u) => u.includes('/items/'));
  t.equal(itemUrls.length, (count - 1) * 3, 'every visible item in three languages');
  t.equal(new Set(seen).size, seen.length, 'no URL in two files');
  t.equal(seen.length - itemUrls.length, PAGE_URLS, 'the pages file');
  t.notOk(seen.some((u) => u.endsWith(`/items/${goneId}`)), 'an item marked gone is left out');
  for (const missing of ['/sitemap-items-3.xml', '/sitemap-items-0.xml', '/sitemap-items-x.xml', '/sitemap-items-99999999.xml']) {
    t.equal((await get(bed.app, missing)).status, 404, missing);
  }
});
