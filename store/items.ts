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
import { CatalogueIndex } from './catalogue-index.ts';
import { type Sqlite } from './db.ts';
import { complete, RANK_WINDOW, SearchEngine, type FtsQuery, type SearchOptions } from './search.ts';
import { parseJson } from './util.ts';
import { type Vocabulary, VocabularyBuilder } from './vocabulary.ts';

/** How often, at most, the titles' vocabulary is read again after the catalogue changed. */
export const VOCABULARY_REBUILD_MS = 10 * 60_000;
/** Titles the vocabulary is read from, the newest first. */
export const VOCABULARY_TITLES = 50_000;
/** Titles read in one step of a vocabulary's build. */
const VOCABULARY_BATCH = 1_000;

export type { FtsQuery, SearchOptions } from './search.ts';

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

export interface SearchPage extends Page<ItemRow & { rank: number }> {
  /** The time budget ran out before every match was ranked: the page shows what was found. */
  partial: boolean;
}

const ITEM_COLUMNS = `i.pk, i.id, i.title, i.url, i.partner_id AS partner, s.source_id AS source, i.section,
  i.doc_type, i.language, i.published_at, i.first_seen_at,
  CASE WHEN i.missing_count = 0 AND i.gone_since IS NULL AND i.off_listing_since IS NULL
       THEN coalesce(s.last_success_at, i.first_seen_at) ELSE coalesce(i.last_seen_at, i.first_seen_at) END AS last_seen_at,
  i.last_changed_at, i.content_hash, i.summary, i.sort_date, i.gone_since, i.pages, i.scanned, i.text_chars`;

type RawItemRow = Omit<ItemRow, 'scanned'> & { scanned: number };
const toItemRow = (r: RawItemRow): ItemRow => ({ ...r, scanned: r.scanned === 1 });

function yearOf(sortDate: string): number {
  return Number(sortDate.slice(0, 4));
}

function sortDateOf(item: HarvestedItem, firstSeenAt: string): string {
  return item.publishedAt ?? firstSeenAt.slice(0, 10);
}

export class ItemsStore {
  private readonly statements;
  private readonly catalogue: CatalogueIndex;
  private readonly engine: SearchEngine;
  /** Facet counts of recent searches, until the catalogue's content changes. */
  private readonly facetCache = new Map<string, FacetCounts>();
  private facetGeneration = -1;
  private vocab?: { vocabulary: Vocabulary; generation: number; builtAt: number };
  private vocabBuild?: { builder: VocabularyBuilder; read: number; generation: number; done: boolean };

  constructor(
    private readonly sqlite: Sqlite,
    rankWindow = RANK_WINDOW,
  ) {
    this.catalogue = new CatalogueIndex(sqlite);
    this.engine = new SearchEngine(sqlite, this.catalogue, rankWindow);
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
      ftsInsert: sqlite.prepare(
        `INSERT INTO item_search (rowid, title, body, section, doc_type, partner, language, year, sort_date)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      ftsDelete: sqlite.prepare('DELETE FROM item_search WHERE rowid = ?'),
      titleInsert: sqlite.prepare('INSERT INTO item_titles (rowid, title) VALUES (?, ?)'),
      titleDelete: sqlite.prepare('DELETE FROM item_titles WHERE rowid = ?'),
      byId: sqlite.prepare(
        `SELECT ${ITEM_COLUMNS}, i.guid, i.fetched_at, s.url AS source_url, s.type AS source_type, i.document_url,
           i.document_hash, i.author, i.off_listing_since
         FROM items i JOIN sources s ON s.pk = i.source_pk WHERE i.id = ?`,
      ),
      versions: sqlite.prepare(
        'SELECT content_hash, seen_at, event, changed_fields, snapshot FROM item_versions WHERE item_pk = ? ORDER BY pk',
      ),
      byPks: sqlite.prepare(`SELECT ${ITEM_COLUMNS} FROM items i JOIN sources s ON s.pk = i.source_pk WHERE i.pk IN (SELECT value FROM json_each(?))`),
      latest: sqlite.prepare(
        `SELECT ${ITEM_COLUMNS} FROM items i JOIN sources s ON s.pk = i.source_pk
         WHERE i.section = ? AND i.gone_since IS NULL ORDER BY i.sort_date DESC, i.pk DESC LIMIT ?`,
      ),
      watermark: sqlite.prepare('SELECT pk, seen_at FROM item_versions ORDER BY pk DESC LIMIT 1'),
      vocabularyTitles: sqlite.prepare('SELECT title FROM items WHERE gone_since IS NULL ORDER BY sort_date DESC, pk DESC LIMIT ? OFFSET ?').pluck(),
      translations: sqlite.prepare(
        `SELECT ${ITEM_COLUMNS}, (o.document_hash IS NOT NULL AND i.document_hash = o.document_hash) AS shares_file
         FROM items o JOIN items i ON i.partner_id = o.partner_id AND i.sort_date BETWEEN date(o.sort_date, '-1 day') AND date(o.sort_date, '+1 day')
           JOIN sources s ON s.pk = i.source_pk
         WHERE o.pk = @pk AND i.pk <> o.pk AND i.gone_since IS NULL AND i.language IS NOT NULL AND i.language IS NOT o.language
           AND ((o.document_hash IS NOT NULL AND i.document_hash = o.document_hash)
             OR (i.section = o.section AND i.doc_type IS o.doc_type AND o.published_at IS NOT NULL AND i.published_at IS NOT NULL))
         LIMIT 50`,
      ),
      // The item's versions through item_versions_item_idx.
      itemWatermark: sqlite.prepare('SELECT v.pk, v.seen_at FROM items i JOIN item_versions v ON v.item_pk = i.pk WHERE i.id = ? ORDER BY v.pk DESC LIMIT 1'),
    };
    this.rebuildTitleIndexIfAsked();
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

  private index(pk: number, item: HarvestedItem, partnerId: string, sortDate: string, text: string): void {
    const body = `${item.summaryText}\n${text.slice(0, INDEXED_TEXT_CHARS)}`;
    const title = analyzeForIndex(item.title);
    this.statements.titleInsert.run(pk, title);
    this.statements.ftsInsert.run(
      pk,
      title,
      analyzeForIndex(body, INDEXED_TEXT_CHARS + item.summaryText.length + 1),
      item.section,
      item.docType,
      partnerId,
      item.language,
      yearOf(sortDate),
      sortDate,
    );
  }

  private unindex(pk: number): void {
    this.statements.ftsDelete.run(pk);
    this.statements.titleDelete.run(pk);
  }

  /**
   * Writes the title index of a catalogue harvested before it existed (migration 0004 asks for it
   * with a row in `meta`): about a second for 50,000 items, once.
   */
  private rebuildTitleIndexIfAsked(): void {
    if (this.sqlite.readonly) return;
    const asked = this.sqlite.prepare("SELECT 1 FROM meta WHERE key = 'rebuild_title_index'").get();
    if (!asked) return;
    this.sqlite.transaction(() => {
      this.sqlite.prepare("INSERT INTO item_titles (item_titles) VALUES ('delete-all')").run();
      const rows = this.sqlite.prepare('SELECT pk, title FROM items WHERE gone_since IS NULL').raw().all() as Array<[number, string]>;
      for (const [pk, title] of rows) this.statements.titleInsert.run(pk, analyzeForIndex(title));
      this.sqlite.prepare("DELETE FROM meta WHERE key = 'rebuild_title_index'").run();
    })();
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
  apply(source: SourceRecord, plan: ChangePlan, runPk: number | null, now: string): void {
    const s = this.statements;
    this.catalogue.touch();
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
      this.index(pk, item, source.partnerId, sortDate, text);
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
      if (!existing.goneSince) this.unindex(existing.pk);
      this.index(existing.pk, item, source.partnerId, sortDate, text);
    }
    for (const existing of plan.seenAgain) s.seenAgain.run(existing.pk);
    for (const existing of plan.missing) s.missing.run(lastSeen, existing.pk);
    for (const existing of plan.gone) {
      s.gone.run(now, lastSeen, existing.pk);
      s.insertVersion.run(existing.pk, existing.contentHash, now, 'gone', JSON.stringify(existing.snapshot), '[]', runPk);
      this.unindex(existing.pk);
    }
    for (const existing of plan.offListing) s.offListing.run(now, lastSeen, existing.pk);
    for (const { existing, document } of plan.documentRefresh) {
      s.documentRefresh.run(document.etag, document.lastModified, document.fetchedAt, existing.pk);
    }
  }

  // ------------------------------------------------------------------ reads

  /** A listing page, newest first (the in-memory index walks to the page; see catalogue-index.ts). */
  list(filters: ItemFilters, page: number, perPage: number, prefer?: string): Page<ItemRow> {
    // `prefer`: the page's language, whose items come first (issue 14).
    const { total, pks } = this.catalogue.listPage(filters, (page - 1) * perPage, perPage, prefer);
    return { total, items: this.rowsOf(pks) };
  }

  /** Item rows by rowid, in the order given (rowids no longer there are left out). */
  private rowsOf(pks: number[]): ItemRow[] {
    if (pks.length === 0) return [];
    const rows = this.statements.byPks.all(JSON.stringify(pks)) as RawItemRow[];
    const byPk = new Map(rows.map((r) => [r.pk, r]));
    return pks.filter((pk) => byPk.has(pk)).map((pk) => toItemRow(byPk.get(pk)!));
  }

  /** Latest items of a section (the home page), those in `prefer` (the page's language) first. */
  latest(section: Section, limit: number, prefer?: string): ItemRow[] {
    if (prefer === undefined) return (this.statements.latest.all(section, limit) as RawItemRow[]).map(toItemRow);
    return this.rowsOf(this.catalogue.listPage({ section }, 0, limit, prefer).pks);
  }

  /**
   * The titles' vocabulary (store/vocabulary.ts), built on first use and again, once the
   * catalogue has changed, at most every VOCABULARY_REBUILD_MS.
   */
  vocabulary(): Vocabulary {
    return complete(this.vocabularySteps());
  }

  /**
   * The same, as steps: the titles are read VOCABULARY_BATCH at a time, yielding between batches,
   * so a read worker answers other requests while a vocabulary is built (50,000 titles took
   * 2.5 s on a loaded machine: one request must not hold the worker that long). Searches that need
   * it meanwhile drive the same build; once a vocabulary exists, a rebuild serves the old one
   * until the new one is complete.
   */
  *vocabularySteps(): Generator<void, Vocabulary> {
    this.catalogue.fresh();
    const stale = this.vocab && this.vocab.generation !== this.catalogue.generation && Date.now() - this.vocab.builtAt > VOCABULARY_REBUILD_MS;
    if (this.vocab && !stale) return this.vocab.vocabulary;
    if (!this.vocabBuild) this.vocabBuild = { builder: new VocabularyBuilder(), read: 0, generation: this.catalogue.generation, done: false };
    const build = this.vocabBuild;
    while (!build.done) {
      // The newest titles only: bounded work whatever the catalogue's size (their words are the
      // catalogue's current vocabulary). One batch per step, by offset: a statement left open
      // across steps would keep the connection busy for the other requests.
      const batch = this.statements.vocabularyTitles.all(Math.min(VOCABULARY_BATCH, VOCABULARY_TITLES - build.read), build.read) as string[];
      build.builder.add(batch);
      build.read += batch.length;
      if (batch.length < VOCABULARY_BATCH || build.read >= VOCABULARY_TITLES) {
        build.done = true;
        this.vocab = { vocabulary: build.builder.finish(), generation: build.generation, builtAt: Date.now() };
        if (this.vocabBuild === build) this.vocabBuild = undefined;
        break;
      }
      if (this.vocab) return this.vocab.vocabulary; // the old one until this build is complete
      yield;
    }
    return this.vocab!.vocabulary;
  }

  /**
   * The same document in the other languages (issue 14): items of the same partner in another
   * language that share the document file, or were published the same day (within a day) with
   * the same type in the same section, when only one such item per language does. One indexed
   * query over the partner's items of those days.
   */
  translations(pk: number): ItemRow[] {
    const rows = this.statements.translations.all({ pk }) as Array<RawItemRow & { shares_file: number }>;
    const byLanguage = new Map<string, Array<RawItemRow & { shares_file: number }>>();
    for (const row of rows) {
      if (!row.language) continue;
      byLanguage.set(row.language, [...(byLanguage.get(row.language) ?? []), row]);
    }
    const found: ItemRow[] = [];
    for (const candidates of byLanguage.values()) {
      const sharing = candidates.filter((c) => c.shares_file === 1);
      const pick = sharing.length >= 1 ? sharing[0] : candidates.length === 1 ? candidates[0] : undefined;
      if (pick) found.push(toItemRow(pick));
    }
    return found.sort((a, b) => (a.language! < b.language! ? -1 : 1));
  }

  /**
   * Facet counts: each facet counts the items matching every other filter, so a visitor can switch
   * a filter's value without losing the others. A listing's come from the index's counts per
   * attribute combination; a search's from its matching rowids (kept per query), cached until the
   * catalogue's content changes.
   */
  facets(filters: ItemFilters, fts?: FtsQuery): FacetCounts {
    if (!fts) return this.catalogue.facets(filters);
    const entry = this.engine.entry(fts);
    if (this.facetGeneration !== this.catalogue.generation) {
      this.facetCache.clear();
      this.facetGeneration = this.catalogue.generation;
    }
    const key = JSON.stringify([fts.match, fts.phrases, filters.section, filters.docType, filters.partner, filters.language, filters.year, filters.from, filters.to, filters.includeGone]);
    let counts = this.facetCache.get(key);
    if (!counts) {
      counts = this.catalogue.facets(filters, entry.matches);
      if (this.facetCache.size >= 500) this.facetCache.delete(this.facetCache.keys().next().value!);
      this.facetCache.set(key, counts);
    }
    return counts;
  }

  /**
   * Full-text search (store/search.ts): items with the query's words in their title first (the
   * most words first, then the newest), then the others by bm25 over title and body (the title
   * counts five times). Filters apply in memory to the matching rowids; only the page's items are
   * read from `items`. (Items marked gone are in neither index.) `partial` when the time budget
   * cut the ranking short.
   */
  search(fts: FtsQuery, filters: ItemFilters, page: number, perPage: number, options: SearchOptions = {}): SearchPage {
    return complete(this.searchSteps(fts, filters, page, perPage, options));
  }

  /** The same search as steps (see SearchEngine.pageSteps): a read worker answers others between them. */
  *searchSteps(fts: FtsQuery, filters: ItemFilters, page: number, perPage: number, options: SearchOptions = {}): Generator<void, SearchPage> {
    const filtered = Boolean(
      filters.section || filters.docType || filters.partner || filters.language || filters.year !== undefined || filters.from || filters.to || filters.includeGone,
    );
    const ranked = yield* this.engine.pageSteps(fts, filtered ? this.catalogue.predicate(filters) : undefined, (page - 1) * perPage, perPage, options);
    const rows = new Map(this.rowsOf(ranked.hits.map((h) => h.pk)).map((r) => [r.pk, r]));
    return {
      total: ranked.total,
      items: ranked.hits.filter((h) => rows.has(h.pk)).map((h) => ({ ...rows.get(h.pk)!, rank: h.rank })),
      partial: ranked.partial,
    };
  }

  /**
   * The catalogue's change watermark: the newest version row (every new, changed, gone or back item
   * writes one) and when it was written. Pages' validators (ETag, Last-Modified) come from it.
   */
  watermark(): { version: number; changedAt: string | null } {
    const row = this.statements.watermark.get() as { pk: number; seen_at: string } | undefined;
    return { version: row?.pk ?? 0, changedAt: row?.seen_at ?? null };
  }

  /** An item's own watermark (its newest version row and when it was written), or undefined for an unknown id. */
  itemWatermark(id: string): { version: number; changedAt: string | null } | undefined {
    const row = this.statements.itemWatermark.get(id) as { pk: number; seen_at: string } | undefined;
    return row ? { version: row.pk, changedAt: row.seen_at } : undefined;
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
