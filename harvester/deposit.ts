// Documents deposited by a partner's focal point go through the harvester's own pipeline: the file
// is judged by its bytes (never its name) and its text is extracted by the same PDF extraction as
// a harvested PDF; deposit-item.ts then makes the catalogue item as normalise.ts does.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { type PortalSettings } from '../config/index.ts';
import { extractPdf, HarvestError, pagesWithoutLayer, sniff, type PdfExtract } from '../connectors/index.ts';
import { pageSpans, type PageSpan } from './pages.ts';

export interface DepositFileLimits {
  maxBytes: number;
  maxPages: number;
  maxChars: number;
  /** Hard wall clock of the text extraction, in the PDF sandbox (harvest.pdf_time_limit): past it the file is refused. */
  timeLimitMs: number;
  /** Memory of the extracting process (harvest.pdf_memory_limit): past it the file is refused. */
  memoryLimitBytes: number;
}

/** A deposit's limits from portal.yaml: its size (deposits.max_bytes) and the harvest's PDF limits. */
export function depositLimits(settings: PortalSettings['portal']): DepositFileLimits {
  const harvest = settings.harvest;
  return {
    maxBytes: settings.deposits.max_bytes,
    maxPages: harvest.max_pdf_pages,
    maxChars: harvest.max_text_chars,
    timeLimitMs: harvest.pdf_time_limit,
    memoryLimitBytes: harvest.pdf_memory_limit,
  };
}

/** Why a deposited file is refused; each has its message in the focal point's language. */
export type DepositFileProblem = 'empty' | 'too_large' | 'html' | 'not_pdf' | 'bomb' | 'unreadable';

export type DepositFileResult =
  | { ok: true; extract: PdfExtract }
  | { ok: false; problem: DepositFileProblem; detail: string };

/**
 * Streams inside a PDF may inflate to at most this much in total before the file is refused as a
 * decompression bomb (pdf.js would inflate them in memory). Image streams are not counted: text
 * extraction never decodes them. A 500-page report's page contents and fonts come to a few tens
 * of megabytes.
 */
export const MAX_INFLATED_TOTAL = 256 * 1024 * 1024;
/** One page's content stream of more than this is not a document, it is an attack. */
export const MAX_INFLATED_STREAM = 64 * 1024 * 1024;

/** Bytes a zlib stream inflates to, counted without keeping them; stops past `limit`. */
function inflatedSize(data: Buffer, limit: number): Promise<number> {
  return new Promise((resolve) => {
    const inflate = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    let size = 0;
    let settled = false;
    const done = (value: number) => {
      if (settled) return;
      settled = true;
      inflate.destroy();
      resolve(value);
    };
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(size);
    });
    inflate.on('end', () => done(size));
    // A damaged stream is pdf.js's business (it reports the PDF as damaged); only size counts here.
    inflate.on('error', () => done(size));
    inflate.end(data);
  });
}

/**
 * Looks for a decompression bomb without pdf.js: every Flate stream that is not an image is
 * inflated (streamed, discarded) and counted. Returns the problem, or undefined.
 */
export async function decompressionBomb(data: Buffer, limits = { total: MAX_INFLATED_TOTAL, stream: MAX_INFLATED_STREAM }): Promise<string | undefined> {
  let total = 0;
  let position = 0;
  for (;;) {
    const keyword = data.indexOf('stream', position, 'latin1');
    if (keyword < 0) return undefined;
    if (keyword >= 3 && data.toString('latin1', keyword - 3, keyword) === 'end') {
      position = keyword + 6;
      continue;
    }
    let start = keyword + 6;
    if (data[start] === 0x0d) start++;
    if (data[start] === 0x0a) start++;
    const end = data.indexOf('endstream', start, 'latin1');
    if (end < 0) return undefined;
    // The stream's dictionary: from its object header ("12 0 obj") to the keyword.
    const before = data.toString('latin1', Math.max(0, keyword - 4096), keyword);
    let header = 0;
    for (const match of before.matchAll(/\d+\s+\d+\s+obj\b/g)) header = match.index;
    const dictionary = before.slice(header);
    if (/\/(FlateDecode|Fl)\b/.test(dictionary) && !/\/Subtype\s*\/Image\b/.test(dictionary)) {
      const size = await inflatedSize(data.subarray(start, end), Math.min(limits.stream, limits.total - total));
      total += size;
      if (size > limits.stream) return `one of its streams inflates to more than ${limits.stream / 1024 / 1024} MB`;
      if (total > limits.total) return `its streams inflate to more than ${limits.total / 1024 / 1024} MB`;
    }
    position = end + 9;
  }
}

/**
 * Reads a deposited file: a PDF by its bytes, not a decompression bomb, then its text through the
 * harvester's PDF extraction. This is the one place a deposit's text is extracted: the sandbox of
 * issue 13 (time and memory limits) goes here.
 */
export async function readDepositFile(file: string, limits: DepositFileLimits): Promise<DepositFileResult> {
  const size = fs.statSync(file).size;
  if (size === 0) return { ok: false, problem: 'empty', detail: 'the file is empty' };
  if (size > limits.maxBytes) return { ok: false, problem: 'too_large', detail: `the file has ${size} bytes; the limit is ${limits.maxBytes}` };
  const data = fs.readFileSync(file);
  // Stricter than a harvested PDF (which may have a few bytes before its header): a deposited
  // file starts with the PDF header, so an HTML page with "%PDF-" somewhere in it is no PDF.
  if (data.indexOf('%PDF-', 0, 'latin1') !== 0) {
    // What it is, leaving out any PDF header it hides (sniff would call that a PDF).
    const kind = sniff(Buffer.from(data.subarray(0, 4096).toString('latin1').replaceAll('%PDF-', ''), 'latin1'));
    return kind === 'html'
      ? { ok: false, problem: 'html', detail: 'the file is an HTML page, whatever its name says' }
      : { ok: false, problem: 'not_pdf', detail: `the file does not start like a PDF (it looks like ${kind})` };
  }
  const bomb = await decompressionBomb(data);
  if (bomb) return { ok: false, problem: 'bomb', detail: `refused as a decompression bomb: ${bomb}` };
  try {
    return { ok: true, extract: await extractDepositText(data, limits) };
  } catch (error) {
    const message = error instanceof HarvestError ? error.message : `the PDF cannot be read (${(error as Error)?.message ?? String(error)})`;
    return { ok: false, problem: 'unreadable', detail: message };
  }
}

/**
 * The extraction itself: the same as a harvested PDF's (connectors/pdf-text.ts), in the same
 * killable sandbox process with its time and memory limits, so a hostile upload (a CPU or memory
 * bomb the byte checks above did not catch) fails alone and never stalls the web process.
 */
export function extractDepositText(data: Buffer, limits: DepositFileLimits): Promise<PdfExtract> {
  return extractPdf(data, { maxPages: limits.maxPages, maxChars: limits.maxChars, timeLimitMs: limits.timeLimitMs, memoryLimitBytes: limits.memoryLimitBytes });
}

/** A deposited file's pages: where each lies in its text, and those OCR reads (no text layer). */
export function depositPages(extract: PdfExtract): { pageMap: PageSpan[]; ocrPages: number[] } {
  return { pageMap: pageSpans(extract.pageTexts, extract.text), ocrPages: pagesWithoutLayer(extract) };
}
