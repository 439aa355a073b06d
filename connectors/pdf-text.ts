// Text, page count and metadata of a PDF through pdf-parse 2 (pdf.js). Arabic set in legacy
// fonts comes out as presentation-form glyphs in visual order: those lines are put back in
// logical order and folded with NFKC. A document with almost no text per page is a scan.
import type * as PdfParseModule from 'pdf-parse';
import type { PDFParse } from 'pdf-parse';
import { HarvestError } from './errors.ts';

export interface PdfExtract {
  text: string;
  /** Pages in the document. */
  pages: number;
  /** Pages whose text was read (at most maxPages). */
  pagesRead: number;
  /** Almost no text per page: a scanned document without a text layer (OCR is a later step). */
  scanned: boolean;
  title: string | null;
  author: string | null;
  created: Date | null;
  modified: Date | null;
  truncated: boolean;
}

export interface PdfLimits {
  maxPages: number;
  maxChars: number;
  /** Time budget for the whole extraction; pages after it are skipped. */
  timeoutMs: number;
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
 * pdf-parse (pdf.js), loaded once on first use: `portal serve` and `portal check` need not pay
 * its 0.7 s. Loading blocks the event loop (several seconds on a busy machine), so a harvest calls
 * this before its first request rather than letting the first PDF eat into other hosts' timeouts.
 */
export function loadPdfParse(): Promise<typeof PdfParseModule> {
  return (pdfParse ??= import('pdf-parse'));
}

export async function extractPdf(data: Buffer, limits: PdfLimits): Promise<PdfExtract> {
  const started = Date.now();
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
    const last = Math.min(total, limits.maxPages);
    const pageTexts: string[] = [];
    let chars = 0;
    let truncated = last < total;
    for (let first = 1; first <= last; first += PAGES_PER_BATCH) {
      if (Date.now() - started > limits.timeoutMs) {
        truncated = true;
        break;
      }
      let batch: string[];
      try {
        batch = await readPages(parser, first, Math.min(last, first + PAGES_PER_BATCH - 1));
      } catch (error) {
        if (pageTexts.length === 0) throw new HarvestError('parse', describePdfError(error));
        truncated = true;
        break;
      }
      for (const text of batch) {
        pageTexts.push(text);
        chars += text.length;
      }
      if (chars >= limits.maxChars) {
        truncated = true;
        break;
      }
    }
    let text = pageTexts.join('\n\n');
    if (text.length > limits.maxChars) text = text.slice(0, limits.maxChars);
    const visible = pageTexts.reduce((n, t) => n + t.replace(/\s+/g, '').length, 0);
    const dates = info.getDateNode();
    const meta = (info.info ?? {}) as Record<string, unknown>;
    return {
      text,
      pages: total,
      pagesRead: pageTexts.length,
      scanned: pageTexts.length > 0 && visible / pageTexts.length < SCANNED_CHARS_PER_PAGE,
      title: metaString(meta.Title),
      author: metaString(meta.Author),
      created: validDate(dates.CreationDate ?? dates.XmpCreateDate),
      modified: validDate(dates.ModDate ?? dates.XmpModifyDate),
      truncated,
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
 */
async function readPages(parser: PDFParse, from: number, to: number): Promise<string[]> {
  const doc = (parser as unknown as { doc?: PdfJsDocument }).doc;
  if (!doc || typeof doc.getPage !== 'function') {
    const result = await parser.getText({ partial: range(from, to) });
    return result.pages.map((page) => normalizePdfText(page.text));
  }
  const texts: string[] = [];
  for (let n = from; n <= to; n++) {
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

/** True when the bytes start like a PDF (a few bytes of junk before the header are tolerated). */
export function looksLikePdf(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes('%PDF-');
}
