// "Test a source": run a source's connector and normalisation without writing anything, and say
// what it would extract, which fields each item has, and what went wrong. Operators check new
// selectors with it before saving them.
import { type PortalSettings, type SourceConfig } from '../config/index.ts';
import { connectorFor, fetchPdfDocument, HarvestError, type DocumentFetcher } from '../connectors/index.ts';
import { makeClient } from './harvest.ts';
import { normaliseItem, type Normalised } from './normalise.ts';

export interface SourceTestItem {
  title: string;
  url: string;
  published_at: string | null;
  language: string | null;
  doc_type: string | null;
  /** Which of title, link, date, summary, text were found in the source for this item. */
  fields: string[];
  summary: string;
  text_chars: number;
}

export interface SourceTest {
  ok: boolean;
  error?: { code: string; message: string };
  httpStatus?: number;
  items: SourceTestItem[];
  dropped: string[];
  warnings: string[];
  durationMs: number;
}

/** PDFs fetched at most while testing (the rest are only listed). */
const TEST_PDF_LIMIT = 3;

export async function testSource(settings: PortalSettings, partnerId: string, source: SourceConfig): Promise<SourceTest> {
  const started = performance.now();
  const client = makeClient(settings);
  const harvest = settings.portal.harvest;
  let pdfs = 0;
  const warnings: string[] = [];
  const documents: DocumentFetcher = async (url) => {
    if (++pdfs > TEST_PDF_LIMIT) return { kind: 'failed', url, message: `not fetched while testing (only the first ${TEST_PDF_LIMIT} PDFs are)` };
    return fetchPdfDocument(client, harvest, url);
  };
  try {
    const result = await connectorFor(source).harvest(source, { client, settings: harvest, documents });
    if (result.status === 'not_modified') {
      return { ok: true, httpStatus: result.httpStatus, items: [], dropped: [], warnings: ['the server says nothing changed (HTTP 304)'], durationMs: performance.now() - started };
    }
    const now = new Date();
    const items: SourceTestItem[] = [];
    const dropped = result.dropped.map((d) => `item ${d.index + 1}: ${d.reason}`);
    result.items.forEach((raw, index) => {
      let normalised: Normalised;
      try {
        normalised = normaliseItem(raw, { partnerId, source, maxTextChars: harvest.max_text_chars, now, existing: () => undefined });
      } catch (error) {
        // As in a harvest: one item that cannot be read is dropped, the others are shown.
        dropped.push(`item ${index + 1}: it cannot be read (${(error as Error)?.name ?? 'error'})`);
        return;
      }
      if (!('item' in normalised)) {
        dropped.push(`item ${index + 1}: ${'dropped' in normalised ? normalised.dropped : 'its document could not be read'}`);
        return;
      }
      const item = normalised.item;
      const fields = [
        raw.title ? 'title' : '',
        raw.link ? 'link' : '',
        raw.date ? (item.publishedAt ? 'date' : `date (unreadable: "${raw.date.slice(0, 40)}")`) : '',
        raw.summaryHtml ? 'summary' : '',
        raw.document?.kind === 'fetched' ? `pdf (${raw.document.pages} pages${raw.document.scanned ? ', scanned' : ''})` : raw.document?.kind === 'failed' ? 'pdf (failed)' : '',
      ].filter(Boolean);
      items.push({
        title: item.title,
        url: item.url,
        published_at: item.publishedAt,
        language: item.language,
        doc_type: item.docType,
        fields,
        summary: item.summary,
        text_chars: item.text?.length ?? 0,
      });
    });
    warnings.push(...result.warnings);
    if (result.selectorMatchedNothing) warnings.push('the item selector matches nothing on the page');
    if (items.length === 0) warnings.push('no item would be extracted');
    return { ok: items.length > 0, httpStatus: result.httpStatus, items, dropped, warnings, durationMs: performance.now() - started };
  } catch (error) {
    const e = error instanceof HarvestError ? error : new HarvestError('parse', `the source could not be read (${(error as Error)?.name ?? 'unexpected error'})`);
    return { ok: false, error: { code: e.code, message: e.message }, httpStatus: e.details.httpStatus, items: [], dropped: [], warnings, durationMs: performance.now() - started };
  } finally {
    await client.close();
  }
}
