// Full-text search over the catalogue, as steps a request goes through (issue 12):
//
//   candidates  every rowid matching the FTS5 query (item_search), once per query: the total,
//               the facets and the filters work from it in memory (CatalogueIndex).
//   rank        title tier: items with the query's words in their title (item_titles), the most
//               words first, then the newest; body tier: the other matches by bm25 over title and
//               body, scored by FTS5 in windows of `window` matches, newest window first.
//   page        the page's rowids, from the title tier then the body windows, past the filters.
//
// What a step computes for a query is kept (per connection, bounded in bytes) until the
// catalogue's content changes, so the other pages and filters of a query cost only the walk.
// A time budget bounds a request: body windows are not scored past it, and the answer is what was
// found, marked partial.
//
// Ranking in windows is exact when a query's matches fit in one window (10,000 by default); past
// that, each window of newer matches is ranked before the older ones (the newest 10,000 matches,
// best first, then the next 10,000…). bm25 costs FTS5 about 3 µs a match plus a pass over each
// phrase's document list; ranking every match of a common word at 200,000 items took 170-250 ms.
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

interface Window {
  /** Rowids sorted by rank (best first), then rowid. */
  pks: Int32Array;
  ranks: Float64Array;
}

interface QueryEntry {
  key: string;
  /** Every matching rowid, ascending. */
  matches: Int32Array;
  /** Title tier (before filters): rowids by words in title (most first), then recency. */
  title: Int32Array;
  titleWords: Uint8Array;
  windows: Array<Window | undefined>;
  bytes: number;
}

export class SearchEngine {
  private readonly entries = new Map<string, QueryEntry>();
  private bytes = 0;
  private generation = -1;
  /** One byte per rowid, zero between uses: marks sets without allocating per request. */
  private scratch = new Uint8Array(0);
  private readonly statements;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly index: CatalogueIndex,
    private readonly window = RANK_WINDOW,
  ) {
    this.statements = {
      // One JSON array rather than a row per match: at 200,000 items, 9.5 ms against 14.9 for the
      // 91,157 matches of a common word (handing rows to JavaScript one by one cost more than FTS5
      // finding them, 3.4 ms).
      matches: sqlite.prepare('SELECT json_group_array(rowid) FROM item_search WHERE item_search MATCH ?').pluck(),
      titles: sqlite.prepare('SELECT rowid FROM item_titles WHERE item_titles MATCH ?').pluck(),
      window: sqlite.prepare('SELECT rowid, rank FROM item_search WHERE item_search MATCH ? AND rowid BETWEEN ? AND ?').raw(),
    };
  }

  private marks(size: number): Uint8Array {
    if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, this.scratch.length * 2, 1024));
    return this.scratch;
  }

  private keyOf(fts: FtsQuery): string {
    return `${fts.prefer ?? ''}\u0000${fts.match}\u0000${(fts.phrases ?? []).join('\u0000')}`;
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
    const matches = Int32Array.from(JSON.parse(this.statements.matches.get(fts.match) as string) as number[]).sort();
    const largest = matches.length ? matches[matches.length - 1]! : 0;
    // Title tier: the items among the matches with the most query words (or phrases) in their
    // title, counted from the title index's rowids; the newest first among equals.
    const words = this.marks(largest + 1);
    const MATCH = 1;
    for (const pk of matches) words[pk] = MATCH;
    const listed: number[] = [];
    for (const phrase of fts.phrases ?? []) {
      for (const pk of this.statements.titles.all(phrase) as number[]) {
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
    entry = { key, matches, title, titleWords, windows: [], bytes: matches.byteLength + title.byteLength * 1.25 + 200 };
    this.remember(key, entry);
    return entry;
  }

  private remember(key: string, entry: QueryEntry): void {
    while (this.entries.size > 0 && this.bytes + entry.bytes > CACHE_BYTES) {
      const [oldest, old] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
  }

  /** Body window `w`: the w-th group of `window` matches counted from the newest, ranked by FTS5. */
  private rankWindow(fts: FtsQuery, entry: QueryEntry, w: number): Window {
    let cached = entry.windows[w];
    if (cached) return cached;
    const n = entry.matches.length;
    const hi = entry.matches[n - 1 - w * this.window]!;
    const lo = entry.matches[Math.max(0, n - (w + 1) * this.window)]!;
    const rows = this.statements.window.all(fts.match, lo, hi) as Array<[number, number]>;
    rows.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    cached = { pks: Int32Array.from(rows, (r) => r[0]), ranks: Float64Array.from(rows, (r) => r[1]) };
    entry.windows[w] = cached;
    entry.bytes += rows.length * 12;
    // (Counted only while the entry is kept: other requests may have dropped it meanwhile.)
    if (this.entries.get(entry.key) === entry) this.bytes += rows.length * 12;
    return cached;
  }

  /**
   * The page of a search: `offset` … `offset + limit` of the filtered matches, title tier first.
   * `keep` is the filters' predicate (undefined: no filter).
   */
  page(fts: FtsQuery, keep: ((pk: number) => boolean) | undefined, offset: number, limit: number, options: SearchOptions = {}): RankedPage {
    return complete(this.pageSteps(fts, keep, offset, limit, options));
  }

  /**
   * The same, as steps: it yields after the candidates and after each body window it ranks, so a
   * read worker can answer other requests in between (publisher/read-worker.ts).
   */
  *pageSteps(fts: FtsQuery, keep: ((pk: number) => boolean) | undefined, offset: number, limit: number, options: SearchOptions = {}): Generator<void, RankedPage> {
    const started = performance.now();
    const deadline = started + (options.budgetMs ?? Infinity);
    const cached = this.cached(fts);
    const entry = this.entry(fts);
    if (!cached) yield;
    let total = entry.matches.length;
    if (keep) {
      total = 0;
      for (const pk of entry.matches) if (keep(pk)) total++;
    }
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
      const windows = Math.ceil(entry.matches.length / this.window);
      for (let w = 0; w < windows && hits.length < limit; w++) {
        let window = entry.windows[w];
        if (!window) {
          if (performance.now() > deadline) {
            partial = true;
            break;
          }
          window = this.rankWindow(fts, entry, w);
          yield;
        }
        for (let i = 0; i < window.pks.length && hits.length < limit; i++) {
          const pk = window.pks[i]!;
          if ((pk < titled.length && titled[pk] === 1) || (keep && !keep(pk))) continue;
          if (skip > 0) skip--;
          else hits.push({ pk, rank: window.ranks[i]! });
        }
      }
    }
    return { total, hits, partial };
  }
}

/** Runs steps to the end. */
export function complete<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
