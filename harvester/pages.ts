// A document's text page by page. The catalogue keeps one text per item (what search indexes
// and snippets cut from) and a page map beside it: where each page's text lies in it, and whether
// the page was read from the document's text layer or recognised by OCR. Pages without a text
// layer (scans) get their recognised text when OCR has read the file.
// Not through connectors/index.ts: that loads the PDF extractor, which the read workers cannot.
import { hasTextLayer } from '../connectors/text-layer.ts';

/** `[page, start, end, ocr]`: a 1-based page of the document, its UTF-16 offsets in the text, 1 when recognised. */
export type PageSpan = [page: number, start: number, end: number, ocr: 0 | 1];

/** Between two pages in an item's text (what connectors/pdf-text.ts joins pages with). */
export const PAGE_SEPARATOR = '\n\n';

/**
 * The spans of the pages of `text`, which is `pageTexts` joined by a blank line and cut at
 * `text.length` (harvest.max_text_chars). Pages without text are left out; a page cut short
 * keeps what is left of it.
 */
export function pageSpans(pageTexts: readonly string[], text: string): PageSpan[] {
  const spans: PageSpan[] = [];
  let at = 0;
  for (const [index, page] of pageTexts.entries()) {
    if (at >= text.length) break;
    const start = at;
    const end = Math.min(text.length, at + page.length);
    if (text.slice(start, end).trim()) spans.push([index + 1, start, end, 0]);
    at += page.length + PAGE_SEPARATOR.length;
  }
  return spans;
}

export interface ComposedText {
  text: string;
  spans: PageSpan[];
}

/**
 * The text of a document from its own pages and its recognised ones: a page keeps its text
 * layer when it has one (hasTextLayer), else takes what OCR read on it. Pages are in page order,
 * a blank line apart.
 */
export function composeText(layer: ReadonlyArray<{ page: number; text: string }>, recognised: ReadonlyMap<number, string>): ComposedText {
  const pages = new Map<number, { text: string; ocr: 0 | 1 }>();
  for (const { page, text } of layer) if (text.trim()) pages.set(page, { text, ocr: 0 });
  for (const [page, text] of recognised) {
    if (!text.trim()) continue;
    const own = pages.get(page);
    if (!own || !hasTextLayer(own.text)) pages.set(page, { text, ocr: 1 });
  }
  let text = '';
  const spans: PageSpan[] = [];
  for (const page of [...pages.keys()].sort((a, b) => a - b)) {
    const entry = pages.get(page)!;
    if (text) text += PAGE_SEPARATOR;
    spans.push([page, text.length, text.length + entry.text.length, entry.ocr]);
    text += entry.text;
  }
  return { text, spans };
}

/** The pages read from the document's own text (not recognised), from a stored text and its map. */
export function layerPages(text: string, spans: readonly PageSpan[]): Array<{ page: number; text: string }> {
  return spans.filter((s) => s[3] === 0).map(([page, start, end]) => ({ page, text: text.slice(start, end) }));
}

/** What the API and the pages say of a text: how many pages it has and where they came from. */
export function textFacts(text: string, spans: readonly PageSpan[] | null): { pages: number; source: 'layer' | 'ocr' | null } {
  if (!spans) return text.trim() ? { pages: 1, source: 'layer' } : { pages: 0, source: null };
  if (spans.length === 0) return { pages: 0, source: null };
  return { pages: spans.length, source: spans.some((s) => s[3] === 1) ? 'ocr' : 'layer' };
}

/** A stored page map, checked (a damaged one reads as none). */
export function parsePageMap(json: string | null | undefined, textLength: number): PageSpan[] | null {
  if (!json) return null;
  try {
    const value = JSON.parse(json) as unknown;
    if (!Array.isArray(value)) return null;
    const spans: PageSpan[] = [];
    for (const entry of value) {
      if (!Array.isArray(entry) || entry.length !== 4) return null;
      const [page, start, end, ocr] = entry as number[];
      if (![page, start, end].every((n) => Number.isInteger(n)) || page! < 1 || start! < 0 || end! < start! || end! > textLength) return null;
      spans.push([page!, start!, end!, ocr === 1 ? 1 : 0]);
    }
    return spans;
  } catch {
    return null;
  }
}
