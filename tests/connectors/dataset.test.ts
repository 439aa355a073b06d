// Reading partners' statistics files (connectors/dataset-parse.ts): every format and layout, the
// number and period styles partners write, the mapping mistakes an operator can make (each named
// with its row and column), and the bounds: bytes, rows, cells, time, and zip bombs that declare
// their size or lie about it. Files are built here (exceljs writes the workbooks), never committed.
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import t, { type Test } from 'tap';
import { type SeriesConfig } from '../../config/index.ts';
import { parseDataset, readNumber, readPeriod, type DatasetLimits, type DatasetMapping, type DatasetParse } from '../../connectors/index.ts';
import { makeZip, WORKBOOK_SKELETON } from '../helpers/zip.ts';

const LIMITS: DatasetLimits = { maxBytes: 5 * 1024 * 1024, maxUnzippedBytes: 20 * 1024 * 1024, maxZipEntries: 200, maxRows: 10_000, maxCells: 200_000, timeMs: 30_000 };

function series(partial: Partial<SeriesConfig> & Pick<SeriesConfig, 'period' | 'value'>): SeriesConfig {
  return { id: 's', name: { fr: 'Série' }, dimensions: [], chart: 'auto', ...partial };
}

function mapping(partial: Partial<DatasetMapping> & Pick<DatasetMapping, 'series'>): DatasetMapping {
  return { header_row: 1, date_order: 'dmy', ...partial };
}

type Ok = Extract<DatasetParse, { ok: true }>;

async function ok(t: Test, bytes: Buffer, m: DatasetMapping, hints = {}, limits = LIMITS): Promise<Ok> {
  const result = await parseDataset(bytes, m, limits, hints);
  if (!result.ok) t.fail(`expected a parse, got ${result.code}: ${result.message}`);
  return result as Ok;
}

async function failure(bytes: Buffer, m: DatasetMapping, hints = {}, limits = LIMITS): Promise<{ code: string; message: string }> {
  const result = await parseDataset(bytes, m, limits, hints);
  if (result.ok) return { code: 'ok', message: JSON.stringify(result.series).slice(0, 200) };
  return { code: result.code, message: result.message };
}

/** period → value of the only series, or of the given dimension values. */
function values(result: Ok, dims: Record<string, string> = {}): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const o of result.series[0]!.observations) {
    if (Object.entries(dims).every(([k, v]) => o.dimensions[k] === v)) out[o.period] = o.value;
  }
  return out;
}

// ---------------------------------------------------------------- numbers and periods

t.test('numbers as partners write them', async (t) => {
  const cases: Array<[string, number | null | 'unreadable', boolean?]> = [
    ['1234', 1234],
    ['1 234,5', 1234.5],
    ['1\u00a0234,5', 1234.5],
    ['1\u202f234\u202f567', 1234567],
    ['1.234,5', 1234.5],
    ['1,234.5', 1234.5],
    ['1,234,567', 1234567],
    ['12,5', 12.5],
    ['12.5', 12.5],
    ['1.234', 1234],
    ['0,5', 0.5],
    ['-3,2', -3.2],
    ['−3,2', -3.2],
    ['(1 200)', -1200],
    ['12,3 %', 12.3, true],
    ['%12,3', 12.3, true],
    ['١٢٣٤', 1234],
    ['١٬٢٣٤٫٥', 1234.5],
    ['٪١٢٫٥', 12.5, true],
    ['۱۲۳', 123],
    ['1.2E+03', 1200],
    ['', null],
    ['-', null],
    ['n.d.', null],
    ['N.D.', null],
    ['...', null],
    ['…', null],
    ['abc', 'unreadable'],
    ['12 abc', 'unreadable'],
    ['1,23,4', 'unreadable'],
    ['1.2.3,4,5', 'unreadable'],
  ];
  for (const [text, expected, percent] of cases) {
    const reading = readNumber(text);
    if (expected === 'unreadable') t.equal(reading.kind, 'unreadable', `"${text}" is not a number`);
    else if (expected === null) t.equal(reading.kind, 'missing', `"${text}" is a missing value`);
    else {
      t.same(reading, { kind: 'number', value: expected, percent: percent ?? false }, `"${text}" → ${expected}`);
    }
  }
  t.same(readNumber('1,234', { decimal: '.' }), { kind: 'number', value: 1234, percent: false }, 'decimal_separator "." reads "1,234" as a thousand');
  t.same(readNumber('0.123'), { kind: 'number', value: 0.123, percent: false }, 'a leading zero is never grouping');
  t.same(readNumber('0,123', { decimal: '.' }), { kind: 'number', value: 0.123, percent: false });
  t.same(readNumber('s.o.', { missing: ['s.o.'] }), { kind: 'missing', marker: 's.o.' }, 'extra missing markers');
});

t.test('periods as partners write them', async (t) => {
  const cases: Array<[unknown, string | undefined, string?]> = [
    ['2024', '2024'],
    [2024, '2024'],
    ['٢٠٢٤', '2024'],
    ['2024-Q1', '2024-Q1'],
    ['2024Q3', '2024-Q3'],
    ['T1 2024', '2024-Q1'],
    ['t2-2024', '2024-Q2'],
    ['Q4 2023', '2023-Q4'],
    ['1er trimestre 2024', '2024-Q1'],
    ['deuxième trimestre 2024', '2024-Q2'],
    ['الربع الأول 2024', '2024-Q1'],
    ['2024-03', '2024-03'],
    ['2024-M03', '2024-03'],
    ['03/2024', '2024-03'],
    ['mars 2024', '2024-03'],
    ['Janv. 2024', '2024-01'],
    ['مارس 2024', '2024-03'],
    ['يوليوز 2023', '2023-07'],
    ['2024-03-31', '2024-03-31'],
    ['2024-03-31T00:00:00Z', '2024-03-31'],
    ['31/03/2024', '2024-03-31'],
    ['31 mars 2024', '2024-03-31'],
    [new Date(Date.UTC(2024, 2, 31)), '2024-03-31'],
    ['2024-02-30', undefined],
    ['Total', undefined],
    ['', undefined],
    [1.5, undefined],
  ];
  for (const [input, expected] of cases) t.equal(readPeriod(input)?.key, expected, `${JSON.stringify(input)} → ${expected}`);
  t.equal(readPeriod('03/31/2024', 'mdy')?.key, '2024-03-31', 'the source\'s date order');
  t.equal(readPeriod('03/04/2024', 'dmy')?.key, '2024-04-03');
});

// ---------------------------------------------------------------- CSV

const REPORTS_CSV = [
  'Année;Canal;Signalements reçus;Part',
  '2022;Plateforme web;"1 234,5";12,3 %',
  '2022;Ligne téléphonique;n.d.;-',
  '',
  '2023;Plateforme web;2\u202f000;15,0 %',
  '2023;Ligne téléphonique;...;',
  '2024;Plateforme web;١٢٣٤;١٢٫٥ %',
  '',
  'Source : INPPLC, chiffres simulés;;;',
  'n.d. : non disponible;;;',
].join('\r\n');

t.test('CSV: semicolons, a BOM, French and Arabic-Indic numbers, missing markers, notes under the table', async (t) => {
  const result = await ok(
    t,
    Buffer.from(`\ufeff${REPORTS_CSV}`),
    mapping({
      series: [
        series({ id: 'reports', period: 'Année', value: 'Signalements reçus', dimensions: ['Canal'] }),
        series({ id: 'share', period: 'Année', value: 'Part', dimensions: ['Canal'] }),
      ],
    }),
    { url: 'https://partner.example/stats.csv' },
  );
  t.equal(result.format, 'csv');
  t.same(values(result, { Canal: 'Plateforme web' }), { 2022: 1234.5, 2023: 2000, 2024: 1234 });
  t.same(values(result, { Canal: 'Ligne téléphonique' }), { 2022: null, 2023: null }, '"n.d." and "..." are missing values');
  t.same(result.series[0]!.dimensionValues, { Canal: ['Plateforme web', 'Ligne téléphonique'] });
  const share = result.series[1]!;
  t.ok(share.percent, 'percentages are flagged');
  t.same(
    share.observations.filter((o) => o.dimensions.Canal === 'Plateforme web').map((o) => o.value),
    [12.3, 15, 12.5],
  );
  t.same(result.warnings, [], 'the notes under the table are not warnings');
});

t.test('dimension values lose controls and invisible characters: a value reads the same in legends, tables and forms', async (t) => {
  const csv = ['Année;Région;Total', '2024;EVIL \u202egnp.exe;1', '2024;\u2066Casa\u2069\u061c\u200b;2', '2024;x\u0001\u0007y;3', '2024;Souss\u00ad-Massa\ufeff;4', '2024;ك\u200cتاب;5'].join('\n');
  const result = await ok(t, Buffer.from(csv), mapping({ series: [series({ period: 'Année', value: 'Total', dimensions: ['Région'] })] }), { url: 'https://partner.example/s.csv' });
  t.same(result.series[0]!.dimensionValues, { Région: ['EVIL gnp.exe', 'Casa', 'xy', 'Souss-Massa', 'ك\u200cتاب'] }, 'the zero-width non-joiner, which writing needs, stays');
});

t.test('CSV: commas with quoted numbers, tabs, UTF-16, windows-1256 and windows-1252, detected', async (t) => {
  const comma = Buffer.from('Year,Value\n2022,"1,234.5"\n2023,"2,000.25"\n');
  t.same(values(await ok(t, comma, mapping({ series: [series({ period: 'Year', value: 'Value' })] }))), { 2022: 1234.5, 2023: 2000.25 });

  const tab = iconv.encode('\ufeffPériode\tValeur\nT1 2024\t10\nT2 2024\t11,5\n', 'utf-16le');
  t.same(values(await ok(t, tab, mapping({ series: [series({ period: 'Période', value: 'Valeur' })] }))), { '2024-Q1': 10, '2024-Q2': 11.5 });

  const arabic = iconv.encode('السنة;الجهة;عدد الشكايات\n2023;الرباط;120\n2023;فاس;80\n', 'windows-1256');
  const ar = await ok(t, arabic, mapping({ series: [series({ period: 'السنة', value: 'عدد الشكايات', dimensions: ['الجهة'] })] }));
  t.same(ar.series[0]!.observations, [
    { period: '2023', value: 120, dimensions: { الجهة: 'الرباط' } },
    { period: '2023', value: 80, dimensions: { الجهة: 'فاس' } },
  ]);

  const french = iconv.encode('Année;Région;Dossiers traités\n2023;Fès-Meknès;1 200\n2023;Béni Mellal-Khénifra;950\n', 'windows-1252');
  const fr = await ok(t, french, mapping({ series: [series({ period: 'Année', value: 'Dossiers traités', dimensions: ['Région'] })] }));
  t.same(fr.series[0]!.dimensionValues.Région, ['Fès-Meknès', 'Béni Mellal-Khénifra']);

  const declared = iconv.encode('Année;Valeur\n2023;1\n', 'windows-1256');
  t.ok((await ok(t, declared, mapping({ encoding: 'windows-1256', delimiter: ';', series: [series({ period: 'Année', value: 'Valeur' })] }))).ok, 'declared encoding and delimiter');
});

t.test('CSV: months, dates in the source\'s order, filters, header_row, period_type', async (t) => {
  const csv = Buffer.from(['Tableau 3 : plaintes', '', 'Date;Indicateur;Valeur', '31/01/2024;Plaintes;5', '29/02/2024;Plaintes;7', '31/01/2024;Réponses;4', '31/03/2024;Plaintes;8'].join('\n'));
  const byDate = await ok(t, csv, mapping({ header_row: 3, series: [series({ period: 'Date', value: 'Valeur', filter: { Indicateur: 'Plaintes' } })] }));
  t.same(values(byDate), { '2024-01-31': 5, '2024-02-29': 7, '2024-03-31': 8 });
  const byMonth = await ok(t, csv, mapping({ header_row: 3, series: [series({ period: 'Date', value: 'Valeur', filter: { Indicateur: 'Plaintes' }, period_type: 'month' })] }));
  t.same(values(byMonth), { '2024-01': 5, '2024-02': 7, '2024-03': 8 });
  const byQuarter = await ok(t, csv, mapping({ header_row: 3, series: [series({ period: 'Date', value: 'Valeur', filter: { Indicateur: ['Réponses'] }, period_type: 'quarter' })] }));
  t.same(values(byQuarter), { '2024-Q1': 4 });
  const mdy = Buffer.from('Date,Value\n03/31/2024,1\n');
  t.same(values(await ok(t, mdy, mapping({ date_order: 'mdy', series: [series({ period: 'Date', value: 'Value' })] }))), { '2024-03-31': 1 });
  const months = Buffer.from('Mois;Valeur\nJanvier 2024;1\nfévr. 2024;2\nمارس 2024;3\n');
  t.same(values(await ok(t, months, mapping({ series: [series({ period: 'Mois', value: 'Valeur' })] }))), { '2024-01': 1, '2024-02': 2, '2024-03': 3 });
});

t.test('CSV: a malformed file fails with the line', async (t) => {
  const broken = Buffer.from('Année;Valeur\n2023;"12\n2024;13\n');
  const result = await failure(broken, mapping({ series: [series({ period: 'Année', value: 'Valeur' })] }));
  t.equal(result.code, 'parse');
  t.match(result.message, /the CSV is malformed at line \d+/);
});

// ---------------------------------------------------------------- mapping mistakes found in the file

t.test('mapping mistakes name the column, the row and what was found', async (t) => {
  const csv = Buffer.from(`\ufeff${REPORTS_CSV}`);
  const unknown = await failure(csv, mapping({ series: [series({ id: 'reports', period: 'Annee ', value: 'Signalement recus' })] }));
  t.equal(unknown.code, 'parse');
  t.match(unknown.message, 'series "reports": the CSV has no value column "Signalement recus" (the columns are: "Année", "Canal", "Signalements reçus", "Part"); did you mean "Signalements reçus"?');

  const filter = await failure(csv, mapping({ series: [series({ period: 'Année', value: 'Part', filter: { Canal: 'Courrier' } })] }));
  t.same(filter, { code: 'empty', message: 'series "s": the CSV has no row with Canal = Courrier with a period in column "Année"' });

  const badValues = Buffer.from('Année;Valeur\n2021;douze\n2022;treize\n2023;14\n');
  const values1 = await failure(badValues, mapping({ series: [series({ period: 'Année', value: 'Valeur' })] }));
  t.equal(values1.code, 'parse');
  t.match(values1.message, 'series "s": most rows cannot be read (2 of 3); first: the CSV, row 2, column 2: "douze" is not a number');

  const oneBad = Buffer.from('Année;Valeur\n2021;12\n2022;treize\n2023;14\n2024;15\n');
  const partial = await ok(t, oneBad, mapping({ series: [series({ period: 'Année', value: 'Valeur' })] }));
  t.same(values(partial), { 2021: 12, 2023: 14, 2024: 15 });
  t.same(partial.warnings, ['series "s": skipped the CSV, row 3, column 2: "treize" is not a number'], 'one unreadable row is skipped and named');
  t.equal(partial.dropped, 1);

  const mixed = Buffer.from('Période;Valeur\n2023;1\nT1 2024;2\n');
  const mix = await failure(mixed, mapping({ series: [series({ period: 'Période', value: 'Valeur' })] }));
  t.same(mix, { code: 'parse', message: 'series "s" mixes years (the CSV, row 2) and quarters (the CSV, row 3); keep one with a filter, or set period_type' });

  const dimensionMissing = Buffer.from('Année;Canal;Valeur\n2023;web;1\n2023;tel;2\n2024;web;3\n2024;tel;4\n');
  const dup = await failure(dimensionMissing, mapping({ series: [series({ period: 'Année', value: 'Valeur' })] }));
  t.equal(dup.code, 'parse');
  t.match(dup.message, /2 rows give a period already given with another value: a dimension or a filter is missing/);

  const header = await failure(Buffer.from('A;B\n1;2\n'), mapping({ header_row: 5, series: [series({ period: 'A', value: 'B' })] }));
  t.same(header, { code: 'parse', message: 'the CSV has 2 rows; the header row 5 (header_row) is beyond it' });
});

// ---------------------------------------------------------------- XLSX

async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const REGIONS = ['Tanger-Tétouan-Al Hoceïma', "L'Oriental", 'Fès-Meknès', 'Rabat-Salé-Kénitra'];

function regionsSheet(ws: ExcelJS.Worksheet): void {
  ws.mergeCells('A1:E1');
  ws.getCell('A1').value = 'Affaires de corruption par région (chiffres simulés)';
  ws.getCell('A3').value = 'Région';
  ws.mergeCells('A3:A4');
  ws.getCell('B3').value = 'Année';
  ws.mergeCells('B3:B4');
  ws.getCell('C3').value = 'Affaires';
  ws.mergeCells('C3:D3');
  ws.getCell('C4').value = 'enregistrées';
  ws.getCell('D4').value = 'jugées';
  ws.getCell('E3').value = 'Taux de\njugement';
  ws.mergeCells('E3:E4');
  REGIONS.forEach((region, i) => {
    const row = 5 + i + (i >= 2 ? 1 : 0); // an empty row inside the table
    ws.getCell(`A${row}`).value = region;
    ws.getCell(`B${row}`).value = 2024;
    ws.getCell(`C${row}`).value = 100 + i * 10;
    // Cached results only: "1+1" cached as 60 must read 60 (never evaluated).
    ws.getCell(`D${row}`).value = { formula: i === 0 ? '1+1' : `C${row}/2`, result: i === 3 ? undefined : 60 + i * 5 } as ExcelJS.CellFormulaValue;
    ws.getCell(`E${row}`).value = { formula: `D${row}/C${row}`, result: 0.6 - i * 0.05 } as ExcelJS.CellFormulaValue;
    ws.getCell(`E${row}`).numFmt = '0.0%';
  });
  ws.getCell('A12').value = 'Source : Présidence du Ministère Public (simulé)';
  ws.getCell('A13').value = { richText: [{ text: 'Note : ' }, { text: 'une affaire peut concerner plusieurs personnes.' }] };
}

t.test('XLSX: a merged header over two rows, formulas read from their cached values, percent cells, empty rows, notes under the table', async (t) => {
  const bytes = await workbook((wb) => {
    wb.addWorksheet('Lisez-moi').getCell('A1').value = 'Chiffres simulés';
    regionsSheet(wb.addWorksheet('2024'));
  });
  const result = await ok(
    t,
    bytes,
    mapping({
      sheet: '2024',
      header_row: [3, 4],
      series: [
        series({ id: 'judged', period: 'Année', value: 'Affaires / jugées', dimensions: ['Région'] }),
        series({ id: 'rate', period: 'Année', value: 'Taux de jugement', dimensions: ['Région'] }),
      ],
    }),
    { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  );
  t.equal(result.format, 'xlsx');
  const judged = result.series[0]!.observations.map((o) => [o.dimensions.Région, o.value]);
  t.same(judged, [
    [REGIONS[0], 60],
    [REGIONS[1], 65],
    [REGIONS[2], 70],
    [REGIONS[3], null],
  ], 'cached values; "1+1" is not evaluated; a formula without a cached value is missing');
  const rate = result.series[1]!;
  t.ok(rate.percent);
  t.same(rate.observations.map((o) => o.value), [60, 55, 50, 45], 'cells formatted as % read as shown');
  t.same(result.warnings, []);

  const byIndex = await ok(t, bytes, mapping({ sheet: 2, header_row: [3, 4], series: [series({ period: 'Année', value: 'Affaires / enregistrées', dimensions: ['Région'] })] }));
  t.same(byIndex.series[0]!.observations.map((o) => o.value), [100, 110, 120, 130], 'the sheet by its position');

  const noSheet = await failure(bytes, mapping({ sheet: '2023', series: [series({ period: 'Année', value: 'x' })] }));
  t.same(noSheet, { code: 'parse', message: 'the workbook has no sheet "2023" (its sheets: 1: "Lisez-moi", 2: "2024")' });

  const unknown = await failure(bytes, mapping({ sheet: '2024', header_row: [3, 4], series: [series({ period: 'Année', value: 'jugées' })] }));
  t.equal(unknown.code, 'parse');
  t.match(unknown.message, 'sheet "2024" has no value column "jugées" (the columns are: "Région", "Année", "Affaires / enregistrées", "Affaires / jugées", "Taux de jugement")');
});

t.test('XLSX: date cells as months, an unreadable cell named by its address', async (t) => {
  const bytes = await workbook((wb) => {
    const ws = wb.addWorksheet('Mensuel');
    ws.addRow(['Mois', 'Signalements']);
    ws.addRow([new Date(Date.UTC(2024, 0, 1)), 10]);
    ws.addRow([new Date(Date.UTC(2024, 1, 1)), 'douze']);
    ws.addRow([new Date(Date.UTC(2024, 2, 1)), 14]);
    ws.addRow([new Date(Date.UTC(2024, 3, 1)), 15]);
  });
  const result = await ok(t, bytes, mapping({ series: [series({ period: 'Mois', value: 'Signalements', period_type: 'month' })] }));
  t.same(values(result), { '2024-01': 10, '2024-03': 14, '2024-04': 15 });
  t.same(result.warnings, ['series "s": skipped sheet "Mensuel", cell B3: "douze" is not a number']);
});

t.test('XLSX: not a workbook, a legacy .xls, a truncated file', async (t) => {
  const m = mapping({ series: [series({ period: 'A', value: 'B' })] });
  const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600, 1)]);
  t.same(await failure(xls, { ...m, format: 'xlsx' }), {
    code: 'wrong_type',
    message: 'the file is an old Excel workbook (.xls, 97-2003), which is not read: ask the partner for .xlsx or .csv',
  });
  const other = makeZip([{ name: 'word/document.xml', data: Buffer.from('<w/>') }]);
  t.same(await failure(other, m), { code: 'wrong_type', message: 'the zip archive is not an XLSX workbook (it has no xl/workbook.xml)' });
  const full = await workbook((wb) => wb.addWorksheet('x').addRow(['A', 'B']));
  const truncated = await failure(full.subarray(0, Math.floor(full.length / 2)), { ...m, format: 'xlsx' });
  t.equal(truncated.code, 'parse');
  t.match(truncated.message, /the XLSX workbook cannot be read: the file is not a complete zip archive/);
});

// ---------------------------------------------------------------- JSON

t.test('JSON: plain records at a dot path, nested fields', async (t) => {
  const body = Buffer.from(
    JSON.stringify({
      meta: { source: 'simulé' },
      data: {
        rows: [
          { annee: 2022, pays: { nom: 'Maroc' }, score: '38' },
          { annee: 2023, pays: { nom: 'Maroc' }, score: 38.5 },
          { annee: 2023, pays: { nom: 'Tunisie' }, score: null },
        ],
      },
    }),
  );
  const result = await ok(t, body, mapping({ records: 'data.rows', series: [series({ period: 'annee', value: 'score', dimensions: ['pays.nom'] })] }));
  t.equal(result.format, 'json');
  t.same(result.series[0]!.observations, [
    { period: '2022', value: 38, dimensions: { 'pays.nom': 'Maroc' } },
    { period: '2023', value: 38.5, dimensions: { 'pays.nom': 'Maroc' } },
    { period: '2023', value: null, dimensions: { 'pays.nom': 'Tunisie' } },
  ]);
  const missingPath = await failure(body, mapping({ records: 'data.lignes', series: [series({ period: 'annee', value: 'score' })] }));
  t.same(missingPath, { code: 'parse', message: 'records: "data.lignes" does not lead to a list of records in the JSON (its top-level keys: meta, data)' });
  const object = await failure(body, mapping({ series: [series({ period: 'annee', value: 'score' })] }));
  t.same(object, { code: 'parse', message: 'the JSON is an object; set records: to the path of its list of records (its top-level keys: meta, data)' });
  const broken = await failure(Buffer.from('[{"annee": 2022,\n "score": }]'), mapping({ series: [series({ period: 'annee', value: 'score' })] }));
  t.same(broken, { code: 'parse', message: 'the JSON is malformed at line 2, column 11: unexpected "}]"' });
  const cut = await failure(Buffer.from('[{"annee": 2022}'), mapping({ series: [series({ period: 'annee', value: 'score' })] }));
  t.same(cut, { code: 'parse', message: 'the JSON is malformed at line 1, column 17: the text ends too early' });
});

t.test('JSON: the World Bank [meta, rows] layout', async (t) => {
  const rows = [
    { indicator: { id: 'CC.EST', value: 'Control of Corruption' }, country: { id: 'MA', value: 'Morocco' }, countryiso3code: 'MAR', date: '2023', value: -0.32, unit: '', obs_status: '', decimal: 2 },
    { indicator: { id: 'CC.EST', value: 'Control of Corruption' }, country: { id: 'MA', value: 'Morocco' }, countryiso3code: 'MAR', date: '2022', value: -0.35, unit: '', obs_status: '', decimal: 2 },
    { indicator: { id: 'CC.EST', value: 'Control of Corruption' }, country: { id: 'TN', value: 'Tunisia' }, countryiso3code: 'TUN', date: '2023', value: null, unit: '', obs_status: '', decimal: 2 },
  ];
  const body = Buffer.from(JSON.stringify([{ page: 1, pages: 1, per_page: 50, total: 3, lastupdated: '2024-09-26' }, rows]));
  const result = await ok(t, body, mapping({ layout: 'worldbank', series: [series({ period: 'date', value: 'value', dimensions: ['country'] })] }));
  t.same(values(result, { country: 'Morocco' }), { 2022: -0.35, 2023: -0.32 });
  t.same(result.series[0]!.dimensionValues, { country: ['Morocco', 'Tunisia'] }, 'an {id, value} field reads as its value');
  const byCode = await ok(t, body, mapping({ layout: 'worldbank', series: [series({ period: 'date', value: 'value', filter: { countryiso3code: 'MAR' } })] }));
  t.same(values(byCode), { 2022: -0.35, 2023: -0.32 });
  const error = await failure(Buffer.from('[{"message":[{"id":"120","key":"Invalid value","value":"The provided parameter value is not valid"}]}]'), mapping({ layout: 'worldbank', series: [series({ period: 'date', value: 'value' })] }));
  t.equal(error.code, 'parse');
  t.match(error.message, /^the World Bank API answered an error: .*not valid/);
});

t.test('JSON: SDMX-JSON data messages, by series and flat', async (t) => {
  const structure = {
    dimensions: {
      series: [
        { id: 'REF_AREA', name: 'Reference area', values: [{ id: 'MAR', name: 'Maroc' }, { id: 'TUN', name: { fr: 'Tunisie', en: 'Tunisia' } }] },
        { id: 'INDICATOR', values: [{ id: 'CPI', name: 'Indice' }] },
      ],
      observation: [{ id: 'TIME_PERIOD', role: 'time', values: [{ id: '2022', name: '2022' }, { id: '2023', name: '2023' }] }],
    },
  };
  const bySeries = {
    meta: { id: 'demo' },
    data: {
      dataSets: [{ series: { '0:0': { observations: { 0: [38], 1: [38.5] } }, '1:0': { observations: { 0: [40], 1: [null] } } } }],
      structure,
    },
  };
  const result = await ok(t, Buffer.from(JSON.stringify(bySeries)), mapping({ layout: 'sdmx', series: [series({ period: 'TIME_PERIOD', value: 'OBS_VALUE', dimensions: ['REF_AREA'] })] }));
  t.same(result.series[0]!.observations, [
    { period: '2022', value: 38, dimensions: { REF_AREA: 'Maroc' } },
    { period: '2022', value: 40, dimensions: { REF_AREA: 'Tunisia' } },
    { period: '2023', value: 38.5, dimensions: { REF_AREA: 'Maroc' } },
    { period: '2023', value: null, dimensions: { REF_AREA: 'Tunisia' } },
  ]);
  const flat = { dataSets: [{ observations: { '0:0:1': [38.5], '1:0:0': [40] } }], structure };
  const flatResult = await ok(t, Buffer.from(JSON.stringify(flat)), mapping({ layout: 'sdmx', series: [series({ period: 'TIME_PERIOD', value: 'OBS_VALUE', filter: { 'REF_AREA.id': 'MAR' } })] }));
  t.same(values(flatResult), { 2023: 38.5 }, 'flat observations, filtered by code');
  const notSdmx = await failure(Buffer.from('{"data": []}'), mapping({ layout: 'sdmx', series: [series({ period: 'TIME_PERIOD', value: 'OBS_VALUE' })] }));
  t.same(notSdmx, { code: 'parse', message: 'expected an SDMX-JSON data message (data.dataSets and data.structure.dimensions); check layout: sdmx' });
});

// ---------------------------------------------------------------- formats and wrong answers

t.test('the format comes from the config, Content-Type, the extension or the bytes; a page instead of a file is wrong_type', async (t) => {
  const m = mapping({ series: [series({ period: 'Year', value: 'Value' })] });
  const csv = Buffer.from('Year,Value\n2023,1\n');
  t.equal((await ok(t, csv, m, { contentType: 'text/csv; charset=utf-8' })).format, 'csv');
  t.equal((await ok(t, csv, m, { url: 'https://p.example/a.csv?x=1' })).format, 'csv');
  t.equal((await ok(t, Buffer.from('[{"Year":2023,"Value":1}]'), m, {})).format, 'json', 'sniffed');
  t.equal((await ok(t, csv, m, { contentType: 'application/octet-stream', url: 'https://p.example/export?id=3' })).format, 'csv', 'a CSV labelled octet-stream');
  const json = await ok(t, Buffer.from('[{"Year":"2023","Value":"1.234"}]'), m, { contentType: 'application/json' });
  t.same(values(json), { 2023: 1.234 }, 'JSON strings use the decimal point');
  const html = await failure(Buffer.from('<!DOCTYPE html><html><body>Connexion</body></html>'), m, { contentType: 'text/html' });
  t.same(html, { code: 'wrong_type', message: 'expected a dataset (csv, xlsx or json) but got an HTML page (text/html)' });
  const pdf = await failure(Buffer.from('%PDF-1.7\n...'), m, {});
  t.equal(pdf.code, 'wrong_type');
  const zipAsCsv = await failure(makeZip(WORKBOOK_SKELETON), { ...m, format: 'csv' });
  t.same(zipAsCsv, { code: 'wrong_type', message: 'expected a CSV file but got a zip archive (an XLSX workbook?): set format: xlsx' });
});

// ---------------------------------------------------------------- bounds

t.test('bounds: bytes, rows, cells and time each fail with a clear code', async (t) => {
  const m = mapping({ series: [series({ period: 'Année', value: 'Valeur' })] });
  const rows = Buffer.from(['Année;Valeur', ...Array.from({ length: 200 }, (_, i) => `${1900 + i};${i}`)].join('\n'));
  t.same(await failure(rows, m, {}, { ...LIMITS, maxBytes: 100 }), { code: 'too_large', message: `the file is ${rows.length} bytes; at most 100 are read` });
  const tooMany = await failure(rows, m, {}, { ...LIMITS, maxRows: 100 });
  t.same(tooMany, { code: 'too_large', message: 'the CSV has more than 100 rows; raise harvest.max_dataset_rows if it is legitimate' });
  const wide = Buffer.from(['Année;Valeur', ...Array.from({ length: 50 }, (_, i) => `${1950 + i};${i}${';x'.repeat(20)}`)].join('\n'));
  const cells = await failure(wide, m, {}, { ...LIMITS, maxCells: 500 });
  t.equal(cells.code, 'too_large');
  t.match(cells.message, /^the file has more than 500 cells \(reached at row \d+\); raise harvest.max_dataset_cells/);
  const json = Buffer.from(JSON.stringify(Array.from({ length: 150 }, (_, i) => ({ Année: 1900 + i, Valeur: i }))));
  t.same(await failure(json, m, {}, { ...LIMITS, maxRows: 100 }), { code: 'too_large', message: 'the JSON has 150 records; at most 100 are read' });
  const big = Buffer.from(['Année;Valeur', ...Array.from({ length: 5000 }, (_, i) => `${1900 + (i % 300)};${i}`)].join('\n'));
  const slow = await failure(big, m, {}, { ...LIMITS, timeMs: 0 });
  t.equal(slow.code, 'timeout');
  t.match(slow.message, /^reading the file took longer than 0 s \(stopped at /);
  const xlsx = await workbook((wb) => {
    const ws = wb.addWorksheet('big');
    ws.addRow(['Année', 'Valeur']);
    for (let i = 0; i < 300; i++) ws.addRow([1700 + i, i]);
  });
  t.same(await failure(xlsx, m, {}, { ...LIMITS, maxRows: 100 }), { code: 'too_large', message: 'the workbook has more than 100 rows; raise harvest.max_dataset_rows if it is legitimate' });
  t.same(await failure(xlsx, m, {}, { ...LIMITS, maxCells: 300 }), { code: 'too_large', message: 'the workbook has more than 300 cells; raise harvest.max_dataset_cells if it is legitimate' });
  // A workbook is read whole by exceljs (about 1 KB a cell): 300,000 cells at most, whatever the setting.
  const cellsXml = `<worksheet><sheetData><row r="1">${'<c r="A1"><v>1</v></c>'.repeat(300_001)}</row></sheetData></worksheet>`;
  const wide2 = makeZip([...WORKBOOK_SKELETON, { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(cellsXml) }]);
  t.same(await failure(wide2, { ...m, format: 'xlsx' }, {}, { ...LIMITS, maxCells: 5_000_000, maxUnzippedBytes: 50 * 1024 * 1024 }), {
    code: 'too_large',
    message: 'the workbook has more than 300,000 cells; a workbook is read whole, so at most 300,000 cells are: ask the partner for a CSV',
  });
});

t.test('zip bombs: a declared size over the limit is refused before inflating; a lying entry stops at its declared size', async (t) => {
  const m = mapping({ format: 'xlsx', series: [series({ period: 'A', value: 'B' })] });
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  // Honest bomb: 64 MB of zeros deflate to about 64 KB and say so in the directory.
  const honest = makeZip([...WORKBOOK_SKELETON, { name: 'xl/worksheets/sheet1.xml', data: zeros }]);
  t.ok(honest.length < 200 * 1024, `the bomb is ${Math.round(honest.length / 1024)} KB`);
  const started = performance.now();
  const refused = await failure(honest, m, {}, { ...LIMITS, maxUnzippedBytes: 10 * 1024 * 1024 });
  t.same(refused, {
    code: 'too_large',
    message: 'the XLSX workbook cannot be read: the zip archive declares 64.0 MB or more once unpacked; at most 10.0 MB is read (a zip bomb, or a workbook too large)',
  });
  t.ok(performance.now() - started < 5_000, 'refused from the directory, without inflating');
  // Lying bomb: the directory says 1 KB, the data inflates to 64 MB.
  const liar = makeZip([...WORKBOOK_SKELETON, { name: 'xl/worksheets/sheet1.xml', data: zeros, declaredSize: 1024 }]);
  const stopped = await failure(liar, m);
  t.same(stopped, { code: 'too_large', message: 'the XLSX workbook cannot be read: the zip entry "xl/worksheets/sheet1.xml" unpacks to more than the 1 KB it declares (a zip bomb): refused' });
  // Too many entries.
  const many = makeZip([...WORKBOOK_SKELETON, ...Array.from({ length: 30 }, (_, i) => ({ name: `xl/media/${i}.png`, data: Buffer.from('x') }))]);
  t.same(await failure(many, m, {}, { ...LIMITS, maxZipEntries: 10 }), { code: 'too_large', message: 'the XLSX workbook cannot be read: the zip archive has 32 entries; at most 10 are read' });
});
