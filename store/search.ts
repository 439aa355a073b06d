// Full-text search over the catalogue, as steps a request goes through (issue 12):
//
//   candidates  every rowid matching the FTS5 query (item_search), once per query: the total,
//               the facets and the filters work from it in memory (CatalogueIndex).
//   rank        title tier: items with the query's words in their title (item_titles), the most
//               words first, then the newest; body tier: the other matches by bm25 over title and
//               body, scored by FTS5 in windows of `window` matches, newest window first. With
//               filters, the windows are of the matches within them: SQLite asks the filters of
//               each row before FTS5 scores it, so bm25 never scores a row the filters drop.
//   page        the page's rowids, from the title tier then the body windows, past the filters.
//
// What a step computes for a query is kept (per connection, bounded in bytes) until the
// catalogue's content changes, so the other pages and filters of a query cost only the walk.
// A time budget bounds a request: body windows are not scored past it, and the answer is what was
// found, marked partial.
//
// Ranking in windows is exact when a query's matches (within its filters) fit in one window
// (10,000 by default); past that, each window of newer matches is ranked before the older ones (the
// newest 10,000 matches, best first, then the next 10,000…). bm25 costs FTS5 about 1 µs a row it
// scores plus a pass over each phrase's document list: ranking all 94,518 matches of a common word
// at 200,000 items took 63 ms, read as two JSON arrays.
import { type CatalogueIndex } from './catalogue-index.ts';
import { type Sqlite } from './db.ts';

export interface FtsQuery {
  /** The FTS5 query (built by the publisher from analysed terms: publisher/search.ts). */
  match: string;
  /** The query's words and phrases, each quoted for FTS5: items with them in their title come first. */
  phrases?: string[];
  /** The page's language: among items with as many of the query's words in their title, its items come first (issue 14). */
  prefer?: string;
}

export interface SearchOptions {
  /** Milliseconds of work a request may take; past it the answer is what was found (partial). */
  budgetMs?: number;
}

export interface RankedPage {
  total: number;
  /** The page's rowids in order, with their rank (negative words-in-title count, or bm25). */
  hits: Array<{ pk: number; rank: number }>;
  /** The time budget ran out: some matches were not ranked. */
  partial: boolean;
}

/** Body-tier matches scored together by FTS5. */
export const RANK_WINDOW = 10_000;
/** Bytes of query results each connection keeps. */
const CACHE_BYTES = 8 * 1024 * 1024;
/** Filters a query's results are kept for (the oldest dropped first): a script asking one word with every filter does not grow it without end. */
const FILTERS_PER_QUERY = 32;

interface Window {
  /** Rowids sorted by rank (best first), then rowid. */
  pks: Int32Array;
  ranks: Float64Array;
}

/** The matches of a query that pass some filters, and their body windows. */
interface Matches {
  /** Rowids, ascending. */
  matches: Int32Array;
  windows: Array<Window | undefined>;
  /** Bytes of its windows (and of its matches, for filtered ones). */
  bytes: number;
  /** For matches within filters: the filters' key, under which the query keeps them. */
  filterKey?: string;
}

interface QueryEntry extends Matches {
  key: string;
  /** Title tier (before filters): rowids by words in title (most first), then recency. */
  title: Int32Array;
  titleWords: Uint8Array;
  /** The same query within filters (by the filters' key): its own windows. */
  filtered: Map<string, Matches>;
  bytes: number;
}

/** Filters, as a predicate over rowids, and a key naming them (what a query's filtered windows are kept under). */
export interface RowFilter {
  key: string;
  keep: (pk: number) => boolean;
}

export class SearchEngine {
  private readonly entries = new Map<string, QueryEntry>();
  private bytes = 0;
  private generation = -1;
  /** One byte per rowid, zero between uses: marks sets without allocating per request. */
  private scratch = new Uint8Array(0);
  /** The predicate `portal_search_keep(rowid)` asks while a filtered window is ranked. */
  private keep: ((pk: number) => boolean) | undefined;
  private readonly statements;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly index: CatalogueIndex,
    private readonly window = RANK_WINDOW,
    private readonly cacheBytes = CACHE_BYTES,
  ) {
    sqlite.function('portal_search_keep', { deterministic: false }, (pk) => (this.keep?.(pk as number) ? 1 : 0));
    this.statements = {
      // One JSON array rather than a row per match: at 200,000 items, 9.5 ms against 14.9 for the
      // 91,157 matches of a common word (handing rows to JavaScript one by one cost more than FTS5
      // finding them, 3.4 ms).
      matches: sqlite.prepare('SELECT json_group_array(rowid) FROM item_search WHERE item_search MATCH ?').pluck(),
      titles: sqlite.prepare('SELECT json_group_array(rowid) FROM item_titles WHERE item_titles MATCH ?').pluck(),
      // The same for a window's ranks: two JSON arrays in one string, 6.8 ms against 8.9 for the
      // 4,727 rows of an average window at 200,000 items (SQLite writes doubles that read back exactly).
      window: sqlite
        .prepare("SELECT json_group_array(rowid) || ' ' || json_group_array(rank) FROM item_search WHERE item_search MATCH ? AND rowid BETWEEN ? AND ?")
        .pluck(),
      // Within filters: SQLite asks the filters (in memory, CatalogueIndex) of each row FTS5 finds
      // before the row's rank is read, so bm25 scores only the rows the page can show. A window is
      // then the newest `window` matches within the filters, and a query whose filters keep 1 % of
      // its matches no longer scores the other 99 % (it did: 160 ms at 200,000 items for page 10
      // of a word within a partner, a section and a year).
      filteredWindow: sqlite
        .prepare(
          "SELECT json_group_array(rowid) || ' ' || json_group_array(rank) FROM item_search WHERE item_search MATCH ? AND rowid BETWEEN ? AND ? AND portal_search_keep(rowid)",
        )
        .pluck(),
    };
  }

  private marks(size: number): Uint8Array {
    if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, this.scratch.length * 2, 1024));
    return this.scratch;
  }

  private keyOf(fts: FtsQuery): string {
    return `${fts.prefer ?? ''}\u0000${fts.match}\u0000${(fts.phrases ?? []).join('\u0000')}`;
  }

  /** What the cache holds: queries, their filters, bytes. */
  stats(): { queries: number; filters: number; bytes: number } {
    let filters = 0;
    for (const entry of this.entries.values()) filters += entry.filtered.size;
    return { queries: this.entries.size, filters, bytes: Math.round(this.bytes) };
  }

  /** Whether the query's candidates are kept (no SQL to run for them). */
  cached(fts: FtsQuery): boolean {
    return this.index.generation === this.generation && this.entries.has(this.keyOf(fts));
  }

  /** The query's matches and title tier, from the cache or computed now. */
  entry(fts: FtsQuery): QueryEntry {
    this.index.fresh();
    if (this.index.generation !== this.generation) {
      this.entries.clear();
      this.bytes = 0;
      this.generation = this.index.generation;
    }
    const key = this.keyOf(fts);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry;
    }
    const matches = ascending(Int32Array.from(JSON.parse(this.statements.matches.get(fts.match) as string) as number[]));
    const largest = matches.length ? matches[matches.length - 1]! : 0;
    // Title tier: the items among the matches with the most query words (or phrases) in their
    // title, counted from the title index's rowids; the newest first among equals.
    const words = this.marks(largest + 1);
    const MATCH = 1;
    for (const pk of matches) words[pk] = MATCH;
    const listed: number[] = [];
    for (const phrase of fts.phrases ?? []) {
      for (const pk of JSON.parse(this.statements.titles.get(phrase) as string) as number[]) {
        if (pk > largest || words[pk] === 0 || words[pk] === 255) continue;
        if (words[pk] === MATCH) listed.push(pk);
        words[pk]!++;
      }
    }
    // Sorted by one number: (255 - words) * 2^32 + (another language than the page's) * 2^31 +
    // recency; the recency rank gives the rowid back.
    const unknown: number[] = [];
    const keys: number[] = [];
    const preferred = this.index.languageCode(fts.prefer);
    for (const pk of listed) {
      const recency = this.index.recency(pk);
      const other = preferred > 0 && this.index.languageOf(pk) !== preferred ? 2 ** 31 : 0;
      if (recency < 0) unknown.push(pk);
      else keys.push((255 - words[pk]!) * 2 ** 32 + other + recency);
    }
    const sorted = Float64Array.from(keys).sort();
    const title = new Int32Array(listed.length);
    const titleWords = new Uint8Array(listed.length);
    sorted.forEach((key, i) => {
      const recency = key % 2 ** 31;
      title[i] = this.index.rowidAt(recency);
      titleWords[i] = 255 - Math.floor(key / 2 ** 32) - MATCH;
    });
    // Items committed after the index last looked (not in it yet) come last, newest rowid first.
    unknown.sort((a, b) => words[b]! - words[a]! || b - a);
    unknown.forEach((pk, i) => {
      title[sorted.length + i] = pk;
      titleWords[sorted.length + i] = words[pk]! - MATCH;
    });
    for (const pk of matches) words[pk] = 0;
    entry = { key, matches, title, titleWords, windows: [], filtered: new Map(), bytes: matches.byteLength + title.byteLength * 1.25 + 200 };
    this.remember(key, entry);
    return entry;
  }

  private remember(key: string, entry: QueryEntry): void {
    while (this.entries.size > 0 && this.bytes + entry.bytes > this.cacheBytes) {
      const [oldest, old] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
  }

  /**
   * Counts `bytes` more for `of` (the entry or one of its filtered matches) while it is kept (other
   * requests may have dropped it meanwhile), then drops the oldest other queries, and the entry's
   * oldest other filters, until the cache is within its bytes again.
   */
  private grow(entry: QueryEntry, of: Matches, bytes: number): void {
    const kept = this.entries.get(entry.key) === entry;
    if (of !== entry && entry.filtered.get(of.filterKey!) !== of) return;
    if (of !== entry) of.bytes += bytes;
    entry.bytes += bytes;
    if (!kept) return;
    this.bytes += bytes;
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.cacheBytes) return;
      if (old === entry) continue;
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    for (const [key, old] of entry.filtered) {
      if (this.bytes <= this.cacheBytes || old === of) return;
      this.dropFilter(entry, key, old);
    }
  }

  private dropFilter(entry: QueryEntry, key: string, filtered: Matches): void {
    entry.filtered.delete(key);
    entry.bytes -= filtered.bytes;
    if (this.entries.get(entry.key) === entry) this.bytes -= filtered.bytes;
  }

  /** The query's matches within the filters, kept with the query (for its FILTERS_PER_QUERY latest filters). */
  private filteredMatches(entry: QueryEntry, filter: RowFilter): Matches {
    let found = entry.filtered.get(filter.key);
    if (found) {
      entry.filtered.delete(filter.key);
      entry.filtered.set(filter.key, found);
      return found;
    }
    if (entry.filtered.size >= FILTERS_PER_QUERY) {
      const [oldest, old] = entry.filtered.entries().next().value!;
      this.dropFilter(entry, oldest, old);
    }
    const kept = new Int32Array(entry.matches.length);
    let n = 0;
    for (const pk of entry.matches) if (filter.keep(pk)) kept[n++] = pk;
    found = { matches: kept.slice(0, n), windows: [], bytes: 0, filterKey: filter.key };
    entry.filtered.set(filter.key, found);
    this.grow(entry, found, n * 4 + filter.key.length * 2 + 100);
    return found;
  }

  /**
   * Body window `w` of `of` (the query's matches, or those within the filters): the w-th group of
   * `window` of them counted from the newest, ranked by FTS5.
   */
  private rankWindow(fts: FtsQuery, entry: QueryEntry, of: Matches, w: number, filter: RowFilter | undefined): Window {
    let cached = of.windows[w];
    if (cached) return cached;
    const n = of.matches.length;
    const hi = of.matches[n - 1 - w * this.window]!;
    const lo = of.matches[Math.max(0, n - (w + 1) * this.window)]!;
    let json: string;
    if (filter) {
      this.keep = filter.keep;
      try {
        json = this.statements.filteredWindow.get(fts.match, lo, hi) as string;
      } finally {
        this.keep = undefined;
      }
    } else json = this.statements.window.get(fts.match, lo, hi) as string;
    const space = json.indexOf(' ');
    const rowids = JSON.parse(json.slice(0, space)) as number[];
    const ranks = JSON.parse(json.slice(space + 1)) as number[];
    // Sorted by rank then rowid, through an index of positions (no array per row).
    const order = Uint32Array.from(rowids, (_, i) => i).sort((a, b) => ranks[a]! - ranks[b]! || rowids[a]! - rowids[b]!);
    cached = { pks: Int32Array.from(order, (i) => rowids[i]!), ranks: Float64Array.from(order, (i) => ranks[i]!) };
    of.windows[w] = cached;
    this.grow(entry, of, order.length * 12);
    return cached;
  }

  /**
   * The page of a search: `offset` … `offset + limit` of the filtered matches, title tier first.
   * `filter` is the filters (undefined: none).
   */
  page(fts: FtsQuery, filter: RowFilter | undefined, offset: number, limit: number, options: SearchOptions = {}): RankedPage {
    return complete(this.pageSteps(fts, filter, offset, limit, options));
  }

  /**
   * The same, as steps: it yields after the candidates and after each body window it ranks, so a
   * read worker can answer other requests in between (publisher/read-worker.ts).
   */
  *pageSteps(fts: FtsQuery, filter: RowFilter | undefined, offset: number, limit: number, options: SearchOptions = {}): Generator<void, RankedPage> {
    const started = performance.now();
    const deadline = started + (options.budgetMs ?? Infinity);
    const cached = this.cached(fts);
    const entry = this.entry(fts);
    if (!cached) yield;
    const keep = filter?.keep;
    const within = filter ? this.filteredMatches(entry, filter) : entry;
    const total = within.matches.length;
    const hits: RankedPage['hits'] = [];
    let partial = false;
    if (total === 0 || offset >= total) return { total, hits, partial };
    let inTitle = 0;
    for (let i = 0; i < entry.title.length; i++) {
      const pk = entry.title[i]!;
      if (keep && !keep(pk)) continue;
      if (inTitle >= offset && hits.length < limit) hits.push({ pk, rank: -entry.titleWords[i]! });
      inTitle++;
    }
    if (hits.length < limit && inTitle < total) {
      // Body tier: the matches without any of the query's words in their title, by bm25. (Its own
      // marks, not the shared scratch: other requests run between the steps.)
      const titled = new Uint8Array(entry.matches[entry.matches.length - 1]! + 1);
      for (const pk of entry.title) titled[pk] = 1;
      let skip = Math.max(0, offset - inTitle);
      const windows = Math.ceil(total / this.window);
      for (let w = 0; w < windows && hits.length < limit; w++) {
        let window = within.windows[w];
        if (!window) {
          if (performance.now() > deadline) {
            partial = true;
            break;
          }
          window = this.rankWindow(fts, entry, within, w, filter);
          yield;
        }
        for (let i = 0; i < window.pks.length && hits.length < limit; i++) {
          const pk = window.pks[i]!;
          // (A filtered window holds only rows within the filters.)
          if (pk < titled.length && titled[pk] === 1) continue;
          if (skip > 0) skip--;
          else hits.push({ pk, rank: window.ranks[i]! });
        }
      }
    }
    return { total, hits, partial };
  }
}

/** The rowids sorted: FTS5 gives them in order already, which one pass checks (for 94,518 rowids, 0.1 ms against 0.8 for a sort). */
function ascending(rowids: Int32Array): Int32Array {
  for (let i = 1; i < rowids.length; i++) if (rowids[i - 1]! > rowids[i]!) return rowids.sort();
  return rowids;
}

/** Runs steps to the end. */
export function complete<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
