// View models: what the templates show, computed once per request from store rows (labels in the
// visitor's language, directions, links). Templates stay free of logic.
import { DOC_TYPES, LANGUAGES, SECTIONS, type DocType, type Language, type Multilingual, type Section } from '../config/index.ts';
import { type FacetCounts, type ItemFilters, type ItemRow, type PartnerRow } from '../store/index.ts';
import { type PortalContext } from './context.ts';
import { dirOf } from './format.ts';
import { type PassageLink } from './passage-view.ts';

export const PER_PAGE = 20;
/** Pages of the API's listings (a listing's page costs the same at any depth: catalogue-index.ts). */
export const MAX_PAGE = 10_000;
/**
 * Results a search or a page of the site goes to (page 100 of 20): past it, a 400 asks to narrow
 * the request with filters, as large search engines do. Ranking deeper would cost more with every
 * page, and no person reads that far.
 */
export const MAX_RESULTS = 2_000;

/** A name in the visitor's language, else French, Arabic, English, Tamazight. */
export function pick(text: Multilingual | null | undefined, lang: string): string {
  if (!text) return '';
  return (text as Record<string, string | undefined>)[lang] ?? text.fr ?? text.ar ?? text.en ?? text.zgh ?? '';
}

/**
 * The portal's own address (site.base_url, required), the start of every absolute link it writes:
 * feeds, sitemap, robots.txt, canonical and hreflang links, emails. Never the request's Host header,
 * which whoever sends the request chooses.
 */
export function siteBase(ctx: PortalContext): string {
  return ctx.settings().portal.site.base_url.replace(/\/$/, '');
}

const partnerCache = new WeakMap<object, { version: number; rows: PartnerRow[]; names: Map<string, Map<string, string>> }>();

/**
 * The partners, read once per config and catalogue state (every page asks for them): they change
 * when a config is loaded, here (a new settings object) or by a harvest's process (data_version).
 */
function partnerState(ctx: PortalContext) {
  const settings = ctx.settings() as object;
  const version = ctx.store.dataVersion();
  let state = partnerCache.get(settings);
  if (!state || state.version !== version) {
    state = { version, rows: ctx.store.partners.list(), names: new Map() };
    partnerCache.set(settings, state);
  }
  return state;
}

export function partnerList(ctx: PortalContext): PartnerRow[] {
  return [...partnerState(ctx).rows];
}

export function partnerNames(ctx: PortalContext, lang: string): Map<string, string> {
  const state = partnerState(ctx);
  let names = state.names.get(lang);
  if (!names) {
    names = new Map(state.rows.map((p: PartnerRow) => [p.id, pick(p.name, lang)]));
    state.names.set(lang, names);
  }
  return names;
}

export interface ItemView {
  id: string;
  href: string;
  title: string;
  titleHtml?: string;
  url: string;
  dir: string;
  language: string | null;
  languageLabel: string;
  partner: string;
  partnerName: string;
  partnerHref: string;
  docTypeLabel: string;
  section: string;
  sectionLabel: string;
  date: string | null;
  pages: number | null;
  scanned: boolean;
  snippet?: string;
  /** A search result's passage: its direction, and "p. N" linking to that page of the text (issue 17). */
  passage?: PassageLink;
  /** Search: this result stands for several of the partner's documents with the same title. */
  folded?: { label: string; href: string };
}

export function itemView(ctx: PortalContext, lang: string, row: ItemRow, names: Map<string, string>): ItemView {
  const i18n = ctx.i18n;
  return {
    id: row.id,
    href: `/${lang}/items/${row.id}`,
    title: row.title,
    url: row.url,
    dir: dirOf(row.language),
    language: row.language,
    languageLabel: row.language ? i18n.t(lang, `languages.${row.language}`) : '',
    partner: row.partner,
    partnerName: names.get(row.partner) ?? row.partner,
    partnerHref: `/${lang}/partners/${row.partner}`,
    docTypeLabel: row.doc_type ? i18n.t(lang, `doc_types.${row.doc_type}`) : '',
    section: row.section,
    sectionLabel: i18n.t(lang, `sections.${row.section}`),
    date: row.published_at,
    pages: row.pages,
    scanned: row.scanned,
  };
}

export class BadRequest extends Error {
  readonly statusCode = 400;

  constructor(
    message: string,
    /** The message in the visitor's language, for pages (an i18n key and its values). */
    readonly localized?: { key: string; vars?: Record<string, unknown> },
  ) {
    super(message);
  }
}

/**
 * A page past MAX_RESULTS results. The pages answer it in two ways: past the list's last page, 404
 * with a link to that page (as any page past the end); within the list, 400 (tooDeep).
 */
export function pastDepth(params: { page: number; perPage: number }): boolean {
  return params.page * params.perPage > Math.max(MAX_RESULTS, params.perPage);
}

/** The 400 of a page past MAX_RESULTS. */
export function tooDeep(perPage: number): BadRequest {
  const pages = Math.floor(MAX_RESULTS / perPage);
  return new BadRequest(`results stop at the ${MAX_RESULTS}th (page ${pages} of ${perPage}): narrow the request with filters (year, partner, type, language) to reach the others`, {
    key: 'errors.too_deep',
    vars: { results: MAX_RESULTS, pages },
  });
}

/** The page's words for a filter value the portal does not know (the API keeps the English message). */
const unknownValue = (name: string) => ({ key: 'errors.unknown_value', vars: { name } });
/** The page's words for a parameter given more than once. */
export const repeatedParam = (name: string) => ({ key: 'errors.repeated', vars: { name } });

function single(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.length > 1) throw new BadRequest(`${name} is given more than once`, repeatedParam(name));
    return single(value[0], name);
  }
  return typeof value === 'string' ? value : String(value);
}

export function stringParam(query: Record<string, unknown>, name: string): string | undefined {
  return single(query[name], name);
}

export interface ListingParams {
  filters: ItemFilters;
  page: number;
  perPage: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * Filters of a listing from the query string; unknown values are a BadRequest (400), and so is a
 * page past `maxResults` results.
 */
export function listingParams(ctx: PortalContext, query: Record<string, unknown>, fixedSection?: Section, maxPerPage = 100, maxResults = MAX_RESULTS): ListingParams {
  const filters: ItemFilters = {};
  const section = fixedSection ?? stringParam(query, 'section');
  if (section !== undefined) {
    if (!SECTIONS.includes(section as Section)) throw new BadRequest(`unknown section "${section}" (one of ${SECTIONS.join(', ')})`, unknownValue('section'));
    filters.section = section as Section;
  }
  const docType = stringParam(query, 'doc_type');
  if (docType !== undefined) {
    if (!DOC_TYPES.includes(docType as DocType)) throw new BadRequest(`unknown doc_type "${docType}"`, unknownValue('doc_type'));
    filters.docType = docType as DocType;
  }
  const partner = stringParam(query, 'partner');
  if (partner !== undefined) {
    if (!partnerState(ctx).rows.some((p) => p.id === partner)) throw new BadRequest(`unknown partner "${partner}"`, unknownValue('partner'));
    filters.partner = partner;
  }
  const language = stringParam(query, 'language');
  if (language !== undefined) {
    if (!LANGUAGES.includes(language as Language)) throw new BadRequest(`unknown language "${language}" (one of ${LANGUAGES.join(', ')})`, unknownValue('language'));
    filters.language = language as Language;
  }
  const year = stringParam(query, 'year');
  if (year !== undefined) {
    if (!/^\d{4}$/.test(year)) throw new BadRequest(`year must be four digits, got "${year.slice(0, 20)}"`, { key: 'errors.bad_year' });
    filters.year = Number(year);
  }
  for (const bound of ['from', 'to'] as const) {
    const value = stringParam(query, bound);
    if (value !== undefined) {
      if (!validDate(value)) throw new BadRequest(`${bound} must be a date written YYYY-MM-DD, got "${value.slice(0, 20)}"`, { key: 'errors.bad_date', vars: { name: bound } });
      filters[bound] = value;
    }
  }
  const pageText = stringParam(query, 'page');
  let page = 1;
  if (pageText !== undefined) {
    if (!/^\d{1,6}$/.test(pageText) || Number(pageText) < 1 || Number(pageText) > MAX_PAGE) throw new BadRequest(`page must be a whole number from 1 to ${MAX_PAGE}`, { key: 'errors.bad_page', vars: { max: MAX_PAGE } });
    page = Number(pageText);
  }
  const perPageText = stringParam(query, 'per_page');
  let perPage = Math.min(PER_PAGE, maxPerPage);
  if (perPageText !== undefined) {
    if (!/^\d{1,3}$/.test(perPageText) || Number(perPageText) < 1 || Number(perPageText) > maxPerPage) throw new BadRequest(`per_page must be a whole number from 1 to ${maxPerPage}`, { key: 'errors.bad_per_page', vars: { max: maxPerPage } });
    perPage = Number(perPageText);
  }
  if (page * perPage > Math.max(maxResults, perPage)) throw tooDeep(perPage);
  return { filters, page, perPage };
}

/** A query string for a listing URL, keeping the current filters and changing some. */
export function queryString(current: Record<string, string | number | undefined>, changes: Record<string, string | number | undefined> = {}): string {
  const merged = { ...current, ...changes };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function filterState(params: ListingParams, q?: string): Record<string, string | number | undefined> {
  return {
    q,
    section: params.filters.section,
    doc_type: params.filters.docType,
    partner: params.filters.partner,
    language: params.filters.language,
    year: params.filters.year,
  };
}

export interface FacetGroup {
  name: string;
  label: string;
  options: Array<{ value: string; label: string; count: number; selected: boolean }>;
}

/** Facet groups for the filter form, with counts; `withSection` adds the section facet (search). */
export function facetGroups(ctx: PortalContext, lang: string, facets: FacetCounts, params: ListingParams, names: Map<string, string>, withSection = false): FacetGroup[] {
  const i18n = ctx.i18n;
  const f = params.filters;
  const group = (name: string, label: string, entries: Array<{ value: string; count: number }>, labelOf: (v: string) => string, selected?: string | number) => ({
    name,
    label,
    options: entries.map((e) => ({ value: e.value, label: labelOf(e.value), count: e.count, selected: String(selected ?? '') === e.value })),
  });
  const groups = [
    group('doc_type', i18n.t(lang, 'listing.type'), facets.doc_type, (v) => i18n.t(lang, `doc_types.${v}`), f.docType),
    group('partner', i18n.t(lang, 'listing.partner'), facets.partner, (v) => names.get(v) ?? v, f.partner),
    group('language', i18n.t(lang, 'listing.language'), facets.language, (v) => i18n.t(lang, `languages.${v}`), f.language),
    group('year', i18n.t(lang, 'listing.year'), facets.year, (v) => v, f.year),
  ];
  if (withSection) groups.unshift(group('section', i18n.t(lang, 'item.section'), facets.section, (v) => i18n.t(lang, `sections.${v}`), f.section));
  return groups;
}

export interface PaginationView {
  label: string;
  previous?: string;
  next?: string;
  pages: Array<{ number: number; href: string; current: boolean } | { gap: true }>;
  summary: string;
}

export function pagination(ctx: PortalContext, lang: string, basePath: string, state: Record<string, string | number | undefined>, page: number, total: number, perPage: number): PaginationView | undefined {
  // No link past MAX_RESULTS: those pages answer 400.
  const pages = Math.max(1, Math.min(Math.ceil(total / perPage), Math.floor(MAX_RESULTS / perPage)));
  if (pages <= 1) return undefined;
  const href = (n: number) => `${basePath}${queryString(state, { page: n === 1 ? undefined : n })}`;
  const numbers = [...new Set([1, page - 1, page, page + 1, pages].filter((n) => n >= 1 && n <= pages))].sort((a, b) => a - b);
  const list: PaginationView['pages'] = [];
  numbers.forEach((n, i) => {
    if (i > 0 && n - numbers[i - 1]! > 1) list.push({ gap: true });
    list.push({ number: n, href: href(n), current: n === page });
  });
  return {
    label: ctx.i18n.t(lang, 'pagination.label'),
    previous: page > 1 ? href(page - 1) : undefined,
    next: page < pages ? href(page + 1) : undefined,
    pages: list,
    summary: ctx.i18n.t(lang, 'pagination.page', { page: Math.min(page, pages), pages }),
  };
}
