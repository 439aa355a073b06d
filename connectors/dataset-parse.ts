// Reading a partner's statistics file into series: `parseDataset(bytes, mapping, limits, hints)`.
// A pure function of its inputs (no network, no database, no clock but its own time budget), and
// it never throws for bad input: everything comes back as observations, or as a failure with a
// contract error code and a message naming the row and column. It can therefore run inside a
// killable worker or child process; on its own it is bounded by sizes (bytes, unpacked bytes, zip
// entries), counts (rows, cells) and time between rows.
//
// One reader per format (CSV through csv-parse, XLSX through exceljs after the zip is checked, JSON
// plain records, SDMX-JSON and the World Bank's [meta, rows]) gives records; one mapping step turns
// records into observations, so every format reads numbers, periods and missing values alike.
import type ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { CONTROLS, type DatasetFormat, type DatasetSourceConfig, type DateOrder, type ErrorCode, type PeriodKind, type SeriesConfig, withoutInvisible } from '../config/index.ts';
import { coercePeriod, readNumber, readPeriod, type Period } from './dataset-values.ts';
import { describeKind, sniff } from './sniff.ts';
import { isZipFailure, listZip, looksLikeZip, readZipEntry } from './zip.ts';

export interface DatasetLimits {
  maxBytes: number;
  /** Sum of an XLSX's entries once unpacked. */
  maxUnzippedBytes: number;
  maxZipEntries: number;
  /** Rows (records) read. */
  maxRows: number;
  /** Cells (rows × columns, or record fields) read. */
  maxCells: number;
  /** Time budget of the whole parse, checked between rows. */
  timeMs: number;
}

/** What a parse needs of the source's config: plain data, so it can be sent to a worker. */
export type DatasetMapping = Pick<
  DatasetSourceConfig,
  'format' | 'sheet' | 'header_row' | 'records' | 'layout' | 'delimiter' | 'encoding' | 'decimal_separator' | 'missing' | 'series' | 'date_order'
>;

export interface DatasetHints {
  contentType?: string | null;
  url?: string;
}

export interface ParsedObservation {
  /** Normal form: 2024, 2024-Q1, 2024-03 or 2024-03-31. */
  period: string;
  /** null: the partner wrote a missing marker ("n.d.", "-", "…"). */
  value: number | null;
  dimensions: Record<string, string>;
}

export interface ParsedSeries {
  /** The series' id in the config (not yet prefixed with the partner). */
  id: string;
  periodKind: PeriodKind;
  /** Values were written as percentages ("12,3 %", or cells formatted as %). */
  percent: boolean;
  observations: ParsedObservation[];
  /** Each dimension's values, in the order the file first gives them. */
  dimensionValues: Record<string, string[]>;
}

export type DatasetParse =
  | { ok: true; format: DatasetFormat; rows: number; series: ParsedSeries[]; warnings: string[]; dropped: number }
  | { ok: false; code: ErrorCode; message: string };

/** A cell as read: text, a number, a date, nothing, or a number the file formats as a percentage. */
type Cell = string | number | Date | boolean | null | { percent: number };

/**
 * The records of a file, by index: no object or closure per row (a 200,000-row file would spend
 * more time collecting them than reading it).
 */
interface Records {
  /** Field names (column headers, or the fields of the first records) for "did you mean". */
  fields: string[];
  /** Resolves a mapping's field to the one the records use; undefined when absent. */
  resolve(field: string): string | undefined;
  count: number;
  get(index: number, field: string): Cell | undefined;
  /** Where a record is, for messages: "sheet "2024", row 12", "record 7 (data[6])". */
  at(index: number): string;
  /** Where one of its fields is: "sheet "2024", cell C12". */
  where(index: number, field: string): string;
  /** "sheet "2024"", "the CSV": prefixes messages. */
  place: string;
}

class ParseFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Texts from the file inside messages: bounded and on one line. */
export function quote(text: unknown, max = 60): string {
  const s = String(text).replace(/\s+/g, ' ').trim();
  return `"${s.length > max ? `${s.slice(0, max - 1)}…` : s}"`;
}

/**
 * Cells read from a workbook at most, whatever max_dataset_cells says: exceljs builds the whole
 * workbook in memory, about 1 KB a cell (measured: 400,000 cells, 470 MB peak), where a CSV costs
 * a fifth of that.
 */
export const MAX_XLSX_CELLS = 300_000;

/** Distinct dimension values kept per dimension: more is a mapping mistake (a value column as a dimension). */
export const MAX_DIMENSION_VALUES = 1000;
/** Characters kept of a dimension value. */
export const MAX_DIMENSION_CHARS = 200;

class Budget {
  private readonly start = performance.now();
  private cells = 0;
  constructor(readonly limits: DatasetLimits) {}
  /** Called between rows: the time budget. */
  tick(at: string): void {
    if (performance.now() - this.start > this.limits.timeMs) {
      throw new ParseFailure('timeout', `reading the file took longer than ${Math.round(this.limits.timeMs / 1000)} s (stopped at ${at})`);
    }
  }
  addCells(n: number, at: string): void {
    this.cells += n;
    if (this.cells > this.limits.maxCells) {
      throw new ParseFailure('too_large', `the file has more than ${this.limits.maxCells.toLocaleString('en')} cells (reached at ${at}); raise harvest.max_dataset_cells if it is legitimate`);
    }
  }
}

let excel: Promise<typeof ExcelJS> | undefined;

/**
 * exceljs, loaded once per process on first use: loading it blocks the event loop for most of a
 * second, which no process should pay at start (`portal serve`, `portal check`), and which a
 * harvest pays before its first request (like pdf.js), not while other hosts' requests run.
 */
export function loadExcel(): Promise<typeof ExcelJS> {
  excel ??= import('exceljs').then((module) => module.default);
  return excel;
}

// ---------------------------------------------------------------- entry point

export async function parseDataset(bytes: Buffer, mapping: DatasetMapping, limits: DatasetLimits, hints: DatasetHints = {}): Promise<DatasetParse> {
  try {
    if (bytes.length > limits.maxBytes) throw new ParseFailure('too_large', `the file is ${bytes.length} bytes; at most ${limits.maxBytes} are read`);
    const budget = new Budget(limits);
    const format = detectFormat(bytes, mapping.format, hints);
    let records: Records;
    if (format === 'csv') records = await readCsv(bytes, mapping, budget);
    else if (format === 'xlsx') records = await readXlsx(bytes, mapping, budget);
    else records = readJson(bytes, mapping, budget);
    const { series, warnings, dropped } = mapSeries(records, mapping, format, budget);
    return { ok: true, format, rows: records.count, series, warnings, dropped };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'parse', message: `the file cannot be read: ${(error as Error)?.message ?? String(error)}` };
  }
}

const FORMAT_TYPES: Array<[RegExp, DatasetFormat]> = [
  [/spreadsheetml|ms-excel|officedocument/i, 'xlsx'],
  [/[/+]json\b/i, 'json'],
  [/text\/csv|text\/comma-separated|application\/csv|text\/tab-separated/i, 'csv'],
];

/** The file's format: declared, else from Content-Type, else the address's extension, else its bytes. */
export function detectFormat(bytes: Buffer, declared: DatasetFormat | undefined, hints: DatasetHints): DatasetFormat {
  const kind = sniff(bytes, hints.contentType ?? undefined);
  // A login page or an error page instead of the file: say so, whatever was declared.
  if (kind === 'html' || kind === 'pdf' || kind === 'feed' || kind === 'empty') {
    throw new ParseFailure('wrong_type', `expected a dataset (csv, xlsx or json) but got ${describeKind(kind, hints.contentType ?? undefined)}`);
  }
  const zip = looksLikeZip(bytes);
  let format = declared;
  if (!format) {
    const type = hints.contentType ?? '';
    format = FORMAT_TYPES.find(([pattern]) => pattern.test(type))?.[1];
    const extension = /\.(csv|xlsx|json)$/i.exec((hints.url ?? '').split(/[?#]/)[0]!)?.[1]?.toLowerCase() as DatasetFormat | undefined;
    format ??= extension;
    if (!format) {
      const head = bytes.subarray(0, 64).toString('utf8').replace(/^\ufeff/, '').trimStart();
      format = zip ? 'xlsx' : head.startsWith('{') || head.startsWith('[') ? 'json' : 'csv';
    }
  }
  if (format === 'xlsx' && !zip) {
    if (bytes.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
      throw new ParseFailure('wrong_type', 'the file is an old Excel workbook (.xls, 97-2003), which is not read: ask the partner for .xlsx or .csv');
    }
    throw new ParseFailure('wrong_type', `expected an XLSX workbook (a zip archive) but got ${describeKind(kind, hints.contentType ?? undefined)}`);
  }
  if (format !== 'xlsx' && zip) throw new ParseFailure('wrong_type', `expected a ${format.toUpperCase()} file but got a zip archive (an XLSX workbook?): set format: xlsx`);
  // Servers label CSV files application/octet-stream: judge by the bytes alone.
  if (format === 'csv' && sniff(bytes) === 'binary') throw new ParseFailure('wrong_type', 'expected a CSV file but got a binary file');
  return format;
}

// ---------------------------------------------------------------- CSV

function decodeCsv(bytes: Buffer, declared: string | undefined): string {
  if (declared) return iconv.decode(bytes, declared).replace(/^\ufeff/, '');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes.subarray(2), 'utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes.subarray(2), 'utf-16be');
  // UTF-16 without a BOM: every other byte is NUL in Latin text.
  const sample = bytes.subarray(0, 512);
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2) oddNul++;
    else evenNul++;
  }
  if (oddNul > sample.length / 4) return iconv.decode(bytes, 'utf-16le');
  if (evenNul > sample.length / 4) return iconv.decode(bytes, 'utf-16be');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Excel on Windows writes CSV in the machine's code page: windows-1256 in Arabic, windows-1252
    // in French. windows-1256 keeps the lower-case French letters where windows-1252 has them, so
    // text of mostly those bytes is French; runs of other high bytes are Arabic letters.
    const FRENCH = new Set([0xe0, 0xe2, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xee, 0xef, 0xf4, 0xf9, 0xfb, 0xfc, 0xab, 0xbb, 0xb0, 0x92, 0x96, 0x85]);
    let high = 0;
    let french = 0;
    for (const byte of bytes.subarray(0, 64 * 1024)) {
      if (byte >= 0x80) {
        high++;
        if (FRENCH.has(byte)) french++;
      }
    }
    return iconv.decode(bytes, french >= high * 0.6 ? 'windows-1252' : 'windows-1256');
  }
}

/**
 * The delimiter that splits the first lines most consistently (outside quotes): for each
 * candidate, the count most lines share wins, so a title line above the table does not mislead.
 */
export function detectDelimiter(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim()).slice(0, 12);
  let best = ',';
  let bestScore = 0;
  for (const candidate of [';', ',', '\t', '|']) {
    const counts = lines.map((line) => {
      let n = 0;
      let quoted = false;
      for (const c of line) {
        if (c === '"') quoted = !quoted;
        else if (c === candidate && !quoted) n++;
      }
      return n;
    });
    const tally = new Map<number, number>();
    for (const n of counts) if (n > 0) tally.set(n, (tally.get(n) ?? 0) + 1);
    let score = 0;
    for (const [n, lines] of tally) score = Math.max(score, lines * 100 + n);
    if (score > bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return best;
}

async function readCsv(bytes: Buffer, mapping: DatasetMapping, budget: Budget): Promise<Records> {
  // Loaded on the first CSV, like exceljs on the first workbook: processes that read none never pay it.
  const { parse: parseCsv } = await import('csv-parse/sync');
  const text = decodeCsv(bytes, mapping.encoding);
  const declared = mapping.delimiter === 'tab' ? '\t' : mapping.delimiter;
  const delimiter = declared ?? detectDelimiter(text.slice(0, 64 * 1024));
  const headerRows = headerRowList(mapping.header_row);
  const limit = budget.limits.maxRows + headerRows.at(-1)!;
  let rows: string[][];
  try {
    rows = parseCsv(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      // One more row than allowed: reading it proves the file is over the limit.
      to: limit + 1,
      max_record_size: 1024 * 1024,
      on_record: (record: string[], context: { records: number }) => {
        if (context.records % 1000 === 0) budget.tick(`row ${context.records}`);
        budget.addCells(record.length, `row ${context.records}`);
        return record;
      },
    }) as string[][];
  } catch (error) {
    if (error instanceof ParseFailure) throw error;
    const e = error as { code?: string; message: string; lines?: number };
    const where = e.lines ? ` at line ${e.lines}` : '';
    if (e.code === 'CSV_MAX_RECORD_SIZE') throw new ParseFailure('too_large', `a row of the CSV is longer than 1 MB${where}`);
    throw new ParseFailure('parse', `the CSV is malformed${where}: ${e.message.replace(/^Invalid (Closing )?Quote[^:]*:/, 'quote problem:').slice(0, 200)}`);
  }
  if (rows.length > limit) throw new ParseFailure('too_large', `the CSV has more than ${budget.limits.maxRows.toLocaleString('en')} rows; raise harvest.max_dataset_rows if it is legitimate`);
  return tableRecords({ rows: rows as Cell[][], numbers: null }, headerRows, 'the CSV', (row, col) => `row ${row}, column ${col + 1}`);
}

// ---------------------------------------------------------------- XLSX

const SHEET_ENTRY = /^xl\/worksheets\/[^/]+\.xml$/;

/** Counts occurrences of `needle` in `haystack`, up to `stop`. */
function countOf(haystack: Buffer, needle: Buffer, stop: number): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0 && n <= stop; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

async function readXlsx(bytes: Buffer, mapping: DatasetMapping, budget: Budget): Promise<Records> {
  const limits = budget.limits;
  // 1. The zip, checked before exceljs sees it: declared sizes, then each entry inflated within
  //    its declared size (a zip bomb stops here), then rows and cells counted in the sheets' XML, so
  //    exceljs never builds a workbook larger than the limits.
  const entries = listZip(bytes, { maxUnzippedBytes: limits.maxUnzippedBytes, maxEntries: limits.maxZipEntries });
  if (isZipFailure(entries)) throw new ParseFailure(entries.code, `the XLSX workbook cannot be read: ${entries.message}`);
  if (!entries.some((e) => e.name === 'xl/workbook.xml')) throw new ParseFailure('wrong_type', 'the zip archive is not an XLSX workbook (it has no xl/workbook.xml)');
  let rows = 0;
  let cells = 0;
  const maxCells = Math.min(limits.maxCells, MAX_XLSX_CELLS);
  for (const entry of entries) {
    budget.tick(`the zip entry ${quote(entry.name)}`);
    const data = readZipEntry(bytes, entry);
    if (isZipFailure(data)) throw new ParseFailure(data.code, `the XLSX workbook cannot be read: ${data.message}`);
    if (SHEET_ENTRY.test(entry.name)) {
      rows += countOf(data, Buffer.from('<row'), limits.maxRows + 1) + countOf(data, Buffer.from('<x:row'), limits.maxRows + 1);
      cells += countOf(data, Buffer.from('<c '), maxCells + 1) + countOf(data, Buffer.from('<c>'), maxCells + 1) + countOf(data, Buffer.from('<x:c '), maxCells + 1);
      if (rows > limits.maxRows) throw new ParseFailure('too_large', `the workbook has more than ${limits.maxRows.toLocaleString('en')} rows; raise harvest.max_dataset_rows if it is legitimate`);
      if (cells > maxCells) {
        const hint = maxCells < limits.maxCells ? `a workbook is read whole, so at most ${MAX_XLSX_CELLS.toLocaleString('en')} cells are: ask the partner for a CSV` : 'raise harvest.max_dataset_cells if it is legitimate';
        throw new ParseFailure('too_large', `the workbook has more than ${maxCells.toLocaleString('en')} cells; ${hint}`);
      }
    }
  }
  // 2. exceljs reads cached values only: it never evaluates a formula.
  const Excel = await loadExcel();
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    throw new ParseFailure('parse', `the XLSX workbook is malformed: ${String((error as Error).message).slice(0, 200)}`);
  }
  budget.tick('the workbook');
  const sheets = workbook.worksheets;
  if (sheets.length === 0) throw new ParseFailure('parse', 'the workbook has no sheet');
  const wanted = mapping.sheet;
  let sheet: ExcelJS.Worksheet | undefined;
  if (wanted === undefined) sheet = sheets[0];
  else if (typeof wanted === 'number') sheet = sheets[wanted - 1];
  else sheet = sheets.find((s) => s.name === wanted) ?? sheets.find((s) => fold(s.name) === fold(wanted));
  if (!sheet) {
    const names = sheets.map((s, i) => `${i + 1}: ${quote(s.name)}`).join(', ');
    throw new ParseFailure('parse', `the workbook has no sheet ${typeof wanted === 'number' ? `number ${wanted}` : quote(wanted)} (its sheets: ${names})`);
  }
  const place = `sheet ${quote(sheet.name)}`;
  const sheetRows: Cell[][] = [];
  const numbers: number[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (sheetRows.length % 1000 === 0) budget.tick(`${place}, row ${number}`);
    const values: Cell[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      values[col - 1] = cellValue(cell.value, cell.numFmt);
    });
    sheetRows.push(values);
    numbers.push(number);
  });
  return tableRecords({ rows: sheetRows, numbers }, headerRowList(mapping.header_row), place, (row, col) => `cell ${columnLetter(col)}${row}`);
}

/** A cell's cached value: formulas give their last result (never evaluated), errors nothing. */
function cellValue(value: ExcelJS.CellValue | undefined, numFmt: string | undefined, depth = 0): Cell {
  if (value === null || value === undefined || depth > 3) return null;
  if (typeof value === 'number') {
    // Binary floating point noise of stored decimals (0.1 + 0.2): Excel shows 15 digits.
    const clean = Number(value.toPrecision(15));
    return numFmt && /%/.test(numFmt.replace(/"[^"]*"/g, '')) ? { percent: Number((clean * 100).toPrecision(15)) } : clean;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value instanceof Date) return value;
  const object = value as unknown as Record<string, unknown>;
  if ('error' in object) return null;
  if ('formula' in object || 'sharedFormula' in object) return cellValue(object.result as ExcelJS.CellValue, numFmt, depth + 1);
  if ('richText' in object && Array.isArray(object.richText)) return (object.richText as Array<{ text?: string }>).map((r) => r.text ?? '').join('');
  if ('text' in object) return cellValue(object.text as ExcelJS.CellValue, numFmt, depth + 1);
  return null;
}

function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

// ---------------------------------------------------------------- tables (CSV and XLSX)

function headerRowList(headerRow: number | number[] | undefined): number[] {
  if (headerRow === undefined) return [1];
  return Array.isArray(headerRow) ? headerRow : [headerRow];
}

/** Header text: whitespace (line breaks inside Excel headers too) collapsed. */
function cleanHeader(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Lower case, no accents, no tashkeel, spaces collapsed: how a column is found when not written exactly. */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  if (typeof cell === 'object') return `${cell.percent} %`;
  return String(cell);
}

/** Rows of a sheet or CSV with their row numbers (null: the n-th row is row n). */
interface Table {
  rows: Cell[][];
  numbers: number[] | null;
}

function tableRecords(table: Table, headerRows: number[], place: string, cellAt: (row: number, col: number) => string): Records {
  const last = headerRows.at(-1)!;
  const numberOf = (i: number) => (table.numbers ? table.numbers[i]! : i + 1);
  const rowByNumber = (n: number): Cell[] | undefined => {
    if (!table.numbers) return table.rows[n - 1];
    const i = table.numbers.indexOf(n);
    return i >= 0 ? table.rows[i] : undefined;
  };
  const lastRow = table.rows.length ? numberOf(table.rows.length - 1) : 0;
  if (last > lastRow) {
    throw new ParseFailure('parse', `${place} has ${lastRow} row${lastRow === 1 ? '' : 's'}; the header row ${last} (header_row) is beyond it`);
  }
  // Column names: the header rows' texts joined with " / " ("Affaires / jugées"); a cell merged
  // over several header rows counts once.
  const width = Math.max(0, ...headerRows.map((n) => rowByNumber(n)?.length ?? 0));
  const names: string[] = [];
  for (let col = 0; col < width; col++) {
    const parts: string[] = [];
    for (const n of headerRows) {
      const text = cleanHeader(cellText(rowByNumber(n)?.[col]));
      if (text && parts.at(-1) !== text) parts.push(text);
    }
    names.push(parts.join(' / '));
  }
  if (!names.some(Boolean)) throw new ParseFailure('parse', `${place}: row ${headerRows.join('-')} (header_row) is empty; the column headers must be there`);
  const index = new Map<string, number>();
  names.forEach((name, col) => {
    if (name && !index.has(name)) index.set(name, col);
  });
  // The data: the rows after the last header row.
  let first = 0;
  while (first < table.rows.length && numberOf(first) <= last) first++;
  return {
    fields: names.filter(Boolean),
    resolve: (field) => resolveField(field, [...index.keys()]),
    count: table.rows.length - first,
    get: (i, field) => {
      const col = index.get(field);
      return col === undefined ? undefined : (table.rows[first + i]![col] ?? null);
    },
    at: (i) => `${place}, row ${numberOf(first + i)}`,
    where: (i, field) => `${place}, ${cellAt(numberOf(first + i), index.get(field) ?? 0)}`,
    place,
  };
}

/** The field as written, else the only one equal to it once folded. */
function resolveField(field: string, fields: string[]): string | undefined {
  const clean = cleanHeader(field);
  if (fields.includes(clean)) return clean;
  const folded = fields.filter((f) => fold(f) === fold(clean));
  return folded.length === 1 ? folded[0] : undefined;
}

// ---------------------------------------------------------------- JSON

function readJson(bytes: Buffer, mapping: DatasetMapping, budget: Budget): Records {
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    const at = jsonErrorOffset(text);
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const found = at >= text.length ? 'the text ends too early' : `unexpected ${quote(text.slice(at, at + 12), 20)}`;
    throw new ParseFailure('parse', `the JSON is malformed at line ${line}, column ${column}: ${found}`);
  }
  budget.tick('the JSON');
  const layout = mapping.layout ?? 'records';
  if (layout === 'sdmx') return sdmxRecords(root, budget);
  if (layout === 'worldbank') {
    if (Array.isArray(root) && root.length === 1 && isObject(root[0]) && 'message' in root[0]) {
      throw new ParseFailure('parse', `the World Bank API answered an error: ${quote(JSON.stringify(root[0].message), 200)}`);
    }
    if (!Array.isArray(root) || root.length < 2 || !Array.isArray(root[1])) {
      throw new ParseFailure('parse', 'expected the World Bank layout [meta, rows]: a list whose second element is the list of rows');
    }
    return objectRecords(root[1], 'rows', budget);
  }
  let list: unknown = root;
  if (mapping.records) {
    for (const key of mapping.records.split('.')) {
      if (!isObject(list) && !Array.isArray(list)) break;
      list = Array.isArray(list) ? list[Number(key)] : list[key];
    }
    if (!Array.isArray(list)) throw new ParseFailure('parse', `records: ${quote(mapping.records)} does not lead to a list of records in the JSON${isObject(root) ? ` (its top-level keys: ${Object.keys(root).slice(0, 10).join(', ')})` : ''}`);
  } else if (!Array.isArray(list)) {
    const keys = isObject(root) ? Object.keys(root).slice(0, 10) : [];
    throw new ParseFailure('parse', `the JSON is ${isObject(root) ? 'an object' : 'not a list'}; set records: to the path of its list of records${keys.length ? ` (its top-level keys: ${keys.join(', ')})` : ''}`);
  }
  return objectRecords(list as unknown[], mapping.records ?? 'records', budget);
}

/**
 * Where a JSON text first breaks the grammar (RFC 8259), for the message: V8's own message does
 * not always say. A scan with an explicit stack, so nesting depth costs no call stack.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const stack: Array<'{' | '['> = [];
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const scalar = (): boolean => {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x22) {
          i++;
          return true;
        }
        if (d < 0x20) return false;
        if (d === 0x5c) {
          const e = text[i + 1];
          if (e === 'u') {
            if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
            i += 5;
          } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
          else return false;
        }
      }
      return false;
    }
    const match = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!match) return false;
    i += match[0].length;
    return true;
  };
  // States: expecting a value, or what follows one (",", or the end of the container).
  space();
  let expectValue = true;
  while (i <= text.length) {
    if (expectValue) {
      const c = text[i];
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        space();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          expectValue = false;
          space();
          continue;
        }
        if (c === '{') {
          if (!scalar() || text[i - 1] !== '"') return i;
          space();
          if (text[i] !== ':') return i;
          i++;
          space();
        }
        continue;
      }
      if (!scalar()) return i;
      expectValue = false;
      space();
      continue;
    }
    const top = stack.at(-1);
    if (!top) return i < text.length ? i : text.length + 1;
    const c = text[i];
    if (c === ',') {
      i++;
      space();
      if (top === '{') {
        if (text[i] !== '"' || !scalar()) return i;
        space();
        if (text[i] !== ':') return i;
        i++;
        space();
      }
      expectValue = true;
      continue;
    }
    if (c === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
      space();
      continue;
    }
    return i;
  }
  return Math.min(i, text.length);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

/** A field of a record by dot path; an object {id, value} (the World Bank's) reads as its value. */
function fieldOf(record: unknown, path: string): Cell | undefined {
  let current: unknown = record;
  if (isObject(record) && path in record) current = record[path];
  else {
    for (const key of path.split('.')) {
      if (!isObject(current)) return undefined;
      if (!(key in current)) return undefined;
      current = current[key];
    }
  }
  if (isObject(current) && 'value' in current) current = current.value;
  if (current === null) return null;
  if (typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean') return current;
  return undefined;
}

function objectRecords(list: unknown[], name: string, budget: Budget): Records {
  if (list.length > budget.limits.maxRows) throw new ParseFailure('too_large', `the JSON has ${list.length.toLocaleString('en')} records; at most ${budget.limits.maxRows.toLocaleString('en')} are read`);
  const fields = new Set<string>();
  // Only objects are records; positions are kept for messages.
  const items: Array<Record<string, unknown>> = [];
  const positions: number[] = [];
  list.forEach((item, i) => {
    if (i % 1000 === 0) budget.tick(`record ${i + 1}`);
    if (!isObject(item)) return;
    budget.addCells(Object.keys(item).length, `record ${i + 1}`);
    if (fields.size < 200) for (const key of Object.keys(item)) fields.add(key);
    items.push(item);
    positions.push(i);
  });
  const known = [...fields];
  const at = (i: number) => `record ${positions[i]! + 1} (${name}[${positions[i]}])`;
  return {
    fields: known,
    // A dot path reaches inside a record: it is there when some record has it.
    resolve: (field) => (known.includes(field) || items.slice(0, 50).some((item) => fieldOf(item, field) !== undefined) ? field : resolveField(field, known)),
    count: items.length,
    get: (i, field) => fieldOf(items[i], field),
    at,
    where: (i, field) => `${at(i)}, field ${quote(field)}`,
    place: 'the JSON',
  };
}

interface SdmxValue {
  id?: string;
  name?: unknown;
  names?: Record<string, string>;
}
interface SdmxDimension {
  id?: string;
  role?: string;
  values?: SdmxValue[];
}

function sdmxName(value: SdmxValue | undefined, time: boolean): string | undefined {
  if (!value) return undefined;
  if (time) return value.id ?? (typeof value.name === 'string' ? value.name : undefined);
  if (typeof value.name === 'string') return value.name;
  const names = (isObject(value.name) ? value.name : value.names) as Record<string, string> | undefined;
  return names?.en ?? names?.fr ?? (names ? Object.values(names)[0] : undefined) ?? value.id;
}

/**
 * SDMX-JSON data messages (1.0 and 2.0): observations keyed by dimension positions ("0:1:2"),
 * under series or flat. Each observation becomes a record with one field per dimension (the
 * value's name; `ID.id` holds its code), TIME_PERIOD, and OBS_VALUE.
 */
function sdmxRecords(root: unknown, budget: Budget): Records {
  const message = isObject(root) ? root : {};
  const data = isObject(message.data) ? message.data : message;
  const dataSets = data.dataSets as unknown[] | undefined;
  const structure = (isObject(data.structure) ? data.structure : Array.isArray(data.structures) ? data.structures[0] : message.structure) as Record<string, unknown> | undefined;
  const dims = isObject(structure?.dimensions) ? (structure!.dimensions as Record<string, unknown>) : undefined;
  if (!Array.isArray(dataSets) || !isObject(dataSets[0]) || !dims) {
    throw new ParseFailure('parse', 'expected an SDMX-JSON data message (data.dataSets and data.structure.dimensions); check layout: sdmx');
  }
  const seriesDims = (Array.isArray(dims.series) ? dims.series : []) as SdmxDimension[];
  const obsDims = (Array.isArray(dims.observation) ? dims.observation : []) as SdmxDimension[];
  const dataSet = dataSets[0] as Record<string, unknown>;
  const rows: Array<{ key: number[]; value: unknown }> = [];
  const push = (key: number[], observation: unknown) => {
    if (rows.length >= budget.limits.maxRows) throw new ParseFailure('too_large', `the SDMX message has more than ${budget.limits.maxRows.toLocaleString('en')} observations`);
    if (rows.length % 1000 === 0) budget.tick(`observation ${rows.length + 1}`);
    rows.push({ key, value: Array.isArray(observation) ? observation[0] : observation });
  };
  const positions = (text: string) => text.split(':').map(Number);
  if (isObject(dataSet.series)) {
    for (const [seriesKey, series] of Object.entries(dataSet.series)) {
      const observations = isObject(series) && isObject(series.observations) ? series.observations : {};
      for (const [obsKey, observation] of Object.entries(observations)) push([...positions(seriesKey), ...positions(obsKey)], observation);
    }
  } else if (isObject(dataSet.observations)) {
    for (const [key, observation] of Object.entries(dataSet.observations)) push(positions(key), observation);
  }
  const all = [...seriesDims, ...obsDims];
  const fields = [...all.map((d) => d.id ?? ''), 'OBS_VALUE'].filter(Boolean);
  const records: Array<Record<string, Cell>> = rows.map((row, i) => {
    const record: Record<string, Cell> = {};
    all.forEach((dimension, d) => {
      const value = dimension.values?.[row.key[d] ?? -1];
      const time = dimension.id === 'TIME_PERIOD' || dimension.role === 'time';
      if (dimension.id) {
        record[dimension.id] = sdmxName(value, time) ?? null;
        record[`${dimension.id}.id`] = value?.id ?? null;
      }
    });
    const value = row.value;
    record.OBS_VALUE = typeof value === 'number' || typeof value === 'string' ? value : null;
    budget.addCells(all.length + 1, `observation ${i + 1}`);
    return record;
  });
  const at = (i: number) => `observation ${i + 1} (${rows[i]!.key.join(':')})`;
  return {
    fields,
    resolve: (field) => (fields.includes(field) || (field.endsWith('.id') && fields.includes(field.slice(0, -3))) ? field : resolveField(field, fields)),
    count: records.length,
    get: (i, field) => records[i]![field],
    at,
    where: (i, field) => `${at(i)}, ${field}`,
    place: 'the SDMX message',
  };
}

// ---------------------------------------------------------------- records → series

interface Problem {
  record: number;
  message: string;
}

function mapSeries(source: Records, mapping: DatasetMapping, format: DatasetFormat, budget: Budget): { series: ParsedSeries[]; warnings: string[]; dropped: number } {
  const warnings: string[] = [];
  let dropped = 0;
  const missing = (mapping.missing ?? []).map((m) => m.trim().toLowerCase());
  const out: ParsedSeries[] = [];
  // Tables written by people use the decimal comma; JSON is written by programs, with the point.
  const decimal = mapping.decimal_separator ?? (format === 'json' ? '.' : ',');
  for (const config of mapping.series) {
    const parsed = mapOne(source, config, { decimal, missing, order: mapping.date_order ?? 'dmy' }, budget);
    warnings.push(...parsed.warnings);
    dropped += parsed.dropped;
    out.push(parsed.series);
  }
  return { series: out, warnings, dropped };
}

function didYouMean(field: string, fields: string[]): string {
  const target = fold(field);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const f of fields) {
    const score = distance(fold(f), target);
    if (score < bestScore) {
      bestScore = score;
      best = f;
    }
  }
  // A close spelling, else the one header that contains what was written ("Nombre de signalements").
  const containing = fields.filter((f) => target.length >= 3 && (fold(f).includes(target) || target.includes(fold(f))));
  const guess = best !== undefined && bestScore <= Math.max(2, Math.floor(target.length / 3)) ? best : containing.length === 1 ? containing[0] : undefined;
  const hint = guess !== undefined ? `; did you mean ${quote(guess)}?` : '';
  const list = fields.slice(0, 20).map((f) => quote(f, 40)).join(', ');
  return `(the columns are: ${list}${fields.length > 20 ? ', …' : ''})${hint}`;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 10) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

const KIND_WORDS: Record<PeriodKind, string> = { year: 'years', quarter: 'quarters', month: 'months', date: 'dates' };

function mapOne(
  source: Records,
  config: SeriesConfig,
  options: { decimal: ',' | '.'; missing: string[]; order: DateOrder },
  budget: Budget,
): { series: ParsedSeries; warnings: string[]; dropped: number } {
  const label = `series "${config.id}"`;
  const need = (field: string, role: string): string => {
    const found = source.resolve(field);
    if (found === undefined) throw new ParseFailure('parse', `${label}: ${source.place} has no ${role} column ${quote(field)} ${didYouMean(field, source.fields)}`);
    return found;
  };
  const periodField = need(config.period, 'period');
  const valueField = need(config.value, 'value');
  const dimensionFields = config.dimensions.map((d) => need(d, 'dimension'));
  const filters = Object.entries(config.filter ?? {}).map(([field, wanted]) => ({
    field: need(field, 'filter'),
    wanted: (Array.isArray(wanted) ? wanted : [wanted]).map((w) => fold(String(w))),
  }));

  const problems: Problem[] = [];
  const warnings: string[] = [];
  const observations: Array<ParsedObservation & { record: number; raw?: string }> = [];
  const seen = new Map<string, number>();
  const dimensionValues: Record<string, string[]> = Object.fromEntries(config.dimensions.map((d) => [d, []]));
  const dimensionSets = config.dimensions.map(() => new Set<string>());
  let kind: { kind: PeriodKind; record: number } | undefined;
  let percent = false;
  let lastGood = -1;
  let duplicates = 0;
  const periodHeader = fold(config.period);
  const periodCache = new Map<string, Period | undefined>();

  for (let r = 0; r < source.count; r++) {
    if (r % 1000 === 0) budget.tick(source.at(r));
    if (filters.length && !filters.every((f) => f.wanted.includes(fold(cellText(source.get(r, f.field)))))) continue;
    const periodCell = source.get(r, periodField);
    const valueCell = source.get(r, valueField);
    const periodText = cellText(periodCell).trim();
    // Blank rows, sub-headings and notes have neither a period nor a value.
    if (!periodText && !cellText(valueCell).trim()) continue;
    // A header repeated inside the table (files exported page by page).
    if (fold(periodText) === periodHeader) continue;
    const periodInput = typeof periodCell === 'object' && periodCell !== null && !(periodCell instanceof Date) ? cellText(periodCell) : periodCell;
    // Files repeat each period on many rows: read each spelling once.
    let read: Period | undefined;
    if (typeof periodInput === 'string') {
      if (periodCache.has(periodInput)) read = periodCache.get(periodInput);
      else {
        read = readPeriod(periodInput, options.order);
        if (periodCache.size < 10_000) periodCache.set(periodInput, read);
      }
    } else read = readPeriod(periodInput, options.order);
    const period = read ? coercePeriod(read, config.period_type) : undefined;
    if (!period) {
      const why = read && config.period_type ? `is a ${read.kind}, which cannot be read as a ${config.period_type}` : 'is not a period (a year such as 2024, a quarter such as 2024-Q1 or T1 2024, a month such as 2024-03 or mars 2024, or a date)';
      problems.push({ record: r, message: `${source.where(r, periodField)}: ${quote(periodText)} ${why}` });
      continue;
    }
    lastGood = r;
    if (!kind) kind = { kind: period.kind, record: r };
    else if (kind.kind !== period.kind) {
      throw new ParseFailure(
        'parse',
        `${label} mixes ${KIND_WORDS[kind.kind]} (${source.at(kind.record)}) and ${KIND_WORDS[period.kind]} (${source.at(r)}); keep one with a filter, or set period_type`,
      );
    }
    const value = readValue(valueCell, options);
    if (value.kind === 'unreadable') {
      problems.push({ record: r, message: `${source.where(r, valueField)}: ${quote(cellText(valueCell))} is not a number` });
      continue;
    }
    if (value.kind === 'number' && value.percent) percent = true;
    const dimensions: Record<string, string> = {};
    let complete = true;
    for (const [d, field] of dimensionFields.entries()) {
      // Without controls and invisible characters: a value reads the same everywhere it shows (a
      // partner's "EVIL \u202egnp.exe" read reversed in legends, tables and the form).
      const text = withoutInvisible(cellText(source.get(r, field)).replace(CONTROLS, ''))
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, MAX_DIMENSION_CHARS);
      if (!text) {
        problems.push({ record: r, message: `${source.where(r, field)}: no value in the dimension column ${quote(config.dimensions[d]!)}` });
        complete = false;
        break;
      }
      dimensions[config.dimensions[d]!] = text;
      if (!dimensionSets[d]!.has(text)) {
        if (dimensionSets[d]!.size >= MAX_DIMENSION_VALUES) {
          throw new ParseFailure('too_large', `${label}: the dimension ${quote(config.dimensions[d]!)} has more than ${MAX_DIMENSION_VALUES} different values; is it really a dimension?`);
        }
        dimensionSets[d]!.add(text);
        dimensionValues[config.dimensions[d]!]!.push(text);
      }
    }
    if (!complete) continue;
    const key = `${period.key}\u0000${config.dimensions.map((d) => dimensions[d]).join('\u0000')}`;
    const earlier = seen.get(key);
    const number = value.kind === 'number' ? value.value : null;
    if (earlier !== undefined) {
      const first = observations[earlier]!;
      if (first.value !== number) {
        duplicates++;
        if (duplicates <= 5) {
          warnings.push(
            `${label}: ${source.at(r)} gives ${period.key}${Object.keys(dimensions).length ? ` (${Object.entries(dimensions).map(([k, v]) => `${k} = ${v}`).join(', ')})` : ''} again with another value; the first one (${source.at(first.record)}) is kept`,
          );
        }
      }
      continue;
    }
    seen.set(key, observations.length);
    observations.push({ period: period.key, value: number, dimensions, record: r });
  }

  // Problems after the last readable row are notes under the table ("Source : …", footnotes).
  const real = problems.filter((p) => p.record < lastGood);
  if (observations.length === 0) {
    if (real.length || problems.length) {
      throw new ParseFailure('parse', `${label}: no row could be read; ${(real[0] ?? problems[0])!.message}`);
    }
    const filterText = filters.length ? ` with ${Object.entries(config.filter ?? {}).map(([k, v]) => `${k} = ${[v].flat().join(' or ')}`).join(', ')}` : '';
    throw new ParseFailure('empty', `${label}: ${source.place} has no row${filterText} with a period in column ${quote(config.period)}`);
  }
  if (real.length > observations.length) {
    throw new ParseFailure('parse', `${label}: most rows cannot be read (${real.length} of ${real.length + observations.length}); first: ${real[0]!.message}`);
  }
  if (duplicates > Math.max(1, observations.length / 10)) {
    throw new ParseFailure(
      'parse',
      `${label}: ${duplicates} rows give a period${config.dimensions.length ? ' and dimensions' : ''} already given with another value: a dimension or a filter is missing from the mapping (e.g. dimensions: [...] or filter: {column: value})`,
    );
  }
  for (const problem of real.slice(0, 20)) warnings.push(`${label}: skipped ${problem.message}`);
  if (real.length > 20) warnings.push(`${label}: ${real.length - 20} more rows skipped`);
  if (duplicates > 5) warnings.push(`${label}: ${duplicates - 5} more repeated rows`);
  observations.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.record - b.record));
  return {
    series: {
      id: config.id,
      periodKind: kind!.kind,
      percent,
      observations: observations.map(({ period, value, dimensions }) => ({ period, value, dimensions })),
      dimensionValues,
    },
    warnings,
    dropped: real.length,
  };
}

function readValue(cell: Cell | undefined, options: { decimal: ',' | '.'; missing: string[] }): ReturnType<typeof readNumber> {
  if (cell === null || cell === undefined) return { kind: 'missing', marker: '' };
  if (typeof cell === 'number') return Number.isFinite(cell) ? { kind: 'number', value: cell, percent: false } : { kind: 'unreadable' };
  if (cell instanceof Date || typeof cell === 'boolean') return { kind: 'unreadable' };
  if (typeof cell === 'object') return { kind: 'number', value: cell.percent, percent: true };
  return readNumber(cell, { decimal: options.decimal, missing: options.missing });
}

export type { Period };
