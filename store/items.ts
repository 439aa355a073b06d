// Items: the harvester's writes (new, changed, missing, gone, each with its version and its
// full-text row, in one transaction) and the publisher's reads (lists, facets, search, one item).
import { type DocType, type Language, type Section } from '../config/index.ts';
import { analyzeForIndex } from '../harvester/analyzer.ts';
import {
  type ChangePlan,
  type DocumentFacts,
  type ExistingItem,
  type HarvestedItem,
  type ItemSnapshot,
  type SourceRecord,
} from '../harvester/ports.ts';
import { type Sqlite } from './db.ts';
import { parseJson } from './util.ts';

/** Characters of an item's text that go into the search index (the rest is kept, not indexed). */
export const INDEXED_TEXT_CHARS = 50_000;

export interface ItemFilters {
  section?: Section;
  docType?: DocType;
  partner?: string;
  language?: Language;
  year?: number;
  /** Publication (or first-seen) date bounds, "YYYY-MM-DD", inclusive. */
  from?: string;
  to?: string;
  /** Items marked gone are hidden unless asked for. */
  includeGone?: boolean;
}

export interface ItemRow {
  pk: number;
  id: string;
  title: string;
  url: string;
  partner: string;
  source: string;
  section: Section;
  doc_type: DocType | null;
  language: Language | null;
  published_at: string | null;
  first_seen_at: string;
  last_seen_at: string;
  last_changed_at: string;
  content_hash: string;
  summary: string;
  sort_date: string;
  gone_since: string | null;
  pages: number | null;
  scanned: boolean;
  text_chars: number;
}

export interface ItemVersion {
  content_hash: string;
  seen_at: string;
  event: string;
  changed_fields: string[];
  snapshot: ItemSnapshot;
}

export interface ItemDetail extends ItemRow {
  guid: string | null;
  fetched_at: string;
  source_url: string;
  source_type: string;
  document_url: string | null;
  document_hash: string | null;
  author: string | null;
  off_listing_since: string | null;
  text: string;
  versions: ItemVersion[];
}

export interface FacetCounts {
  doc_type: Array<{ value: string; count: number }>;
  partner: Array<{ value: string; count: number }>;
  language: Array<{ value: string; count: number }>;
  year: Array<{ value: string; count: number }>;
  section: Array<{ value: string; count: number }>;
}

export interface Page<T> {
  total: number;
  items: T[];
}

const ITEM_COLUMNS = `i.pk, i.id, i.title, i.url, i.partner_id AS partner, s.source_id AS source, i.section,
  i.doc_type, i.language, i.published_at, i.first_seen_at,
  CASE WHEN i.missing_count = 0 AND i.gone_since IS NULL AND i.off_listing_since IS NULL
       THEN coalesce(s.last_success_at, i.first_seen_at) ELSE coalesce(i.last_seen_at, i.first_seen_at) END AS last_seen_at,
  i.last_changed_at, i.content_hash, i.summary, i.sort_date, i.gone_since, i.pages, i.scanned, i.text_chars`;

type RawItemRow = Omit<ItemRow, 'scanned'> & { scanned: number };
const toItemRow = (r: RawItemRow): ItemRow => ({ ...r, scanned: r.scanned === 1 });

function whereClause(filters: ItemFilters, alias = 'i'): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    parts.push(`${alias}.${condition}`);
    params.push(value);
  };
  if (!filters.includeGone) parts.push(`${alias}.gone_since IS NULL`);
  if (filters.section) add('section = ?', filters.section);
  if (filters.docType) add('doc_type = ?', filters.docType);
  if (filters.partner) add('partner_id = ?', filters.partner);
  if (filters.language) add('language = ?', filters.language);
  if (filters.year !== undefined) add('year = ?', filters.year);
  if (filters.from) add('sort_date >= ?', filters.from);
  if (filters.to) add('sort_date <= ?', filters.to);
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

function yearOf(sortDate: string): number {
  return Number(sortDate.slice(0, 4));
}

function sortDateOf(item: HarvestedItem, firstSeenAt: string): string {
  return item.publishedAt ?? firstSeenAt.slice(0, 10);
}

/** An FTS5 query built by the publisher from analysed terms (see publisher/search.ts). */
export interface FtsQuery {
  match: string;
}

export class ItemsStore {
  private readonly statements;

  constructor(private readonly sqlite: Sqlite) {
    this.statements = {
      existing: sqlite.prepare(
        `SELECT pk, identity, content_hash, sort_date, first_seen_at, missing_count, gone_since, off_listing_since, title, url, summary,
           published_at, doc_type, language, document_url, document_etag, document_last_modified, document_hash, pages,
           scanned, fetched_at,
           (SELECT v.snapshot FROM item_versions v WHERE v.item_pk = items.pk ORDER BY v.pk DESC LIMIT 1) AS snapshot
         FROM items WHERE source_pk = ?`,
      ),
      insert: sqlite.prepare(
        `INSERT INTO items (id, source_pk, partner_id, identity, guid, url, title, summary, language, section, doc_type,
           published_at, sort_date, year, first_seen_at, last_changed_at, fetched_at, content_hash, document_url,
           document_etag, document_last_modified, document_hash, pages, scanned, text_chars, author)
         VALUES (@id, @source_pk, @partner_id, @identity, @guid, @url, @title, @summary, @language, @section, @doc_type,
           @published_at, @sort_date, @year, @now, @now, @now, @content_hash, @document_url, @document_etag,
           @document_last_modified, @document_hash, @pages, @scanned, @text_chars, @author)`,
      ),
      update: sqlite.prepare(
        `UPDATE items SET guid = @guid, url = @url, title = @title, summary = @summary, language = @language,
           section = @section, doc_type = @doc_type, published_at = @published_at, sort_date = @sort_date, year = @year,
           last_changed_at = @now, fetched_at = @now, content_hash = @content_hash, missing_count = 0, gone_since = NULL,
           off_listing_since = NULL, last_seen_at = NULL, document_url = @document_url, document_etag = @document_etag,
           document_last_modified = @document_last_modified, document_hash = @document_hash, pages = @pages,
           scanned = @scanned, text_chars = coalesce(@text_chars, text_chars), author = @author
         WHERE pk = @pk`,
      ),
      seenAgain: sqlite.prepare(
        'UPDATE items SET missing_count = 0, off_listing_since = NULL, last_seen_at = NULL WHERE pk = ?',
      ),
      missing: sqlite.prepare(
        'UPDATE items SET missing_count = missing_count + 1, last_seen_at = coalesce(last_seen_at, ?) WHERE pk = ?',
      ),
      gone: sqlite.prepare(
        'UPDATE items SET missing_count = missing_count + 1, gone_since = ?, last_seen_at = coalesce(last_seen_at, ?) WHERE pk = ?',
      ),
      offListing: sqlite.prepare('UPDATE items SET off_listing_since = ?, last_seen_at = coalesce(last_seen_at, ?) WHERE pk = ?'),
      documentRefresh: sqlite.prepare(
        'UPDATE items SET document_etag = ?, document_last_modified = ?, fetched_at = ? WHERE pk = ?',
      ),
      upsertText: sqlite.prepare(
        'INSERT INTO item_texts (item_pk, text) VALUES (?, ?) ON CONFLICT(item_pk) DO UPDATE SET text = excluded.text',
      ),
      deleteText: sqlite.prepare('DELETE FROM item_texts WHERE item_pk = ?'),
      getText: sqlite.prepare('SELECT text FROM item_texts WHERE item_pk = ?'),
      insertVersion: sqlite.prepare(
        `INSERT INTO item_versions (item_pk, content_hash, seen_at, event, snapshot, changed_fields, run_pk)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      ftsInsert: sqlite.prepare('INSERT INTO item_search (rowid, title, body) VALUES (?, ?, ?)'),
      ftsDelete: sqlite.prepare('DELETE FROM item_search WHERE rowid = ?'),
      byId: sqlite.prepare(
        `SELECT ${ITEM_COLUMNS}, i.guid, i.fetched_at, s.url AS source_url, s.type AS source_type, i.document_url,
           i.document_hash, i.author, i.off_listing_since
         FROM items i JOIN sources s ON s.pk = i.source_pk WHERE i.id = ?`,
      ),
      versions: sqlite.prepare(
        'SELECT content_hash, seen_at, event, changed_fields, snapshot FROM item_versions WHERE item_pk = ? ORDER BY pk',
      ),
    };
  }

  existing(sourcePk: number): ExistingItem[] {
    const rows = this.statements.existing.all(sourcePk) as Array<{
      pk: number;
      identity: string;
      content_hash: string;
      sort_date: string;
      first_seen_at: string;
      missing_count: number;
      gone_since: string | null;
      off_listing_since: string | null;
      title: string;
      url: string;
      summary: string;
      published_at: string | null;
      doc_type: DocType | null;
      language: Language | null;
      document_url: string | null;
      document_etag: string | null;
      document_last_modified: string | null;
      document_hash: string | null;
      pages: number | null;
      scanned: number;
      fetched_at: string;
      snapshot: string | null;
    }>;
    return rows.map((r) => ({
      pk: r.pk,
      identity: r.identity,
      contentHash: r.content_hash,
      sortDate: r.sort_date,
      firstSeenAt: r.first_seen_at,
      missingCount: r.missing_count,
      goneSince: r.gone_since,
      offListingSince: r.off_listing_since,
      snapshot: parseJson<ItemSnapshot>(r.snapshot, {
        title: r.title,
        url: r.url,
        summary: r.summary,
        published_at: r.published_at,
        doc_type: r.doc_type,
        language: r.language,
        text_hash: r.document_hash,
        document_url: r.document_url,
      }),
      document:
        r.document_url && r.document_hash
          ? {
              url: r.document_url,
              etag: r.document_etag,
              lastModified: r.document_last_modified,
              hash: r.document_hash,
              pages: r.pages,
              scanned: r.scanned === 1,
              fetchedAt: r.fetched_at,
            }
          : null,
    }));
  }

  private index(pk: number, title: string, summaryText: string, text: string): void {
    const body = `${summaryText}\n${text.slice(0, INDEXED_TEXT_CHARS)}`;
    this.statements.ftsInsert.run(pk, analyzeForIndex(title), analyzeForIndex(body, INDEXED_TEXT_CHARS + summaryText.length + 1));
  }

  private documentColumns(document: DocumentFacts | null) {
    return {
      document_url: document?.url ?? null,
      document_etag: document?.etag ?? null,
      document_last_modified: document?.lastModified ?? null,
      document_hash: document?.hash ?? null,
      pages: document?.pages ?? null,
      scanned: document?.scanned ? 1 : 0,
    };
  }

  /** Applies a change plan. Call inside a transaction (Store.commitHarvest does). */
  apply(source: SourceRecord, plan: ChangePlan, runPk: number, now: string): void {
    const s = this.statements;
    const lastSeen = source.lastSuccessAt ?? now;
    for (const item of plan.inserts) {
      const sortDate = sortDateOf(item, now);
      const text = item.text ?? '';
      const info = s.insert.run({
        id: item.id,
        source_pk: source.pk,
        partner_id: source.partnerId,
        identity: item.identity,
        guid: item.guid,
        url: item.url,
        title: item.title,
        summary: item.summary,
        language: item.language,
        section: item.section,
        doc_type: item.docType,
        published_at: item.publishedAt,
        sort_date: sortDate,
        year: yearOf(sortDate),
        now,
        content_hash: item.contentHash,
        ...this.documentColumns(item.document),
        text_chars: text.length,
        author: item.author,
      });
      const pk = Number(info.lastInsertRowid);
      if (text) s.upsertText.run(pk, text);
      s.insertVersion.run(pk, item.contentHash, now, 'new', JSON.stringify(item.snapshot), '[]', runPk);
      this.index(pk, item.title, item.summaryText, text);
    }
    for (const { existing, item, event, changedFields } of plan.updates) {
      const sortDate = item.publishedAt ?? existing.firstSeenAt.slice(0, 10);
      s.update.run({
        pk: existing.pk,
        guid: item.guid,
        url: item.url,
        title: item.title,
        summary: item.summary,
        language: item.language,
        section: item.section,
        doc_type: item.docType,
        published_at: item.publishedAt,
        sort_date: sortDate,
        year: yearOf(sortDate),
        now,
        content_hash: item.contentHash,
        ...this.documentColumns(item.document),
        text_chars: item.text === undefined ? null : item.text.length,
        author: item.author,
      });
      let text = item.text;
      if (text === undefined) {
        text = (s.getText.get(existing.pk) as { text: string } | undefined)?.text ?? '';
      } else if (text) {
        s.upsertText.run(existing.pk, text);
      } else {
        s.deleteText.run(existing.pk);
      }
      s.insertVersion.run(existing.pk, item.contentHash, now, event, JSON.stringify(item.snapshot), JSON.stringify(changedFields), runPk);
      if (!existing.goneSince) s.ftsDelete.run(existing.pk);
      this.index(existing.pk, item.title, item.summaryText, text);
    }
    for (const existing of plan.seenAgain) s.seenAgain.run(existing.pk);
    for (const existing of plan.missing) s.missing.run(lastSeen, existing.pk);
    for (const existing of plan.gone) {
      s.gone.run(now, lastSeen, existing.pk);
      s.insertVersion.run(existing.pk, existing.contentHash, now, 'gone', JSON.stringify(existing.snapshot), '[]', runPk);
      s.ftsDelete.run(existing.pk);
    }
    for (const existing of plan.offListing) s.offListing.run(now, lastSeen, existing.pk);
    for (const { existing, document } of plan.documentRefresh) {
      s.documentRefresh.run(document.etag, document.lastModified, document.fetchedAt, existing.pk);
    }
  }

  // ------------------------------------------------------------------ reads

  list(filters: ItemFilters, page: number, perPage: number): Page<ItemRow> {
    const where = whereClause(filters);
    const total = (this.sqlite.prepare(`SELECT count(*) AS n FROM items i WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
    const rows = this.sqlite
      .prepare(
        `SELECT ${ITEM_COLUMNS} FROM items i JOIN sources s ON s.pk = i.source_pk
         WHERE ${where.sql} ORDER BY i.sort_date DESC, i.pk DESC LIMIT ? OFFSET ?`,
      )
      .all(...where.params, perPage, (page - 1) * perPage) as RawItemRow[];
    return { total, items: rows.map(toItemRow) };
  }

  /** Latest items of a section (the home page). */
  latest(section: Section, limit: number): ItemRow[] {
    return this.list({ section }, 1, limit).items;
  }

  /**
   * Facet counts for a set of items: each facet counts the items matching every other filter, so a
   * visitor can switch a filter's value without losing the others. One query, counted here.
   */
  facets(filters: ItemFilters, fts?: FtsQuery): FacetCounts {
    const base: ItemFilters = { section: filters.section, from: filters.from, to: filters.to, includeGone: filters.includeGone };
    const where = whereClause(base);
    const rows = (
      fts
        ? this.sqlite
            .prepare(
              `SELECT i.section, i.doc_type, i.partner_id, i.language, i.year FROM item_search
               JOIN items i ON i.pk = item_search.rowid WHERE item_search MATCH ? AND ${where.sql}`,
            )
            .raw()
            .all(fts.match, ...where.params)
        : this.sqlite
            .prepare(`SELECT i.section, i.doc_type, i.partner_id, i.language, i.year FROM items i WHERE ${where.sql}`)
            .raw()
            .all(...where.params)
    ) as Array<[string, string | null, string, string | null, number]>;
    const counters = {
      section: new Map<string, number>(),
      doc_type: new Map<string, number>(),
      partner: new Map<string, number>(),
      language: new Map<string, number>(),
      year: new Map<string, number>(),
    };
    const add = (map: Map<string, number>, key: string | number | null) => {
      if (key === null || key === undefined) return;
      map.set(String(key), (map.get(String(key)) ?? 0) + 1);
    };
    for (const [section, docType, partner, language, year] of rows) {
      const ok = {
        docType: !filters.docType || docType === filters.docType,
        partner: !filters.partner || partner === filters.partner,
        language: !filters.language || language === filters.language,
        year: filters.year === undefined || year === filters.year,
      };
      if (ok.partner && ok.language && ok.year) add(counters.doc_type, docType);
      if (ok.docType && ok.language && ok.year) add(counters.partner, partner);
      if (ok.docType && ok.partner && ok.year) add(counters.language, language);
      if (ok.docType && ok.partner && ok.language) add(counters.year, year);
      if (ok.docType && ok.partner && ok.language && ok.year) add(counters.section, section);
    }
    const sorted = (map: Map<string, number>, byKey = false) =>
      [...map]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => (byKey ? (a.value < b.value ? 1 : -1) : b.count - a.count || (a.value < b.value ? -1 : 1)));
    return {
      section: sorted(counters.section),
      doc_type: sorted(counters.doc_type),
      partner: sorted(counters.partner),
      language: sorted(counters.language),
      year: sorted(counters.year, true),
    };
  }

  /** Full-text search: title matches weigh 5 times body matches; newest first among equals. */
  search(fts: FtsQuery, filters: ItemFilters, page: number, perPage: number): Page<ItemRow & { rank: number }> {
    const where = whereClause(filters);
    const total = (
      this.sqlite
        .prepare(
          `SELECT count(*) AS n FROM item_search JOIN items i ON i.pk = item_search.rowid
           WHERE item_search MATCH ? AND ${where.sql}`,
        )
        .get(fts.match, ...where.params) as { n: number }
    ).n;
    if (total === 0) return { total, items: [] };
    const rows = this.sqlite
      .prepare(
        `SELECT ${ITEM_COLUMNS}, bm25(item_search, 5.0, 1.0) AS rank
         FROM item_search JOIN items i ON i.pk = item_search.rowid JOIN sources s ON s.pk = i.source_pk
         WHERE item_search MATCH ? AND ${where.sql}
         ORDER BY rank, i.sort_date DESC LIMIT ? OFFSET ?`,
      )
      .all(fts.match, ...where.params, perPage, (page - 1) * perPage) as Array<RawItemRow & { rank: number }>;
    return { total, items: rows.map((r) => ({ ...toItemRow(r), rank: r.rank })) };
  }

  /** The beginning of items' texts, for search snippets. */
  textsOf(pks: number[], maxChars: number): Map<number, string> {
    if (pks.length === 0) return new Map();
    const rows = this.sqlite
      .prepare(`SELECT item_pk, substr(text, 1, ?) AS text FROM item_texts WHERE item_pk IN (SELECT value FROM json_each(?))`)
      .all(maxChars, JSON.stringify(pks)) as Array<{ item_pk: number; text: string }>;
    return new Map(rows.map((r) => [r.item_pk, r.text]));
  }

  get(id: string, maxTextChars = 20_000): ItemDetail | undefined {
    const row = this.statements.byId.get(id) as
      | (RawItemRow & {
          guid: string | null;
          fetched_at: string;
          source_url: string;
          source_type: string;
          document_url: string | null;
          document_hash: string | null;
          author: string | null;
          off_listing_since: string | null;
        })
      | undefined;
    if (!row) return undefined;
    const text = (
      this.sqlite.prepare('SELECT substr(text, 1, ?) AS text FROM item_texts WHERE item_pk = ?').get(maxTextChars, row.pk) as
        | { text: string }
        | undefined
    )?.text;
    const versions = (this.statements.versions.all(row.pk) as Array<{ content_hash: string; seen_at: string; event: string; changed_fields: string; snapshot: string }>).map(
      (v) => ({
        content_hash: v.content_hash,
        seen_at: v.seen_at,
        event: v.event,
        changed_fields: parseJson<string[]>(v.changed_fields, []),
        snapshot: parseJson<ItemSnapshot>(v.snapshot, {} as ItemSnapshot),
      }),
    );
    return { ...toItemRow(row), ...row, scanned: row.scanned === 1, text: text ?? '', versions };
  }

  /** Items counted per partner and section (partners page, freshness report). */
  countsByPartnerSection(): Array<{ partner: string; section: Section; count: number }> {
    return this.sqlite
      .prepare('SELECT partner_id AS partner, section, count(*) AS count FROM items WHERE gone_since IS NULL GROUP BY partner_id, section')
      .all() as Array<{ partner: string; section: Section; count: number }>;
  }

  /** For the sitemap: every visible item's id and last change. */
  allIds(limit: number): Array<{ id: string; last_changed_at: string }> {
    return this.sqlite
      .prepare('SELECT id, last_changed_at FROM items WHERE gone_since IS NULL ORDER BY sort_date DESC LIMIT ?')
      .all(limit) as Array<{ id: string; last_changed_at: string }>;
  }

  count(includeGone = false): number {
    return (this.sqlite.prepare(`SELECT count(*) AS n FROM items ${includeGone ? '' : 'WHERE gone_since IS NULL'}`).get() as { n: number }).n;
  }
}
