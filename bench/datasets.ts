// `npm run bench:datasets`: statistics as data (issue 16).
// 1. Reading files at the default limits, each in a fresh process (time and peak RSS): a CSV of
//    200,000 rows, an XLSX of 70,000 rows × 4 columns (near its 300,000-cell bound), a World Bank JSON of 100,000 rows, and two
//    zip bombs (one declaring 1 GB, one declaring 1 KB and inflating to 1 GB).
// 2. The statistics pages and API over HTTP against the real app in its own process (bench/stats-server.ts),
//    page cache off, with the demo's six series: req/s and p99 by autocannon.
// Targets: every file read within the 30 s time limit and under 512 MB RSS; a bomb refused in under
// a second; the series page ≥ 200 req/s without the page cache.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import autocannon from 'autocannon';
import ExcelJS from 'exceljs';
import { stringify } from 'yaml';
import { loadConfig, type DatasetSourceConfig, type SeriesConfig } from '../config/index.ts';
import { datasetLimits, parseDataset, type DatasetMapping } from '../connectors/index.ts';
import { DEMO_DATASETS } from '../demo/datasets.ts';
import { openStore } from '../store/index.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const LIMITS = {
  max_dataset_bytes: 20 * 1024 * 1024,
  max_dataset_unzipped: 100 * 1024 * 1024,
  max_dataset_rows: 200_000,
  max_dataset_cells: 1_000_000,
  dataset_time_limit: 30_000,
};

const series = (partial: Partial<SeriesConfig> & Pick<SeriesConfig, 'period' | 'value'>): SeriesConfig => ({ id: 's', name: { fr: 'S' }, dimensions: [], chart: 'auto', ...partial });
const mapping = (partial: Partial<DatasetMapping> & Pick<DatasetMapping, 'series'>): DatasetMapping => ({ header_row: 1, date_order: 'dmy', ...partial });

// ------------------------------------------------------------------ child: one parse
if (process.argv[2] === '--child') {
  const [file, mappingJson] = process.argv.slice(3);
  const bytes = fs.readFileSync(file!);
  const started = performance.now();
  const result = await parseDataset(bytes, JSON.parse(mappingJson!) as DatasetMapping, datasetLimits(LIMITS as never), { url: file });
  const ms = performance.now() - started;
  const observations = result.ok ? result.series.reduce((n, s) => n + s.observations.length, 0) : 0;
  // VmHWM: this process's peak resident set (getrusage's maxRSS would carry the parent's over fork and exec).
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  process.stdout.write(`${JSON.stringify({ ms: Math.round(ms), rssMb: Math.round(peakKb / 1024), observations, error: result.ok ? null : `${result.code}: ${result.message.slice(0, 120)}` })}\n`);
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-datasets-'));
const months = (n: number) => Array.from({ length: n }, (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);

// ------------------------------------------------------------------ 1. files
async function files(): Promise<Array<{ name: string; file: string; mapping: DatasetMapping }>> {
  const out: Array<{ name: string; file: string; mapping: DatasetMapping }> = [];
  // CSV: 300 months × 12 regions × 55 channels = 198,000 rows, French numbers.
  const csv = ['Mois;Région;Canal;Valeur'];
  for (const month of months(300)) for (let r = 0; r < 12; r++) for (let c = 0; c < 55; c++) csv.push(`${month};Région ${r};Canal ${c};${(r * 1000 + c * 7 + month.length) * 3},5`);
  fs.writeFileSync(path.join(dir, 'big.csv'), csv.join('\n'));
  out.push({ name: `CSV, ${(csv.length - 1).toLocaleString('en')} rows`, file: path.join(dir, 'big.csv'), mapping: mapping({ series: [series({ period: 'Mois', value: 'Valeur', dimensions: ['Région', 'Canal'] })] }) });

  // XLSX: 100,000 rows × 4 columns.
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Données');
  sheet.addRow(['Mois', 'Région', 'Canal', 'Valeur']);
  let rows = 0;
  for (const month of months(300)) for (let r = 0; r < 12; r++) for (let c = 0; c < 28 && rows < 70_000; c++, rows++) sheet.addRow([month, `Région ${r}`, `Canal ${c}`, r * 100 + c]);
  await workbook.xlsx.writeFile(path.join(dir, 'big.xlsx'));
  out.push({ name: `XLSX, ${rows.toLocaleString('en')} rows × 4`, file: path.join(dir, 'big.xlsx'), mapping: mapping({ series: [series({ period: 'Mois', value: 'Valeur', dimensions: ['Région', 'Canal'] })] }) });

  // World Bank JSON: 100,000 rows.
  const wb: unknown[] = [];
  for (let i = 0; i < 100_000; i++) wb.push({ indicator: { id: 'X', value: 'X' }, country: { id: `C${i % 250}`, value: `Country ${i % 250}` }, date: String(1800 + Math.floor(i / 250)), value: i / 3 });
  fs.writeFileSync(path.join(dir, 'big.json'), JSON.stringify([{ page: 1 }, wb]));
  out.push({ name: 'World Bank JSON, 100,000 rows', file: path.join(dir, 'big.json'), mapping: mapping({ format: 'json', layout: 'worldbank', series: [series({ period: 'date', value: 'value', dimensions: ['country'] })] }) });

  // Zip bombs: 1 GB of zeros, declared honestly, and declared as 1 KB.
  const zeros = Buffer.alloc(256 * 1024 * 1024);
  const deflated = zlib.deflateRawSync(Buffer.concat([zeros, zeros, zeros, zeros]));
  for (const [name, declared] of [
    ['zip bomb declaring 1 GB', 1024 ** 3],
    ['zip bomb declaring 1 KB, inflating to 1 GB', 1024],
  ] as const) {
    out.push({ name, file: path.join(dir, `${declared}.xlsx`), mapping: mapping({ format: 'xlsx', series: [series({ period: 'A', value: 'B' })] }) });
    fs.writeFileSync(path.join(dir, `${declared}.xlsx`), zip([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }, { name: 'xl/worksheets/sheet1.xml', deflated, size: declared }]));
  }
  return out;
}

/** A zip of entries, already deflated or not, with the sizes they declare. */
function zip(entries: Array<{ name: string; data?: Buffer; deflated?: Buffer; size?: number }>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const body = entry.deflated ?? zlib.deflateRawSync(entry.data!);
    const size = entry.size ?? entry.data!.length;
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(8, 10);
    record.writeUInt32LE(body.length, 20);
    record.writeUInt32LE(size, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(record, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

console.log('reading files at the default limits (each in a fresh process):');
let allMet = true;
for (const { name, file, mapping: m } of await files()) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', file, JSON.stringify(m)], { encoding: 'utf8', maxBuffer: 1024 * 1024 });
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { ms: number; rssMb: number; observations: number; error: string | null };
  const bomb = name.startsWith('zip bomb');
  const met = bomb ? result.error?.startsWith('too_large') && result.ms < 1000 : !result.error && result.ms < 30_000 && result.rssMb < 512;
  allMet &&= Boolean(met);
  console.log(
    `  ${name.padEnd(44)} ${String(result.ms).padStart(6)} ms, peak RSS ${String(result.rssMb).padStart(4)} MB, ${result.error ?? `${result.observations.toLocaleString('en')} observations`} ${met ? 'MET' : 'MISSED'}`,
  );
}

// ------------------------------------------------------------------ 2. pages over HTTP
const configDir = path.join(dir, 'config');
fs.mkdirSync(path.join(configDir, 'partners'), { recursive: true });
fs.writeFileSync(path.join(configDir, 'portal.yaml'), stringify({ site: { name: { fr: 'Bench' }, base_url: 'https://portal.example' }, languages: ['ar', 'fr', 'en'] }));
const good = DEMO_DATASETS.filter((d) => d.id !== 'recommendations-followup');
for (const partner of new Set(good.map((d) => d.partner))) {
  fs.writeFileSync(
    path.join(configDir, 'partners', `${partner}.yaml`),
    stringify({ id: partner, name: { fr: partner }, kind: 'constitutional', sources: good.filter((d) => d.partner === partner).map((d) => ({ id: d.id, type: 'dataset', url: `https://${partner}.example${d.path}`, ...d.config })) }),
  );
}
const settings = loadConfig(configDir).config!;
const dbFile = path.join(dir, 'portal.db');
const store = openStore(dbFile);
const now = new Date();
store.syncConfig(settings, now.toISOString());
for (const dataset of good) {
  const source = store.listSources({ sources: [`${dataset.partner}/${dataset.id}`] })[0]!;
  const parsed = await parseDataset(await dataset.body(now), source.config as DatasetSourceConfig, datasetLimits(LIMITS as never), { contentType: dataset.contentType });
  if (!parsed.ok) throw new Error(parsed.message);
  const at = now.toISOString();
  const runPk = store.startRun('test', at);
  store.commitDataset({
    runPk,
    source,
    dataset: { format: parsed.format, rows: parsed.rows, series: parsed.series, dropped: parsed.dropped, fileUrl: source.config.url, fetchedAt: at, contentHash: 'bench' },
    outcome: (c) => ({ status: 'ok', startedAt: at, durationMs: 1, itemsFound: c.observations, itemsNew: c.new, itemsChanged: c.revised, itemsGone: 0, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] }),
    state: () => ({ attemptAt: at, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null }),
    now: at,
  });
  store.finishRun(runPk, at);
}
store.close();

const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'stats-server.ts'), configDir, dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
const { port } = JSON.parse(await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve))) as { port: number };
const url = `http://127.0.0.1:${port}`;
function cannon(paths: string[]): Promise<autocannon.Result> {
  let n = 0;
  return new Promise((resolve, reject) =>
    autocannon(
      { url, connections: 20, duration: DURATION, headers: { 'user-agent': 'Mozilla/5.0 (bench)' }, requests: [{ setupRequest: (request) => ({ ...request, path: paths[n++ % paths.length]! }) }] },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
}
console.log(`\nstatistics over HTTP, page cache off, ${DURATION} s each, 20 connections:`);
const pages: Array<[string, string[]]> = [
  ['statistics page (cards)', ['/fr/statistics', '/ar/statistics']],
  ['series page, line (8 countries)', ['/fr/statistics/transparency-maroc-cpi-score', '/ar/statistics/transparency-maroc-cpi-score?compare=Morocco&compare=Spain']],
  ['series page, bars (12 regions)', ['/fr/statistics/pmp-corruption-cases-registered', '/ar/statistics/pmp-corruption-cases-registered']],
  ['GET /api/statistics', ['/api/statistics']],
  ['GET /api/statistics/{series}', ['/api/statistics/transparency-maroc-cpi-score']],
  ['GET /api/statistics/{series}.csv', ['/api/statistics/transparency-maroc-cpi-score.csv']],
];
for (const [name, paths] of pages) {
  await cannon(paths).catch(() => undefined); // warm-up (the same length: the machine is shared)
  const result = await cannon(paths);
  const errors = result.errors + result.non2xx + result.timeouts;
  const met = name.startsWith('series page') ? (result.requests.average >= 200 ? ' MET (≥ 200 req/s)' : ' MISSED (≥ 200 req/s)') : '';
  if (met.includes('MISSED')) allMet = false;
  console.log(`  ${name.padEnd(34)} ${Math.round(result.requests.average).toString().padStart(6)} req/s, p99 ${String(result.latency.p99).padStart(4)} ms${errors ? `, ${errors} errors` : ''}${met}`);
}
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
fs.rmSync(dir, { recursive: true, force: true });
console.log(`\ntargets: ${allMet ? 'all MET' : 'some MISSED'}`);
