// A PDF's text, page by page, extracted in a sandbox process (sandbox.ts) within
// `harvest.pdf_time_limit` and `harvest.pdf_memory_limit`: a hostile PDF fails alone with
// `timeout` or `too_large`, and the harvest goes on. One extracting process is kept warm between
// documents (pdf.js takes 0.7-1.3 s to load) and replaced when it is killed. Deposits (issue 18)
// and OCR (issue 17) call `extractPdf` too.
import { type HarvestSettings } from '../config/index.ts';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { HarvestError } from './errors.ts';
import { type PdfExtractArgs, type PdfPages } from './pdf-extract.ts';
import { Sandbox, SandboxError } from './sandbox.ts';
import { hasTextLayer, MIN_LAYER_CHARS } from './text-layer.ts';

export interface PdfExtract {
  /** The pages' text joined by blank lines, at most maxChars. */
  text: string;
  /** Text of each page read (page 1 first); issue 17 shows "p. N" from these. */
  pageTexts: string[];
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
  truncatedBy: PdfPages['truncatedBy'];
}

export interface PdfLimits {
  maxPages: number;
  maxChars: number;
  /** Hard wall clock of one extraction (harvest.pdf_time_limit): past it, `timeout`. */
  timeLimitMs: number;
  /** Memory of the extracting process (harvest.pdf_memory_limit): past it, `too_large`. */
  memoryLimitBytes: number;
}

/** The limits of a harvest's PDFs, from portal.yaml. */
export function pdfLimits(settings: HarvestSettings): PdfLimits {
  return { maxPages: settings.max_pdf_pages, maxChars: settings.max_text_chars, timeLimitMs: settings.pdf_time_limit, memoryLimitBytes: settings.pdf_memory_limit };
}

const EXTRACT_MODULE = new URL('./pdf-extract.ts', import.meta.url).href;
/** pdf-parse and pdf.js's worker code, loaded natively in the sandbox process (see sandbox-child.js). */
const PDF_PARSE = import.meta.resolve('pdf-parse');
export const PDF_WORKER = pathToFileURL(createRequire(PDF_PARSE).resolve('pdfjs-dist/legacy/build/pdf.worker.mjs')).href;

/** Pages stop being started at this share of the time limit, so a slow long document keeps what was read. */
const SOFT_TIME_SHARE = 0.75;

let sandbox: Sandbox | undefined;

/** The process-wide PDF sandbox (one warm extractor). */
export function pdfSandbox(): Sandbox {
  return (sandbox ??= new Sandbox({ native: [PDF_PARSE, PDF_WORKER], preload: [EXTRACT_MODULE], size: 1, idleMs: 30_000 }));
}

/** Starts the extractor ahead of the first PDF (a harvest does this before its first request). */
export function warmPdfExtractor(memoryLimitBytes: number): Promise<void> {
  return pdfSandbox().warm(memoryLimitBytes);
}

/** Stops the extractor process (tests; a process that ends stops it anyway). */
export async function closePdfExtractor(): Promise<void> {
  const current = sandbox;
  sandbox = undefined;
  await current?.close();
}

const MB = 1024 * 1024;

export async function extractPdf(data: Buffer, limits: PdfLimits): Promise<PdfExtract> {
  const args: PdfExtractArgs = {
    maxPages: limits.maxPages,
    maxChars: limits.maxChars,
    softTimeMs: limits.timeLimitMs * SOFT_TIME_SHARE,
    // pdf.js keeps decoded streams in memory: they cannot take more than half of it.
    maxDecodedBytes: Math.floor(limits.memoryLimitBytes / 2),
  };
  let pages: PdfPages;
  try {
    pages = await pdfSandbox().run<PdfPages>(
      { module: EXTRACT_MODULE, fn: 'extractPdfPages', input: data, args },
      { timeMs: limits.timeLimitMs, memoryBytes: limits.memoryLimitBytes },
    );
  } catch (error) {
    throw asHarvestError(error, limits);
  }
  const text = pages.pageTexts.join('\n\n').slice(0, limits.maxChars);
  return { ...pages, text, pagesRead: pages.pageTexts.length };
}

function asHarvestError(error: unknown, limits: PdfLimits): HarvestError {
  if (!(error instanceof SandboxError)) return new HarvestError('parse', `the PDF cannot be read (${(error as Error)?.message ?? String(error)})`);
  switch (error.reason) {
    case 'timeout':
      return new HarvestError('timeout', `reading the PDF's text took longer than ${Math.round(limits.timeLimitMs / 1000)} s (harvest.pdf_time_limit): it was stopped`);
    case 'too_large':
      return new HarvestError('too_large', `reading the PDF's text needed more than ${Math.round(limits.memoryLimitBytes / MB)} MB of memory (harvest.pdf_memory_limit): it was stopped`);
    case 'failed':
      if (error.thrown?.name === 'HarvestError' && error.thrown.code) return new HarvestError(error.thrown.code as HarvestError['code'], error.thrown.message);
      return new HarvestError('parse', `the PDF cannot be read (${error.message})`);
    default:
      return new HarvestError('parse', `the PDF cannot be read: ${error.message}`);
  }
}

export { hasTextLayer, MIN_LAYER_CHARS };

/**
 * The 1-based pages of a document, among those read, without a text layer: what OCR reads. None
 * when the text stopped at harvest.max_text_chars (the document's text is already as long as kept).
 */
export function pagesWithoutLayer(extract: Pick<PdfExtract, 'pageTexts' | 'truncatedBy'>): number[] {
  if (extract.truncatedBy === 'chars') return [];
  const pages: number[] = [];
  extract.pageTexts.forEach((text, index) => {
    if (!hasTextLayer(text)) pages.push(index + 1);
  });
  return pages;
}

/** True when the bytes start like a PDF (a few bytes of junk before the header are tolerated). */
export function looksLikePdf(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes('%PDF-');
}
