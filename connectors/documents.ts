// Linked documents (PDFs) of listing and feed items: fetched with the same client and limits,
// their text extracted; a document fetched recently is not fetched again, and an older one is
// asked for with a conditional GET, so an unchanged listing costs no PDF downloads.
import { HarvestError } from './errors.ts';
import { type HttpClient } from './http.ts';
import { extractPdf, looksLikePdf, pagesWithoutLayer, pdfLimits } from './pdf-text.ts';
import { bodyHashOf } from './types.ts';
import { type DocumentFetcher, type DocumentOutcome } from './types.ts';
import { type HarvestSettings } from '../config/index.ts';

export interface KnownDocument {
  etag: string | null;
  lastModified: string | null;
  fetchedAt: string;
}

export interface DocumentFetcherOptions {
  client: HttpClient;
  settings: HarvestSettings;
  /** What the catalogue already holds for a document URL. */
  known: (url: string) => KnownDocument | undefined;
  now: () => Date;
  /** A document fetched less than this long ago is not fetched again (default 7 days). */
  refreshMs?: number;
}

/** Whether a URL names a PDF by its path (the common case on partners' listing pages). */
export function isPdfUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return /\.pdf$/i.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

export async function fetchPdfDocument(
  client: HttpClient,
  settings: HarvestSettings,
  url: string,
  known?: KnownDocument,
): Promise<DocumentOutcome> {
  try {
    const result = await client.fetch(url, {
      maxBytes: settings.max_pdf_bytes,
      accept: 'application/pdf, */*;q=0.5',
      validators: known ? { etag: known.etag, lastModified: known.lastModified } : undefined,
    });
    if (result.status === 304 && known) {
      return { kind: 'unchanged', url, etag: result.etag, lastModified: result.lastModified, fetchedAt: result.fetchedAt };
    }
    if (!looksLikePdf(result.body)) {
      return { kind: 'failed', url, code: 'wrong_type', message: `${url} is not a PDF (${result.contentType ?? 'no content type'})` };
    }
    const pdf = await extractPdf(result.body, pdfLimits(settings));
    const ocrPages = pagesWithoutLayer(pdf);
    return {
      kind: 'fetched',
      url,
      finalUrl: result.url,
      etag: result.etag,
      lastModified: result.lastModified,
      fetchedAt: result.fetchedAt,
      text: pdf.text,
      pageTexts: pdf.pageTexts,
      pages: pdf.pages,
      scanned: pdf.scanned,
      fileHash: bodyHashOf(result.body),
      ocrPages,
      ...(ocrPages.length > 0 ? { scan: result.body } : {}),
      title: pdf.title,
      author: pdf.author,
      created: pdf.created,
      modified: pdf.modified,
    };
  } catch (error) {
    if (error instanceof HarvestError) return { kind: 'failed', url, code: error.code, message: `${url}: ${error.message}` };
    return { kind: 'failed', url, message: `${url}: ${(error as Error).message}` };
  }
}

export function makeDocumentFetcher(options: DocumentFetcherOptions): DocumentFetcher {
  const refreshMs = options.refreshMs ?? 7 * 86_400_000;
  const inFlight = new Map<string, Promise<DocumentOutcome>>();
  return (url) => {
    let pending = inFlight.get(url);
    if (!pending) {
      const known = options.known(url);
      if (known && options.now().getTime() - Date.parse(known.fetchedAt) < refreshMs) {
        pending = Promise.resolve({ kind: 'unchanged', url, etag: known.etag, lastModified: known.lastModified, fetchedAt: known.fetchedAt });
      } else {
        pending = fetchPdfDocument(options.client, options.settings, url, known);
      }
      inFlight.set(url, pending);
    }
    return pending;
  };
}
