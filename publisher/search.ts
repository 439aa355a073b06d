// Search, as a pipeline other features extend step by step (issue 12):
//
//   parse      the visitor's words through the documents' own text pipeline (harvester/analyzer):
//              groups of analysed terms (a quoted phrase or a compound like "31-13" is one group)
//   query      the FTS5 query: every group (AND), or any group when no item has them all
//   candidates, rank, page
//              store/search.ts: the matching rowids, the title tier, bm25 windows, the filters and
//              the page, within the request's time budget
//   snippets   highlighted passages cut from the original text of the page's items, never stems
//
// `searchCatalogue` runs the whole pipeline for a page; it runs in a read worker
// (publisher/read-pool.ts) or in process, and returns plain data the page renders.
import { analyze, termMatches } from '../harvester/analyzer.ts';
import { detectLanguage } from '../harvester/language.ts';
import { type PageSpan } from '../harvester/pages.ts';
import { findPassages, PASSAGE_PAGE_BUDGET, PASSAGE_SCAN_CHARS } from './passages.ts';
import { complete, type FacetCounts, type FtsQuery, type ItemFilters, type ItemRow, type Store } from '../store/index.ts';

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

export interface SearchRequest {
  q: string;
  filters: ItemFilters;
  page: number;
  perPage: number;
  /** Milliseconds of ranking work allowed (see store/search.ts); past it, what was found. */
  budgetMs?: number;
  /** Highlighted titles and snippets (pages); the API does without. */
  snippets?: boolean;
  /** Facet counts (pages); the API does without. */
  facets?: boolean;
}

/** Where a result's passage (its snippet) was found: the document's page and the text view's screen. */
export interface Passage {
  /** The document's page; null for a text without pages. */
  page: number | null;
  screen: number;
  /** The passage's own language and direction (an Arabic page in a French document reads right to left). */
  lang: string | null;
  dir: 'rtl' | 'ltr';
}

export type SearchHit = ItemRow & { rank?: number; titleHtml?: string; snippet?: string; passage?: Passage };

/**
 * A result's snippet: the first passage of its text where the query's words appear (with its page,
 * issue 17), within PASSAGE_SCAN_CHARS and what is left of the page of results' `budget`; else, as
 * before, the summary and the text's beginning.
 */
export function passageOf(summaryHtml: string, stored: { text: string; spans: PageSpan[] | null } | undefined, terms: Set<string>, budget: { chars: number }): { snippet: string; passage?: Passage } {
  if (stored && budget.chars > 0) {
    const { spots, scanned } = findPassages(stored.text, stored.spans, terms, Math.min(PASSAGE_SCAN_CHARS, budget.chars));
    budget.chars -= scanned;
    const spot = spots[0];
    if (spot) {
      const from = Math.max(spot.start, spot.at - 240);
      const raw = stored.text.slice(from, Math.min(spot.end, spot.at + 480));
      const lang = detectLanguage(raw);
      // snippet() starts a little before the word (with "…" when that is not the page's start).
      return { snippet: snippet(raw, terms, 240, 480), passage: { page: spot.page, screen: spot.screen, lang, dir: lang === 'ar' ? 'rtl' : 'ltr' } };
    }
  }
  return { snippet: snippet(`${summaryHtml.replace(/<[^>]*>/g, ' ')} ${stored?.text.slice(0, 3500) ?? ''}`, terms) };
}

export interface SearchOutcome {
  /** What was searched for, trimmed and bounded. */
  text: string;
  truncated: boolean;
  /** browse: no words (the catalogue with its filters); stopwords: only words too common to search. */
  kind: 'browse' | 'stopwords' | 'words';
  /** No item had every word: these have at least one. */
  anyWords: boolean;
  /** The time budget ran out: the page shows what was found. */
  partial: boolean;
  total: number;
  items: SearchHit[];
  facets?: FacetCounts;
}

const NO_FACETS: FacetCounts = { section: [], doc_type: [], partner: [], language: [], year: [] };

/** The whole pipeline for one page of results. */
export function searchCatalogue(store: Store, request: SearchRequest): SearchOutcome {
  return complete(searchSteps(store, request));
}

/**
 * The pipeline as steps: it yields between the costly ones (candidates, each ranked window,
 * snippets, facets) so a read worker answers other requests in between.
 */
export function* searchSteps(store: Store, request: SearchRequest): Generator<void, SearchOutcome> {
  const started = performance.now();
  const parsed = parseQuery(request.q);
  const base = { text: parsed.text, truncated: parsed.truncated, anyWords: false, partial: false };
  if (!parsed.text) {
    // Browse mode: the whole catalogue with filters (the online library).
    const result = store.items.list(request.filters, request.page, request.perPage);
    return { ...base, kind: 'browse', total: result.total, items: result.items, facets: request.facets ? store.items.facets(request.filters) : undefined };
  }
  if (parsed.groups.length === 0) return { ...base, kind: 'stopwords', total: 0, items: [], facets: request.facets ? NO_FACETS : undefined };
  const budget = () => (request.budgetMs === undefined ? undefined : Math.max(0, request.budgetMs - (performance.now() - started)));
  let fts = ftsQuery(parsed, 'all')!;
  let result = yield* store.items.searchSteps(fts, request.filters, request.page, request.perPage, { budgetMs: budget() });
  let anyWords = false;
  if (result.total === 0 && parsed.groups.length > 1) {
    fts = ftsQuery(parsed, 'any')!;
    result = yield* store.items.searchSteps(fts, request.filters, request.page, request.perPage, { budgetMs: budget() });
    anyWords = result.total > 0;
  }
  let items: SearchHit[] = result.items;
  if (request.snippets) {
    // Passages with their page (passageOf), within one budget for the page of results.
    const texts = store.items.pagedTextsOf(
      result.items.map((r) => r.pk),
      PASSAGE_SCAN_CHARS,
    );
    const budget = { chars: PASSAGE_PAGE_BUDGET };
    // The page shows the snippet, not the summary: it is not copied back.
    items = result.items.map((row) => ({
      ...row,
      summary: '',
      titleHtml: highlight(row.title, parsed.terms),
      ...passageOf(row.summary, texts.get(row.pk), parsed.terms, budget),
    }));
    yield;
  }
  return {
    ...base,
    kind: 'words',
    anyWords,
    partial: result.partial,
    total: result.total,
    items,
    facets: request.facets ? store.items.facets(request.filters, fts) : undefined,
  };
}
