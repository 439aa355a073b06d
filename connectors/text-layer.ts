// Whether a PDF page's extracted text is its own (a text layer) or a scan's stray marks. Kept apart
// from pdf-text.ts, which starts the PDF sandbox: the catalogue (harvester/pages.ts, loaded by the
// read workers as CommonJS) needs this rule and nothing of the extractor.

/** Visible characters a page's text needs to count as a text layer. */
export const MIN_LAYER_CHARS = 10;

/** Whether a page's extracted text is the page's own text, not a scan's stray marks (a page number). */
export function hasTextLayer(pageText: string): boolean {
  let visible = 0;
  for (const char of pageText) if (!/\s/.test(char) && ++visible >= MIN_LAYER_CHARS) return true;
  return false;
}
