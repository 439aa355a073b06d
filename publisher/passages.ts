// Where a search's words are in a document: the page (and the text view's screen) of the first
// places they appear, found with the search's own pipeline (harvester/analyzer.ts termMatches:
// the same tokens, folding and stems the index was built from). Search results show the first
// passage with "p. N"; an item page reached from a search shows the first few.
//
// Bounded work: only the part of a text the index covers is read (search cannot have matched
// further), and a page of results shares one budget of characters; results past it show the
// beginning of their text as before. Plain functions, no highlighting (publisher/search.ts cuts
// and marks the passage), so the read workers load nothing more.
import { termMatches } from '../harvester/analyzer.ts';
import { type PageSpan } from '../harvester/pages.ts';

/** Pages shown on one screen of the text view, and characters at most (a screen of dense pages stops earlier). */
export const PAGES_PER_SCREEN = 10;
export const CHARS_PER_SCREEN = 40_000;
/** Characters of text read for one result's passage: what the index holds of it (INDEXED_TEXT_CHARS). */
export const PASSAGE_SCAN_CHARS = 50_000;
/** Characters read for the passages of one page of results, all results together. */
export const PASSAGE_PAGE_BUDGET = 250_000;

/**
 * The screen numbers (1-based) of a text's pages, from their lengths: at most PAGES_PER_SCREEN
 * pages and CHARS_PER_SCREEN characters a screen, one page at least (text-view.ts's screens()).
 */
export function screenNumbers(pages: ReadonlyArray<{ number: number; length: number }>): Map<number, number> {
  const out = new Map<number, number>();
  let screen = 1;
  let count = 0;
  let chars = 0;
  for (const page of pages) {
    if (count > 0 && (count >= PAGES_PER_SCREEN || chars + page.length > CHARS_PER_SCREEN)) {
      screen++;
      count = 0;
      chars = 0;
    }
    out.set(page.number, screen);
    count++;
    chars += page.length;
  }
  return out;
}

export interface PassageSpot {
  /** Offset of the first matching word in the text. */
  at: number;
  /** The page's range in the text (the whole scanned text when it has no pages). */
  start: number;
  end: number;
  /** The document's page number; null for a text without pages (a feed's, a web page's). */
  page: number | null;
  /** The text view's screen holding that page (1 without pages). */
  screen: number;
}

/**
 * The first places (at most `limit`, one per page) where the query's words appear within the first
 * `maxChars` characters of `text`, and the characters read to find them.
 */
export function findPassages(text: string, spans: readonly PageSpan[] | null, terms: ReadonlySet<string>, maxChars: number, limit = 1): { spots: PassageSpot[]; scanned: number } {
  const spots: PassageSpot[] = [];
  const scanned = Math.min(text.length, Math.max(0, maxChars));
  if (terms.size === 0 || scanned === 0 || limit < 1) return { spots, scanned: 0 };
  const screens = spans ? screenNumbers(spans.map(([number, start, end]) => ({ number, length: end - start }))) : undefined;
  // Spans are in text order; the cursor moves forward with the matches.
  let index = 0;
  let lastPage: number | null | undefined;
  let read = 0;
  for (const match of termMatches(text.slice(0, scanned), terms as Set<string>)) {
    read = match.end;
    if (!spans) {
      spots.push({ at: match.start, start: 0, end: text.length, page: null, screen: 1 });
      break;
    }
    while (index < spans.length && spans[index]![2] <= match.start) index++;
    const span = spans[index];
    // Between pages (the blank line joining them): not a page's word.
    if (!span || span[1] > match.start || span[0] === lastPage) continue;
    lastPage = span[0];
    spots.push({ at: match.start, start: span[1], end: span[2], page: span[0], screen: screens!.get(span[0]) ?? 1 });
    if (spots.length >= limit) break;
  }
  return { spots, scanned: spots.length >= limit ? read : scanned };
}
