// Characters that change how text shows without showing themselves: what a visitor's or a
// partner's text loses before operators and citizens read it (a name that looks like an
// operator's, a value that reads reversed). Used by the suggestions form and the statistics files.

/** The bidi embeddings, overrides and isolates, as ranges for a character class: harvested titles lose them too (harvester/sanitize.ts). */
export const BIDI_CONTROLS = '\\u202a-\\u202e\\u2066-\\u2069';

/**
 * The bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069), the Arabic letter mark
 * (U+061C), zero-width space (U+200B), word joiner (U+2060), byte-order mark (U+FEFF) and soft
 * hyphen (U+00AD). Kept: the left-to-right and right-to-left marks (U+200E, U+200F) and the
 * zero-width (non-)joiners (U+200C, U+200D), which text needs.
 */
const INVISIBLE = new RegExp(`[\\u00ad\\u061c\\u200b\\u2060\\ufeff${BIDI_CONTROLS}]`, 'g');
/** Line and paragraph separators: read as a space. */
const SEPARATORS = /[\u2028\u2029]/g;
/** C0 and C1 controls but tab and line ends. */
export const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** `text` without the characters above (separators become spaces); control characters are the caller's to refuse or drop. */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '').replace(SEPARATORS, ' ');
}
