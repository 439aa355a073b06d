// "Test a source": run a source's connector and normalisation without writing anything, and say
// what it would extract, which fields each item has, and what went wrong. Operators check new
// selectors with it before saving them.
import { type PortalSettings, type SourceConfig } from '../config/index.ts';
import { connectorFor, fetchPdfDocument, HarvestError, type DocumentFetcher, type RawItem } from '../connectors/index.ts';
import { makeClient } from './harvest.ts';
import { normaliseItem, type Normalised } from './normalise.ts';
import { type CourseFacts } from './ports.ts';

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
    if (result.dataset && source.type === 'dataset') {
      // A dataset: one line per series, with what was read of it.
      const items = result.dataset.series.map((series): SourceTestItem => {
        const config = source.series.find((s) => s.id === series.id);
        const periods = series.observations.map((o) => o.period);
        const missing = series.observations.filter((o) => o.value === null).length;
        return {
          title: `${partnerId}-${series.id}: ${config?.name.fr ?? config?.name.ar ?? config?.name.en ?? series.id}`,
          url: result.dataset!.fileUrl,
          published_at: periods.at(-1) ?? null,
          language: null,
          doc_type: source.doc_type ?? null,
          fields: [
            `${series.observations.length} observations`,
            periods.length ? `${series.periodKind}: ${periods[0]} – ${periods.at(-1)}` : '',
            ...Object.entries(series.dimensionValues).map(([d, values]) => `${d}: ${values.slice(0, 6).join(', ')}${values.length > 6 ? ', …' : ''}`),
            missing ? `${missing} missing values` : '',
            series.percent ? 'percentages' : '',
          ].filter(Boolean),
          summary: '',
          text_chars: 0,
        };
      });
      const dropped = result.warnings.filter((w) => /skipped/.test(w));
      return {
        ok: items.length > 0,
        httpStatus: result.httpStatus,
        items,
        dropped,
        warnings: [`${result.dataset.format.toUpperCase()} file, ${result.dataset.rows} rows read`, ...result.warnings.filter((w) => !/skipped/.test(w))],
        durationMs: performance.now() - started,
      };
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
        // Training items: which course facts were read (an unreadable date or format says so).
        ...(item.course !== undefined ? courseFields(raw.course, item.course) : []),
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

function courseFields(raw: RawItem['course'], course: CourseFacts | null | undefined): string[] {
  if (!raw) return ['course (none found)'];
  const found = (value: unknown, name: string, text: string | undefined) => (value ? name : text ? `${name} (unreadable: "${text.slice(0, 40)}")` : '');
  return [
    found(course?.startsOn, 'course start', raw.starts),
    found(course?.endsOn, 'course end', raw.ends),
    found(course?.format, 'course format', raw.format),
    course?.audience ? 'course audience' : '',
    found(course?.registrationUrl, 'registration link', raw.registration),
    course?.organiser ? 'course organiser' : '',
    course?.location ? 'course location' : '',
  ];
}
