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
import { type Sqlite } from './db.ts';
import { type OcrStore } from './ocr.ts';
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

const ITEM_COLUMNS = `i.pk, i.id, i.title, i.url, i.partner_id AS partner, s.source_id AS source, i.section,
  i.doc_type, i.language, i.published_at, i.first_seen_at,
  CASE WHEN i.missing_count = 0 AND i.gone_since IS NULL AND i.off_listing_since IS NULL
       THEN coalesce(s.last_success_at, i.first_seen_at) ELSE coalesce(i.last_seen_at, i.first_seen_at) END AS last_seen_at,
  i.last_changed_at, i.content_hash, i.summary, i.sort_date, i.gone_since, i.pages, i.scanned, i.text_chars, i.text_pages, i.text_source`;

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

/** Codes of one attribute's values (section, partner, …), 0 meaning none. */
class Dictionary {
  readonly values: Array<string | null> = [null];
  private readonly codes = new Map<string, number>();

  code(value: string | null): number {
    if (value === null || value === undefined) return 0;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }

  /** The code of a value to filter on; -1 when no item has it. */
  find(value: string | undefined): number {
    return value === undefined ? 0 : (this.codes.get(value) ?? -1);
  }
}

const dayNumber = (date: string) => Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 86_400_000);

/**
 * The filter and facet attributes of every item in typed arrays indexed by rowid (about 12 bytes
 * an item), so a search filters and counts facets from the matching rowids alone, without reading
 * `items`. It catches up with new and changed items when the database changes (another process
 * harvests) and is rebuilt every ten minutes.
 */
class FacetIndex {
  private readonly dims = { section: new Dictionary(), docType: new Dictionary(), partner: new Dictionary(), language: new Dictionary() };
  private present = new Uint8Array(0);
  private section = new Uint8Array(0);
  private docType = new Uint8Array(0);
  private partner = new Uint16Array(0);
  private language = new Uint8Array(0);
  private year = new Uint16Array(0);
  private day = new Int32Array(0);
  private gone = new Uint8Array(0);
  private maxPk = 0;
  private versionMark = 0;
  private version = -1;
  private builtAt = 0;

  constructor(private readonly sqlite: Sqlite) {}

  private grow(pk: number): void {
    if (pk < this.present.length) return;
    const size = Math.max(1024, 2 ** Math.ceil(Math.log2(pk + 1)));
    const resize = <T extends Uint8Array | Uint16Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.present = resize(this.present, (n) => new Uint8Array(n));
    this.section = resize(this.section, (n) => new Uint8Array(n));
    this.docType = resize(this.docType, (n) => new Uint8Array(n));
    this.partner = resize(this.partner, (n) => new Uint16Array(n));
    this.language = resize(this.language, (n) => new Uint8Array(n));
    this.year = resize(this.year, (n) => new Uint16Array(n));
    this.day = resize(this.day, (n) => new Int32Array(n));
    this.gone = resize(this.gone, (n) => new Uint8Array(n));
  }

  private load(where: string, ...params: unknown[]): void {
    const rows = this.sqlite
      .prepare(`SELECT pk, section, doc_type, partner_id, language, year, sort_date, gone_since IS NOT NULL FROM items ${where}`)
      .raw()
      .all(...params) as Array<[number, string, string | null, string, string | null, number, string, number]>;
    for (const [pk, section, docType, partner, language, year, sortDate, gone] of rows) {
      this.grow(pk);
      this.present[pk] = 1;
      this.section[pk] = this.dims.section.code(section);
      this.docType[pk] = this.dims.docType.code(docType);
      this.partner[pk] = this.dims.partner.code(partner);
      this.language[pk] = this.dims.language.code(language);
      this.year[pk] = year;
      this.day[pk] = dayNumber(sortDate);
      this.gone[pk] = gone;
      if (pk > this.maxPk) this.maxPk = pk;
    }
  }

  private fresh(): void {
    const version = this.sqlite.pragma('data_version', { simple: true }) as number;
    const now = Date.now();
    // Every write that changes what is indexed here (new, changed, gone, back) adds a row to
    // item_versions, whose rowids grow in commit order: the mark says how far this copy has read.
    // (Timestamps would not do: a harvest stamps its items with its start time, before it commits.)
    const mark = () => (this.sqlite.prepare('SELECT max(pk) FROM item_versions').pluck().get() as number | null) ?? 0;
    if (this.builtAt === 0 || now - this.builtAt > 10 * 60_000) {
      this.present = new Uint8Array(0);
      this.maxPk = 0;
      this.versionMark = mark();
      this.load('');
      this.builtAt = now;
      this.version = version;
    } else if (version !== this.version) {
      const from = this.versionMark;
      this.versionMark = mark();
      this.load('WHERE pk IN (SELECT item_pk FROM item_versions WHERE pk > ?)', from);
      this.version = version;
    }
  }

  /** Each item's sort date as a day number (days since 1970), indexed by rowid. */
  days(): Int32Array {
    this.fresh();
    return this.day;
  }

  /** This connection wrote items: catch up at the next use. */
  touch(): void {
    this.version = -1;
  }

  /** A predicate for the filters over rowids. */
  filter(filters: ItemFilters): (pk: number) => boolean {
    this.fresh();
    const withGone = filters.includeGone ?? false;
    const section = this.dims.section.find(filters.section);
    const docType = this.dims.docType.find(filters.docType);
    const partner = this.dims.partner.find(filters.partner);
    const language = this.dims.language.find(filters.language);
    const year = filters.year ?? -1;
    const from = filters.from ? dayNumber(filters.from) : -Infinity;
    const to = filters.to ? dayNumber(filters.to) : Infinity;
    return (pk) =>
      pk < this.present.length &&
      this.present[pk] === 1 &&
      (withGone || this.gone[pk] === 0) &&
      (section === 0 || this.section[pk] === section) &&
      (docType === 0 || this.docType[pk] === docType) &&
      (partner === 0 || this.partner[pk] === partner) &&
      (language === 0 || this.language[pk] === language) &&
      (year === -1 || this.year[pk] === year) &&
      this.day[pk]! >= from &&
      this.day[pk]! <= to;
  }

  /** Facet counts over rowids (each facet ignores its own filter). */
  /** Every item the index knows (for facets of a listing without words). */
  all(): number[] {
    this.fresh();
    const pks: number[] = [];
    for (let pk = 1; pk <= this.maxPk; pk++) if (this.present[pk] === 1) pks.push(pk);
    return pks;
  }

  count(pks: Iterable<number>, filters: ItemFilters): FacetCounts {
    const inBase = this.filter({ section: filters.section, from: filters.from, to: filters.to, includeGone: filters.includeGone });
    const want = {
      docType: this.dims.docType.find(filters.docType),
      partner: this.dims.partner.find(filters.partner),
      language: this.dims.language.find(filters.language),
      year: filters.year ?? -1,
    };
    const counts = {
      section: new Int32Array(this.dims.section.values.length),
      docType: new Int32Array(this.dims.docType.values.length),
      partner: new Int32Array(this.dims.partner.values.length),
      language: new Int32Array(this.dims.language.values.length),
      year: new Map<number, number>(),
    };
    for (const pk of pks) {
      if (!inBase(pk)) continue;
      const okType = want.docType === 0 || this.docType[pk] === want.docType;
      const okPartner = want.partner === 0 || this.partner[pk] === want.partner;
      const okLanguage = want.language === 0 || this.language[pk] === want.language;
      const okYear = want.year === -1 || this.year[pk] === want.year;
      if (okPartner && okLanguage && okYear) counts.docType[this.docType[pk]!]!++;
      if (okType && okLanguage && okYear) counts.partner[this.partner[pk]!]!++;
      if (okType && okPartner && okYear) counts.language[this.language[pk]!]!++;
      if (okType && okPartner && okLanguage) counts.year.set(this.year[pk]!, (counts.year.get(this.year[pk]!) ?? 0) + 1);
      if (okType && okPartner && okLanguage && okYear) counts.section[this.section[pk]!]!++;
    }
    const list = (dictionary: Dictionary, values: Int32Array) =>
      [...values]
        .map((count, code) => ({ value: dictionary.values[code]!, count }))
        .filter((e) => e.value !== null && e.count > 0)
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    return {
      section: list(this.dims.section, counts.section),
      doc_type: list(this.dims.docType, counts.docType),
      partner: list(this.dims.partner, counts.partner),
      language: list(this.dims.language, counts.language),
      year: [...counts.year].map(([value, count]) => ({ value: String(value), count })).sort((a, b) => (a.value < b.value ? 1 : -1)),
    };
  }
}

/** An FTS5 query built by the publisher from analysed terms (see publisher/search.ts). */
export interface FtsQuery {
  match: string;
  /** The query's words and phrases, each quoted for FTS5: items with them in their title come first. */
  phrases?: string[];
}

export class ItemsStore {
  private readonly statements;
  private readonly facetIndex: FacetIndex;
  private readonly facetCache = new Map<string, FacetCounts>();
  private readonly matchCache = new Map<string, Int32Array>();
  private matchCacheSize = 0;
  /** The data_version the two caches above were filled at; -1 after this connection wrote. */
  private cacheVersion = -1;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly ocr: OcrStore,
  ) {
    this.facetIndex = new FacetIndex(sqlite);
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
  applyRecognised(fileHash: string): number {
    const recognised = this.ocr.recognised(fileHash);
    const items = this.statements.itemsOfFile.all(fileHash) as Array<{ pk: number; gone_since: string | null }>;
    this.facetIndex.touch();
    this.cacheVersion = -1;
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
    this.facetIndex.touch();
    this.cacheVersion = -1;
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
      }
      this.requestOcr(item, now);
    }
  }

  // ------------------------------------------------------------------ reads

  list(filters: ItemFilters, page: number, perPage: number): Page<ItemRow> {
    const where = whereClause(filters);
    // Counted from the in-memory attributes: a count over a section would read every row's page.
    const total = this.facetIndex.all().filter(this.facetIndex.filter(filters)).length;
    const rows = this.sqlite
      .prepare(
        `SELECT ${ITEM_COLUMNS} FROM items i JOIN sources s ON s.pk = i.source_pk
         WHERE ${where.sql} ORDER BY i.sort_date DESC, i.pk DESC LIMIT ? OFFSET ?`,
      )
      .all(...where.params, perPage, (page - 1) * perPage) as RawItemRow[];
    return { total, items: rows.map(toItemRow) };
  }

  /** Latest items of a section (the home page): no count needed. */
  latest(section: Section, limit: number): ItemRow[] {
    const rows = this.sqlite
      .prepare(
        `SELECT ${ITEM_COLUMNS} FROM items i JOIN sources s ON s.pk = i.source_pk
         WHERE i.section = ? AND i.gone_since IS NULL ORDER BY i.sort_date DESC, i.pk DESC LIMIT ?`,
      )
      .all(section, limit) as RawItemRow[];
    return rows.map(toItemRow);
  }

  /**
   * Facet counts for a set of items: each facet counts the items matching every other filter, so a
   * visitor can switch a filter's value without losing the others. For a full-text query they are
   * counted from the matching rowids and the in-memory attributes, without reading `items`.
   */
  facets(filters: ItemFilters, fts?: FtsQuery): FacetCounts {
    if (fts) {
      // Popular searches repeat: their facets are kept until the catalogue changes.
      const key = JSON.stringify([fts.match, filters.section, filters.docType, filters.partner, filters.language, filters.year, filters.from, filters.to]);
      this.dropCachesIfChanged();
      let counts = this.facetCache.get(key);
      if (!counts) {
        counts = this.facetIndex.count(this.matchingRowids(fts), filters);
        if (this.facetCache.size >= 500) this.facetCache.delete(this.facetCache.keys().next().value!);
        this.facetCache.set(key, counts);
      }
      return counts;
    }
    return this.facetIndex.count(this.facetIndex.all(), filters);
  }

  /** Empties the search caches when the catalogue changed since they were filled. */
  private dropCachesIfChanged(): void {
    const version = this.sqlite.pragma('data_version', { simple: true }) as number;
    if (version === this.cacheVersion) return;
    this.facetCache.clear();
    this.matchCache.clear();
    this.matchCacheSize = 0;
    this.cacheVersion = version;
  }

  /**
   * The rowids matching a query, in rowid order. A search page needs them twice (its total and
   * its facets) and popular searches repeat, so the last ones are kept until the catalogue changes.
   */
  private matchingRowids(fts: FtsQuery): Int32Array {
    this.dropCachesIfChanged();
    let rowids = this.matchCache.get(fts.match);
    if (!rowids) {
      rowids = Int32Array.from(this.sqlite.prepare('SELECT rowid FROM item_search WHERE item_search MATCH ?').pluck().all(fts.match) as number[]);
      // At most 64 queries and 2 million rowids (8 MB) are kept.
      while (this.matchCache.size > 0 && (this.matchCache.size >= 64 || this.matchCacheSize + rowids.length > 2_000_000)) {
        const oldest = this.matchCache.keys().next().value!;
        this.matchCacheSize -= this.matchCache.get(oldest)!.length;
        this.matchCache.delete(oldest);
      }
      this.matchCache.set(fts.match, rowids);
      this.matchCacheSize += rowids.length;
    }
    return rowids;
  }

  /**
   * Full-text search. Items with the query's words in their title come first (the most words
   * first, then the newest), found in the small title index; then the others, ranked by bm25 over
   * title and body (the title counts five times). Filters
   * are applied in memory to the matching rowids; only the page's items are read from `items`.
   * (Items marked gone are in neither index.)
   */
  search(fts: FtsQuery, filters: ItemFilters, page: number, perPage: number): Page<ItemRow & { rank: number }> {
    const filtered = Boolean(filters.section || filters.docType || filters.partner || filters.language || filters.year !== undefined || filters.from || filters.to);
    const offset = (page - 1) * perPage;
    const matching = this.matchingRowids(fts);
    const keep = filtered ? matching.filter(this.facetIndex.filter(filters)) : matching;
    const total = keep.length;
    if (total === 0 || offset >= total) return { total, items: [] };
    // Title tier: the items with the most of the query's words (or phrases) in their title, newest
    // first among equals; counted from the title index's rowids, no ranking function needed.
    let maxPk = 0;
    for (const pk of keep) if (pk > maxPk) maxPk = pk;
    const member = new Uint8Array(maxPk + 1);
    for (const pk of keep) member[pk] = 1;
    const inTitle = new Map<number, number>();
    for (const phrase of fts.phrases ?? []) {
      for (const pk of this.sqlite.prepare('SELECT rowid FROM item_titles WHERE item_titles MATCH ?').pluck().all(phrase) as number[]) {
        if (member[pk] === 1) inTitle.set(pk, (inTitle.get(pk) ?? 0) + 1);
      }
    }
    const day = this.facetIndex.days();
    const titled = [...inTitle.keys()]
      .sort((a, b) => inTitle.get(b)! - inTitle.get(a)! || (day[b] ?? 0) - (day[a] ?? 0) || b - a)
      .map((pk) => ({ pk, rank: -inTitle.get(pk)! }));
    let ranked = titled.slice(offset, offset + perPage);
    if (ranked.length < perPage && titled.length < total) {
      const anyInTitle = fts.phrases?.join(' OR ');
      // Body tier: what is left of the page, from the items without the query's words in their title.
      const rest = anyInTitle ? `(${fts.match}) NOT (title : (${anyInTitle}))` : fts.match;
      const skip = Math.max(0, offset - titled.length);
      const limit = perPage - ranked.length;
      const more = (
        filtered
          ? this.sqlite
              .prepare(
                `SELECT rowid AS pk, rank FROM item_search WHERE item_search MATCH ? AND rowid IN (SELECT value FROM json_each(?))
                 ORDER BY rank LIMIT ? OFFSET ?`,
              )
              .all(rest, JSON.stringify(Array.from(keep)), limit, skip)
          : this.sqlite.prepare('SELECT rowid AS pk, rank FROM item_search WHERE item_search MATCH ? ORDER BY rank LIMIT ? OFFSET ?').all(rest, limit, skip)
      ) as Array<{ pk: number; rank: number }>;
      ranked = [...ranked, ...more];
    }
    if (ranked.length === 0) return { total, items: [] };
    const rows = this.sqlite
      .prepare(`SELECT ${ITEM_COLUMNS} FROM items i JOIN sources s ON s.pk = i.source_pk WHERE i.pk IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ranked.map((r) => r.pk))) as RawItemRow[];
    const byPk = new Map(rows.map((r) => [r.pk, r]));
    return {
      total,
      items: ranked.filter((r) => byPk.has(r.pk)).map((r) => ({ ...toItemRow(byPk.get(r.pk)!), rank: r.rank })),
    };
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
