// The demo's 19 simulated partner sites harvested with the demo config into a temporary
// database: every partner, every section and document type, the failures designed into the
// sites with their codes, the freshness statuses the content was made to produce, and search
// finding Arabic and French terms that only appear inside PDFs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { DOC_TYPES, loadConfig, SECTIONS } from '../../config/index.ts';
import { writeDemoConfig } from '../../demo/config.ts';
import { DEMO_SITES, startDemoSites } from '../../demo/sites.ts';
import { analyze, runHarvest } from '../../harvester/index.ts';
import { openStore } from '../../store/index.ts';

const sites = await startDemoSites({ portBase: 0 });
t.teardown(() => sites.close());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-demo-'));
const configDir = path.join(dir, 'config');
// 6 s, not the 30 s of production: the site that never answers costs its timeout twice. Less was
// too tight on a CI machine running other suites, the 19 sites and the harvest in one process.
writeDemoConfig({ sourceConfigDir: path.join(import.meta.dirname, '../../config'), targetDir: configDir, urls: sites.urls, timeout: '6s' });
const settings = loadConfig(configDir).config!;
const store = openStore(path.join(dir, 'portal.db'));
t.teardown(() => store.close());
store.syncConfig(settings, new Date().toISOString());
const first = await runHarvest({ settings, store, trigger: 'test' });
const outcomes = store.runs.summary(first.runPk)!.sources;
const outcome = (key: string) => outcomes.find((o) => `${o.partner}/${o.source}` === key)!;

t.test('every partner of config/partners is simulated and present', async (t) => {
  t.equal(DEMO_SITES.length, 19);
  t.same(
    store.partners.list().map((p) => p.id).sort(),
    loadConfig(path.join(import.meta.dirname, '../../config')).config!.partners.map((p) => p.id).sort(),
  );
  t.equal(new Set([...sites.urls.values()]).size, 19, 'one host (port) per partner');
});

t.test('at least 600 items, in every section and every document type', async (t) => {
  const total = store.items.count();
  t.ok(total >= 600, `${total} items`);
  const facets = store.items.facets({});
  for (const section of SECTIONS) t.ok(facets.section.find((f) => f.value === section)?.count, `items in ${section}`);
  for (const type of DOC_TYPES) t.ok(facets.doc_type.find((f) => f.value === type)?.count, `items of type ${type}`);
  for (const language of ['ar', 'fr', 'en', 'zgh']) t.ok(facets.language.find((f) => f.value === language)?.count, `items in ${language}`);
  const years = facets.year.map((f) => Number(f.value));
  t.ok(Math.max(...years) - Math.min(...years) >= 2, 'dates spread over the last three years');
});

t.test('the failures designed into the sites, with their codes', async (t) => {
  t.match(outcome('mtnra/news'), { status: 'failed', error: { code: 'network' } });
  t.match(outcome('mtnra/guides'), { status: 'failed', error: { code: 'network' } });
  t.match(outcome('mef/news'), { status: 'failed', error: { code: 'timeout' } });
  t.match(outcome('cour-des-comptes/recommendations-followup'), { status: 'failed', error: { code: 'parse', message: /not a complete zip archive/ } }, 'the malformed data file');
  const designed = ['cour-des-comptes/recommendations-followup', 'mef/news', 'mtnra/guides', 'mtnra/news'];
  const failed = outcomes.filter((o) => o.status === 'failed').map((o) => `${o.partner}/${o.source}`);
  const unexpected = outcomes.filter((o) => o.status === 'failed' && !designed.includes(`${o.partner}/${o.source}`));
  t.same(failed.sort(), designed, 'nothing else failed', { unexpected: unexpected.map((o) => ({ source: `${o.partner}/${o.source}`, error: o.error })) });
  // A second pass: the ETag site answers 304, the redesigned site fails with `empty`.
  const second = await runHarvest({ settings, store, trigger: 'test' });
  const again = store.runs.summary(second.runPk)!.sources;
  const find = (key: string) => again.find((o) => `${o.partner}/${o.source}` === key)!;
  t.match(find('cour-des-comptes/news'), { status: 'not_modified', http_status: 304 });
  t.match(find('cndp/deliberations'), { status: 'failed', error: { code: 'empty' } });
  t.ok(store.items.list({ partner: 'cndp', section: 'publications' }, 1, 1).total > 0, 'its items are still there');
});

t.test('the freshness statuses the content was made to produce', async (t) => {
  const report = store.stats.freshness(new Date());
  const status = Object.fromEntries(report.partners.map((p) => [p.partner, p.status]));
  t.equal(status.inpplc, 'up_to_date');
  t.equal(status['cour-des-comptes'], 'up_to_date');
  t.equal(status['conseil-concurrence'], 'overdue');
  t.equal(status.tgr, 'overdue');
  t.equal(status.mtnra, 'never_harvested');
  t.equal(status.mef, 'never_harvested');
  t.equal(status.cgem, 'no_commitment');
  t.equal(status['transparency-maroc'], 'no_commitment');
  t.equal(report.partners.find((p) => p.partner === 'cndp')!.failing, true, 'the redesigned site is failing');
  t.same(report.partners.slice(0, 2).map((p) => p.status), ['never_harvested', 'never_harvested'], 'worst first');
});

t.test('the partners\' data files become series: CSV, JSON, XLSX with a merged header, World Bank JSON', async (t) => {
  const series = store.datasets.list();
  t.same(series.map((s) => s.id).sort(), [
    'inpplc-processed-within-60-days',
    'inpplc-reports-admissible',
    'inpplc-reports-received',
    'pmp-corruption-cases-judged-rate',
    'pmp-corruption-cases-registered',
    'transparency-maroc-cpi-score',
  ]);
  for (const s of series) {
    t.ok(s.observationCount > 0 && s.headline.length > 0, `${s.id}: ${s.observationCount} observations`);
    t.match(s.name.fr, /chiffres simulés/, `${s.id} says its figures are simulated`);
  }
  t.match(store.datasets.get('pmp-corruption-cases-registered'), { format: 'xlsx', dimensions: ['Région'], periodKind: 'year' });
  t.equal(store.datasets.get('pmp-corruption-cases-registered')!.dimensionValues['Région']!.length, 12, 'the twelve regions');
  t.match(store.datasets.get('transparency-maroc-cpi-score'), { format: 'json', dimensions: ['country'] });
  t.match(store.datasets.get('inpplc-processed-within-60-days'), { periodKind: 'quarter', percent: true });
  t.equal(outcome('inpplc/reports-by-channel').status, 'ok');
});

t.test('site quirks are read right: windows-1256, Hijri dates, mm/dd, Arabic-Indic digits, scans', async (t) => {
  const arabicFeed = store.items.list({ partner: 'cndh', language: 'ar' }, 1, 5).items;
  t.ok(arabicFeed.length > 0 && arabicFeed.every((i) => /[\u0600-\u06ff]/.test(i.title) && !i.title.includes('\ufffd')), 'the windows-1256 feed decoded');
  const legislation = store.items.list({ partner: 'justice', section: 'publications' }, 1, 20).items;
  t.ok(legislation.every((i) => i.published_at && i.published_at >= '2023-01-01'), 'the Gregorian date of "صادر في … (…)" was taken');
  const cese = store.items.list({ partner: 'cese', section: 'publications' }, 1, 20).items;
  t.ok(cese.every((i) => i.published_at), 'mm/dd/yyyy dates read with date_order: mdy');
  const cspj = store.items.list({ partner: 'cspj', section: 'news' }, 1, 20).items;
  t.ok(cspj.every((i) => i.published_at), 'dates in Arabic-Indic digits read');
  t.ok(store.items.list({ partner: 'cdai' }, 1, 100).items.some((i) => i.scanned), 'a scanned PDF flagged');
});

t.test('search finds Arabic and French terms that only appear inside PDFs', async (t) => {
  const fts = (words: string) => ({ match: `"${analyze(words).join(' ')}"` });
  const french = store.items.search(fts('cartographie des risques de corruption'), {}, 1, 5);
  t.ok(french.total > 10, `French PDF text: ${french.total} documents`);
  const arabic = store.items.search(fts('خريطة المخاطر'), {}, 1, 5);
  t.ok(arabic.total > 5, `Arabic PDF text: ${arabic.total} documents`);
  for (const item of [...french.items, ...arabic.items]) t.ok(item.pages && item.pages >= 3, 'found through the PDF');
});
