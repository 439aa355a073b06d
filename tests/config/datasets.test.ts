// `portal check` on dataset sources (issue 16): each mapping mistake an operator can make in a
// `type: dataset` source is reported as FILE:LINE:COL: PATH: MESSAGE at the exact place, with one
// fixture per defect (tests/fixtures/config/defects/dataset-*), and a valid mapping gets its defaults.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { formatConfigError, loadConfig } from '../../config/index.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/config');

function configWith(defect: string | null, extra?: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-config-'));
  fs.cpSync(path.join(FIXTURES, 'base'), dir, { recursive: true });
  if (defect) fs.cpSync(path.join(FIXTURES, 'defects', defect), dir, { recursive: true });
  extra?.(dir);
  return dir;
}

const errorsOf = (dir: string) => loadConfig(dir).errors.map((e) => formatConfigError(e).replace(`${dir}${path.sep}`, ''));

const DEFECTS: Array<[string, string[]]> = [
  ['dataset-bad-format', ["partners/alpha.yaml:9:13: sources[0].format: \"xls\" is not allowed here; expected one of: csv, xlsx, json (did you mean \"xlsx\"?)"]],
  ['dataset-bad-layout', ["partners/alpha.yaml:9:13: sources[0].layout: \"sdmx-json\" is not allowed here; expected one of: records, sdmx, worldbank"]],
  ['dataset-compare-not-dimension', ["partners/alpha.yaml:15:18: sources[0].series[0].compare: \"Région\" is not one of this series' dimensions (Canal)"]],
  ['dataset-dimension-is-period', ["partners/alpha.yaml:14:29: sources[0].series[0].dimensions[1]: \"Année\" is already the period column; a dimension is another column"]],
  ['dataset-duplicate-series-id', ["partners/alpha.yaml:19:13: sources[1].series[0].id: duplicate series id \"reports\" (already used by sources[0].series[0]); a series id is unique within the partner"]],
  ['dataset-filter-not-a-value', ["partners/alpha.yaml:14:30: sources[0].series[0].filter.Indicateur: expected a value (text or number), or a list of values"]],
  ['dataset-header-row-on-json', ["partners/alpha.yaml:9:17: sources[0].header_row: \"header_row\" applies to csv and xlsx files; a JSON file has no header row"]],
  ['dataset-header-rows-gap', ["partners/alpha.yaml:9:17: sources[0].header_row: the header rows must follow each other, such as [3, 4]; got [3, 5]"]],
  ['dataset-headline-incomplete', ["partners/alpha.yaml:15:19: sources[0].series[0].headline: give a value for every dimension (Canal, Sexe), or write \"sum\""]],
  ['dataset-label-not-dimension', ["partners/alpha.yaml:17:19: sources[0].series[0].dimension_labels.Region: \"Region\" is not one of this series' dimensions (Canal)"]],
  ['dataset-value-label-not-dimension', ["partners/alpha.yaml:17:19: sources[0].series[0].value_labels.Region: \"Region\" is not one of this series' dimensions (Canal)"]],
  ['dataset-missing-value', ["partners/alpha.yaml:10:9: sources[0].series[0].value: required: add \"value\""]],
  ['dataset-no-series', ["partners/alpha.yaml:9:13: sources[0].series: list at least one series"]],
  ['dataset-period-equals-value', ["partners/alpha.yaml:13:16: sources[0].series[0].value: the value column must differ from the period column (both are \"Année\")"]],
  ['dataset-records-on-xlsx', ["partners/alpha.yaml:10:14: sources[0].records: \"records\" applies to json files only; this source is xlsx"]],
  ['dataset-records-with-layout', ["partners/alpha.yaml:10:14: sources[0].records: \"records\" is for the plain layout; the worldbank layout says where its records are"]],
  ['dataset-sheet-on-csv', ["partners/alpha.yaml:9:12: sources[0].sheet: \"sheet\" applies to xlsx files only; this source is csv"]],
  ['dataset-source-type-csv', ["partners/alpha.yaml:6:11: sources[0].type: \"csv\" is not allowed here; expected one of: feed, html, pdf, dataset (did you mean \"dataset\"?)"]],
  ['dataset-unknown-series-key', ["partners/alpha.yaml:12:9: sources[0].series[0].perod: unknown key \"perod\" (did you mean \"period\"?)"]],
  ['dataset-wrong-section', ["partners/alpha.yaml:8:14: sources[0].section: a dataset source belongs to section \"statistics\", not \"news\""]],
];

t.test('every dataset defect has its fixture, and every fixture is tested', async (t) => {
  const fixtures = fs.readdirSync(path.join(FIXTURES, 'defects')).filter((d) => d.startsWith('dataset-')).sort();
  t.same(fixtures, DEFECTS.map(([name]) => name).sort());
});

for (const [defect, expected] of DEFECTS) {
  t.test(`defect: ${defect}`, async (t) => {
    const dir = configWith(defect);
    t.same(errorsOf(dir), expected);
    t.same(loadConfig(dir).invalidPartnerIds, ['alpha'], 'the partner is left out, its sources kept as they were');
  });
}

t.test('a valid dataset source of each format, with the defaults', async (t) => {
  const dir = configWith(null, (d) =>
    fs.writeFileSync(
      path.join(d, 'partners/alpha.yaml'),
      `id: alpha
name: {fr: Alpha, ar: ألفا}
kind: government
sources:
  - id: reports-by-channel
    type: dataset
    url: https://alpha.example/stats/reports.csv
    section: statistics
    doc_type: national_statistics
    series:
      - id: reports-received
        name: {ar: "التبليغات المتوصل بها", fr: "Signalements reçus", en: "Reports received"}
        unit: {fr: signalements}
        period: "Année"
        value: "Total"
        dimensions: ["Canal"]
        filter: {"Indicateur": "Signalements"}
        headline: sum
  - id: regions
    type: dataset
    url: https://alpha.example/stats/regions.xlsx
    section: statistics
    sheet: 2
    header_row: [3, 4]
    series:
      - id: judged
        name: {fr: Affaires jugées}
        period: Année
        value: Affaires / jugées
        dimensions: [Région]
        chart: bar
        filter: {Type: [Corruption, Concussion]}
  - id: cpi
    type: dataset
    url: https://alpha.example/api/cpi
    section: statistics
    doc_type: international_statistics
    format: json
    layout: worldbank
    series:
      - id: cpi
        name: {en: Corruption Perceptions Index}
        period: date
        value: value
        dimensions: [country]
        compare: country
        headline: {country: Morocco}
        decimals: 1
`,
    ),
  );
  const result = loadConfig(dir);
  t.same(result.errors.map(formatConfigError), []);
  const [csv, xlsx, json] = result.config!.partners[0]!.sources;
  t.match(csv, { type: 'dataset', header_row: 1, series: [{ chart: 'auto', dimensions: ['Canal'], filter: { Indicateur: 'Signalements' }, headline: 'sum' }] });
  t.match(xlsx, { sheet: 2, header_row: [3, 4], series: [{ chart: 'bar', filter: { Type: ['Corruption', 'Concussion'] } }] });
  t.match(json, { format: 'json', layout: 'worldbank', series: [{ compare: 'country', headline: { country: 'Morocco' }, decimals: 1 }] });
  t.equal(result.config!.portal.harvest.max_dataset_bytes, 20 * 1024 * 1024, 'the dataset limits have defaults');
  t.equal(result.config!.portal.harvest.max_dataset_rows, 200_000);
  t.equal(result.config!.portal.harvest.max_dataset_cells, 1_000_000);
});
