// Runs inside a sandbox process (sandbox.ts, through pdf-text.ts): text, page count and metadata
// of a PDF through pdf-parse 2 (pdf.js), page by page. Arabic set in legacy fonts comes out as
// presentation-form glyphs in visual order: those lines are put back in logical order and folded
// with NFKC. A document with almost no text per page is a scan.
//
// Before pdf.js sees the file, the size its compressed streams expand to is counted (without
// keeping the output) and capped: a 2 MB flate stream that inflates to 2 GB is refused as
// `too_large` in a second instead of filling the memory. Images are not counted: text extraction
// never decodes them, and scans legitimately hold hundreds of MB of them.
import zlib from 'node:zlib';
import type * as PdfParseModule from 'pdf-parse';
import type { PDFParse } from 'pdf-parse';
import { HarvestError } from './errors.ts';

/** What the sandbox returns for one document. */
export interface PdfPages {
  /** Text of each page read, in order (page 1 first); bounded to maxChars in total. */
  pageTexts: string[];
  /** Pages in the document. */
  pages: number;
  title: string | null;
  author: string | null;
  created: Date | null;
  modified: Date | null;
  /** Fewer pages were read than the document has (max_pdf_pages, max_text_chars, time). */
  truncated: boolean;
  /** Why it was truncated, for the operator's warning. */
  truncatedBy: 'pages' | 'chars' | 'time' | 'error' | null;
  /** Almost no text per page: a scanned document without a text layer (OCR is a later step). */
  scanned: boolean;
}

export interface PdfExtractArgs {
  maxPages: number;
  maxChars: number;
  /** Pages are no longer started after this long: what was read is returned (truncated). */
  softTimeMs: number;
  /** Bytes the document's non-image compressed streams may expand to, all together. */
  maxDecodedBytes: number;
}

/** Fewer visible characters than this per page on average means a scanned document. */
const SCANNED_CHARS_PER_PAGE = 10;
const PAGES_PER_BATCH = 20;

const ARABIC = /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/g;
const LATIN = /[A-Za-z\u00c0-\u024f]/g;

/** A piece of text pdf.js positioned on a page. */
export interface PositionedText {
  str: string;
  x: number;
  y: number;
  width: number;
  height: number;
  hasEOL: boolean;
}

/**
 * Lines of a page in logical order. pdf.js gives text items in the order the PDF draws them,
 * which for Arabic is often visual (left to right): "العربية الخطوط انواع", or a gazette's
 * "2022 مارس سنة 6 ... العدد". Items are grouped into lines and ordered by their position: right
 * to left on a line that is mostly Arabic, left to right otherwise. Presentation-form glyphs are
 * folded to letters (NFKC).
 */
export function assembleLines(items: PositionedText[]): string[] {
  const lines: PositionedText[][] = [];
  let current: PositionedText[] = [];
  let lineY: number | undefined;
  for (const item of items) {
    const height = item.height || 10;
    if (current.length > 0 && lineY !== undefined && item.str && Math.abs(item.y - lineY) > height * 0.5) {
      lines.push(current);
      current = [];
    }
    if (item.str) {
      if (current.length === 0) lineY = item.y;
      current.push(item);
    }
    if (item.hasEOL) {
      if (current.length) lines.push(current);
      current = [];
      lineY = undefined;
    }
  }
  if (current.length) lines.push(current);
  return lines.map((line) => {
    const text = line.map((i) => i.str).join('');
    const rtl = (text.match(ARABIC)?.length ?? 0) > (text.match(LATIN)?.length ?? 0);
    const ordered = [...line].sort((a, b) => (rtl ? b.x + b.width - (a.x + a.width) : a.x - b.x));
    let out = '';
    ordered.forEach((item, index) => {
      if (index > 0) {
        const previous = ordered[index - 1]!;
        const gap = rtl ? previous.x - (item.x + item.width) : item.x - (previous.x + previous.width);
        if (gap > (item.height || 10) * 0.15 && !/\s$/.test(out) && !/^\s/.test(item.str)) out += ' ';
      }
      out += item.str;
    });
    return out.replace(/\s+/g, ' ').trim().normalize('NFKC');
  });
}

/** Text that arrives without positions (pdf-parse's fallback): lines trimmed, glyph forms folded. */
export function normalizePdfText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim().normalize('NFKC'))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function metaString(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replace(/\u0000/g, '').normalize('NFKC').trim();
  return text && !/^(untitled|sans titre|microsoft word - .*\.docx?)$/i.test(text) ? text.slice(0, 500) : null;
}

function describePdfError(error: unknown): string {
  const name = (error as { name?: string })?.name ?? '';
  const message = (error as { message?: string })?.message ?? String(error);
  if (name === 'PasswordException') return 'the PDF is protected by a password and cannot be read';
  if (name === 'InvalidPDFException') return `the PDF is damaged (${message})`;
  if (name === 'MissingPDFException') return 'the PDF is empty';
  return `the PDF cannot be read (${message})`;
}

let pdfParse: Promise<typeof PdfParseModule> | undefined;

/**
 * pdf-parse (pdf.js), loaded once per sandbox process. The sandbox loaded it natively before the
 * TypeScript loader (sandbox-child.js), with pdf.js's worker code: handing that to pdf.js as
 * `globalThis.pdfjsWorker` makes it run the worker side in this thread without importing it again.
 */
function loadPdfParse(): Promise<typeof PdfParseModule> {
  const native = (globalThis as { __sandboxNative?: Record<string, unknown> }).__sandboxNative ?? {};
  const worker = Object.entries(native).find(([specifier]) => specifier.endsWith('/pdf.worker.mjs'))?.[1];
  const host = globalThis as { pdfjsWorker?: unknown };
  if (worker && !host.pdfjsWorker) host.pdfjsWorker = worker;
  const parse = Object.entries(native).find(([specifier]) => /\/pdf-parse\//.test(specifier))?.[1] as typeof PdfParseModule | undefined;
  return (pdfParse ??= parse ? Promise.resolve(parse) : import('pdf-parse'));
}

/** The sandbox task: the text of `data`, page by page, within `args`. */
export async function extractPdfPages(data: Buffer, args: PdfExtractArgs): Promise<PdfPages> {
  const started = Date.now();
  await checkDecodedSize(data, args.maxDecodedBytes);
  const { PDFParse } = await loadPdfParse();
  // pdf-parse transfers a Uint8Array to pdf.js and leaves it empty; give it its own copy.
  const parser = new PDFParse({ data: Buffer.from(data), verbosity: 0 });
  try {
    let info;
    try {
      info = await parser.getInfo();
    } catch (error) {
      throw new HarvestError('parse', describePdfError(error));
    }
    const total = info.total;
    const last = Math.min(total, args.maxPages);
    const pageTexts: string[] = [];
    let chars = 0;
    let truncatedBy: PdfPages['truncatedBy'] = last < total ? 'pages' : null;
    reading: for (let first = 1; first <= last; first += PAGES_PER_BATCH) {
      let batch: string[];
      try {
        batch = await readPages(parser, first, Math.min(last, first + PAGES_PER_BATCH - 1), () => Date.now() - started > args.softTimeMs);
      } catch (error) {
        if (pageTexts.length === 0) throw new HarvestError('parse', describePdfError(error));
        truncatedBy = 'error';
        break;
      }
      for (const text of batch) {
        const room = args.maxChars - chars;
        pageTexts.push(text.length > room ? text.slice(0, room) : text);
        chars += Math.min(text.length, room);
        if (chars >= args.maxChars) {
          if (pageTexts.length < total) truncatedBy = 'chars';
          break reading;
        }
      }
      if (batch.length < Math.min(last, first + PAGES_PER_BATCH - 1) - first + 1) {
        truncatedBy = 'time';
        break;
      }
    }
    const visible = pageTexts.reduce((n, t) => n + t.replace(/\s+/g, '').length, 0);
    const dates = info.getDateNode();
    const meta = (info.info ?? {}) as Record<string, unknown>;
    return {
      pageTexts,
      pages: total,
      scanned: pageTexts.length > 0 && visible / pageTexts.length < SCANNED_CHARS_PER_PAGE,
      title: metaString(meta.Title),
      author: metaString(meta.Author),
      created: validDate(dates.CreationDate ?? dates.XmpCreateDate),
      modified: validDate(dates.ModDate ?? dates.XmpModifyDate),
      truncated: truncatedBy !== null,
      truncatedBy,
    };
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

interface PdfJsDocument {
  getPage(n: number): Promise<{
    getTextContent(): Promise<{ items: Array<{ str?: string; transform?: number[]; width?: number; height?: number; hasEOL?: boolean }> }>;
    cleanup(): void;
  }>;
}

/**
 * The text of pages `from`..`to`, lines in logical order (assembleLines). Reads pdf.js's text items
 * through the document pdf-parse loaded; falls back to pdf-parse's own text when that is not there.
 * Stops before a page once `outOfTime()`: fewer texts than pages means the time ran out.
 */
async function readPages(parser: PDFParse, from: number, to: number, outOfTime: () => boolean): Promise<string[]> {
  const doc = (parser as unknown as { doc?: PdfJsDocument }).doc;
  if (!doc || typeof doc.getPage !== 'function') {
    if (outOfTime()) return [];
    const result = await parser.getText({ partial: range(from, to) });
    return result.pages.map((page) => normalizePdfText(page.text));
  }
  const texts: string[] = [];
  for (let n = from; n <= to; n++) {
    if (outOfTime()) break;
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    const items: PositionedText[] = content.items
      .filter((i) => typeof i.str === 'string')
      .map((i) => ({ str: i.str!, x: i.transform?.[4] ?? 0, y: i.transform?.[5] ?? 0, width: i.width ?? 0, height: i.height ?? 0, hasEOL: Boolean(i.hasEOL) }));
    texts.push(assembleLines(items).join('\n').replace(/\n{3,}/g, '\n\n').trim());
    page.cleanup();
  }
  return texts;
}

function validDate(date: Date | null | undefined): Date | null {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date : null;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

// ---------------------------------------------------------------- decompressed size

/**
 * Refuses (too_large) a document whose compressed streams, images and attached files aside,
 * expand to more than `max` bytes together. A heuristic scan of the raw bytes, not a PDF parser:
 * what it misses (a flate stream behind another filter) the sandbox's memory cap still stops.
 */
export async function checkDecodedSize(data: Buffer, max: number): Promise<number> {
  let total = 0;
  for (const stream of flateStreams(data)) {
    total += await inflatedSize(stream, max - total + 1);
    if (total > max) {
      throw new HarvestError('too_large', `the PDF's compressed content expands to more than ${Math.round(max / 1024 / 1024)} MB (a "decompression bomb"); it was not read`);
    }
  }
  return total;
}

const STREAM = Buffer.from('stream');
const ENDSTREAM = Buffer.from('endstream');

/** The data of each stream whose first filter is FlateDecode, images and embedded files excepted. */
function* flateStreams(data: Buffer): Generator<Buffer> {
  let at = data.indexOf(STREAM);
  while (at >= 0) {
    const before = data[at - 1];
    // "endstream" contains "stream"; the keyword starts a stream only after the dictionary's ">>".
    if (before !== 0x64 /* d */) {
      let start = at + STREAM.length;
      if (data[start] === 0x0d) start++;
      if (data[start] === 0x0a) start++;
      const end = data.indexOf(ENDSTREAM, start);
      if (end < 0) return;
      const dictionary = data.subarray(Math.max(0, at - 2048), at).toString('latin1');
      const open = dictionary.lastIndexOf(' obj');
      const dict = open >= 0 ? dictionary.slice(open) : dictionary;
      const filter = /\/Filter\s*\[?\s*\/(\w+)/.exec(dict)?.[1];
      if ((filter === 'FlateDecode' || filter === 'Fl') && !/\/Subtype\s*\/Image\b|\/Type\s*\/EmbeddedFile\b/.test(dict)) {
        yield data.subarray(start, end);
      }
      at = data.indexOf(STREAM, end + ENDSTREAM.length);
    } else {
      at = data.indexOf(STREAM, at + STREAM.length);
    }
  }
}

/** Streams this small are inflated in one synchronous call (a thread-pool round trip per stream made a 1,000-page PDF take 0.5 s). */
const SYNC_INFLATE_INPUT = 256 * 1024;
const SYNC_INFLATE_OUTPUT = 32 * 1024 * 1024;

/** Bytes `compressed` inflates to, counting without keeping them, stopping past `max`. */
function inflatedSize(compressed: Buffer, max: number): Promise<number> | number {
  if (compressed.length <= SYNC_INFLATE_INPUT) {
    try {
      return zlib.inflateSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: Math.min(max, SYNC_INFLATE_OUTPUT) }).length;
    } catch {
      // Over the output bound, or damaged: counted by the streaming path, which stops at `max`
      // and counts what a damaged stream gives before its error.
    }
  }
  return new Promise((resolve) => {
    let total = 0;
    let done = false;
    const stop = () => {
      if (done) return;
      done = true;
      inflate.destroy();
      resolve(total);
    };
    // Z_SYNC_FLUSH: a stream cut short (common in damaged PDFs) counts what it gave.
    const inflate = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: 256 * 1024 });
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) stop();
    });
    inflate.on('end', stop);
    inflate.on('error', stop);
    inflate.end(compressed);
  });
}
