// Text, page count and metadata of a PDF through pdf-parse 2 (pdf.js). Arabic set in legacy
// fonts comes out as presentation-form glyphs in visual order: those lines are put back in
// logical order and folded with NFKC. A document with almost no text per page is a scan.
import { PDFParse } from 'pdf-parse';
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
const PRESENTATION_FORMS = /[\ufb50-\ufdff\ufe70-\ufeff]/;
const PAGES_PER_BATCH = 20;

const ARABIC = /[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]/;
const LATIN = /[A-Za-z\u00c0-\u024f]/;

/**
 * pdf.js gives lines set with presentation forms with their words in visual (left-to-right)
 * order: "العربية الخطوط انواع" for "انواع الخطوط العربية". Put such lines back in logical
 * order: runs of Arabic words are reversed; in a mostly Arabic line the runs themselves are too,
 * while a Latin phrase inside keeps its own order. Then fold the glyph forms to letters (NFKC).
 */
export function repairArabicLine(line: string): string {
  if (!PRESENTATION_FORMS.test(line)) return line.normalize('NFKC');
  const words = line.trim().split(/\s+/);
  const runs: Array<{ latin: boolean; words: string[] }> = [];
  for (const word of words) {
    const latin = LATIN.test(word) && !ARABIC.test(word);
    const last = runs.at(-1);
    if (last && last.latin === latin) last.words.push(word);
    else runs.push({ latin, words: [word] });
  }
  const arabicWords = words.filter((w) => ARABIC.test(w)).length;
  const rtl = arabicWords * 2 >= words.length;
  for (const run of runs) if (!run.latin) run.words.reverse();
  if (rtl) runs.reverse();
  return runs
    .flatMap((r) => r.words)
    .join(' ')
    .normalize('NFKC');
}

export function normalizePdfText(text: string): string {
  return text
    .split('\n')
    .map((line) => repairArabicLine(line.replace(/\t/g, ' ').replace(/ +$/g, '')))
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

export async function extractPdf(data: Buffer, limits: PdfLimits): Promise<PdfExtract> {
  const started = Date.now();
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
      let result;
      try {
        result = await parser.getText({ partial: range(first, Math.min(last, first + PAGES_PER_BATCH - 1)) });
      } catch (error) {
        if (pageTexts.length === 0) throw new HarvestError('parse', describePdfError(error));
        truncated = true;
        break;
      }
      for (const page of result.pages) {
        const text = normalizePdfText(page.text);
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
