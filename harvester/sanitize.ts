// Harvested HTML is untrusted. Summaries keep a small allowlist of tags (no scripts, styles,
// event handlers, iframes, forms, javascript: or data: URLs) and are bounded in size; titles and
// other fields are reduced to plain text.
//
// Nothing here can overflow the stack or take quadratic time on deep markup (6,000 nested
// <blockquote>, 30,000 unclosed <b><i>, 40,000 nested <div>): markup past 256 levels is
// flattened first (connectors/html-depth.ts, one linear pass), then both the sanitiser and the
// text extraction go through sanitize-html's streaming parser (htmlparser2, a loop over tokens
// with an explicit stack), never through a DOM tree walked recursively (cheerio's .text()
// overflowed at 6,000 levels, and parse5 spends 19 s on 40,000 nested <div>). Kept tags nest at
// most MAX_NESTING deep; deeper ones are dropped, their text kept.
import sanitizeHtml from 'sanitize-html';
import { BIDI_CONTROLS } from '../config/index.ts';
import { capNesting } from '../connectors/html-depth.ts';

/** Characters of HTML read from one summary (the rest is ignored before parsing). */
const MAX_SUMMARY_INPUT = 200_000;
/** A sanitised summary longer than this becomes a plain-text excerpt. */
const MAX_SUMMARY_HTML = 8_000;
const MAX_SUMMARY_TEXT = 1_500;
export const MAX_TITLE = 500;
/** Allowed tags nested deeper than this are dropped (their text is kept). */
export const MAX_NESTING = 20;

const OPTIONS: sanitizeHtml.IOptions = {
  // span: what a link whose address is refused becomes. It must be allowed: sanitize-html keeps a
  // frame for each tag it opens, and a transformed tag it then discards left that frame's closing
  // tag on the next allowed one ("<b>gras</span>"), an attacker's link left open over the page.
  allowedTags: ['p', 'br', 'strong', 'b', 'em', 'i', 'u', 'ul', 'ol', 'li', 'a', 'span', 'blockquote', 'q', 'abbr', 'sub', 'sup', 'bdi', 'h3', 'h4', 'h5', 'h6'],
  allowedAttributes: { a: ['href', 'title', 'rel'], abbr: ['title'], '*': ['lang', 'dir'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'iframe', 'object', 'svg', 'math', 'title', 'head'],
  enforceHtmlBoundary: false,
  parseStyleAttributes: false,
  allowedClasses: {},
  nestingLimit: MAX_NESTING,
};

/** Every tag dropped, the text of all but these kept. */
const TEXT_ONLY: sanitizeHtml.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'noscript', 'template'],
};

/** Tags that separate words: a space is put before each, so "<p>a</p><p>b</p>" reads "a b". */
const WORD_BREAK = /<\/?(?:br|p|li|div|h[1-6]|tr|td|th|dd|dt|blockquote|section|article|header|footer|ul|ol|table)\b/gi;

// With the explicit bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069): a title with
// U+202E shows reversed ("EVIL \u202egnp.exe" reads "EVIL exe.png"), a spoof; the pages isolate
// harvested text with <bdi> and dir instead. The marks U+200E/U+200F stay.
const CONTROL = new RegExp(`[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f${BIDI_CONTROLS}\\ufffe\\uffff]`, 'g');

/** Text content of an HTML fragment, entities decoded, white space squashed. */
export function htmlToText(html: string): string {
  if (!html) return '';
  if (!/[<&]/.test(html)) return html.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
  const escaped = sanitizeHtml(capNesting(html.slice(0, MAX_SUMMARY_INPUT)).html.replace(WORD_BREAK, ' $&'), TEXT_ONLY);
  // sanitize-html decodes the text's entities, then escapes exactly &, < and > again: undo that.
  const text = escaped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return text.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

/** A title or other one-line field as plain text, bounded. */
export function cleanLine(value: string | undefined | null, max = MAX_TITLE): string {
  if (!value) return '';
  const text = htmlToText(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Sanitised, bounded summary HTML; relative links resolved against `base`. */
export function sanitizeSummary(html: string | undefined | null, base?: string): { html: string; text: string } {
  if (!html) return { html: '', text: '' };
  const clean = sanitizeHtml(capNesting(html.slice(0, MAX_SUMMARY_INPUT).replace(CONTROL, '')).html, {
    ...OPTIONS,
    transformTags: {
      a: (tagName, attribs) => {
        const out: Record<string, string> = { rel: 'nofollow noopener noreferrer' };
        if (attribs.href) {
          try {
            const url = new URL(attribs.href, base);
            if (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:') out.href = url.href;
          } catch {
            // an unusable link keeps its text only
          }
        }
        if (attribs.title) out.title = attribs.title;
        // A link whose address was refused keeps its text, not an empty <a>.
        return out.href ? { tagName, attribs: out } : { tagName: 'span', attribs: {} };
      },
    },
  }).trim();
  const text = htmlToText(clean);
  if (clean.length > MAX_SUMMARY_HTML || text.length > MAX_SUMMARY_TEXT) {
    const excerpt = text.length > MAX_SUMMARY_TEXT ? `${text.slice(0, MAX_SUMMARY_TEXT - 1)}…` : text;
    return { html: `<p>${sanitizeHtml(excerpt, { allowedTags: [], allowedAttributes: {} })}</p>`, text: excerpt };
  }
  return { html: clean, text };
}
