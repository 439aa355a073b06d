// Every page in every language through app.inject against a seeded SQLite: status, lang/dir,
// hreflang, key content, filters, pagination, search relevance in Arabic and French, /go
// counting, visits, Atom, sitemap, escaping of harvested text.
import { load } from 'cheerio';
import t from 'tap';
import { SECTIONS } from '../../config/index.ts';
import { BROWSER, makeApp, SEED_CONFIG, SEED_ITEMS, seed, type SeedItem } from '../helpers/app.ts';

const bed = await makeApp();
t.teardown(() => bed.close());
const { app, store } = bed;

async function get(url: string, headers: Record<string, string> = BROWSER) {
  const response = await app.inject({ url, headers });
  return { status: response.statusCode, body: response.body, headers: response.headers, $: load(response.body) };
}

const PAGES = ['/', ...SECTIONS.map((s) => `/${s}`), '/search?q=rapport', '/search?q=zzzzunknownzzzz', '/partners', '/partners/alpha', '/claims', '/directory', '/suggestions', '/indicators'];

t.test('every page in every language: 200, <html lang dir>, alternates and the language switcher', async (t) => {
  for (const lang of ['ar', 'fr', 'en']) {
    for (const path of PAGES) {
      const url = `/${lang}${path}`;
      const { status, $, headers } = await get(url);
      t.equal(status, 200, `${url} answers 200`);
      t.equal($('html').attr('lang'), lang, `${url} lang`);
      t.equal($('html').attr('dir'), lang === 'ar' ? 'rtl' : 'ltr', `${url} dir`);
      t.same(
        $('link[rel=alternate][hreflang]').map((_, e) => $(e).attr('hreflang')).get(),
        ['ar', 'fr', 'en'],
        `${url} hreflang alternates`,
      );
      const switcher = $('.languages a').map((_, e) => $(e).attr('href')).get();
      t.same(switcher, ['ar', 'fr', 'en'].map((l) => `/${l}${path}`), `${url} switcher points at the same page`);
      t.match(headers['content-security-policy'], /script-src 'self'/);
      t.equal($('script').length, 0, `${url} has no script at all`);
      t.ok($('main#main h1').length === 1, `${url} has one h1`);
      t.ok($('a.skip-link[href="#main"]').length === 1, `${url} has a skip link`);
      // An id twice breaks the label or heading an aria attribute points at (the visits chart's <title> took its section's).
      const ids = $('[id]').map((_, e) => $(e).attr('id')).get();
      t.same(ids.filter((id, i) => ids.indexOf(id) !== i), [], `${url}: every id once`);
      // Headings go down one level at a time, as assistive technology finds them: not those inside a
      // closed <details> (the filters' h2 on phones), which left h1 then h3 on search and section pages (axe's heading-order).
      const levels = $('main h1, main h2, main h3, main h4, main h5, main h6')
        .filter((_, h) => $(h).closest('details:not([open])').length === 0)
        .map((_, h) => Number((h as { tagName: string }).tagName[1]))
        .get() as number[];
      t.same(levels.filter((level, i) => i > 0 && level > levels[i - 1]! + 1), [], `${url}: no heading level skipped (${levels.join(' ')})`);
    }
  }
});

t.test('an item page in each language', async (t) => {
  const id = store.items.list({}, 1, 50).items.find((i) => i.title.startsWith('التقرير السنوي'))!.id;
  for (const lang of ['ar', 'fr', 'en']) {
    const { status, $ } = await get(`/${lang}/items/${id}`);
    t.equal(status, 200);
    t.equal($('h1').attr('dir'), 'rtl', 'an Arabic title is right-to-left even on a French page');
    t.equal($('h1').text(), 'التقرير السنوي للهيئة الوطنية للنزاهة 2023');
    t.match($('.excerpt').text(), /الرشوة في الصفقات العمومية/);
    t.match($('.provenance').text(), /alpha\/reports/);
    t.match($('.provenance').text(), /[0-9a-f]{64}/, 'content hash shown');
    t.equal($('.versions li').length, 1, 'its history');
    t.equal($('a.button').attr('href'), 'https://alpha.example/reports/0', 'link to the original');
  }
  const scanned = store.items.list({ section: 'services' }, 1, 10).items.find((i) => i.scanned)!;
  const { $ } = await get(`/fr/items/${scanned.id}`);
  t.match($('.notice').text(), /Document numérisé, sans texte/);
});

t.test('unknown languages, items and paths are friendly 404s in the visitor language', async (t) => {
  for (const url of ['/xx/', '/fr/items/0000000000000000', '/fr/items/not-an-id', '/fr/partners/nobody', '/fr/nowhere', '/go/nothing']) {
    const { status, $ } = await get(url, { ...BROWSER, 'accept-language': 'ar' });
    t.equal(status, 404, url);
    t.ok($('h1').text().length > 0, `${url} is a page`);
    t.notMatch($.html(), /at .*\.ts:\d+/, 'no stack trace');
  }
  const { $ } = await get('/fr/nowhere');
  t.equal($('h1').text(), 'Page introuvable');
  t.equal((await get('/nowhere', { 'accept-language': 'ar' })).$('html').attr('lang'), 'ar');
});

t.test('malformed addresses get the error page with its headers, not Fastify\'s JSON echoing them', async (t) => {
  for (const url of ['/fr/%E0%A4%A?q=secretword', `/fr/items/${'a'.repeat(201)}?q=secretword`]) {
    const { status, body, headers, $ } = await get(url);
    t.equal(status, 400, url.slice(0, 40));
    t.match(headers['content-type'], /text\/html/);
    t.equal($('html').attr('lang'), 'fr');
    t.match($('main').text(), /adresse de la page est mal formée/);
    t.notMatch(body, /secretword|FST_ERR/, 'the address is not echoed');
    t.match(headers['content-security-policy'], /default-src 'self'.*frame-ancestors 'none'/);
    t.equal(headers['x-content-type-options'], 'nosniff');
  }
  const arabic = await get('/ar/%E0%A4%A', { ...BROWSER, 'accept-language': 'ar' });
  t.equal(arabic.$('html').attr('dir'), 'rtl');
  t.match(arabic.$('main').text(), /عنوان الصفحة غير سليم/);
  const api = await app.inject({ url: '/api/items/%E0%A4%A?q=secretword' });
  t.equal(api.statusCode, 400);
  t.same(api.json(), { error: { code: 'bad_request', message: 'the address is malformed (bad percent-encoding, or a part too long)' } });
  t.match((await app.inject({ url: '/admin/api/x%ZZ' })).json(), { error: { code: 'bad_request' } }, "the admin's API answers JSON too");
  // Every security header a page gets, not a hand-picked few (a second attacker's review found five missing).
  const normal = await get('/fr/nowhere');
  const malformed = await get('/fr/%ZZ');
  const security = (headers: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => /^(content-security-policy|cross-origin-|origin-agent-cluster|referrer-policy|strict-transport-security|x-content-type-options|x-dns-prefetch-control|x-download-options|x-frame-options|x-permitted-cross-domain-policies|x-xss-protection)/.test(name)));
  t.ok(Object.keys(security(normal.headers)).length >= 10, 'a page has its headers');
  t.same(security(malformed.headers), security(normal.headers), 'the same on a malformed address');
});

t.test("a bad filter or page in the address is explained in the page's language, not the API's English", async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['/ar/publications?doc_type=bogus', /القيمة المعطاة للمرشح «doc_type» غير موجودة/],
    ['/fr/publications?partner=nobody', /La valeur donnée au filtre « partner » n'existe pas/],
    ['/fr/news?year=abc', /L'année doit s'écrire en quatre chiffres/],
    ['/en/search?q=rapport&from=2024-13-01', /The date “from” is written YYYY-MM-DD/],
    ['/ar/search?q=x&page=0', /رقم الصفحة عدد صحيح من 1 إلى/],
    ['/fr/news?page=1&page=2', /« page » figure plusieurs fois/],
  ];
  for (const [url, text] of cases) {
    const { status, $ } = await get(url);
    t.equal(status, 400, url);
    t.match($('main').text(), text, url);
    t.notMatch($('main').text(), /unknown|must be|given more than once/, `${url}: no English developer text`);
  }
  const api = await app.inject({ url: '/api/items?partner=nobody' });
  t.match(api.json(), { error: { code: 'bad_request', message: 'unknown partner "nobody"' } }, 'the API keeps its message');
});

t.test('/ redirects by Accept-Language, else to the first configured language', async (t) => {
  t.equal((await app.inject({ url: '/', headers: { 'accept-language': 'fr-MA,fr;q=0.9,en;q=0.5' } })).headers.location, '/fr/');
  t.equal((await app.inject({ url: '/', headers: { 'accept-language': 'en-GB,en;q=0.9' } })).headers.location, '/en/');
  t.equal((await app.inject({ url: '/', headers: { 'accept-language': 'de' } })).headers.location, '/ar/');
  t.equal((await app.inject({ url: '/' })).headers.location, '/ar/');
  t.equal((await app.inject({ url: '/fr' })).headers.location, '/fr/');
});

t.test('home: latest per section, the channels, the indicators', async (t) => {
  const { $ } = await get('/fr/');
  t.equal($('.home-section').length, 5);
  t.match($('.report-box').text(), /Plateforme de signalement/);
  t.equal($('.report-box a[href="/go/tabligh-fassad"]').length, 1, 'outbound links go through /go');
  t.equal($('.report-box a[href^="tel:+212537718888"]').length, 1, 'a phone line is a tel: link');
  t.match($('.figures').text(), /2\s*\/\s*3/, 'contributing organisations: 2 of 3');
});

t.test('section filters with counts, and pagination', async (t) => {
  const { $ } = await get('/fr/publications');
  t.equal($('.item-card').length, 4);
  const options = $('#filter-doc_type option').map((_, e) => $(e).text()).get();
  t.same(options, ['Tous', 'Rapport (2)', 'Texte juridique (1)', 'Étude (1)']);
  const filtered = await get('/fr/publications?doc_type=report&language=fr');
  t.equal(filtered.$('.item-card').length, 1);
  t.equal(filtered.$('#filter-doc_type option[selected]').attr('value'), 'report');
  const byYear = await get('/fr/publications?year=2015');
  t.equal(byYear.$('.item-card').length, 1);
  const empty = await get('/fr/publications?partner=gamma');
  t.equal(empty.status, 200);
  t.match(empty.$('.empty-state').text(), /Aucun document ne correspond/);
  const emptySection = await get('/en/media?language=ar');
  t.match(emptySection.$('.empty-state').text(), /No document matches/);
  for (const bad of ['/fr/news?year=abc', '/fr/news?doc_type=nope', '/fr/news?partner=nobody', '/fr/news?page=0', '/fr/news?page=abc', '/fr/news?language=xx']) {
    const response = await get(bad);
    t.equal(response.status, 400, bad);
    t.match(response.$('h1').text(), /Demande invalide/);
  }
  // Pagination: 45 more news items.
  const extra: SeedItem[] = Array.from({ length: 45 }, (_, i) => ({
    partner: 'alpha',
    source: 'news',
    title: `Actualité numéro ${i}`,
    section: 'news' as const,
    docType: 'news' as const,
    language: 'fr' as const,
    publishedAt: `2022-01-${String((i % 28) + 1).padStart(2, '0')}`,
    url: `https://alpha.example/paged/${i}`,
  }));
  const paged = await makeApp({ items: [...SEED_ITEMS, ...extra] });
  const first = load((await paged.app.inject({ url: '/ar/news', headers: BROWSER })).body);
  t.equal(first('.item-card').length, 20);
  t.equal(first('.pagination a[rel=next]').attr('href'), '/ar/news?page=2');
  t.equal(first('.pagination a[rel=prev]').length, 0);
  const third = load((await paged.app.inject({ url: '/ar/news?page=3', headers: BROWSER })).body);
  t.equal(third('.item-card').length, 48 - 40);
  t.equal(third('.pagination a[aria-current=page]').text(), '3');
  await paged.close();
});

t.test('services: the online library by partner, type and year, and trainings', async (t) => {
  const { $ } = await get('/fr/services');
  t.match($('.browse').text(), /Ministère Beta/);
  t.ok($('.browse a[href="/fr/search?partner=alpha"]').length === 1);
  t.ok($('.browse a[href="/fr/search?year=2024"]').length === 1);
  t.match($('.listing-results').text(), /Formation à distance/);
  const browse = await get('/fr/search?partner=alpha');
  t.equal(browse.status, 200);
  t.equal(browse.$('.item-card').length, 7, 'browsing without words lists a partner\'s catalogue');
});

const SEARCHES: Array<[string, string, string[]]> = [
  // Arabic normalisation: tashkeel, ta marbuta, alef forms, article, stemming
  ['ar', 'الرشوة', ['ندوة حول الرَّشْوَة في الإدارة العمومية', 'التقرير السنوي للهيئة الوطنية للنزاهة 2023']],
  ['ar', 'رشوه', ['ندوة حول الرَّشْوَة في الإدارة العمومية', 'التقرير السنوي للهيئة الوطنية للنزاهة 2023']],
  ['ar', 'انشطة', ['أنشطة الهيئة خلال شهر ماي']],
  ['ar', 'القانون ٣١-١٣', ['القانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات']],
  ['ar', 'تخليق الحياة العامة', ['التقرير السنوي للهيئة الوطنية للنزاهة 2023']],
  // French: case, accents, plurals, elision
  ['fr', 'EVALUATION', ["L'évaluation des politiques publiques d'intégrité", 'Rapport annuel sur la transparence des marchés publics']],
  ['fr', 'marché public', ['Rapport annuel sur la transparence des marchés publics']],
  ['fr', '"politiques publiques"', ["L'évaluation des politiques publiques d'intégrité"]],
  ['fr', 'transparence', ['Rapport annuel sur la transparence des marchés publics', 'Communiqué : la transparence au cœur de la réforme']],
  ['en', 'corruption index', ['Corruption Perceptions Index 2024: Morocco']],
  ['fr', 'probité', ['Vidéo : la probité expliquée']],
];

t.test('search relevance in Arabic and French', async (t) => {
  for (const [lang, q, expected] of SEARCHES) {
    const { status, $ } = await get(`/${lang}/search?q=${encodeURIComponent(q)}`);
    t.equal(status, 200, q);
    const titles = $('.item-card .item-title').map((_, e) => $(e).text()).get();
    t.same(titles.slice(0, expected.length).sort(), [...expected].sort(), `${q} → ${titles.join(' | ')}`);
  }
  // A title match ranks above a match in the text only.
  const ranked = await get('/fr/search?q=evaluation');
  t.equal(ranked.$('.item-card .item-title').first().text(), "L'évaluation des politiques publiques d'intégrité");
  // Snippets from the original text, highlighted.
  const snippet = await get(`/ar/search?q=${encodeURIComponent('الصفقات')}`);
  t.match(snippet.$('.snippet').first().html() ?? '', /<mark>الصفقات<\/mark>/);
  t.match(snippet.$('.item-title').first().html() ?? '', /التقرير/);
});

t.test('search edge cases answer sensibly, never with an error page', async (t) => {
  const cases = ['le la des', '!!! ؟؟ ...', '"', '" "', 'a'.repeat(5000), 'NEAR(a b)', 'title:x OR', 'rapport AND NOT', '*', '(', 'ⵜⴰⵏⵣⴰⵀⴰ', '\u0000\u0001', 'مكافحة الفساد والرشوة في المغرب وفي العالم العربي وفي كل مكان آخر ممكن تخيله اليوم وغدا'];
  for (const q of cases) {
    const { status, $ } = await get(`/fr/search?q=${encodeURIComponent(q)}`);
    t.equal(status, 200, JSON.stringify(q.slice(0, 40)));
    t.ok($('h1').text().length > 0);
  }
  t.match((await get('/fr/search?q=le+la+des')).$('.notice').text(), /mots trop courants/);
  t.match((await get(`/fr/search?q=${'rapport '.repeat(100)}`)).$('.notice').text(), /raccourcie/);
  t.equal((await get('/fr/search?q=ⵜⴰⵏⵣⴰⵀⴰ')).$('.item-card').length, 1, 'Tifinagh is searchable');
  // When no document has every word, documents with any of them are shown, and said so.
  const any = await get('/fr/search?q=transparence+zzzunknown');
  t.ok(any.$('.item-card').length > 0);
  t.match(any.$('.notice').text(), /au moins un/);
});

t.test('partners, claims, directory, indicators', async (t) => {
  const partners = await get('/fr/partners');
  t.equal(partners.$('.partner-card').length, 3);
  t.match(partners.$('.partner-card').first().text(), /Instance Alpha|Association Gamma|Ministère Beta/);
  t.match(partners.$.text(), /À jour|En retard/);
  const alpha = await get('/en/partners/alpha');
  t.match(alpha.$('.item-facts').text(), /Constitutional body/);
  t.match(alpha.$('.item-facts').text(), /30 days/);
  t.equal(alpha.$('.item-card').length, 7);
  const claims = await get('/ar/claims');
  t.match(claims.$('.notice-important').text(), /لا تتلقى هذه البوابة الشكايات/);
  t.match(claims.$('.guide summary').text(), /طلبت مني رشوة/);
  t.equal(claims.$('.channel a[href="tel:+212537718888"]').length, 1);
  t.equal(claims.$('.channel .phone[dir=ltr]').text(), '+212 5 37 71 88 88', 'the number keeps its order in Arabic');
  const directory = await get('/fr/directory');
  t.equal(directory.$('.platform a[href="/go/chafafiya"]').length, 1);
  const indicators = await get('/fr/indicators');
  t.match(indicators.$('.figures').text(), /2\s*\/\s*3/);
  t.equal(indicators.$('svg.chart[role=img] title').length >= 1, true, 'the chart has a title');
  t.equal(indicators.$('table.data-table tbody tr').length, 12, 'and a table of the same figures');
  t.equal(indicators.$('table.data-table thead th').first().text(), 'Mois', 'headed "month", above months');
  t.equal((await get('/ar/indicators')).$('table.data-table thead th').first().text(), 'الشهر');
  t.equal(indicators.$('svg.chart text.label').length, 12, 'every month labelled');
});

t.test('/go/{id}: 302 to the target, counted per day; unknown ids 404', async (t) => {
  const before = store.stats.clicks().find((c) => c.target_id === 'chafafiya')?.count ?? 0;
  const response = await app.inject({ url: '/go/chafafiya', headers: BROWSER });
  t.equal(response.statusCode, 302);
  t.equal(response.headers.location, 'https://chafafiya.example/');
  const phone = await app.inject({ url: '/go/hotline', headers: BROWSER });
  t.equal(phone.headers.location, 'tel:+212537718888');
  await app.inject({ url: '/go/chafafiya', headers: { 'user-agent': 'Googlebot/2.1' } });
  app.counters.flush();
  t.equal(store.stats.clicks().find((c) => c.target_id === 'chafafiya')!.count, before + 1, 'one click counted, the robot not');
  t.equal((await app.inject({ url: '/go/..%2f..%2fetc' })).statusCode, 404);
  t.equal((await app.inject({ url: '/go/chafafiya%0d%0aSet-Cookie:x' })).statusCode, 404);
});

t.test('visits: page views counted per day, group and language, without robots, API or errors', async (t) => {
  const count = () => store.stats.visitsByDay(5).reduce((n, d) => n + d.count, 0);
  app.counters.flush();
  const before = count();
  await get('/fr/news');
  await get('/ar/news');
  await get('/ar/search?q=x');
  await get('/fr/news', { 'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0)' });
  await get('/fr/news', { 'user-agent': 'curl/8.5.0' });
  await get('/api/items');
  await get('/fr/nowhere');
  app.counters.flush();
  t.equal(count(), before + 3);
  const month = store.stats.visitsByMonth(new Date(), 1)[0]!;
  t.ok(month.count >= 3);
});

t.test('Atom feed, sitemap and robots.txt', async (t) => {
  const atom = await app.inject({ url: '/fr/feed.atom?section=publications' });
  t.equal(atom.statusCode, 200);
  t.match(atom.headers['content-type'], /application\/atom\+xml/);
  const $ = load(atom.body, { xml: true });
  t.equal($('feed > entry').length, 4);
  t.equal($('feed').attr('xml:lang'), 'fr');
  t.ok($('entry link[rel=related]').first().attr('href')?.startsWith('https://alpha.example/'));
  t.equal((await app.inject({ url: '/fr/feed.atom?partner=beta' })).statusCode, 200);
  t.equal((await app.inject({ url: '/fr/feed.atom?section=nope' })).statusCode, 400);
  const sitemap = await app.inject({ url: '/sitemap.xml' });
  t.match(sitemap.body, /<loc>https:\/\/portal\.example\/ar\/items\/[0-9a-f]{16}<\/loc>/);
  t.match((await app.inject({ url: '/robots.txt' })).body, /Disallow: \/admin/);
  t.same(JSON.parse((await app.inject({ url: '/healthz' })).body), { status: 'ok' });
});

t.test('harvested text is escaped, summaries sanitised, titles isolated for bidi', async (t) => {
  const hostile: SeedItem[] = [
    {
      partner: 'alpha',
      source: 'news',
      title: '<script>alert(1)</script><img src=x onerror=alert(2)> قانون 31-13 "quoted"',
      section: 'news',
      docType: 'news',
      language: 'ar',
      publishedAt: '2025-01-01',
      summary: '<p>ok</p>',
      url: 'https://alpha.example/hostile',
    },
  ];
  const hostileApp = await makeApp({ items: hostile });
  for (const url of ['/fr/news', '/ar/', '/fr/search?q=31-13']) {
    const $ = load((await hostileApp.app.inject({ url })).body);
    t.equal($('script').length, 0, `${url}: no script element`);
    t.equal($('[onerror]').length, 0, `${url}: no event handler`);
    t.match($('.item-title a').first().text(), /<script>alert\(1\)<\/script>/, 'shown as text');
    t.equal($('.item-title a').first().attr('dir'), 'rtl');
  }
  await hostileApp.close();
});

t.test('paging past the end answers 404 with the count and a link to the last page (issue 14)', async (t) => {
  const extra: SeedItem[] = Array.from({ length: 25 }, (_, i) => ({
    partner: 'alpha',
    source: 'reports',
    title: `Rapport thématique numéro ${i}`,
    section: 'publications' as const,
    docType: 'report' as const,
    language: 'fr' as const,
    publishedAt: `2021-02-${String((i % 28) + 1).padStart(2, '0')}`,
    url: `https://alpha.example/thematique/${i}`,
  }));
  const paged = await makeApp({ items: [...SEED_ITEMS, ...extra] });
  t.teardown(() => paged.close());
  const page = async (url: string) => {
    const response = await paged.app.inject({ url, headers: BROWSER });
    return { status: response.statusCode, $: load(response.body) };
  };
  const total = (await page('/fr/publications')).$('.result-count').text();
  t.match(total, /29 documents/);
  const past = await page('/fr/publications?page=999');
  t.equal(past.status, 404);
  t.equal(past.$('h1').text(), "Cette page n'existe pas");
  t.match(past.$('main').text(), /29 documents, sur 2 pages/);
  t.notMatch(past.$('main').text(), /n'ont encore rien publié/, 'not "nothing published here"');
  t.equal(past.$('main a.button').first().attr('href'), '/fr/publications?page=2');
  t.equal(past.$('main a.button').first().text(), 'Aller à la dernière page (2)');
  t.equal((await page('/fr/publications?page=2')).status, 200, 'the last page itself is there');
  const filtered = await page('/ar/publications?doc_type=report&page=9');
  t.equal(filtered.status, 404);
  t.equal(filtered.$('main a.button').first().attr('href'), '/ar/publications?doc_type=report&page=2', 'the filters are kept');
  t.match(filtered.$('main').text(), /الصفحة 2/);
  const search = await page('/fr/search?q=rapport&page=50');
  t.equal(search.status, 404);
  t.match(search.$('main a.button').first().attr('href') ?? '', /^\/fr\/search\?q=rapport&page=2$/);
  t.equal((await page('/fr/search?partner=alpha&page=40')).status, 404, 'browsing the catalogue too');
  const partner = await page('/en/partners/beta?page=3');
  t.equal(partner.status, 404);
  t.equal(partner.$('main a.button').first().attr('href'), '/en/partners/beta', 'one page: a link to the first');
  t.equal((await page('/fr/media?language=ar&page=2')).$('main').text().includes('aucun document'), true, 'an empty list says so');
});

t.test('labels in words: operators by name, no label repeated in its value, admin headings (issue 14)', async (t) => {
  const config = {
    ...SEED_CONFIG,
    directory: {
      ...SEED_CONFIG.directory,
      operators: { sgg: { fr: 'Secrétariat général du gouvernement', ar: 'الأمانة العامة للحكومة', en: 'General Secretariat of the Government' } },
      platforms: [
        ...(SEED_CONFIG.directory!.platforms as object[]),
        { id: 'bulletin', name: { fr: 'Bulletin officiel', ar: 'الجريدة الرسمية' }, description: { fr: 'Les textes publiés', ar: 'النصوص المنشورة' }, url: 'https://bulletin.example', operator: 'sgg' },
        { id: 'other', name: { fr: 'Autre plateforme' }, description: { fr: 'Autre' }, url: 'https://other.example', operator: 'Agence nationale des ports' },
      ],
    },
  };
  const named = await makeApp({ config });
  t.teardown(() => named.close());
  const directory = load((await named.app.inject({ url: '/fr/directory', headers: BROWSER })).body);
  const operators = directory('.platform .muted').map((_, e) => directory(e).text()).get();
  t.same(operators, ['Géré par : Association Gamma', 'Géré par : Secrétariat général du gouvernement', 'Géré par : Agence nationale des ports']);
  const arabic = load((await named.app.inject({ url: '/ar/directory', headers: BROWSER })).body);
  t.match(arabic('.platform').eq(1).text(), /الأمانة العامة للحكومة/);
  t.notMatch(arabic('.platform').text(), /\bsgg\b/, 'no raw id');
  // A label is never repeated at the start of its value ("Engagement | Engagement : …").
  for (const url of ['/fr/partners/alpha', '/ar/partners/alpha', '/en/partners/alpha', `/fr/items/${store.items.list({}, 1, 1).items[0]!.id}`]) {
    const { $ } = await get(url);
    for (const row of $('dl div').toArray()) {
      const label = $(row).find('dt').text().trim();
      const value = $(row).find('dd').first().text().trim();
      t.notOk(value.toLowerCase().startsWith(label.toLowerCase()), `${url}: "${label}" is not repeated in "${value}"`);
    }
  }
  t.match((await get('/fr/partners/alpha')).$('.item-facts').text(), /EngagementNouveau contenu au moins tous les 30 jours/);
});

t.test('an item page says when and where in words; ids and fingerprints wait behind "technical details" (issue 14)', async (t) => {
  const report: SeedItem = { partner: 'alpha', source: 'reports', title: 'Rapport sur la commande publique', section: 'publications', docType: 'report', language: 'fr', publishedAt: '2024-06-30', summary: '<p>Première version.</p>', url: 'https://alpha.example/r/commande' };
  const changed = await makeApp({ items: [report] });
  t.teardown(() => changed.close());
  seed(changed.store, [{ ...report, title: 'Rapport sur la commande publique (version révisée)', summary: '<p>Version corrigée.</p>' }]);
  const id = changed.store.items.list({}, 1, 1).items[0]!.id;
  const page = async (lang: string) => load((await changed.app.inject({ url: `/${lang}/items/${id}`, headers: BROWSER })).body);
  const $ = await page('fr');
  const said = $('.provenance > p').map((_, e) => $(e).text()).get();
  t.equal(said[0], "Publié le 30 juin 2024 sur le site de l'institution, alpha.example.");
  t.match(said[1], /^Collecté par le portail le \d{1,2} \S+ \d{4} à \d{2}:\d{2}, depuis une page du site de l'institution qui liste ses documents\.$/);
  const history = $('.versions li').map((_, e) => $(e).text()).get();
  t.equal(history.length, 2);
  t.match(history[0], /· L'institution a modifié le titre et le résumé$/);
  t.match(history[1], /· Première collecte$/);
  // What a citizen sees without opening the disclosure: no hash, no source id, no harvested address.
  const visible = $('main').clone();
  visible.find('details.technical').remove();
  t.notMatch(visible.text(), /[0-9a-f]{64}/, 'no fingerprint in view');
  t.notMatch(visible.text(), /alpha\/reports|\(html\)|https:\/\/alpha\.example\/publications/, 'no raw id or collected address in view');
  const technical = $('details.technical');
  t.equal(technical.length, 1);
  t.equal(technical.attr('open'), undefined, 'closed until asked for');
  t.equal(technical.find('summary').text(), 'Détails techniques');
  t.match(technical.text(), /alpha\/reports \(html\)/);
  t.equal(technical.find('.version-hashes code').length, 2, 'every version keeps its fingerprint there');
  const arabic = await page('ar');
  t.equal(arabic('.provenance > p').first().text(), 'نشر بتاريخ 30 يونيو 2024 على موقع المؤسسة alpha.example.');
  t.match(arabic('.versions li').first().text(), /غيرت المؤسسة العنوان والملخص$/);
  t.equal(arabic('details.technical summary').text(), 'تفاصيل تقنية');
});
