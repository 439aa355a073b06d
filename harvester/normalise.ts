// From a connector's raw item to the catalogue's item: plain-text title, sanitised summary,
// parsed date, language, document type, bounded text, identity and content hash.
import { SECTION_DOC_TYPES, type DocType, type Section, type SourceConfig } from '../config/index.ts';
import { type DocumentOutcome, type RawItem } from '../connectors/index.ts';
import { normaliseCourse } from './course.ts';
import { parseDate } from './dates.ts';
import { canonicalUrl, discriminatorOf, itemId, itemIdentity, sha256 } from './identity.ts';
import { itemLanguage } from './language.ts';
import { pageSpans } from './pages.ts';
import { type DocumentFacts, type ExistingItem, type HarvestedItem, type ItemSnapshot } from './ports.ts';
import { cleanLine, sanitizeSummary } from './sanitize.ts';

/** Title words that tell a document's type when the source does not set one. */
const DOC_TYPE_HINTS: Array<[DocType, RegExp]> = [
  ['legal_text', /(?<![\p{L}])(loi|décret|decret|dahir|arrêté|arrete|circulaire|law|decree)(?![\p{L}])|قانون|مرسوم|ظهير|قرار|منشور/iu],
  ['report', /(?<![\p{L}])(rapport|report)(?![\p{L}])|تقرير/iu],
  ['guide', /(?<![\p{L}])(guide|manuel|handbook)(?![\p{L}])|دليل/iu],
  ['study', /(?<![\p{L}])(étude|etude|study|enquête|enquete|survey)(?![\p{L}])|دراسة|بحث/iu],
  ['memorandum', /(?<![\p{L}])(mémorandum|memorandum|note|avis|opinion)(?![\p{L}])|مذكرة|رأي/iu],
  ['press_release', /(?<![\p{L}])(communiqué|communique|press release)(?![\p{L}])|بلاغ|بيان/iu],
  ['event', /(?<![\p{L}])(séminaire|seminaire|colloque|conférence|conference|atelier|forum|webinaire|webinar|journée)(?![\p{L}])|ندوة|ورشة|لقاء|مؤتمر|يوم دراسي/iu],
  ['video', /(?<![\p{L}])(vidéo|video)(?![\p{L}])|فيديو|شريط/iu],
  ['photo', /(?<![\p{L}])(photos?|galerie|album)(?![\p{L}])|صور|معرض/iu],
  ['press_kit', /(?<![\p{L}])(dossier de presse|press kit)(?![\p{L}])|ملف صحفي/iu],
  ['audio', /(?<![\p{L}])(podcast|audio|émission|radio)(?![\p{L}])|بودكاست|تسجيل صوتي/iu],
  ['interview', /(?<![\p{L}])(interview|entretien)(?![\p{L}])|حوار|مقابلة/iu],
  ['international_statistics', /(?<![\p{L}])(indice|index|classement|ranking|cpi)(?![\p{L}])|مؤشر|ترتيب/iu],
  ['training', /(?<![\p{L}])(formation|training|cours|course|mooc)(?![\p{L}])|تكوين|دورة/iu],
];

export function inferDocType(section: Section, title: string, configured?: DocType): DocType {
  if (configured) return configured;
  const allowed = SECTION_DOC_TYPES[section] as readonly DocType[];
  for (const [type, pattern] of DOC_TYPE_HINTS) if (allowed.includes(type) && pattern.test(title)) return type;
  return allowed[0]!;
}

export interface NormaliseContext {
  partnerId: string;
  source: SourceConfig;
  maxTextChars: number;
  now: Date;
  /** The existing item with this identity, if any (its stored document stands for an unchanged one). */
  existing: (identity: string) => ExistingItem | undefined;
  /** Scanned documents (sha256 of their bytes) whose file the harvest kept for OCR. */
  keptScans?: ReadonlySet<string>;
  /**
   * Other items of the fetch share this one's identity: add a discriminator (enclosure, else
   * title and date); a number above 1 also numbers exact namesakes.
   */
  distinguish?: number;
}

/** Where the title came from when the item had none of its own. */
export type TitleFallback = 'link_text' | 'file_name';

export type Normalised = { item: HarvestedItem; titleFallback?: TitleFallback } | { dropped: string } | { needsDocument: string };

/**
 * A title for an item that has only a link: the file name ("rapport-annuel_2024.pdf" → "rapport
 * annuel 2024"), else the address without its scheme.
 */
export function titleFromLink(link: string): string {
  try {
    const url = new URL(link);
    const segments = url.pathname.split('/').filter(Boolean);
    let name = segments.at(-1) ?? '';
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep it encoded
    }
    name = name.replace(/\.(pdf|docx?|xlsx?|pptx?|odt|html?|php|aspx?|jsp)$/i, '').replace(/[-_+.]+/g, ' ').replace(/\s+/g, ' ').trim();
    if (name.length >= 3 && !/^\d+$/.test(name)) return cleanLine(name, 200);
    return cleanLine(`${url.host}${url.pathname === '/' ? '' : url.pathname}${url.search}`, 200);
  } catch {
    return cleanLine(link, 200);
  }
}

function documentFacts(outcome: DocumentOutcome | undefined, previous: DocumentFacts | null): { facts: DocumentFacts | null; text: string | undefined } {
  if (!outcome) return { facts: null, text: '' };
  if (outcome.kind === 'fetched') {
    return {
      facts: {
        url: outcome.url,
        etag: outcome.etag,
        lastModified: outcome.lastModified,
        hash: sha256(outcome.text),
        pages: outcome.pages,
        scanned: outcome.scanned,
        fetchedAt: outcome.fetchedAt,
        fileHash: outcome.fileHash,
      },
      text: outcome.text,
    };
  }
  // Unchanged, or could not be fetched this time: the stored document stands.
  if (previous && previous.url === outcome.url) {
    return {
      facts:
        outcome.kind === 'unchanged'
          ? { ...previous, etag: outcome.etag ?? previous.etag, lastModified: outcome.lastModified ?? previous.lastModified, fetchedAt: outcome.fetchedAt }
          : previous,
      text: undefined,
    };
  }
  return { facts: null, text: '' };
}

export function normaliseItem(raw: RawItem, context: NormaliseContext): Normalised {
  const { source } = context;
  const document = raw.document;
  const fetchedDoc = document?.kind === 'fetched' ? document : undefined;
  const summary = sanitizeSummary(raw.summaryHtml, raw.link ?? source.url);
  let titleFallback: TitleFallback | undefined = raw.titleFallback;
  let title = cleanLine(raw.title) || cleanLine(fetchedDoc?.title) || (summary.text ? cleanLine(summary.text, 140) : '');
  if (!title && raw.link) {
    title = titleFromLink(raw.link);
    titleFallback = 'file_name';
  }
  if (!title) return { dropped: 'an item without a title or a link' };
  const link = raw.link ? canonicalUrl(raw.link) : undefined;
  const url = link ?? (fetchedDoc ? canonicalUrl(fetchedDoc.finalUrl) : canonicalUrl(source.url));
  const pdfDate = fetchedDoc?.created ?? fetchedDoc?.modified;
  const publishedAt = parseDate(raw.date, { order: source.date_order, now: context.now }) ?? (pdfDate ? pdfDate.toISOString().slice(0, 10) : null);
  const discriminator = context.distinguish ? discriminatorOf({ enclosure: raw.enclosure, title, publishedAt }, context.distinguish) : undefined;
  const identity = itemIdentity({ guid: raw.guid, url: link, title, publishedAt, discriminator });
  const existing = context.existing(identity);

  const { facts, text: documentText } = documentFacts(document, existing?.document ?? null);
  if (document?.kind === 'unchanged' && !facts) {
    // The document is known from another item of the source, not this one: read it again.
    return { needsDocument: document.url };
  }
  let text = documentText === undefined ? undefined : (documentText || raw.text || '');
  if (text && text.length > context.maxTextChars) text = text.slice(0, context.maxTextChars);
  const textHash = text === undefined ? (facts?.hash ?? existing?.snapshot.text_hash ?? null) : text ? sha256(text) : null;

  // The document's pages: where each lies in the text, and those OCR should read.
  const fromDocument = fetchedDoc && documentText !== undefined && text !== undefined && documentText.startsWith(text);
  const spans = fromDocument ? pageSpans(fetchedDoc.pageTexts, text ?? '') : undefined;
  const ocr =
    fetchedDoc && fetchedDoc.ocrPages.length > 0
      ? { fileHash: fetchedDoc.fileHash, pages: fetchedDoc.ocrPages, language: source.language ?? null, store: context.keptScans?.has(fetchedDoc.fileHash) ? ('scans' as const) : null }
      : undefined;

  const language = itemLanguage(source.language, `${title}\n${summary.text}`, `${title}\n${summary.text}\n${(text ?? '').slice(0, 2000)}`);
  const docType = inferDocType(source.section, title, source.doc_type);
  // Training items carry course facts; an item without any keeps the hash it always had.
  const course = docType === 'training' ? normaliseCourse(raw.course, { order: source.date_order, now: context.now }) : undefined;
  const snapshot: ItemSnapshot = {
    title,
    url,
    summary: summary.html,
    published_at: publishedAt,
    doc_type: docType,
    language,
    text_hash: textHash,
    document_url: facts?.url ?? null,
    ...(course ? { course } : {}),
  };
  return {
    ...(titleFallback ? { titleFallback } : {}),
    item: {
      id: itemId(context.partnerId, source.id, identity),
      identity,
      guid: raw.guid ?? null,
      url,
      title,
      summary: summary.html,
      summaryText: summary.text,
      language,
      section: source.section,
      docType,
      publishedAt,
      author: cleanLine(raw.author ?? fetchedDoc?.author, 200) || null,
      text,
      ...(spans ? { pageSpans: spans } : {}),
      ...(ocr ? { ocr } : {}),
      document: facts,
      contentHash: sha256(
        JSON.stringify([
          snapshot.title,
          snapshot.url,
          snapshot.summary,
          snapshot.published_at,
          snapshot.doc_type,
          snapshot.language,
          snapshot.text_hash,
          snapshot.document_url,
          ...(course ? [course] : []),
        ]),
      ),
      snapshot,
      ...(course !== undefined ? { course } : {}),
    },
  };
}
