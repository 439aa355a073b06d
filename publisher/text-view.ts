// The text of a document as citizens read it on /{lang}/items/{id}/text: page by page with the
// document's page numbers, each page in its own direction (an Arabic page right to left, a French
// one left to right, in one document), long documents in screens of a few pages, and "find in
// this document" through the search's own text pipeline (harvester/analyzer.ts): every word of
// the query that the search would match is marked, and the pages that have them are listed.
import { termMatches } from '../harvester/analyzer.ts';
import { detectLanguage } from '../harvester/language.ts';
import { type PageSpan } from '../harvester/pages.ts';
import { type Language } from '../config/index.ts';
import { CHARS_PER_SCREEN, PAGES_PER_SCREEN } from './passages.ts';
import { highlight, snippet } from './search.ts';

// Screens are cut by passages.ts's rule, so search results can link to a page's screen.
export { PAGES_PER_SCREEN, CHARS_PER_SCREEN } from './passages.ts';
/** Pages with hits listed under the find box (the rest are counted). */
export const MAX_LISTED_HIT_PAGES = 50;

export interface TextPage {
  /** The document's page number (1-based); text without pages is page 1. */
  number: number;
  text: string;
  /** Recognised by OCR. */
  ocr: boolean;
  /** The page's own language and direction. */
  lang: Language | null;
  dir: 'rtl' | 'ltr' | 'auto';
}

const RTL: readonly string[] = ['ar'];

/** A page's language: what OCR said of it, else read from its letters; its direction follows. */
function pageLanguage(text: string, ocrLanguage: Language | null | undefined, itemLanguage: Language | null): { lang: Language | null; dir: TextPage['dir'] } {
  const lang = ocrLanguage ?? detectLanguage(text) ?? itemLanguage;
  return { lang, dir: lang ? (RTL.includes(lang) ? 'rtl' : 'ltr') : 'auto' };
}

/** The pages of a stored text (spans from its page map; none: the whole text as page 1). */
export function textPages(text: string, spans: readonly PageSpan[] | null, ocrLanguages: ReadonlyMap<number, Language | null>, itemLanguage: Language | null): TextPage[] {
  const list: Array<[number, number, number, 0 | 1]> = spans ? [...spans] : text.trim() ? [[1, 0, text.length, 0]] : [];
  return list.map(([number, start, end, ocr]) => {
    const pageText = text.slice(start, end);
    return { number, text: pageText, ocr: ocr === 1, ...pageLanguage(pageText, ocr === 1 ? ocrLanguages.get(number) : undefined, itemLanguage) };
  });
}

/** Screens of pages: at most PAGES_PER_SCREEN pages and CHARS_PER_SCREEN characters (one page at least). */
export function screens(pages: readonly TextPage[]): TextPage[][] {
  const out: TextPage[][] = [];
  let current: TextPage[] = [];
  let chars = 0;
  for (const page of pages) {
    if (current.length > 0 && (current.length >= PAGES_PER_SCREEN || chars + page.text.length > CHARS_PER_SCREEN)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(page);
    chars += page.text.length;
  }
  if (current.length) out.push(current);
  return out;
}

function countMatches(text: string, terms: Set<string>): number {
  if (terms.size === 0) return 0;
  let count = 0;
  for (const match of termMatches(text, terms)) if (match) count++;
  return count;
}

/** A page's text as HTML: escaped, its paragraphs (blank-line separated) in <p>, the query's words marked. */
export function pageHtml(text: string, terms: Set<string>): { html: string; hits: number } {
  let hits = 0;
  const paragraphs = text
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      hits += countMatches(p, terms);
      return `<p>${highlight(p, terms)}</p>`;
    });
  return { html: paragraphs.join(''), hits };
}

export interface PageHits {
  number: number;
  count: number;
  /** The screen the page is on (1-based). */
  screen: number;
  /** The first hit in context, highlighted. */
  snippet: string;
}

/** The pages where the query's words occur, in page order, with their count and a snippet. */
export function findInPages(screenList: readonly TextPage[][], terms: Set<string>): { pages: PageHits[]; total: number } {
  const pages: PageHits[] = [];
  let total = 0;
  if (terms.size === 0) return { pages, total };
  screenList.forEach((screen, index) => {
    for (const page of screen) {
      const count = countMatches(page.text, terms);
      if (count === 0) continue;
      total += count;
      // Only the listed pages get a snippet.
      const listed = pages.length < MAX_LISTED_HIT_PAGES;
      pages.push({ number: page.number, count, screen: index + 1, snippet: listed ? snippet(page.text, terms, 200, page.text.length) : '' });
    }
  });
  return { pages, total };
}
