// Dataset sources harvested from real loopback servers (issue 16): series and observations stored
// with their provenance; an unchanged file is not read again; a changed value becomes a new
// version visible in the history, never a silent overwrite; a malformed file or a zip bomb fails
// its source with a clear code while the pass goes on and the previous observations stay; and
// freshness counts datasets like any source.
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import t from 'tap';
import { makeBed } from '../helpers/harvest.ts';
import { startServer, type FixtureServer } from '../helpers/server.ts';
import { makeZip, WORKBOOK_SKELETON } from '../helpers/zip.ts';

const CSV_TYPE = { 'content-type': 'text/csv; charset=utf-8' };
const sha = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

function reportsCsv(rows: Array<[string, string, string]>): string {
  return ['Année;Canal;Signalements', ...rows.map((r) => r.join(';')), '', 'Source : chiffres simulés;;'].join('\n');
}

const FIRST: Array<[string, string, string]> = [
  ['2022', 'Web', '1 200'],
  ['2022', 'Téléphone', '800'],
  ['2023', 'Web', '1 450'],
  ['2023', 'Téléphone', 'n.d.'],
];

async function regionsXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Régions');
  ws.addRow(['Région', 'Année', 'Affaires']);
  ws.addRow(['Oriental', 2024, 40]);
  ws.addRow(['Souss-Massa', 2024, 35]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

let server: FixtureServer;
let other: FixtureServer;
t.before(async () => {
  server = await startServer();
  other = await startServer();
});
t.teardown(async () => {
  await server.close();
  await other.close();
});

function bed() {
  return makeBed({
    harvest: { max_dataset_unzipped: '5MB' },
    partners: [
      {
        id: 'alpha',
        commitment: { update_every: '30d' },
        sources: [
          {
            id: 'reports',
            type: 'dataset',
            url: `${server.url}/stats/reports.csv`,
            section: 'statistics',
            doc_type: 'national_statistics',
            series: [{ id: 'reports', name: { fr: 'Signalements reçus', ar: 'التبليغات' }, period: 'Année', value: 'Signalements', dimensions: ['Canal'], headline: 'sum' }],
          },
          {
            id: 'regions',
            type: 'dataset',
            url: `${server.url}/stats/regions.xlsx`,
            section: 'statistics',
            series: [{ id: 'cases', name: { fr: 'Affaires par région' }, period: 'Année', value: 'Affaires', dimensions: ['Région'] }],
          },
        ],
      },
      {
        id: 'beta',
        sources: [
          {
            id: 'cpi',
            type: 'dataset',
            url: `${other.url}/v2/country/all/indicator/CPI?format=json`,
            section: 'statistics',
            doc_type: 'international_statistics',
            format: 'json',
            layout: 'worldbank',
            series: [{ id: 'cpi', name: { en: 'Corruption Perceptions Index' }, period: 'date', value: 'value', dimensions: ['country'] }],
          },
        ],
      },
    ],
  });
}

function worldBank(): string {
  const row = (country: string, date: string, value: number | null) => ({ indicator: { id: 'CPI', value: 'CPI' }, country: { id: country.slice(0, 2).toUpperCase(), value: country }, date, value });
  return JSON.stringify([{ page: 1, pages: 1, total: 4 }, [row('Morocco', '2022', 38), row('Morocco', '2023', 38), row('Tunisia', '2022', 40), row('Tunisia', '2023', 40)]]);
}

t.test('a pass reads CSV, XLSX and World Bank JSON into series, with provenance; an unchanged file is not read again', async (t) => {
  const csv = reportsCsv(FIRST);
  server.set('/stats/reports.csv', { headers: CSV_TYPE, body: csv });
  server.set('/stats/regions.xlsx', { headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, body: await regionsXlsx() });
  other.set('/v2/country/all/indicator/CPI', { headers: { 'content-type': 'application/json' }, body: worldBank() });
  const b = bed();
  const first = await b.harvest();
  t.match(b.outcome(first, 'alpha/reports'), { status: 'ok', items_found: 4, items_new: 4, items_changed: 0, items_dropped: 0, error: null });
  t.match(b.outcome(first, 'alpha/regions'), { status: 'ok', items_found: 2, items_new: 2 });
  t.match(b.outcome(first, 'beta/cpi'), { status: 'ok', items_found: 4, items_new: 4 });

  const list = b.store.datasets.list();
  t.same(list.map((s) => s.id), ['alpha-reports', 'alpha-cases', 'beta-cpi']);
  const reports = b.store.datasets.get('alpha-reports')!;
  t.match(reports, { partner: 'alpha', source: 'reports', periodKind: 'year', dimensions: ['Canal'], dimensionValues: { Canal: ['Web', 'Téléphone'] }, observationCount: 4, format: 'csv' });
  t.same(reports.headline, [['2022', 2000], ['2023', 1450]], 'the headline sums the channels (a missing value is left out)');
  t.equal(reports.fileUrl, `${server.url}/stats/reports.csv`);
  t.equal(reports.contentHash, sha(csv));
  const observations = b.store.datasets.observations(reports.pk);
  t.same(
    observations.map((o) => [o.period, o.dimensions.Canal, o.value, o.version]),
    [['2022', 'Web', 1200, 1], ['2022', 'Téléphone', 800, 1], ['2023', 'Web', 1450, 1], ['2023', 'Téléphone', null, 1]],
  );
  t.ok(observations.every((o) => o.file_url === reports.fileUrl && o.content_hash === sha(csv) && o.fetched_at === reports.fetchedAt), 'each observation keeps the file, fetch time and hash it came from');

  const second = await b.harvest();
  t.match(b.outcome(second, 'alpha/reports'), { status: 'not_modified', items_new: 0 });
  t.match(b.outcome(second, 'beta/cpi'), { status: 'not_modified' });
  b.close();
});

t.test('a revised value is a new version in the history; rows that leave the file stay', async (t) => {
  server.set('/stats/reports.csv', { headers: CSV_TYPE, body: reportsCsv(FIRST) });
  const b = bed();
  await b.harvest({ sources: ['alpha/reports'] });
  const before = b.store.datasets.get('alpha-reports')!;
  // The partner corrects 2023 Web, fills in 2023 Téléphone, adds 2024, and drops 2022 from its file.
  const revised = reportsCsv([
    ['2023', 'Web', '1 470'],
    ['2023', 'Téléphone', '610'],
    ['2024', 'Web', '1 600'],
    ['2024', 'Téléphone', '700'],
  ]);
  server.set('/stats/reports.csv', { headers: CSV_TYPE, body: revised });
  const [outcome] = await b.harvest({ sources: ['alpha/reports'] });
  t.match(outcome, { status: 'ok', items_found: 4, items_new: 2, items_changed: 2 });
  const series = b.store.datasets.get('alpha-reports')!;
  const current = b.store.datasets.observations(series.pk).map((o) => [o.period, o.dimensions.Canal, o.value, o.version]);
  t.same(current, [
    ['2022', 'Web', 1200, 1],
    ['2022', 'Téléphone', 800, 1],
    ['2023', 'Web', 1470, 2],
    ['2023', 'Téléphone', 610, 2],
    ['2024', 'Web', 1600, 1],
    ['2024', 'Téléphone', 700, 1],
  ], '2022 stays although the file no longer has it');
  const revisions = b.store.datasets.revisions(series.pk).map((r) => [r.period, r.dimensions.Canal, r.previous_value, r.value, r.version]);
  t.same(revisions.sort(), [
    ['2023', 'Téléphone', null, 610, 2],
    ['2023', 'Web', 1450, 1470, 2],
  ], 'each revision with the value it replaced');
  const revision = b.store.datasets.revisions(series.pk)[0]!;
  t.equal(revision.content_hash, sha(revised), 'the new version names the file it came from');
  t.ok(series.updatedAt >= before.updatedAt, 'the series was updated');
  t.same(series.headline.at(-1), ['2024', 2300]);
  t.equal(b.store.datasets.observations(series.pk, { from: '2023', to: '2023' }).length, 2, 'from/to bound the periods');
  b.close();
});

t.test('a malformed file, an error page and a zip bomb fail their source with a clear code; the pass goes on; observations stay', async (t) => {
  server.set('/stats/reports.csv', { headers: CSV_TYPE, body: reportsCsv(FIRST) });
  server.set('/stats/regions.xlsx', { headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, body: await regionsXlsx() });
  other.set('/v2/country/all/indicator/CPI', { headers: { 'content-type': 'application/json' }, body: worldBank() });
  const b = bed();
  await b.harvest();
  const kept = (id: string) => {
    const series = b.store.datasets.get(id)!;
    return b.store.datasets.observations(series.pk).map((o) => [o.period, o.dimensions, o.value]);
  };
  const before = { reports: kept('alpha-reports'), cases: kept('alpha-cases') };

  // The partner renamed a column; the workbook became a zip bomb (20 MB of zeros, about 20 KB).
  server.set('/stats/reports.csv', { headers: CSV_TYPE, body: 'Année;Canal;Nombre de signalements\n2024;Web;1 600\n' });
  server.set('/stats/regions.xlsx', {
    headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    body: makeZip([...WORKBOOK_SKELETON, { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(20 * 1024 * 1024) }]),
  });
  other.set('/v2/country/all/indicator/CPI', { headers: { 'content-type': 'application/json' }, body: worldBank().replace('38', '39') });
  const run = await b.harvest();
  t.match(b.outcome(run, 'alpha/reports'), {
    status: 'failed',
    error: { code: 'parse', message: 'series "reports": the CSV has no value column "Signalements" (the columns are: "Année", "Canal", "Nombre de signalements"); did you mean "Nombre de signalements"?' },
  });
  t.match(b.outcome(run, 'alpha/regions'), { status: 'failed', error: { code: 'too_large', message: /zip archive declares 20\.0 MB or more once unpacked; at most 5\.0 MB/ } });
  t.match(b.outcome(run, 'beta/cpi'), { status: 'ok', items_changed: 1 }, 'the other sources of the pass went on');
  t.same(kept('alpha-reports'), before.reports, 'the previous observations are kept');
  t.same(kept('alpha-cases'), before.cases);

  server.set('/stats/reports.csv', { headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><body><form>Connexion</form></body></html>' });
  const [page] = await b.harvest({ sources: ['alpha/reports'] });
  t.match(page, { status: 'failed', error: { code: 'wrong_type', message: 'expected a dataset (csv, xlsx or json) but got an HTML page (text/html)' } });
  const source = b.store.partners.sources({ sources: ['alpha/reports'] })[0]!;
  t.equal(source.consecutiveFailures, 2, 'failures counted like any source (backing off)');
  b.close();
});

t.test('freshness and the indicators count datasets like any source', async (t) => {
  server.set('/stats/reports.csv', { headers: CSV_TYPE, body: reportsCsv(FIRST) });
  const b = makeBed({
    partners: [
      {
        id: 'alpha',
        commitment: { update_every: '30d' },
        sources: [{ id: 'reports', type: 'dataset', url: `${server.url}/stats/reports.csv`, section: 'statistics', series: [{ id: 'reports', name: { fr: 'Signalements' }, period: 'Année', value: 'Signalements', dimensions: ['Canal'] }] }],
      },
    ],
  });
  const before = b.store.stats.freshness(new Date()).partners[0]!;
  t.equal(before.status, 'never_harvested');
  await b.harvest();
  const now = new Date();
  const row = b.store.stats.freshness(now).partners[0]!;
  t.match(row, { partner: 'alpha', status: 'up_to_date', last_new_content_at: now.toISOString().slice(0, 10), item_count: 0, series_count: 1 });
  t.match(row.sources[0], { source: 'reports', type: 'dataset', status: 'ok', series: 1, items: 0 });
  const indicators = b.store.stats.indicators(now);
  t.equal(indicators.contributing, 1, 'a partner publishing only datasets contributes');
  t.equal(indicators.series, 1);
  // 40 days later without a new figure, it is overdue like any source.
  const later = new Date(now.getTime() + 40 * 86_400_000);
  t.match(b.store.stats.freshness(later).partners[0], { status: 'overdue', overdue_days: 10 });
  b.close();
});
