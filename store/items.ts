// Items: the harvester's writes (new, changed, missing, gone, each with its version and its
// full-text row, in one transaction) and the publisher's reads (lists, facets, search, one item).
import { type DocType, type Language, type Section } from '../config/index.ts';
import { analyzeForIndex } from '../harvester/analyzer.ts';
import { composeText, layerPages, parsePageMap, textFacts, type PageSpan } from '../harvester/pages.ts';
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
import { type OcrStore } from './ocr.ts';
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

/** Whether any filter is set (a field given a value; includeGone: false is none): read from the object, not a list of fields to keep in step. */
export function hasFilters(filters: ItemFilters): boolean {
  return Object.values(filters).some((value) => value !== undefined && value !== null && value !== false && value !== '');
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
  /** Pages of text the portal holds (the text view's pages). */
  text_pages: number;
  /** `layer` (the document's own text), `ocr` (some pages recognised), null without text. */
  text_source: 'layer' | 'ocr' | null;
}

/** An item's whole text with where each page lies in it (the text view). */
export interface ItemText {
  text: string;
  /** Null: text without pages (a feed's text, or read before pages were kept). */
  spans: PageSpan[] | null;
  /** The language OCR gave each recognised page. */
  ocrLanguages: Map<number, Language | null>;
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
  i.last_changed_at, i.content_hash, i.summary, i.sort_date, i.gone_since, i.pages, i.scanned, i.text_chars, i.text_pages, i.text_source`;

type RawItemRow = Omit<ItemRow, 'scanned'> & { scanned: number };
const toItemRow = (r: RawItemRow): ItemRow => ({ ...r, scanned: r.scanned === 1 });

/** The later of two ISO timestamps (either may be missing). */
function later(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

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
    private readonly ocr: OcrStore,
    rankWindow = RANK_WINDOW,
    searchCacheBytes?: number,
  ) {
    this.catalogue = new CatalogueIndex(sqlite);
    this.engine = new SearchEngine(sqlite, this.catalogue, rankWindow, searchCacheBytes);
    this.statements = {
      existing: sqlite.prepare(
        `SELECT pk, identity, content_hash, sort_date, first_seen_at, missing_count, gone_since, off_listing_since, title, url, summary,
           published_at, doc_type, language, document_url, document_etag, document_last_modified, document_hash, pages,
           scanned, fetched_at, document_file_hash,
           (SELECT v.snapshot FROM item_versions v WHERE v.item_pk = items.pk ORDER BY v.pk DESC LIMIT 1) AS snapshot,
           (SELECT t.page_map IS NOT NULL FROM item_texts t WHERE t.item_pk = items.pk) AS paged,
           (SELECT j.status FROM ocr_jobs j WHERE j.file_hash = items.document_file_hash) AS ocr_status
         FROM items WHERE source_pk = ?`,
      ),
      insert: sqlite.prepare(
        `INSERT INTO items (id, source_pk, partner_id, identity, guid, url, title, summary, language, section, doc_type,
           published_at, sort_date, year, first_seen_at, last_changed_at, fetched_at, content_hash, document_url,
           document_etag, document_last_modified, document_hash, pages, scanned, text_chars, author, document_file_hash)
         VALUES (@id, @source_pk, @partner_id, @identity, @guid, @url, @title, @summary, @language, @section, @doc_type,
           @published_at, @sort_date, @year, @now, @now, @now, @content_hash, @document_url, @document_etag,
           @document_last_modified, @document_hash, @pages, @scanned, @text_chars, @author, @document_file_hash)`,
      ),
      update: sqlite.prepare(
        `UPDATE items SET guid = @guid, url = @url, title = @title, summary = @summary, language = @language,
           section = @section, doc_type = @doc_type, published_at = @published_at, sort_date = @sort_date, year = @year,
           last_changed_at = @now, fetched_at = @now, content_hash = @content_hash, missing_count = 0, gone_since = NULL,
           off_listing_since = NULL, last_seen_at = NULL, document_url = @document_url, document_etag = @document_etag,
           document_last_modified = @document_last_modified, document_hash = @document_hash, pages = @pages,
           scanned = @scanned, text_chars = coalesce(@text_chars, text_chars), author = @author,
           document_file_hash = @document_file_hash
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
      deleteText: sqlite.prepare('DELETE FROM item_texts WHERE item_pk = ?'),
      getText: sqlite.prepare('SELECT text FROM item_texts WHERE item_pk = ?'),
      writeText: sqlite.prepare(
        'INSERT INTO item_texts (item_pk, text, page_map) VALUES (?, ?, ?) ON CONFLICT(item_pk) DO UPDATE SET text = excluded.text, page_map = excluded.page_map',
      ),
      textWithMap: sqlite.prepare('SELECT text, page_map FROM item_texts WHERE item_pk = ?'),
      // Prepared once: on every item page and search, where preparing them each time showed in profiles.
      textStart: sqlite.prepare('SELECT substr(text, 1, ?) AS text FROM item_texts WHERE item_pk = ?'),
      textStarts: sqlite.prepare(`SELECT item_pk, substr(text, 1, ?) AS text FROM item_texts WHERE item_pk IN (SELECT value FROM json_each(?))`),
      pagedTextStarts: sqlite.prepare(
        `SELECT item_pk, substr(text, 1, ?) AS text, length(text) AS length, page_map FROM item_texts WHERE item_pk IN (SELECT value FROM json_each(?))`,
      ),
      textFacts: sqlite.prepare('UPDATE items SET text_pages = ?, text_source = ?, text_chars = ? WHERE pk = ?'),
      fileHash: sqlite.prepare('UPDATE items SET document_file_hash = ? WHERE pk = ?'),
      itemsOfFile: sqlite.prepare('SELECT pk, gone_since FROM items WHERE document_file_hash = ?'),
      indexRow: sqlite.prepare('SELECT title, summary, section, doc_type, partner_id, language, sort_date FROM items WHERE pk = ?'),
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
      itemWatermark: sqlite.prepare(
        'SELECT v.pk, v.seen_at, i.text_stamp, i.text_changed_at FROM items i JOIN item_versions v ON v.item_pk = i.pk WHERE i.id = ? ORDER BY v.pk DESC LIMIT 1',
      ),
      // Texts changed without a version (OCR, pages mapped): a counter and when it last moved.
      textChanged: sqlite.prepare("SELECT CAST(value AS INTEGER) AS n, updated_at AS at FROM meta WHERE key = 'text_changed'"),
      bumpTextChanged: sqlite.prepare(
        `INSERT INTO meta (key, value, updated_at) VALUES ('text_changed', '1', ?)
         ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1, updated_at = excluded.updated_at RETURNING CAST(value AS INTEGER) AS n`,
      ),
      stampText: sqlite.prepare('UPDATE items SET text_stamp = ?, text_changed_at = ? WHERE pk = ?'),
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
      document_file_hash: string | null;
      snapshot: string | null;
      paged: number | null;
      ocr_status: ExistingItem['ocrStatus'];
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
              fileHash: r.document_file_hash,
            }
          : null,
      paged: r.paged === 1,
      ocrStatus: r.ocr_status ?? null,
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
      document_file_hash: document?.fileHash ?? null,
    };
  }

  /**
   * Writes an item's text with its page map, its pages' text recognised by OCR when its document's
   * file was read, and what the API says of it (pages, source); asks for OCR when pages have no
   * text layer. Returns the text to index.
   */
  private writeText(pk: number, item: HarvestedItem, text: string): string {
    let spans: PageSpan[] | null = item.pageSpans ?? null;
    let stored = text;
    const fileHash = item.document?.fileHash;
    if (fileHash && spans) {
      const recognised = this.ocr.recognised(fileHash);
      if (recognised.size > 0) ({ text: stored, spans } = composeText(layerPages(text, spans), recognised));
    }
    if (stored || spans) this.statements.writeText.run(pk, stored, spans ? JSON.stringify(spans) : null);
    else this.statements.deleteText.run(pk);
    const facts = textFacts(stored, spans);
    this.statements.textFacts.run(facts.pages, facts.source, stored.length, pk);
    return stored;
  }

  /** OCR is asked for the pages of an item's document that have no text layer. */
  private requestOcr(item: HarvestedItem, now: string): void {
    if (item.ocr) this.ocr.request(item.ocr.fileHash, item.ocr.pages, item.ocr.language, item.ocr.store, now);
  }

  /** The item's stored text and page map. */
  private storedText(pk: number): { text: string; spans: PageSpan[] | null } {
    const row = this.statements.textWithMap.get(pk) as { text: string; page_map: string | null } | undefined;
    if (!row) return { text: '', spans: null };
    return { text: row.text, spans: parsePageMap(row.page_map, row.text.length) };
  }

  /** Writes the search rows of an item from what the catalogue holds (after OCR gave it text). */
  private reindex(pk: number, text: string): void {
    const row = this.statements.indexRow.get(pk) as
      | { title: string; summary: string; section: Section; doc_type: DocType | null; partner_id: string; language: Language | null; sort_date: string }
      | undefined;
    if (!row) return;
    const summaryText = row.summary
      .replace(/<[^>]*>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    this.unindex(pk);
    this.index(
      pk,
      { title: row.title, summaryText, section: row.section, docType: row.doc_type, language: row.language } as HarvestedItem,
      row.partner_id,
      row.sort_date,
      text,
    );
  }

  /**
   * Text recognised on a file's pages (OCR) goes to every item whose document is that file: its
   * pages without a text layer take it, the search index gets it. No new version: the partner's
   * document did not change, the portal read more of it. Call inside a transaction.
   */
  applyRecognised(fileHash: string, now: string): number {
    const recognised = this.ocr.recognised(fileHash);
    const items = this.statements.itemsOfFile.all(fileHash) as Array<{ pk: number; gone_since: string | null }>;
    this.textChanged(items.map((i) => i.pk), now);
    for (const { pk, gone_since } of items) {
      const stored = this.storedText(pk);
      const spans = stored.spans ?? (stored.text.trim() ? ([[1, 0, stored.text.length, 0]] as PageSpan[]) : []);
      const composed = composeText(layerPages(stored.text, spans), recognised);
      this.statements.writeText.run(pk, composed.text, JSON.stringify(composed.spans));
      const facts = textFacts(composed.text, composed.spans);
      this.statements.textFacts.run(facts.pages, facts.source, composed.text.length, pk);
      if (!gone_since) this.reindex(pk, composed.text);
    }
    return items.length;
  }

  /**
   * Items whose text changed without a new version (what the pages show and search finds): the
   * catalogue's text counter moves and the items are stamped with it, so pages' validators
   * (watermark, itemWatermark) and the read workers' search caches (CatalogueIndex) see it.
   */
  private textChanged(pks: number[], now: string): void {
    if (pks.length === 0) return;
    const { n } = this.statements.bumpTextChanged.get(now) as { n: number };
    for (const pk of pks) this.statements.stampText.run(n, now, pk);
    this.catalogue.touch();
  }

  /** An item's whole text with its page map, for the text view. */
  text(pk: number): ItemText {
    const stored = this.storedText(pk);
    const fileHash = this.sqlite.prepare('SELECT document_file_hash FROM items WHERE pk = ?').pluck().get(pk) as string | null | undefined;
    const ocrLanguages = fileHash && stored.spans?.some((s) => s[3] === 1) ? this.ocr.pageLanguages(fileHash) : new Map<number, Language | null>();
    return { ...stored, ocrLanguages };
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
      const indexed = this.writeText(pk, item, text);
      this.requestOcr(item, now);
      s.insertVersion.run(pk, item.contentHash, now, 'new', JSON.stringify(item.snapshot), '[]', runPk);
      this.index(pk, item, source.partnerId, sortDate, indexed);
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
      } else {
        text = this.writeText(existing.pk, item, text);
      }
      this.requestOcr(item, now);
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
    for (const { existing, document, item } of plan.documentRefresh) {
      s.documentRefresh.run(document.etag, document.lastModified, document.fetchedAt, existing.pk);
      if (!item) continue;
      // The same text, read again: its pages are mapped if they were not yet (read before issue
      // 17). A new file with the same text layer (a page scanned again) shows what was recognised
      // on that file, as a changed text would: nothing until OCR has read it.
      const fileChanged = Boolean(document.fileHash) && document.fileHash !== existing.document?.fileHash;
      if (fileChanged) s.fileHash.run(document.fileHash, existing.pk);
      if (item.text !== undefined && item.pageSpans && (!existing.paged || fileChanged)) {
        const indexed = this.writeText(existing.pk, item, item.text);
        if (fileChanged && !existing.goneSince) this.reindex(existing.pk, indexed);
        this.textChanged([existing.pk], now);
      }
      this.requestOcr(item, now);
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

  /** Whether a vocabulary is built (without building one). */
  vocabularyBuilt(): boolean {
    return this.vocab !== undefined;
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

  /** What the search cache holds (store/search.ts). */
  searchCache(): { queries: number; filters: number; bytes: number } {
    return this.engine.stats();
  }

  /** The same search as steps (see SearchEngine.pageSteps): a read worker answers others between them. */
  *searchSteps(fts: FtsQuery, filters: ItemFilters, page: number, perPage: number, options: SearchOptions = {}): Generator<void, SearchPage> {
    const filtered = hasFilters(filters);
    // The filters' key: a query's windows within them are kept under it (store/search.ts).
    const filter = filtered ? { key: JSON.stringify(filters, Object.keys(filters).sort()), keep: this.catalogue.predicate(filters) } : undefined;
    const ranked = yield* this.engine.pageSteps(fts, filter, (page - 1) * perPage, perPage, options);
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
    // Texts that changed without a version (OCR) move it too: both counters only grow, so their sum does.
    const text = this.statements.textChanged.get() as { n: number; at: string } | undefined;
    return { version: (row?.pk ?? 0) + (text?.n ?? 0), changedAt: later(row?.seen_at ?? null, text?.at ?? null) };
  }

  /** An item's own watermark (its newest version row and when it was written), or undefined for an unknown id. */
  itemWatermark(id: string): { version: number; changedAt: string | null } | undefined {
    const row = this.statements.itemWatermark.get(id) as { pk: number; seen_at: string; text_stamp: number; text_changed_at: string | null } | undefined;
    return row ? { version: row.pk + row.text_stamp, changedAt: later(row.seen_at, row.text_changed_at) } : undefined;
  }

  /**
   * The beginning of items' texts with their page maps (search results' passages, "p. N"): at most
   * `maxChars` characters of each; the page map is checked against the whole text's length.
   */
  pagedTextsOf(pks: number[], maxChars: number): Map<number, { text: string; spans: PageSpan[] | null }> {
    if (pks.length === 0) return new Map();
    const rows = this.statements.pagedTextStarts.all(maxChars, JSON.stringify(pks)) as Array<{ item_pk: number; text: string; length: number; page_map: string | null }>;
    return new Map(rows.map((r) => [r.item_pk, { text: r.text, spans: parsePageMap(r.page_map, r.length) }]));
  }

  /** Summaries holding `fragment` (instr, no pattern), pk past `afterPk`, in pk order. */
  summariesWith(fragment: string, afterPk: number, limit: number): Array<{ pk: number; summary: string }> {
    return this.sqlite.prepare('SELECT pk, summary FROM items WHERE pk > ? AND instr(summary, ?) > 0 ORDER BY pk LIMIT ?').all(afterPk, fragment, limit) as Array<{ pk: number; summary: string }>;
  }

  /**
   * Rewrites summaries' HTML in one transaction; their text is the same, so the search index is.
   * Stamped as changed without a version, so pages' validators and caches move.
   */
  rewriteSummaries(rows: Array<{ pk: number; summary: string }>, now = new Date().toISOString()): void {
    if (rows.length === 0) return;
    const update = this.sqlite.prepare('UPDATE items SET summary = ? WHERE pk = ?');
    this.sqlite.transaction(() => {
      for (const row of rows) update.run(row.summary, row.pk);
      this.textChanged(
        rows.map((r) => r.pk),
        now,
      );
    })();
  }

  /** The beginning of items' texts, for search snippets. */
  textsOf(pks: number[], maxChars: number): Map<number, string> {
    if (pks.length === 0) return new Map();
    const rows = this.statements.textStarts.all(maxChars, JSON.stringify(pks)) as Array<{ item_pk: number; text: string }>;
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
      this.statements.textStart.get(maxTextChars, row.pk) as
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
