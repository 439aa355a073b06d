// What the public pages and the API read from the catalogue, one function per need, taking the
// store and plain arguments and returning plain data. They run in a read worker (read-pool.ts),
// off the web server's event loop, or in process (reads.ts) when there is no pool (tests over an
// in-memory database). Anything whose cost grows with the catalogue or a query belongs here.
// A query that can take long returns its steps (a generator): the worker answers other requests
// between them.
// domain.ts alone: the read workers need the vocabularies, not the config loader and its schemas.
import { SECTIONS, type Section } from '../config/domain.ts';
import { type FacetCounts, type ItemFilters, type ItemRow, type Store } from '../store/index.ts';
import { searchSteps, type SearchRequest } from './search.ts';

export interface ListingRequest {
  filters: ItemFilters;
  page: number;
  perPage: number;
  /** Facet counts of the listing. */
  facets?: boolean;
  /** The whole catalogue's facets too (the online library's browse lists). */
  library?: boolean;
  /** Items without their summary (pages' lists do not show it): less to copy between threads. */
  slim?: boolean;
  /** The page's language: its items first (issue 14). */
  lang?: string;
}

export interface ListingResult {
  total: number;
  items: ItemRow[];
  facets?: FacetCounts;
  library?: FacetCounts;
}

export const queries = {
  listing(store: Store, request: ListingRequest): ListingResult {
    const result = store.items.list(request.filters, request.page, request.perPage, request.lang);
    return {
      total: result.total,
      items: request.slim ? result.items.map((item) => ({ ...item, summary: '' })) : result.items,
      facets: request.facets ? store.items.facets(request.filters) : undefined,
      library: request.library ? store.items.facets({}) : undefined,
    };
  },

  search(store: Store, request: SearchRequest) {
    return searchSteps(store, request);
  },

  /** The home page: the latest items of each section, and the indicators. */
  home(store: Store, request: { perSection: number; now: string; months: number; lang?: string }) {
    // The page's language first: /ar/ shows the Arabic items when the catalogue has them (issue 14).
    const latest = Object.fromEntries(SECTIONS.map((section) => [section, store.items.latest(section, request.perSection, request.lang)])) as Record<Section, ItemRow[]>;
    return { latest, indicators: store.stats.indicators(new Date(request.now), request.months) };
  },

  freshness(store: Store, request: { now: string }) {
    return store.stats.freshness(new Date(request.now));
  },

  indicators(store: Store, request: { now: string; months: number }) {
    return store.stats.indicators(new Date(request.now), request.months);
  },

  /** For the sitemap: the newest visible items' ids and last change. */
  itemIds(store: Store, request: { limit: number }) {
    return store.items.allIds(request.limit);
  },

  /** Reads what a read worker needs in memory, so its first visitor does not wait for it. */
  warm(store: Store) {
    store.items.list({}, 1, 1);
    return store.items.count();
  },
};

export type Queries = typeof queries;
export type QueryName = keyof Queries;
export type QueryRequest<K extends QueryName> = Parameters<Queries[K]>[1];
/** What a query answers (the final value of one that runs in steps). */
export type QueryResult<K extends QueryName> = ReturnType<Queries[K]> extends Generator<void, infer T> ? T : ReturnType<Queries[K]>;

/** Whether a query's answer is steps still to run. */
export function isSteps(value: unknown): value is Generator<void, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Generator).next === 'function' && typeof (value as Generator)[Symbol.iterator] === 'function';
}
