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
import { analyze, fold, termMatches } from '../harvester/analyzer.ts';
import { detectLanguage } from '../harvester/language.ts';
import { type PageSpan } from '../harvester/pages.ts';
import { complete, type FacetCounts, type FtsQuery, type ItemFilters, type ItemRow, type Store, type Vocabulary } from '../store/index.ts';
import { findPassages, PASSAGE_PAGE_BUDGET, PASSAGE_SCAN_CHARS } from './passages.ts';

/** Characters of a query that are read; the rest is ignored (a sensible answer, not an error). */
export const MAX_QUERY_CHARS = 200;
const MAX_GROUPS = 12;
/** Letters a prefix needs before its `*` (after an Arabic article): `a*` does not enumerate the vocabulary. */
export const MIN_PREFIX = 3;
/** Title words' stems a prefix expands to (the most frequent), besides FTS5's own prefix match. */
const MAX_PREFIX_STEMS = 20;
/** Fewer results than this and the query's words are checked against the catalogue's vocabulary. */
export const FEW_RESULTS = 3;

export interface ParsedQuery {
  /** What the visitor typed, trimmed and bounded. */
  text: string;
  /** Term groups: a group of several terms is a phrase ("31-13", a quoted phrase). */
  groups: string[][];
  truncated: boolean;
  /** Every analysed term, for highlighting. */
  terms: Set<string>;
  /** Words ending in `*`: the folded prefix and the title stems it expands to. */
  prefixes: Array<{ folded: string; stems: string[] }>;
  /** A `*` after fewer than MIN_PREFIX letters: searched as a word. */
  shortPrefix: boolean;
  /** The plain words (not quoted, not prefixes), as typed: what a correction may replace. */
  words: string[];
}

const QUOTES = /["«»“”„]([^"«»“”„]+)["«»“”„]/g;

/**
 * The visitor's words as term groups, quoted phrases as one group each, `word*` as a prefix
 * (expanded through the titles' vocabulary when one is given: stems do not start like words).
 */
export function parseQuery(input: string | undefined, vocabulary?: Vocabulary): ParsedQuery {
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
  const prefixes: ParsedQuery['prefixes'] = [];
  const words: string[] = [];
  let shortPrefix = false;
  for (const word of rest.split(/\s+/)) {
    if (!word) continue;
    const prefix = /^(.*[^*])\*+$/u.exec(word)?.[1];
    if (prefix !== undefined) {
      const folded = fold(prefix);
      if (folded.replace(/^ال/, '').length >= MIN_PREFIX) {
        if (!prefixes.some((p) => p.folded === folded)) prefixes.push({ folded, stems: vocabulary?.prefixStems(folded, MAX_PREFIX_STEMS) ?? [] });
        continue;
      }
      shortPrefix = true;
    }
    const terms = analyze(prefix ?? word);
    if (terms.length) {
      groups.push(terms);
      words.push(prefix ?? word);
    }
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
  const keptPrefixes = prefixes.slice(0, Math.max(0, MAX_GROUPS - kept.length));
  return {
    text,
    groups: kept,
    truncated: truncated || unique.length + prefixes.length > MAX_GROUPS,
    terms: new Set([...kept.flat(), ...keptPrefixes.flatMap((p) => p.stems)]),
    prefixes: keptPrefixes,
    shortPrefix,
    words,
  };
}

/**
 * Words of someone who wants to report corruption or complain, in the portal's languages, whatever
 * the page's: such a search gets a pointer to the claim channels above its results (the portal
 * does not take reports; it says where to go). Each entry matches when all its stems are asked.
 */
const REPORTING_WORDS = [
  'شكاية', 'شكايات', 'شكوى', 'تبليغ', 'الإبلاغ', 'رشوة', 'رشاوى', 'فساد', 'تظلم',
  'signaler', 'signalement', 'dénoncer', 'dénonciation', 'plainte', 'réclamation', 'pot-de-vin', 'bakchich', 'corruption', 'corrompu',
  'complaint', 'bribe', 'bribery', 'whistleblower', 'corrupt',
];
let reportingStems: string[][] | undefined;

/** Whether the query's terms say the visitor wants to report or complain (see REPORTING_WORDS). */
export function asksToReport(terms: Set<string>): boolean {
  reportingStems ??= REPORTING_WORDS.map((word) => analyze(word)).filter((stems) => stems.length > 0);
  return reportingStems.some((stems) => stems.every((stem) => terms.has(stem)));
}

/** Whether the query has anything to search (terms or prefixes). */
export const searchable = (parsed: ParsedQuery) => parsed.groups.length + parsed.prefixes.length > 0;

const quote = (text: string) => `"${text.replace(/"/g, '')}"`;

/**
 * The FTS5 query: every group (AND) or any group (OR). Terms are quoted: no FTS syntax leaks. A
 * prefix is its title stems or FTS5's prefix match of the folded letters ("corrup" *).
 */
export function ftsQuery(parsed: ParsedQuery, mode: 'all' | 'any' = 'all', prefer?: string): FtsQuery | undefined {
  if (!searchable(parsed)) return undefined;
  const quoted = [
    ...parsed.groups.map((group) => quote(group.join(' '))),
    ...parsed.prefixes.map((p) => `(${[...p.stems.map(quote), `${quote(p.folded)} *`].join(' OR ')})`),
  ];
  // AND spelt out: FTS5 refuses an implicit AND next to a parenthesised group (a word and a prefix,
  // `"rapport" ("integ" *)` is a syntax error), which answered 500.
  const match = quoted.join(mode === 'all' ? ' AND ' : ' OR ');
  return prefer ? { match, phrases: quoted, prefer } : { match, phrases: quoted };
}

/**
 * The query with each plain word the titles' vocabulary knows a better-attested close word for
 * replaced by it ("corupption" → "corruption", "الفسد" → "الفساد"); undefined when nothing changes.
 */
export function corrected(parsed: ParsedQuery, vocabulary: Vocabulary): string | undefined {
  const replace = new Map<string, string>();
  for (const word of parsed.words) {
    const folded = fold(word);
    if (!folded || /\d/.test(folded)) continue;
    const better = vocabulary.correct(folded);
    if (better) replace.set(word, better.display);
  }
  if (replace.size === 0) return undefined;
  return parsed.text
    .split(/(\s+)/)
    .map((piece) => replace.get(piece) ?? piece)
    .join('');
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
  /** The page's language: its items first among equals (issue 14). */
  lang?: string;
  /** The words as typed: no correction, no "did you mean". */
  exact?: boolean;
  /** Near-identical results of one partner folded into one (pages). */
  fold?: boolean;
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

export type SearchHit = ItemRow & {
  rank?: number;
  titleHtml?: string;
  snippet?: string;
  /** Where the snippet was found in the document (issue 17). */
  passage?: Passage;
  /** This result stands for `count` documents of the partner with the same title: search `q` with the partner's filter to see them. */
  folded?: { count: number; q: string };
};

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
  /** Nothing matched the words as typed: these are the results of `text`, the corrected query. */
  corrected?: { text: string };
  /** Few results: the corrected query finds more. */
  suggestion?: { text: string };
  /** A `*` came after fewer than MIN_PREFIX letters. */
  shortPrefix?: boolean;
  total: number;
  items: SearchHit[];
  facets?: FacetCounts;
}

const NO_FACETS: FacetCounts = { section: [], doc_type: [], partner: [], language: [], year: [] };

/** The whole pipeline for one page of results. */
export function searchCatalogue(store: Store, request: SearchRequest): SearchOutcome {
  return complete(searchSteps(store, request));
}

/** Results of one partner whose titles are the same once normalised, folded into the first (issue 14). */
function* foldSimilar(store: Store, items: SearchHit[], filters: ItemFilters): Generator<void, SearchHit[]> {
  const groups = new Map<string, SearchHit[]>();
  for (const item of items) {
    const terms = analyze(item.title);
    if (terms.length === 0) continue;
    const key = `${item.partner}\u0000${terms.join(' ')}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const dropped = new Set<SearchHit>();
  const kept: SearchHit[] = [];
  for (const item of items) {
    if (dropped.has(item)) continue;
    const terms = analyze(item.title);
    const group = groups.get(`${item.partner}\u0000${terms.join(' ')}`);
    if (!group || group.length < 2) {
      kept.push(item);
      continue;
    }
    for (const other of group.slice(1)) dropped.add(other);
    // How many of the partner's items the link shows: the title as a phrase, within the filters.
    const phrase = quote(terms.join(' '));
    const all = yield* store.items.searchSteps({ match: phrase, phrases: [phrase] }, { ...filters, partner: item.partner }, 1, 1);
    kept.push({ ...item, folded: { count: Math.max(all.total, group.length), q: `"${item.title.replace(/["«»“”„]/g, ' ').trim()}"` } });
  }
  return kept;
}

/**
 * The pipeline as steps: it yields between the costly ones (candidates, each ranked window,
 * snippets, facets) so a read worker answers other requests in between.
 */
export function* searchSteps(store: Store, request: SearchRequest): Generator<void, SearchOutcome> {
  const started = performance.now();
  let parsed = parseQuery(request.q);
  const base = { text: parsed.text, truncated: parsed.truncated, anyWords: false, partial: false };
  if (!parsed.text) {
    // Browse mode: the whole catalogue with filters (the online library).
    const result = store.items.list(request.filters, request.page, request.perPage, request.lang);
    return { ...base, kind: 'browse', total: result.total, items: result.items, facets: request.facets ? store.items.facets(request.filters) : undefined };
  }
  // Prefixes expand through the titles' vocabulary (built once, store/vocabulary.ts).
  if (parsed.prefixes.length) parsed = parseQuery(request.q, yield* store.items.vocabularySteps());
  const shortPrefix = parsed.shortPrefix || undefined;
  if (!searchable(parsed)) return { ...base, kind: 'stopwords', shortPrefix, total: 0, items: [], facets: request.facets ? NO_FACETS : undefined };
  const budget = () => (request.budgetMs === undefined ? undefined : Math.max(0, request.budgetMs - (performance.now() - started)));
  const run = (query: FtsQuery, page = request.page, perPage = request.perPage) =>
    store.items.searchSteps(query, request.filters, page, perPage, { budgetMs: budget() });
  let fts = ftsQuery(parsed, 'all', request.lang)!;
  let result = yield* run(fts);
  let anyWords = false;
  let correctedText: string | undefined;
  let suggestion: string | undefined;
  // Typos (issue 14): only when the words find little, and only the plain words, against the
  // titles' vocabulary (a few binary searches a word).
  const alternative = !request.exact && result.total < FEW_RESULTS && parsed.words.length ? corrected(parsed, yield* store.items.vocabularySteps()) : undefined;
  if (alternative) {
    const other = parseQuery(alternative, parsed.prefixes.length ? yield* store.items.vocabularySteps() : undefined);
    const otherFts = ftsQuery(other, 'all', request.lang);
    if (otherFts) {
      if (result.total === 0) {
        const found = yield* run(otherFts);
        if (found.total > 0) {
          ({ result, fts, parsed } = { result: found, fts: otherFts, parsed: other });
          correctedText = alternative;
        }
      } else if ((yield* run(otherFts, 1, 1)).total > result.total) {
        suggestion = alternative;
      }
    }
  }
  if (result.total === 0 && parsed.groups.length + parsed.prefixes.length > 1) {
    fts = ftsQuery(parsed, 'any', request.lang)!;
    result = yield* run(fts);
    anyWords = result.total > 0;
  }
  let items: SearchHit[] = result.items;
  if (request.fold && items.length > 1) items = yield* foldSimilar(store, items, request.filters);
  if (request.snippets) {
    // Passages with their page (passageOf), within one budget for the page of results.
    const texts = store.items.pagedTextsOf(
      items.map((r) => r.pk),
      PASSAGE_SCAN_CHARS,
    );
    const budget = { chars: PASSAGE_PAGE_BUDGET };
    // The page shows the snippet, not the summary: it is not copied back.
    items = items.map((row) => ({
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
    corrected: correctedText ? { text: correctedText } : undefined,
    suggestion: suggestion ? { text: suggestion } : undefined,
    shortPrefix,
    total: result.total,
    items,
    facets: request.facets ? store.items.facets(request.filters, fts) : undefined,
  };
}
