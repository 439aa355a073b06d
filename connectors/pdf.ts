// `type: pdf`: one document. Its title comes from the config, else the PDF's metadata, else its
// first line of text; its date from the PDF's creation date.
import { type PdfSourceConfig } from '../config/index.ts';
import { HarvestError } from './errors.ts';
import { extractPdf, looksLikePdf, pagesWithoutLayer, pdfLimits } from './pdf-text.ts';
import { describeKind, sniff } from './sniff.ts';
import { bodyHashOf, unchanged, type Connector, type ConnectorResult } from './types.ts';

function firstLine(text: string): string | undefined {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length >= 4);
  return line ? line.slice(0, 200) : undefined;
}

function truncationReason(by: string | null): string {
  if (by === 'time') return ' (the rest would have taken longer than harvest.pdf_time_limit)';
  if (by === 'chars') return ' (harvest.max_text_chars reached)';
  if (by === 'pages') return ' (harvest.max_pdf_pages)';
  if (by === 'error') return ' (a later page is damaged)';
  return '';
}

export const pdfConnector: Connector<PdfSourceConfig> = {
  async harvest(source, context): Promise<ConnectorResult> {
    const response = await context.client.fetch(source.url, {
      maxBytes: context.settings.max_pdf_bytes,
      accept: 'application/pdf, */*;q=0.5',
      validators: context.validators,
    });
    const same = unchanged(response, context.validators);
    if (same) return same;
    if (!looksLikePdf(response.body)) {
      const kind = sniff(response.body, response.contentType);
      throw new HarvestError('wrong_type', `expected a PDF at ${response.url} but got ${describeKind(kind, response.contentType)}`, {
        httpStatus: response.status,
      });
    }
    const pdf = await extractPdf(response.body, pdfLimits(context.settings));
    const configured = source.title && (source.title[source.language ?? 'fr'] ?? source.title.fr ?? source.title.ar ?? source.title.en ?? source.title.zgh);
    const title = configured ?? pdf.title ?? firstLine(pdf.text) ?? decodeURIComponent(new URL(response.url).pathname.split('/').pop() ?? 'document');
    const warnings: string[] = [];
    const ocrPages = pagesWithoutLayer(pdf);
    if (pdf.scanned) warnings.push('the PDF has no text layer (a scan): it is listed, but its text is not searchable until OCR reads it');
    if (pdf.pagesRead < pdf.pages) warnings.push(`only the first ${pdf.pagesRead} of ${pdf.pages} pages were read${truncationReason(pdf.truncatedBy)}`);
    return {
      status: 'ok',
      bodyHash: bodyHashOf(response.body),
      items: [
        {
          title,
          link: source.url,
          guid: source.url,
          date: (pdf.created ?? pdf.modified)?.toISOString(),
          author: pdf.author ?? undefined,
          document: {
            kind: 'fetched',
            url: source.url,
            finalUrl: response.url,
            etag: response.etag,
            lastModified: response.lastModified,
            fetchedAt: response.fetchedAt,
            text: pdf.text,
            pageTexts: pdf.pageTexts,
            pages: pdf.pages,
            scanned: pdf.scanned,
            fileHash: bodyHashOf(response.body),
            ocrPages,
            ...(ocrPages.length > 0 ? { scan: response.body } : {}),
            title: pdf.title,
            author: pdf.author,
            created: pdf.created,
            modified: pdf.modified,
          },
        },
      ],
      dropped: [],
      warnings,
      httpStatus: response.status,
      etag: response.etag,
      lastModified: response.lastModified,
      finalUrl: response.url,
      fetchedAt: response.fetchedAt,
    };
  },
};
