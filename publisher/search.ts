// Search: a visitor's query through the same text pipeline as the documents (harvester/analyzer),
// turned into an FTS5 query; highlighted snippets cut from the original text, never from stems.
import { analyze, termMatches } from '../harvester/analyzer.ts';
import { type FtsQuery } from '../store/index.ts';

/** Characters of a query that are read; the rest is ignored (a sensible answer, not an error). */
export const MAX_QUERY_CHARS = 200;
const MAX_GROUPS = 12;

export interface ParsedQuery {
  /** What the visitor typed, trimmed and bounded. */
  text: string;
  /** Term groups: a group of several terms is a phrase ("31-13", a quoted phrase). */
  groups: string[][];
  truncated: boolean;
  /** Every analysed term, for highlighting. */
  terms: Set<string>;
}

const QUOTES = /["«»“”„]([^"«»“”„]+)["«»“”„]/g;

export function parseQuery(input: string | undefined): ParsedQuery {
  const raw = (input ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  const truncated = raw.length > MAX_QUERY_CHARS;
  const text = truncated ? raw.slice(0, MAX_QUERY_CHARS) : raw;
  const groups: string[][] = [];
  const phrases: string[] = [];
  const rest = text.replace(QUOTES, (_, phrase: string) => {
    phrases.push(phrase);
    return ' ';
  });
  for (const phrase of phrases) {
    const terms = analyze(phrase);
    if (terms.length) groups.push(terms);
  }
  for (const word of rest.split(/\s+/)) {
    if (!word) continue;
    const terms = analyze(word);
    if (terms.length) groups.push(terms);
  }
  const unique: string[][] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    const key = group.join(' ');
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(group);
    }
  }
  const kept = unique.slice(0, MAX_GROUPS);
  return { text, groups: kept, truncated: truncated || unique.length > MAX_GROUPS, terms: new Set(kept.flat()) };
}

/** The FTS5 query: every group (AND) or any group (OR). Terms are quoted: no FTS syntax leaks. */
export function ftsQuery(parsed: ParsedQuery, mode: 'all' | 'any' = 'all'): FtsQuery | undefined {
  if (parsed.groups.length === 0) return undefined;
  const quoted = parsed.groups.map((group) => `"${group.join(' ').replace(/"/g, '')}"`);
  const match = quoted.join(mode === 'all' ? ' ' : ' OR ');
  return { match, phrases: quoted };
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Escaped text with the words that match the query wrapped in <mark>. */
export function highlight(text: string, terms: Set<string>): string {
  if (terms.size === 0 || !text) return escapeHtml(text);
  let out = '';
  let last = 0;
  for (const token of termMatches(text, terms)) {
    out += `${escapeHtml(text.slice(last, token.start))}<mark>${escapeHtml(text.slice(token.start, token.end))}</mark>`;
    last = token.end;
  }
  return out + escapeHtml(text.slice(last));
}

/**
 * A snippet of about `width` characters around the first place the query's words appear, cut at
 * word boundaries from the original text and highlighted; the text's beginning when they do not
 * appear in the part that is scanned.
 */
export function snippet(text: string, terms: Set<string>, width = 240, scanChars = 3000): string {
  // Only the part that can be shown is cleaned: the texts of a page of results are long.
  const clean = text.slice(0, scanChars + 2 * width).replace(/\s+/g, ' ').trim();
  if (!clean) return '';
  const more = text.length > scanChars + 2 * width;
  const hit = terms.size > 0 ? (termMatches(clean.slice(0, scanChars), terms).next().value?.start ?? -1) : -1;
  let start = hit < 0 ? 0 : Math.max(0, hit - Math.floor(width / 3));
  if (start > 0) {
    const space = clean.indexOf(' ', start);
    start = space >= 0 && space < hit ? space + 1 : start;
  }
  let end = Math.min(clean.length, start + width);
  if (end < clean.length) {
    const space = clean.lastIndexOf(' ', end);
    if (space > start + width / 2) end = space;
  }
  return `${start > 0 ? '… ' : ''}${highlight(clean.slice(start, end), terms)}${end < clean.length || more ? ' …' : ''}`;
}
