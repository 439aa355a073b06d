// A deposited document becomes a catalogue item through the same steps as a harvested one
// (normalise.ts): plain-text title, sanitised summary, stable identity, content hash and version
// snapshot. Kept apart from deposit.ts (the file checks and PDF extraction) so the store loads
// neither the PDF nor the HTML parsers when it opens.
import { DEPOSIT_SOURCE_ID, textIn, type DocType, type Language, type Multilingual, type Section } from '../config/index.ts';
import { canonicalUrl, itemId, sha256 } from './identity.ts';
import { type PageSpan } from './pages.ts';
import { type HarvestedItem, type ItemSnapshot } from './ports.ts';
import { cleanLine, sanitizeSummary } from './sanitize.ts';

/** The source id of deposited items (`"source": "deposit"` in the API; reserved in partner files). */
export const DEPOSIT_SOURCE = DEPOSIT_SOURCE_ID;

/** One submission of a deposit, as the catalogue item is made from it. */
export interface DepositRevisionInput {
  depositId: string;
  partnerId: string;
  titles: Multilingual;
  description: string;
  section: Section;
  docType: DocType;
  language: Language;
  /** "YYYY-MM-DD". */
  documentDate: string;
  kind: 'file' | 'link';
  linkUrl: string | null;
  /** Where the portal serves the deposited file (file deposits). */
  fileUrl: string | null;
  text: string;
  pages: number | null;
  scanned: boolean;
  submittedAt: string;
  /** sha256 of the deposited file (its name in the deposits folder): OCR results are kept by it. */
  fileHash?: string | null;
  /** Where each page lies in `text`. */
  pageMap?: PageSpan[] | null;
  /** Pages without a text layer, read by OCR once published. */
  ocrPages?: number[];
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const TITLE_LANGUAGES: Language[] = ['ar', 'fr', 'en', 'zgh'];

export type DepositItemBuilder = typeof depositItem;

/**
 * The catalogue item of a deposit: the title in the document's language, the other languages'
 * titles and the description as its (sanitised) summary, the extracted text, a stable identity
 * per deposit (so an edit is a new version of the same item), and the content hash.
 */
export function depositItem(input: DepositRevisionInput, options: { maxTextChars: number }): HarvestedItem {
  const title = cleanLine(textIn(input.titles, input.language));
  const others = TITLE_LANGUAGES.filter((l) => l !== input.language && (input.titles as Record<string, string | undefined>)[l]).map((l) => {
    const dir = l === 'ar' ? 'rtl' : 'ltr';
    return `<p lang="${l}" dir="${dir}">${escapeHtml(cleanLine((input.titles as Record<string, string>)[l]))}</p>`;
  });
  const description = input.description.trim() ? `<p>${escapeHtml(input.description.trim()).replace(/\r?\n/g, '<br>')}</p>` : '';
  const summary = sanitizeSummary([...others, description].join(''));
  const url = canonicalUrl(input.kind === 'link' ? input.linkUrl! : input.fileUrl!);
  const identity = `deposit:${input.depositId}`;
  const text = input.text.length > options.maxTextChars ? input.text.slice(0, options.maxTextChars) : input.text;
  const textHash = text ? sha256(text) : null;
  const documentUrl = input.kind === 'file' ? url : null;
  // The page map holds for the text as kept: pages past a cut text are left out.
  const spans = documentUrl && input.pageMap ? input.pageMap.filter((s) => s[2] <= text.length) : undefined;
  const ocr =
    documentUrl && input.fileHash && input.ocrPages?.length
      ? { fileHash: input.fileHash, pages: input.ocrPages, language: input.language, store: 'deposits' as const }
      : undefined;
  const snapshot: ItemSnapshot = {
    title,
    url,
    summary: summary.html,
    published_at: input.documentDate,
    doc_type: input.docType,
    language: input.language,
    text_hash: textHash,
    document_url: documentUrl,
  };
  return {
    id: itemId(input.partnerId, DEPOSIT_SOURCE, identity),
    identity,
    guid: null,
    url,
    title,
    summary: summary.html,
    summaryText: summary.text,
    language: input.language,
    section: input.section,
    docType: input.docType,
    publishedAt: input.documentDate,
    author: null,
    text,
    ...(spans ? { pageSpans: spans } : {}),
    ...(ocr ? { ocr } : {}),
    document: documentUrl
      ? { url: documentUrl, etag: null, lastModified: null, hash: sha256(text), pages: input.pages, scanned: input.scanned, fetchedAt: input.submittedAt, fileHash: input.fileHash ?? null }
      : null,
    contentHash: sha256(JSON.stringify([snapshot.title, snapshot.url, snapshot.summary, snapshot.published_at, snapshot.doc_type, snapshot.language, snapshot.text_hash, snapshot.document_url])),
    snapshot,
  };
}
