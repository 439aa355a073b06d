// Listings, facets and search computed page by page (issue 12) give the same items, totals and
// counts as the catalogue-wide SQL they replace: the algorithms before issue 12 are written out
// here as oracles and compared on a random catalogue of 1,300 items (several harvests, changed and
// gone items, dates out of rowid order), for random filters, words and pages, deep ones included.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { SECTION_DOC_TYPES, type DocType, type Language, type Section } from '../../config/index.ts';
import { prng } from '../../demo/content.ts';
import { analyze, planChanges, type HarvestedItem } from '../../harvester/index.ts';
import { openDatabase, type Sqlite } from '../../store/db.ts';
import { hasFilters, openStore, type FtsQuery, type ItemFilters, type Store } from '../../store/index.ts';
import { loadTestConfig, writeConfig } from '../helpers/config.ts';

const random = prng(12);
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
const FR = 'rapport transparence corruption marchés publics santé justice intégrité audit budget gouvernance réforme éthique contrôle citoyens données conseil décret guide étude'.split(' ');
const AR = 'تقرير الشفافية الرشوة الصفقات العمومية الصحة العدالة النزاهة الافتحاص الميزانية الحكامة الإصلاح الأخلاقيات المراقبة المواطنين المعطيات المجلس المرسوم الدليل الدراسة'.split(' ');
const SOURCES: Array<{ partner: string; source: string; section: Section }> = [
  { partner: 'alpha', source: 'news', section: 'news' },
  { partner: 'alpha', source: 'reports', section: 'publications' },
  { partner: 'beta', source: 'stats', section: 'statistics' },
  { partner: 'gamma', source: 'media', section: 'media' },
];
const config = {
  partners: ['alpha', 'beta', 'gamma'].map((id) => ({
    id,
    sources: SOURCES.filter((s) => s.partner === id).map((s) => ({ id: s.source, type: 'feed', url: `https://${id}.example/${s.source}.xml`, section: s.section })),
  })),
};

function words(lang: Language, n: number): string {
  // Skewed: the first words of the list are much more frequent, as in real text.
  const list = lang === 'ar' ? AR : FR;
  return Array.from({ length: n }, () => list[Math.floor(list.length * random() ** 2)]!).join(' ');
}

function makeItem(n: number, section: Section, source: string, partner: string, title?: string): HarvestedItem {
  const lang: Language = random() < 0.5 ? 'ar' : 'fr';
  const url = `https://${partner}.example/${source}/${n}`;
  const publishedAt = random() < 0.1 ? null : new Date(Date.UTC(2018, 0, 1) + Math.floor(random() * 8 * 365) * 86_400_000).toISOString().slice(0, 10);
  const docType = pick(SECTION_DOC_TYPES[section]) as DocType;
  const itemTitle = title ?? words(lang, 3 + Math.floor(random() * 5));
  const text = words(lang, 15 + Math.floor(random() * 30));
  const snapshot = { title: itemTitle, url, summary: '', published_at: publishedAt, doc_type: docType, language: lang, text_hash: text, document_url: null };
  return {
    id: `${partner}-${source}-${n}`,
    identity: `u:${url}`,
    guid: null,
    url,
    title: itemTitle,
    summary: '',
    summaryText: '',
    language: lang,
    section,
    docType,
    publishedAt,
    author: null,
    text,
    document: null,
    contentHash: `${itemTitle}|${text}`,
    snapshot,
  };
}

function harvest(store: Store, key: string, found: HarvestedItem[], at: string): void {
  const source = store.listSources({ sources: [key] })[0]!;
  const runPk = store.startRun('test', at);
  const planned = planChanges(store.existingItems(source.pk), found, { goneAfter: 1 });
  store.commitHarvest({
    runPk,
    source,
    plan: planned.plan,
    outcome: { status: 'ok', startedAt: at, durationMs: 1, itemsFound: found.length, itemsNew: 0, itemsChanged: 0, itemsGone: 0, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] },
    state: { attemptAt: at, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
    now: at,
  });
  store.finishRun(runPk, at);
}

// ------------------------------------------------------------------ the catalogue
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-search-'));
const file = path.join(dir, 'portal.db');
const writer = openStore(file);
writer.syncConfig(loadTestConfig(writeConfig(config)), '2026-01-01T00:00:00.000Z');
const listed = new Map<string, HarvestedItem[]>();
let counter = 0;
for (const s of SOURCES) {
  const key = `${s.partner}/${s.source}`;
  listed.set(key, Array.from({ length: 300 }, () => makeItem(counter++, s.section, s.source, s.partner)));
  harvest(writer, key, listed.get(key)!, '2026-01-01T00:00:00.000Z');
}
// A second pass: titles changed, items withdrawn (gone), new items with old dates.
for (const s of SOURCES) {
  const key = `${s.partner}/${s.source}`;
  const before = listed.get(key)!;
  const after = before
    .filter((_, i) => i % 37 !== 5)
    .map((item, i) => (i % 11 === 3 ? { ...makeItem(Number(item.id.split('-').at(-1)), s.section, s.source, s.partner), id: item.id, identity: item.identity, url: item.url } : item));
  after.push(...Array.from({ length: 25 }, () => makeItem(counter++, s.section, s.source, s.partner)));
  listed.set(key, after);
  harvest(writer, key, after, '2026-02-01T00:00:00.000Z');
}
const store = openStore(file, { readonly: true });
const { sqlite: oracleDb } = openDatabase(file, { readonly: true });
t.teardown(() => {
  store.close();
  oracleDb.close();
  writer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ the oracles (before issue 12)
function whereClause(filters: ItemFilters): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    parts.push(condition);
    params.push(value);
  };
  if (!filters.includeGone) parts.push('gone_since IS NULL');
  if (filters.section) add('section = ?', filters.section);
  if (filters.docType) add('doc_type = ?', filters.docType);
  if (filters.partner) add('partner_id = ?', filters.partner);
  if (filters.language) add('language = ?', filters.language);
  if (filters.year !== undefined) add('year = ?', filters.year);
  if (filters.from) add('sort_date >= ?', filters.from);
  if (filters.to) add('sort_date <= ?', filters.to);
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

function oracleList(db: Sqlite, filters: ItemFilters, page: number, perPage: number) {
  const where = whereClause(filters);
  const total = db.prepare(`SELECT count(*) FROM items WHERE ${where.sql}`).pluck().get(...where.params) as number;
  const ids = db.prepare(`SELECT id FROM items WHERE ${where.sql} ORDER BY sort_date DESC, pk DESC LIMIT ? OFFSET ?`).pluck().all(...where.params, perPage, (page - 1) * perPage);
  return { total, ids };
}

const ids = new Map((oracleDb.prepare('SELECT pk, id FROM items').raw().all() as Array<[number, string]>).map(([pk, id]) => [pk, id]));
const sortDates = new Map((oracleDb.prepare('SELECT pk, sort_date FROM items').raw().all() as Array<[number, string]>).map(([pk, d]) => [pk, d]));

function oracleSearch(db: Sqlite, fts: FtsQuery, filters: ItemFilters, page: number, perPage: number) {
  const filtered = Object.values(filters).some((v) => v !== undefined);
  const offset = (page - 1) * perPage;
  const matching = db.prepare('SELECT rowid FROM item_search WHERE item_search MATCH ?').pluck().all(fts.match) as number[];
  const where = whereClause(filters);
  const allowed = new Set(db.prepare(`SELECT pk FROM items WHERE ${where.sql}`).pluck().all(...where.params) as number[]);
  const keep = filtered ? matching.filter((pk) => allowed.has(pk)) : matching;
  const idOf = (pk: number) => ids.get(pk)!;
  const total = keep.length;
  if (total === 0 || offset >= total) return { total, ids: [] as string[] };
  const member = new Set(keep);
  const inTitle = new Map<number, number>();
  for (const phrase of fts.phrases ?? []) {
    for (const pk of db.prepare('SELECT rowid FROM item_titles WHERE item_titles MATCH ?').pluck().all(phrase) as number[]) {
      if (member.has(pk)) inTitle.set(pk, (inTitle.get(pk) ?? 0) + 1);
    }
  }
  const sortDate = (pk: number) => sortDates.get(pk)!;
  const titled = [...inTitle.keys()].sort((a, b) => inTitle.get(b)! - inTitle.get(a)! || (sortDate(a) < sortDate(b) ? 1 : sortDate(a) > sortDate(b) ? -1 : 0) || b - a);
  let ranked = titled.slice(offset, offset + perPage);
  if (ranked.length < perPage && titled.length < total) {
    const anyInTitle = fts.phrases?.join(' OR ');
    const rest = anyInTitle ? `(${fts.match}) NOT (title : (${anyInTitle}))` : fts.match;
    const skip = Math.max(0, offset - titled.length);
    const limit = perPage - ranked.length;
    const more = (
      filtered
        ? db
            .prepare('SELECT rowid FROM item_search WHERE item_search MATCH ? AND rowid IN (SELECT value FROM json_each(?)) ORDER BY rank LIMIT ? OFFSET ?')
            .pluck()
            .all(rest, JSON.stringify(keep), limit, skip)
        : db.prepare('SELECT rowid FROM item_search WHERE item_search MATCH ? ORDER BY rank LIMIT ? OFFSET ?').pluck().all(rest, limit, skip)
    ) as number[];
    ranked = [...ranked, ...more];
  }
  return { total, ids: ranked.map(idOf) };
}

/** Facets as the in-memory index counted them before: each facet ignores its own filter. */
function oracleFacets(db: Sqlite, filters: ItemFilters, among?: Set<number>) {
  const rows = db.prepare('SELECT pk, section, doc_type, partner_id, language, year, sort_date, gone_since FROM items').all() as Array<{
    pk: number;
    section: string;
    doc_type: string | null;
    partner_id: string;
    language: string | null;
    year: number;
    sort_date: string;
    gone_since: string | null;
  }>;
  const counts = { section: new Map<string, number>(), doc_type: new Map<string, number>(), partner: new Map<string, number>(), language: new Map<string, number>(), year: new Map<string, number>() };
  const bump = (map: Map<string, number>, value: string | null) => value !== null && map.set(value, (map.get(value) ?? 0) + 1);
  for (const r of rows) {
    if (among && !among.has(r.pk)) continue;
    if (!filters.includeGone && r.gone_since) continue;
    if (filters.section && r.section !== filters.section) continue;
    if ((filters.from && r.sort_date < filters.from) || (filters.to && r.sort_date > filters.to)) continue;
    const okType = !filters.docType || r.doc_type === filters.docType;
    const okPartner = !filters.partner || r.partner_id === filters.partner;
    const okLanguage = !filters.language || r.language === filters.language;
    const okYear = filters.year === undefined || r.year === filters.year;
    if (okPartner && okLanguage && okYear) bump(counts.doc_type, r.doc_type);
    if (okType && okLanguage && okYear) bump(counts.partner, r.partner_id);
    if (okType && okPartner && okYear) bump(counts.language, r.language);
    if (okType && okPartner && okLanguage) bump(counts.year, String(r.year));
    if (okType && okPartner && okLanguage && okYear) bump(counts.section, r.section);
  }
  const list = (map: Map<string, number>) => [...map].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  return {
    section: list(counts.section),
    doc_type: list(counts.doc_type),
    partner: list(counts.partner),
    language: list(counts.language),
    year: list(counts.year).sort((a, b) => (a.value < b.value ? 1 : -1)),
  };
}

// ------------------------------------------------------------------ random cases
function randomFilters(): ItemFilters {
  const filters: ItemFilters = {};
  if (random() < 0.3) filters.section = pick(SOURCES).section;
  if (random() < 0.3) filters.partner = pick(['alpha', 'beta', 'gamma']);
  if (random() < 0.25) filters.language = pick(['ar', 'fr'] as const);
  if (random() < 0.25) filters.year = 2018 + Math.floor(random() * 8);
  if (random() < 0.15) filters.docType = pick(SECTION_DOC_TYPES[pick(SOURCES).section]) as DocType;
  if (random() < 0.15) filters.from = `20${19 + Math.floor(random() * 5)}-0${1 + Math.floor(random() * 9)}-15`;
  if (random() < 0.15) filters.to = `202${2 + Math.floor(random() * 4)}-0${1 + Math.floor(random() * 9)}-01`;
  return filters;
}

function randomQuery(mode: 'all' | 'any'): FtsQuery {
  const lang: Language = random() < 0.5 ? 'ar' : 'fr';
  const n = 1 + Math.floor(random() * 3);
  const phrases = [...new Set(Array.from({ length: n }, () => `"${analyze(words(lang, 1)).join(' ')}"`))];
  return { match: phrases.join(mode === 'all' ? ' ' : ' OR '), phrases };
}

/** Pages 1, 2, the last, one past it, and random ones in between. */
function pagesOf(total: number, perPage: number): number[] {
  const last = Math.max(1, Math.ceil(total / perPage));
  return [...new Set([1, 2, last, last + 1, 1 + Math.floor(random() * last), 1 + Math.floor(random() * last)])];
}

t.test('listings: the same items in the same order, and the same totals, as the SQL listing', async (t) => {
  let compared = 0;
  for (let i = 0; i < 60; i++) {
    const filters = randomFilters();
    if (i % 10 === 0) filters.includeGone = true;
    const perPage = pick([5, 10, 20]);
    const first = oracleList(oracleDb, filters, 1, perPage);
    for (const page of pagesOf(first.total, perPage)) {
      const expected = oracleList(oracleDb, filters, page, perPage);
      const got = store.items.list(filters, page, perPage);
      t.same({ total: got.total, ids: got.items.map((r) => r.id) }, expected, `list ${JSON.stringify(filters)} page ${page} of ${perPage}`);
      compared++;
    }
  }
  t.ok(compared > 150, `${compared} listing pages compared`);
});

t.test('listing facets: the same counts as before, from the cells', async (t) => {
  t.same(store.items.facets({}), oracleFacets(oracleDb, {}));
  for (let i = 0; i < 40; i++) {
    const filters = randomFilters();
    t.same(store.items.facets(filters), oracleFacets(oracleDb, filters), `facets ${JSON.stringify(filters)}`);
  }
});

t.test('filtered and deep-page searches: the same items in the same order, and the same totals, as before', async (t) => {
  let compared = 0;
  let deep = 0;
  let bodyTier = 0;
  for (let i = 0; i < 70; i++) {
    const fts = randomQuery(i % 4 === 3 ? 'any' : 'all');
    const filters = i % 3 === 0 ? {} : randomFilters();
    const perPage = pick([5, 10]);
    const first = oracleSearch(oracleDb, fts, filters, 1, perPage);
    for (const page of pagesOf(first.total, perPage)) {
      const expected = oracleSearch(oracleDb, fts, filters, page, perPage);
      const got = store.items.search(fts, filters, page, perPage);
      t.same({ total: got.total, ids: got.items.map((r) => r.id) }, expected, `search ${fts.match} ${JSON.stringify(filters)} page ${page} of ${perPage}`);
      t.equal(got.partial, false);
      compared++;
      if (page > 5) deep++;
      // Title-tier ranks are minus the words in the title; bm25's are fractions.
      if (got.items.some((r) => !Number.isInteger(r.rank))) bodyTier++;
    }
    t.same(store.items.facets(filters, fts), oracleFacets(oracleDb, filters, new Set(oracleDb.prepare('SELECT rowid FROM item_search WHERE item_search MATCH ?').pluck().all(fts.match) as number[])), `facets of ${fts.match}`);
  }
  t.ok(compared > 250, `${compared} search pages compared`);
  t.ok(deep > 50, `${deep} of them past page 5`);
  t.ok(bodyTier > 50, `${bodyTier} of them with body-tier (bm25) results`);
});

t.test('past one window of matches, newer windows are ranked first, each by bm25', async (t) => {
  const windowed = openStore(file, { readonly: true, rankWindow: 40 });
  t.teardown(() => windowed.close());
  const fts: FtsQuery = { match: `"${analyze('rapport')[0]}"`, phrases: [`"${analyze('rapport')[0]}"`] };
  const matches = oracleDb.prepare('SELECT rowid FROM item_search WHERE item_search MATCH ? ORDER BY rowid DESC').pluck().all(fts.match) as number[];
  t.ok(matches.length > 200, `${matches.length} matches: several windows of 40`);
  const titled = new Set(oracleDb.prepare('SELECT rowid FROM item_titles WHERE item_titles MATCH ?').pluck().all(fts.phrases![0]) as number[]);
  // The expected body tier: windows of 40 matches from the newest rowid, each sorted by rank.
  const expected: number[] = [];
  for (let w = 0; w * 40 < matches.length; w++) {
    const group = matches.slice(w * 40, w * 40 + 40);
    const ranked = oracleDb
      .prepare('SELECT rowid FROM item_search WHERE item_search MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank, rowid')
      .pluck()
      .all(fts.match, group.at(-1), group[0]) as number[];
    expected.push(...ranked.filter((pk) => !titled.has(pk)));
  }
  const got: number[] = [];
  for (let page = 1; got.length < expected.length + titled.size; page++) {
    const result = windowed.items.search(fts, {}, page, 50);
    if (result.items.length === 0) break;
    got.push(...result.items.map((r) => r.pk));
  }
  t.same(got.slice(got.length - expected.length), expected, 'body tier window by window');
  t.same(new Set(got.slice(0, got.length - expected.length)), new Set([...titled].filter((pk) => matches.includes(pk))), 'title tier first');
});

t.test('within filters, a window is the newest matches within them: bm25 scores only rows the page can show', async (t) => {
  const windowed = openStore(file, { readonly: true, rankWindow: 10 });
  t.teardown(() => windowed.close());
  const fts: FtsQuery = { match: `"${analyze('rapport')[0]}"`, phrases: [`"${analyze('rapport')[0]}"`] };
  const filters: ItemFilters = { partner: 'beta' };
  const ranks = new Map(
    (oracleDb.prepare('SELECT rowid, rank FROM item_search WHERE item_search MATCH ?').raw().all(fts.match) as Array<[number, number]>).map(([pk, rank]) => [pk, rank]),
  );
  const within = (oracleDb.prepare("SELECT pk FROM items WHERE partner_id = 'beta' AND gone_since IS NULL ORDER BY pk DESC").pluck().all() as number[]).filter((pk) => ranks.has(pk));
  t.ok(within.length > 40, `${within.length} matches within the filter: several windows of 10`);
  const titled = new Set(oracleDb.prepare('SELECT rowid FROM item_titles WHERE item_titles MATCH ?').pluck().all(fts.phrases![0]) as number[]);
  // Windows of 10 matches within the filter, from the newest, each by rank (then rowid).
  const expected: number[] = [];
  for (let w = 0; w * 10 < within.length; w++) {
    const group = within.slice(w * 10, w * 10 + 10).sort((a, b) => ranks.get(a)! - ranks.get(b)! || a - b);
    expected.push(...group.filter((pk) => !titled.has(pk)));
  }
  const got: number[] = [];
  for (let page = 1; ; page++) {
    const result = windowed.items.search(fts, filters, page, 7);
    if (result.items.length === 0) break;
    t.equal(result.total, within.length, 'the total within the filter');
    got.push(...result.items.map((r) => r.pk));
  }
  const inTitle = within.filter((pk) => titled.has(pk)).length;
  t.ok(inTitle > 0 && expected.length > 20, `${inTitle} in the title tier, ${expected.length} in the body tier`);
  t.same(got.slice(inTitle), expected, 'body tier window by window within the filter');
  t.same(new Set(got.slice(0, inTitle)), new Set(within.filter((pk) => titled.has(pk))), 'title tier first');
  // The same pages again come from the kept windows, and another filter has windows of its own.
  t.same(windowed.items.search(fts, filters, 3, 7).items.map((r) => r.pk), got.slice(14, 21));
  const other = windowed.items.search(fts, { partner: 'gamma' }, 1, 500);
  t.ok(other.items.length > 0 && other.items.every((r) => r.partner === 'gamma'), 'another filter, its own matches');
});

t.test('the search cache stays within its bytes and its filters per query, and answers as a fresh store does', async (t) => {
  const BYTES = 16 * 1024;
  const small = openStore(file, { readonly: true, rankWindow: 10, searchCacheBytes: BYTES });
  t.teardown(() => small.close());
  const term = (word: string) => `"${analyze(word)[0]}"`;
  // One word asked with every filter a script could list: partners, years, languages, sections.
  const filterSets: ItemFilters[] = [];
  for (const partner of [undefined, 'alpha', 'beta', 'gamma'])
    for (const year of [undefined, 2019, 2020, 2021, 2022, 2023])
      for (const language of [undefined, 'ar', 'fr'] as const) filterSets.push(Object.fromEntries(Object.entries({ partner, year, language }).filter(([, v]) => v !== undefined)));
  t.ok(filterSets.length > 64, `${filterSets.length} sets of filters`);
  let most = { queries: 0, filters: 0, bytes: 0 };
  for (const word of ['rapport', 'transparence', 'corruption']) {
    const fts: FtsQuery = { match: term(word), phrases: [term(word)] };
    for (const filters of filterSets) {
      for (const page of [1, 3]) small.items.search(fts, filters, page, 10);
      const stats = small.items.searchCache();
      if (stats.bytes > most.bytes) most = stats;
      t.ok(stats.bytes <= BYTES, `within ${BYTES} bytes after ${word} ${JSON.stringify(filters)}: ${stats.bytes}`);
      t.ok(stats.filters <= 32 * stats.queries, 'at most 32 filters a query');
    }
  }
  t.ok(most.bytes > BYTES / 2, `the cache was used: ${JSON.stringify(most)}`);
  // Dropped results are computed again, the same.
  for (const filters of [filterSets[1]!, filterSets[40]!, {}]) {
    const fts: FtsQuery = { match: term('rapport'), phrases: [term('rapport')] };
    const fresh = openStore(file, { readonly: true, rankWindow: 10 });
    for (const page of [1, 2, 5]) {
      const want = fresh.items.search(fts, filters, page, 10);
      const got = small.items.search(fts, filters, page, 10);
      t.same({ total: got.total, ids: got.items.map((r) => r.id) }, { total: want.total, ids: want.items.map((r) => r.id) }, `rapport ${JSON.stringify(filters)} page ${page}`);
    }
    fresh.close();
  }
});

t.test('a spent time budget: what was found, marked partial; windows already ranked still count', async (t) => {
  const budgeted = openStore(file, { readonly: true, rankWindow: 40 });
  t.teardown(() => budgeted.close());
  const fts: FtsQuery = { match: `"${analyze('rapport')[0]}"`, phrases: [`"${analyze('rapport')[0]}"`] };
  const full = budgeted.items.search(fts, {}, 1, 1000);
  // Title-tier ranks are minus the words in the title; bm25's are fractions.
  const inTitle = full.items.filter((r) => Number.isInteger(r.rank)).length;
  t.ok(inTitle > 0 && inTitle < full.total, 'the query has both tiers');
  const fresh = openStore(file, { readonly: true, rankWindow: 40 });
  t.teardown(() => fresh.close());
  const cut = fresh.items.search(fts, {}, 1, 1000, { budgetMs: 0 });
  t.equal(cut.partial, true, 'partial');
  t.equal(cut.total, full.total, 'the total is known');
  t.same(
    cut.items.map((r) => r.id),
    full.items.slice(0, inTitle).map((r) => r.id),
    'the title tier, which costs no ranking, is all there',
  );
  const again = budgeted.items.search(fts, {}, 1, 1000, { budgetMs: 0 });
  t.equal(again.partial, false, 'ranked windows are kept: no work left, nothing cut');
  t.same(again.items.map((r) => r.id), full.items.map((r) => r.id));
});

t.test('every field of ItemFilters counts as a filter for search, whatever fields it gains', async (t) => {
  // Required<>: a field added to ItemFilters must be given a value here, or this file does not compile.
  const every: Required<ItemFilters> = { section: 'news', docType: 'report', partner: 'alpha', language: 'fr', year: 2024, from: '2024-01-01', to: '2024-12-31', includeGone: true };
  for (const [field, value] of Object.entries(every)) t.equal(hasFilters({ [field]: value }), true, `${field} alone is a filter`);
  t.equal(hasFilters({}), false, 'no field: no filter');
  t.equal(hasFilters({ includeGone: false, partner: undefined }), false, 'includeGone: false and undefined fields are none');
});
