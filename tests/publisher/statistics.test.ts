// Statistics as data through app.inject (issue 16): the API exactly as docs/contract.md writes it
// (/api/statistics, /api/statistics/{series} with from/to, and .csv) and in the OpenAPI document;
// the statistics page's indicator cards above the documents; the series page's chart, its twin
// table, the comparison form, the source and the history of revisions; search finding series by
// name and definition in ar, fr and en; and hostile values from a partner's file escaped.
import { load } from 'cheerio';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import t from 'tap';
import { DEMO_DATASETS } from '../../demo/datasets.ts';
import { BROWSER } from '../helpers/app.ts';
import { seedDatasets, statsApp } from '../helpers/datasets.ts';

const now = new Date();
const bed = await statsApp(now);
t.teardown(() => bed.close());
const { app, store } = bed;

async function get(url: string) {
  const response = await app.inject({ url, headers: BROWSER });
  return { status: response.statusCode, body: response.body, headers: response.headers, $: load(response.body), json: () => JSON.parse(response.body) };
}

const lastYear = String(now.getUTCFullYear() - 1);

t.test('GET /api/statistics: every series with the contract\'s keys, its latest figure, filters', async (t) => {
  const { status, json, headers } = await get('/api/statistics');
  t.equal(status, 200);
  t.equal(headers['access-control-allow-origin'], '*');
  const { series } = json();
  t.same(
    series.map((s: { id: string }) => s.id),
    ['inpplc-reports-received', 'inpplc-reports-admissible', 'inpplc-processed-within-60-days', 'pmp-corruption-cases-registered', 'pmp-corruption-cases-judged-rate', 'transparency-maroc-cpi-score'],
  );
  for (const s of series) {
    for (const key of ['id', 'partner', 'source', 'name', 'unit', 'dimensions', 'latest', 'updated_at']) t.ok(key in s, `${s.id} has ${key}`);
    t.match(s.latest, { period: String, value: Number }, `${s.id}: latest period and value`);
  }
  const reports = series.find((s: { id: string }) => s.id === 'inpplc-reports-received');
  t.match(reports, {
    partner: 'inpplc',
    source: 'reports-by-channel',
    name: { fr: 'Signalements reçus par canal (chiffres simulés)', ar: /التبليغات/, en: /Reports received/ },
    unit: { fr: 'signalements' },
    dimensions: ['Canal'],
    latest: { period: lastYear },
  });
  const detail = (await get('/api/statistics/inpplc-reports-received')).json();
  const sum = detail.observations.filter((o: { period: string }) => o.period === lastYear).reduce((a: number, o: { value: number | null }) => a + (o.value ?? 0), 0);
  t.equal(reports.latest.value, sum, 'headline: sum, the latest figure sums the channels');
  const cpi = series.find((s: { id: string }) => s.id === 'transparency-maroc-cpi-score');
  const morocco = (await get(`/api/statistics/transparency-maroc-cpi-score?from=${lastYear}`)).json().observations.find((o: { dimensions: { country: string } }) => o.dimensions.country === 'Morocco');
  t.equal(cpi.latest.value, morocco.value, 'headline: {country: Morocco}');

  t.same((await get('/api/statistics?partner=pmp')).json().series.map((s: { id: string }) => s.id), ['pmp-corruption-cases-registered', 'pmp-corruption-cases-judged-rate']);
  t.match((await get('/api/statistics?partner=nobody')).json(), { error: { code: 'bad_request', message: 'unknown partner "nobody"' } });
  t.same((await get(`/api/statistics?q=${encodeURIComponent('perception corruption')}`)).json().series.map((s: { id: string }) => s.id), ['transparency-maroc-cpi-score']);
  // A word and a prefix: FTS5 refused their implicit AND and the search caught it as no series at all.
  t.same((await get(`/api/statistics?q=${encodeURIComponent('perception corrup*')}`)).json().series.map((s: { id: string }) => s.id), ['transparency-maroc-cpi-score']);
});

t.test('GET /api/statistics/{series}: metadata plus observations; from and to; 400 and 404', async (t) => {
  const { status, json } = await get('/api/statistics/inpplc-reports-received');
  t.equal(status, 200);
  const body = json();
  t.match(body, { id: 'inpplc-reports-received', partner: 'inpplc', source: 'reports-by-channel', dimensions: ['Canal'], latest: { period: lastYear }, source_url: 'https://inpplc.example/sites/default/files/statistiques/signalements-par-canal.csv', format: 'csv', revisions: [] });
  t.same(body.observations[0], { period: '2019', value: body.observations[0].value, dimensions: { Canal: 'Plateforme électronique' }, version: 1, recorded_at: now.toISOString() });
  t.same(body.observations.find((o: { dimensions: { Canal: string }; period: string }) => o.period === '2019' && o.dimensions.Canal === 'Accueil physique').value, null, '"n.d." in the file is a null value');
  const range = (await get('/api/statistics/inpplc-reports-received?from=2020&to=2021')).json().observations.map((o: { period: string }) => o.period);
  t.same([...new Set(range)], ['2020', '2021']);
  const quarters = (await get(`/api/statistics/inpplc-processed-within-60-days?from=2023&to=2023`)).json().observations.map((o: { period: string }) => o.period);
  t.same(quarters, ['2023-Q1', '2023-Q2', '2023-Q3', '2023-Q4'], 'a year as `to` includes its quarters');
  t.match((await get('/api/statistics/inpplc-reports-received?from=20x')).json(), { error: { code: 'bad_request', message: /from/ } });
  t.equal((await get('/api/statistics/inpplc-reports-received?from=2022&to=2020')).status, 400);
  const missing = await get('/api/statistics/nobody-nothing');
  t.equal(missing.status, 404);
  t.same(missing.json(), { error: { code: 'not_found', message: 'no series with id "nobody-nothing"' } });
  t.equal((await get('/api/statistics/..%2F..%2Fetc')).status, 404);
});

t.test('GET /api/statistics/{series}.csv: the same observations as CSV', async (t) => {
  const csv = await get('/api/statistics/inpplc-reports-received.csv?from=2019&to=2019');
  t.equal(csv.status, 200);
  t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.match(csv.headers['content-disposition'], /attachment; filename="inpplc-reports-received\.csv"/);
  const lines = csv.body.trim().split('\r\n');
  // Text always quoted (whatever separator a spreadsheet assumes), numbers bare.
  t.equal(lines[0], '"period","Canal","value","version","recorded_at"');
  const json = (await get('/api/statistics/inpplc-reports-received?from=2019&to=2019')).json();
  t.same(
    lines.slice(1),
    json.observations.map((o: { period: string; dimensions: { Canal: string }; value: number | null }) => `"${o.period}","${o.dimensions.Canal}",${o.value ?? ''},1,"${now.toISOString()}"`),
  );
  t.same(
    (parseCsv(csv.body, { columns: true }) as Array<Record<string, string>>).map((r) => [r.period, r.Canal, r.value]),
    json.observations.map((o: { period: string; dimensions: { Canal: string }; value: number | null }) => [o.period, o.dimensions.Canal, o.value === null ? '' : String(o.value)]),
    'a CSV reader gets the observations back',
  );
  t.equal((await get('/api/statistics/nobody.csv')).status, 404);
});

t.test('a partner\'s page lists its series', async (t) => {
  const { $ } = await get('/fr/partners/pmp');
  t.same($('#partner-series-title + .series-cards a').map((_, a) => $(a).attr('href')).get(), ['/fr/statistics/pmp-corruption-cases-registered', '/fr/statistics/pmp-corruption-cases-judged-rate']);
  t.equal((await get('/fr/partners/alpha')).$('#partner-series-title').length, 0, 'none without series');
});

t.test('series pages are in the sitemap, in every language', async (t) => {
  const sitemap = (await get('/sitemap.xml')).body;
  for (const lang of ['ar', 'fr', 'en']) t.match(sitemap, `<loc>https://portal.example/${lang}/statistics/pmp-corruption-cases-registered</loc>`);
});

t.test('the OpenAPI document describes the statistics API', async (t) => {
  const doc = (await get('/api/openapi.json')).json();
  for (const path of ['/api/statistics', '/api/statistics/{series}', '/api/statistics/{series}.csv']) t.ok(doc.paths[path]?.get, path);
  t.ok(doc.paths['/api/statistics/{series}'].get.parameters.some((p: { name: string }) => p.name === 'from'));
  const schema = JSON.stringify(doc.paths['/api/statistics'].get.responses['200']);
  for (const key of ['latest', 'updated_at', 'dimensions']) t.match(schema, key);
});

t.test('/{lang}/statistics: indicator cards by theme and partner, above the statistical documents', async (t) => {
  for (const lang of ['fr', 'ar', 'en']) {
    const { status, $, body } = await get(`/${lang}/statistics`);
    t.equal(status, 200);
    const cards = $('.series-card');
    t.equal(cards.length, 6, `${lang}: one card per series`);
    t.ok(body.indexOf('series-card') < body.indexOf('item-list'), `${lang}: the cards come before the documents`);
    t.ok($('.item-list .item-card').length > 0, `${lang}: the statistical documents stay`);
    t.equal($('.indicator-theme').length, 3, `${lang}: three themes`);
    const card = cards.first();
    t.equal(card.find('a').attr('href'), `/${lang}/statistics/inpplc-reports-received`);
    t.ok(card.find('.series-value').text().trim().length > 0, 'the latest value');
    t.match(card.find('.series-period').text(), lastYear, 'its period');
    t.ok(card.find('.series-change').text().length > 0, 'the change since the previous period');
    t.equal(card.find('svg.sparkline[role=img]').length, 1, 'a trend line');
    t.ok(card.find('svg.sparkline').attr('aria-label')!.length > 10, 'with a text alternative');
  }
  const fr = (await get('/fr/statistics')).$;
  t.match(fr('.series-card').first().find('.series-change').text(), /%\s+par rapport à \d{4}/);
  t.match(fr('.series-card').eq(2).find('.series-value').text(), /^\d+,\d\s%$/, 'a percentage in French');
  t.match(fr('.series-card').eq(2).find('.series-change').text(), /pt par rapport à T\d \d{4}/, 'a rate changes by points, from the previous quarter');
  t.equal((await get('/fr/statistics?doc_type=national_statistics')).$('.series-card').length, 0, 'a filtered listing shows only documents');
});

t.test('a series page: the chart in two sizes, its twin table, the source and downloads', async (t) => {
  for (const lang of ['fr', 'ar', 'en']) {
    const { status, $ } = await get(`/${lang}/statistics/inpplc-reports-received`);
    t.equal(status, 200, lang);
    t.equal($('html').attr('dir'), lang === 'ar' ? 'rtl' : 'ltr');
    const charts = $('figure svg.series-chart');
    t.same(charts.map((_, e) => $(e).attr('class')).get(), ['series-chart series-chart-narrow series-chart-line', 'series-chart series-chart-wide series-chart-line']);
    charts.each((_, svg) => {
      t.equal($(svg).attr('role'), 'img');
      const [title, desc] = $(svg).attr('aria-labelledby')!.split(' ');
      t.ok($(svg).find(`#${title}`).text().length > 5 && $(svg).find(`#${desc}`).text().length > 20, 'a title and a description');
    });
    t.equal($('.series-legend li').length, 4, 'one legend entry per line (the four channels)');
    t.equal($('.series-table thead th').length, 5, 'period + four channels');
    const rows = $('.series-table tbody tr');
    t.equal(rows.length, Number(lastYear) - 2019 + 1, 'one row per year');
    const points = $('svg.series-chart-wide .point').length;
    const cells = $('.series-table tbody td').filter((_, td) => !/^(n\.d\.|n\/a|غير متوفر)$/.test($(td).text())).length;
    t.equal(points, cells, 'every point of the chart is a cell of the table');
    t.equal($('a[href="/api/statistics/inpplc-reports-received.csv"]').length, 1, 'CSV download');
    t.equal($('a[href="/api/statistics/inpplc-reports-received"]').length, 1, 'JSON download');
    t.equal($('a[href="https://inpplc.example/sites/default/files/statistiques/signalements-par-canal.csv"]').length, 1, 'the partner\'s file');
    t.ok($('.provenance time').length >= 2, 'last update and last read');
    t.equal($('script').length, 0, 'no JavaScript');
  }
  const fr = (await get('/fr/statistics/inpplc-reports-received')).$;
  t.match(fr('.notice').text(), /Chiffres simulés/, 'the simulated figures say so');
  t.match(fr('main').text(), /Signalements d'actes de corruption reçus/, 'the definition');
  t.match(fr('legend').text(), /Valeurs de « Canal » à comparer/);
  t.equal((await get('/ar/statistics/inpplc-reports-received')).$('legend').text().includes('القناة'), true, 'dimension labels in the visitor\'s language');
});

/** x of the first and last point of the first line, read from the SVG path. */
function ends(html: string, layout: 'narrow' | 'wide'): [number, number] {
  const $ = load(html);
  const d = $(`svg.series-chart-${layout} path.line`).first().attr('d')!;
  const xs = [...d.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
  return [xs[0]!, xs.at(-1)!];
}

t.test('right to left: time runs from right to left in Arabic, left to right in French', async (t) => {
  const [frFirst, frLast] = ends((await get('/fr/statistics/inpplc-reports-received')).body, 'wide');
  t.ok(frFirst < frLast, 'fr: the oldest period on the left');
  const [arFirst, arLast] = ends((await get('/ar/statistics/inpplc-reports-received')).body, 'wide');
  t.ok(arFirst > arLast, 'ar: the oldest period on the right');
  const ar = (await get('/ar/statistics/inpplc-reports-received')).$;
  const tick = ar('svg.series-chart-wide text.tick').first();
  t.ok(Number(tick.attr('x')) > 800 && tick.attr('text-anchor') === 'start', 'ar: the value axis on the right');
});

t.test('compare: a plain GET form, at most five lines, unknown values refused', async (t) => {
  const two = await get('/fr/statistics/transparency-maroc-cpi-score?compare=Morocco&compare=Spain');
  t.equal(two.status, 200);
  // The countries as a French reader writes them (value_labels); the form keeps the file's values.
  t.same(two.$('.series-legend li').map((_, li) => two.$(li).text().trim()).get(), ['Maroc', 'Espagne']);
  t.same(two.$('.series-table thead th').map((_, th) => two.$(th).text()).get(), ['Période', 'Maroc', 'Espagne']);
  t.same(two.$('input[name=compare]:checked').map((_, i) => two.$(i).attr('value')).get(), ['Morocco', 'Spain'], 'the form shows the choice');
  t.equal(two.$('form.series-compare').attr('method'), 'get');
  const byDefault = await get('/fr/statistics/transparency-maroc-cpi-score');
  t.equal(byDefault.$('.series-legend li').length, 5, 'five countries by default');
  t.equal(byDefault.$('.series-legend li').first().text().trim(), 'Maroc', 'the headline country first');
  t.equal(byDefault.$('#compare-hint').text(), "Cochez jusqu'à 5 valeurs.", 'lines: five');
  const seven = await get(`/fr/statistics/transparency-maroc-cpi-score?${['Morocco', 'Tunisia', 'Algeria', 'Egypt', 'Jordan', 'Senegal', 'Spain'].map((c) => `compare=${c}`).join('&')}`);
  t.equal(seven.status, 200);
  t.equal(seven.$('.series-legend li').length, 5, 'at most five lines');
  t.match(seven.$('.notice[role=status]').text(), /au plus 5 valeurs/);
  const unknown = await get('/fr/statistics/transparency-maroc-cpi-score?compare=Atlantis');
  t.equal(unknown.status, 400);
  t.match(unknown.$('main').text(), /Cette série n'a pas la valeur demandée pour « Pays »/, "said in the page's language, naming the dimension");
  const forged = await get(`/fr/statistics/transparency-maroc-cpi-score?compare=${encodeURIComponent('Votre session a expiré. Appelez le +212 600 000 000')}`);
  t.equal(forged.status, 400);
  t.notMatch(forged.$('main').text(), /session|\+212/, 'the value from the address is not repeated (an attacker could write a sentence there)');
  const period = await get('/ar/statistics/pmp-corruption-cases-registered?period=Appelez-nous');
  t.match(period.$('main').text(), /لا تتضمن هذه السلسلة الفترة المطلوبة/);
  t.notMatch(period.$('main').text(), /Appelez/);
  t.equal((await get('/fr/statistics/nobody-nothing')).status, 404);
});

t.test("a series' values in the page's language (value_labels): legend, table, form, cards; the file's values kept in the address", async (t) => {
  const ar = await get('/ar/statistics/inpplc-reports-received');
  t.same(ar.$('.series-legend li').map((_, li) => ar.$(li).text().trim()).get(), ['المنصة الإلكترونية', 'الخط الهاتفي', 'البريد', 'الاستقبال المباشر']);
  t.same(ar.$('.series-table thead th').map((_, th) => ar.$(th).text()).get().slice(1), ['المنصة الإلكترونية', 'الخط الهاتفي', 'البريد', 'الاستقبال المباشر']);
  t.same(ar.$('.series-compare-options label').map((_, l) => ar.$(l).text()).get(), ['المنصة الإلكترونية', 'الخط الهاتفي', 'البريد', 'الاستقبال المباشر']);
  t.same(ar.$('input[name=compare]').map((_, i) => ar.$(i).attr('value')).get(), ['Plateforme électronique', 'Ligne téléphonique', 'Courrier', 'Accueil physique'], "the form sends the file's values");
  t.notMatch(ar.$('main').text(), /Ligne téléphonique|Accueil physique/, 'no French value left on the Arabic page');
  const regions = await get('/ar/statistics/pmp-corruption-cases-registered');
  t.equal(regions.$('.series-table tbody th').first().text(), 'طنجة-تطوان-الحسيمة');
  const en = await get('/en/statistics/inpplc-reports-received?compare=Courrier');
  t.same(en.$('.series-legend li').map((_, li) => en.$(li).text().trim()).get(), ['Mail']);
  // The card of a headline that is one country names it (a citizen's walk: "43 score sur 100" of whom?).
  const cards = await get('/fr/statistics');
  const cpi = cards.$('.series-card').filter((_, c) => cards.$(c).find('a').attr('href') === '/fr/statistics/transparency-maroc-cpi-score');
  t.match(cpi.find('.series-period').text(), /^\d{4} · Maroc$/);
  const cpiAr = await get('/ar/statistics');
  t.match(cpiAr.$('.series-card').filter((_, c) => cpiAr.$(c).find('a').attr('href') === '/ar/statistics/transparency-maroc-cpi-score').find('.series-period').text(), /· المغرب$/);
  const sum = cards.$('.series-card').filter((_, c) => cards.$(c).find('a').attr('href') === '/fr/statistics/inpplc-reports-received');
  t.match(sum.find('.series-period').text(), /^\d{4}$/, 'a sum of all values names none');
});

t.test('categories: bars for one period, a period to choose, the table as twin', async (t) => {
  const { $, status } = await get('/fr/statistics/pmp-corruption-cases-registered');
  t.equal(status, 200);
  t.equal($('svg.series-chart-bar').length, 2);
  t.equal($('svg.series-chart-wide rect.bar').length, 12, 'one bar per region');
  t.equal($('.series-table tbody tr').length, 12);
  t.equal($('#compare-hint').text(), "Cochez jusqu'à 40 valeurs.", 'bars: as many as a bar chart shows (the hint said 5 with 12 ticked)');
  t.equal($('select[name=period] option[selected]').attr('value'), lastYear, 'the latest period by default');
  const before = await get(`/fr/statistics/pmp-corruption-cases-registered?period=${Number(lastYear) - 1}`);
  t.notSame(before.$('.series-table tbody').text(), $('.series-table tbody').text(), 'another period, other values');
  t.equal((await get('/fr/statistics/pmp-corruption-cases-registered?period=1990')).status, 400);
  const rate = (await get('/fr/statistics/pmp-corruption-cases-judged-rate')).$;
  t.match(rate('.series-table tbody td').first().text(), /^\d+,\d\s%$/, 'percentages with one decimal, as configured');
});

t.test('search finds series by name and definition in ar, fr and en', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['fr', 'signalements recevables', 'inpplc-reports-admissible'],
    ['fr', 'parquets', 'pmp-corruption-cases-registered'],
    ['ar', 'قضايا الفساد', 'pmp-corruption-cases-registered'],
    ['ar', 'مؤشر إدراك', 'transparency-maroc-cpi-score'],
    ['en', 'perceptions index', 'transparency-maroc-cpi-score'],
    ['en', 'processed within 60 days', 'inpplc-processed-within-60-days'],
    ['fr', 'parq*', 'pmp-corruption-cases-registered'],
    ['fr', 'percept* corruption', 'transparency-maroc-cpi-score'],
  ];
  for (const [lang, q, id] of cases) {
    const { $ } = await get(`/${lang}/search?q=${encodeURIComponent(q)}`);
    const found = $('.search-series .series-card a').map((_, a) => $(a).attr('href')).get();
    t.ok(found.includes(`/${lang}/statistics/${id}`), `${lang} "${q}" → ${id} (${found.join(', ')})`);
  }
  const none = await get('/fr/search?q=zzzqqqxxx');
  t.equal(none.$('.search-series').length, 0);
});

t.test('every query parameter of the statistics pages and API fuzzed: only 200, 400 or 404', async (t) => {
  const routes = [
    '/fr/statistics',
    '/fr/statistics/transparency-maroc-cpi-score',
    '/ar/statistics/pmp-corruption-cases-registered',
    '/en/statistics/inpplc-reports-received',
    '/api/statistics',
    '/api/statistics/inpplc-reports-received',
    '/api/statistics/inpplc-reports-received.csv',
  ];
  const keys = ['compare', 'd0', 'd1', 'd9', 'period', 'from', 'to', 'partner', 'q', 'page', 'doc_type'];
  const value = fc.oneof(
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom('Morocco', 'Spain', 'Oriental', '2024', '2024-Q1', '2023-13', 'Atlantis', '', '%', '%zz', '%C3%28', '%00', '__proto__', 'constructor', '%3Cscript%3E'),
    fc.integer().map(String),
    fc.string({ minLength: 500, maxLength: 2000 }).map(encodeURIComponent),
  );
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 }).map(encodeURIComponent)), value), { maxLength: 8 });
  const seen = new Map<number, number>();
  for (const route of routes) {
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const qs = pairs.map(([k, v]) => `${k}=${v}`).join('&');
        const response = await app.inject({ url: `${route}?${qs}`, headers: BROWSER });
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        if (![200, 400, 404].includes(response.statusCode)) throw new Error(`${route}?${qs.slice(0, 200)} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
      }),
      { numRuns: 40, seed: 20261130 },
    );
  }
  t.ok((seen.get(200) ?? 0) > 0 && (seen.get(400) ?? 0) > 0, `statuses: ${JSON.stringify(Object.fromEntries(seen))}`);
});

t.test('a revised value shows in the series\' history; a hostile file is escaped everywhere', async (t) => {
  const dataset = DEMO_DATASETS.find((d) => d.id === 'reports-by-channel')!;
  const original = (await dataset.body(now)).toString('utf8');
  const firstWeb = /\r\n2019;Plateforme électronique;([^;]+);/.exec(original)!;
  const revised = original.replace(firstWeb[0], `\r\n2019;Plateforme électronique;9${firstWeb[1]};`);
  const later = new Date(now.getTime() + 86_400_000);
  await seedDatasets(store, later, { 'inpplc/reports-by-channel': Buffer.from(revised) });
  // Harvests commit from another process, which empties the page cache; this one is in-process.
  app.renderer.cache.clear();
  const { $ } = await get('/fr/statistics/inpplc-reports-received');
  const history = $('section[aria-labelledby=history-title] tbody tr');
  t.equal(history.length, 1, 'one revision');
  t.match(history.text(), /2019/);
  t.match(history.text(), /Canal : Plateforme électronique|Canal: Plateforme électronique/);
  const api = (await get('/api/statistics/inpplc-reports-received')).json();
  t.equal(api.revisions.length, 1);
  t.equal(api.revisions[0].value, Number(`9${firstWeb[1]!.replace(/\s/g, '')}`));
  t.equal(api.revisions[0].previous_value, Number(firstWeb[1]!.replace(/\s/g, '')));
  t.equal(api.observations.find((o: { period: string; dimensions: { Canal: string } }) => o.period === '2019' && o.dimensions.Canal === 'Plateforme électronique').version, 2);

  const hostile = original
    .replace(/Courrier/g, '<img src=x onerror=alert(1)>')
    .replace(/Accueil physique/g, '=HYPERLINK("http://evil.example")')
    // A full-width equals sign, and the `;` French Excel splits on (quoted in the partner's file).
    .replace(/Ligne téléphonique/g, '"＝1+1;x"');
  await seedDatasets(store, new Date(later.getTime() + 86_400_000), { 'inpplc/reports-by-channel': Buffer.from(hostile) });
  app.renderer.cache.clear();
  const page = await get('/fr/statistics/inpplc-reports-received?compare=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E');
  t.equal(page.status, 200);
  t.notMatch(page.body, /<img src=x/, 'no markup from the file in the page or its SVG');
  t.match(page.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
  t.equal(page.$('img').length, 0);
  const csv = (await get('/api/statistics/inpplc-reports-received.csv')).body;
  t.match(csv, /\n"\d{4}","'=HYPERLINK\(""http:\/\/evil\.example""\)",/, 'a formula from the file is neutralised in the CSV');
  t.match(csv, /\n"\d{4}","'＝1\+1;x",/, 'a full-width one with a ; inside: neutralised, and quoted whole (an attacker\'s review)');
});
