// The catalogue's filter attributes in memory: what lets a listing, a count or a facet be computed
// from the page it shows instead of from the whole catalogue (issue 12).
//
// - Cells: each combination of section, type, partner, language and year that items have (a few
//   thousand, whatever the catalogue's size), with how many visible items each holds. Totals and
//   facet counts of a listing come from them, without walking items; a filter is decided once per
//   cell, then per item by reading its cell.
// - By rowid (items.pk): state (unknown, visible, gone), cell, sort day, place in `order`; 13
//   bytes an item (2.6 MB at 200,000 items).
// - `order`: every item's rowid, newest first (sort_date DESC, pk DESC, as the listings' SQL had
//   it). A listing page walks it and stops once the page is full; a date range is a slice of it
//   found by binary search.
//
// It catches up with other processes' harvests through `item_versions`, whose rowids grow in commit
// order (timestamps would not do: a harvest stamps its items with its start time and commits
// later): only the items written since are read again.
import { type ItemFilters, type FacetCounts } from './items.ts';
import { type Sqlite } from './db.ts';

/** Codes of one attribute's values (section, partner, …), 0 meaning none. */
class Dictionary {
  readonly values: Array<string | null> = [null];
  private readonly codes = new Map<string, number>();

  constructor(private readonly max: number) {}

  code(value: string | null): number {
    if (value === null || value === undefined) return 0;
    let code = this.codes.get(value);
    if (code === undefined) {
      // A catalogue with more distinct values than the arrays hold is not one this code knows.
      if (this.values.length >= this.max) throw new Error(`more than ${this.max - 1} distinct values of one filter attribute`);
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }

  /** The code of a value to filter on: 0 for no filter, -1 when no item has it. */
  find(value: string | undefined): number {
    return value === undefined ? 0 : (this.codes.get(value) ?? -1);
  }
}

export const dayNumber = (date: string) => Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 86_400_000);

// Cell keys: the five codes in one integer (all below 2^53).
const SECTIONS = 8;
const TYPES = 64;
const PARTNERS = 65_536;
const LANGUAGES = 16;
const YEARS = 65_536;
const cellKey = (section: number, docType: number, partner: number, language: number, year: number) =>
  (((section * TYPES + docType) * PARTNERS + partner) * LANGUAGES + language) * YEARS + year;

const UNKNOWN = 0;
const VISIBLE = 1;
const GONE = 2;

/** Growable typed array. */
function grown<T extends Uint8Array | Uint16Array | Int32Array>(old: T, size: number, make: (n: number) => T, fill = 0): T {
  if (size <= old.length) return old;
  const next = make(Math.max(size, old.length * 2, 1024));
  if (fill !== 0) next.fill(fill);
  next.set(old);
  return next;
}

export class CatalogueIndex {
  private readonly dims = {
    section: new Dictionary(SECTIONS),
    docType: new Dictionary(TYPES),
    partner: new Dictionary(PARTNERS),
    language: new Dictionary(LANGUAGES),
  };
  /** By rowid: UNKNOWN, VISIBLE or GONE. */
  private state = new Uint8Array(0);
  /** By rowid: the item's cell (its combination of filter attributes). */
  private cell = new Int32Array(0);
  /** By rowid: sort date as days since 1970. */
  private day = new Int32Array(0);
  /** Every known rowid, newest first. */
  private order: Int32Array = new Int32Array(0);
  /** Index of each rowid in `order` (recency rank: smaller is newer); -1 when unknown. */
  private position: Int32Array = new Int32Array(0);
  /**
   * `order` restricted to one partner's or one section's items, made when a listing first asks and
   * dropped when items change: a partner's listing walks its own items only.
   */
  private readonly subOrders = new Map<string, Int32Array>();
  /** By cell: its attributes' codes, and how many visible items it holds. */
  private readonly cells = {
    section: new Uint8Array(0),
    docType: new Uint8Array(0),
    partner: new Uint16Array(0),
    language: new Uint8Array(0),
    year: new Uint16Array(0),
    visible: new Int32Array(0),
    count: 0,
  };
  private readonly cellIds = new Map<number, number>();
  private maxPk = 0;
  private versionMark = 0;
  /** meta.text_changed when last read: texts changed without a version (OCR) stale what is cached from searches. */
  private textMark = 0;
  private version = -1;
  private built = false;
  private changes = 0;
  private readonly dayCache = new Map<string, number>();

  constructor(private readonly sqlite: Sqlite) {}

  private dayOf(sortDate: string): number {
    let day = this.dayCache.get(sortDate);
    if (day === undefined) {
      day = dayNumber(sortDate);
      if (!Number.isFinite(day)) day = 0;
      if (this.dayCache.size > 100_000) this.dayCache.clear();
      this.dayCache.set(sortDate, day);
    }
    return day;
  }

  private cellOf(section: number, docType: number, partner: number, language: number, year: number): number {
    const key = cellKey(section, docType, partner, language, year);
    let id = this.cellIds.get(key);
    if (id === undefined) {
      const c = this.cells;
      id = c.count++;
      c.section = grown(c.section, c.count, (n) => new Uint8Array(n));
      c.docType = grown(c.docType, c.count, (n) => new Uint8Array(n));
      c.partner = grown(c.partner, c.count, (n) => new Uint16Array(n));
      c.language = grown(c.language, c.count, (n) => new Uint8Array(n));
      c.year = grown(c.year, c.count, (n) => new Uint16Array(n));
      c.visible = grown(c.visible, c.count, (n) => new Int32Array(n));
      c.section[id] = section;
      c.docType[id] = docType;
      c.partner[id] = partner;
      c.language[id] = language;
      c.year[id] = year;
      this.cellIds.set(key, id);
    }
    return id;
  }

  /** Reads rows into the arrays; returns the rowids whose place in `order` may have changed. */
  private load(where: string, ...params: unknown[]): number[] {
    const statement = this.sqlite.prepare(`SELECT pk, section, doc_type, partner_id, language, year, sort_date, gone_since IS NOT NULL FROM items ${where}`).raw();
    const moved: number[] = [];
    this.subOrders.clear();
    // Row by row: the whole catalogue's rows at once would take tens of megabytes for a moment.
    for (const row of statement.iterate(...params) as IterableIterator<[number, string, string | null, string, string | null, number, string, number]>) {
      const [pk, section, docType, partner, language, year, sortDate, gone] = row;
      if (pk >= this.state.length) {
        this.state = grown(this.state, pk + 1, (n) => new Uint8Array(n));
        this.cell = grown(this.cell, pk + 1, (n) => new Int32Array(n));
        this.day = grown(this.day, pk + 1, (n) => new Int32Array(n));
        this.position = grown(this.position, pk + 1, (n) => new Int32Array(n), -1);
      }
      const known = this.state[pk] !== UNKNOWN;
      if (this.state[pk] === VISIBLE) this.cells.visible[this.cell[pk]!]!--;
      const day = this.dayOf(sortDate);
      if (!known || this.day[pk] !== day) moved.push(pk);
      const cell = this.cellOf(
        this.dims.section.code(section),
        this.dims.docType.code(docType),
        this.dims.partner.code(partner),
        this.dims.language.code(language),
        Math.max(0, Math.min(YEARS - 1, year)),
      );
      this.cell[pk] = cell;
      this.day[pk] = day;
      this.state[pk] = gone ? GONE : VISIBLE;
      if (!gone) this.cells.visible[cell]!++;
      if (pk > this.maxPk) this.maxPk = pk;
    }
    return moved;
  }

  /** Sort keys: newest first is ascending key order (day descending, then rowid descending). */
  private key(pk: number): number {
    // Days are clamped to ±2^20 (years -900 to 4800) so the key stays a positive integer below 2^53.
    const day = Math.max(-(2 ** 20), Math.min(2 ** 20, this.day[pk]!));
    return (2 ** 21 - day) * 2 ** 31 + (2 ** 31 - 1 - pk);
  }

  private orderFromKeys(keys: Float64Array): Int32Array {
    keys.sort();
    const order = new Int32Array(keys.length);
    for (let i = 0; i < keys.length; i++) order[i] = 2 ** 31 - 1 - (keys[i]! % 2 ** 31);
    return order;
  }

  private reposition(): void {
    for (let i = 0; i < this.order.length; i++) this.position[this.order[i]!] = i;
  }

  /** Puts moved (new, or re-dated) rowids in their place: a merge, linear in the catalogue. */
  private reorder(moved: number[]): void {
    if (moved.length === 0) return;
    const isMoved = new Set(moved);
    const keep = this.order.filter((pk) => !isMoved.has(pk));
    const fresh = this.orderFromKeys(Float64Array.from(moved, (pk) => this.key(pk)));
    const merged = new Int32Array(keep.length + fresh.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < keep.length && j < fresh.length) merged[k++] = this.key(keep[i]!) <= this.key(fresh[j]!) ? keep[i++]! : fresh[j++]!;
    while (i < keep.length) merged[k++] = keep[i++]!;
    while (j < fresh.length) merged[k++] = fresh[j++]!;
    this.order = merged;
    this.reposition();
    this.subOrders.clear();
  }

  /** Catches up with what other connections committed (cheap when nothing did). */
  fresh(): void {
    const version = this.sqlite.pragma('data_version', { simple: true }) as number;
    if (this.built && version === this.version) return;
    // The mark is read before the rows: a version committed in between is read again next time.
    const mark = (this.sqlite.prepare('SELECT max(pk) FROM item_versions').pluck().get() as number | null) ?? 0;
    const textMark = Number(this.sqlite.prepare("SELECT value FROM meta WHERE key = 'text_changed'").pluck().get() ?? 0);
    if (!this.built) {
      this.load('');
      const pks: number[] = [];
      for (let pk = 1; pk <= this.maxPk; pk++) if (this.state[pk] !== UNKNOWN) pks.push(pk);
      this.order = this.orderFromKeys(Float64Array.from(pks, (pk) => this.key(pk)));
      this.reposition();
      this.built = true;
      this.changes++;
    } else if (mark !== this.versionMark) {
      this.reorder(this.load('WHERE pk IN (SELECT item_pk FROM item_versions WHERE pk > ?)', this.versionMark));
      this.changes++;
    } else if (textMark !== this.textMark) {
      this.changes++;
    }
    this.versionMark = mark;
    this.textMark = textMark;
    this.version = version;
  }

  /** This connection wrote items: catch up at the next use. */
  touch(): void {
    this.version = -1;
  }

  /** Moves when the catalogue's content changes (what is cached from it is then stale). */
  get generation(): number {
    return this.changes;
  }

  /** How recent an item is among all items (0 is the newest); -1 for an item not known yet. */
  recency(pk: number): number {
    return pk < this.position.length ? this.position[pk]! : -1;
  }

  /** The rowid of recency rank `rank`. */
  rowidAt(rank: number): number {
    return this.order[rank]!;
  }

  get size(): number {
    return this.order.length;
  }

  get largestRowid(): number {
    return this.maxPk;
  }

  /** By cell: 1 when its attributes pass the filters (the date bounds apart). */
  private cellsPassing(filters: ItemFilters): Uint8Array {
    const want = this.wanted(filters);
    const c = this.cells;
    const ok = new Uint8Array(c.count);
    for (let id = 0; id < c.count; id++) {
      ok[id] = Number(
        (want.section === 0 || c.section[id] === want.section) &&
          (want.docType === 0 || c.docType[id] === want.docType) &&
          (want.partner === 0 || c.partner[id] === want.partner) &&
          (want.language === 0 || c.language[id] === want.language) &&
          (want.year === -1 || c.year[id] === want.year),
      );
    }
    return ok;
  }

  /** A predicate for the filters over rowids (items this copy does not know fail it). */
  predicate(filters: ItemFilters): (pk: number) => boolean {
    this.fresh();
    const ok = this.cellsPassing(filters);
    const { state, cell, day } = this;
    const from = filters.from ? dayNumber(filters.from) : -Infinity;
    const to = filters.to ? dayNumber(filters.to) : Infinity;
    const dated = Boolean(filters.from || filters.to);
    if (filters.includeGone) return (pk) => state[pk]! > UNKNOWN && ok[cell[pk]!] === 1 && (!dated || (day[pk]! >= from && day[pk]! <= to));
    if (!dated) return (pk) => state[pk] === VISIBLE && ok[cell[pk]!] === 1;
    return (pk) => state[pk] === VISIBLE && ok[cell[pk]!] === 1 && day[pk]! >= from && day[pk]! <= to;
  }

  /** The slice of `list` (newest first) within the filters' date bounds. */
  private dateRange(filters: ItemFilters, list: Int32Array = this.order): [number, number] {
    const firstAtOrBefore = (bound: number) => {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.day[list[mid]!]! > bound) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const start = filters.to ? firstAtOrBefore(dayNumber(filters.to)) : 0;
    const end = filters.from ? firstAtOrBefore(dayNumber(filters.from) - 1) : list.length;
    return [start, Math.max(start, end)];
  }

  /** The items of one partner (kind 'p') or one section ('s'), newest first. */
  private subOrder(kind: 'p' | 's', code: number): Int32Array {
    const key = `${kind}${code}`;
    let list = this.subOrders.get(key);
    if (!list) {
      const attribute = kind === 'p' ? this.cells.partner : this.cells.section;
      const { cell } = this;
      list = this.order.filter((pk) => attribute[cell[pk]!] === code);
      this.subOrders.set(key, list);
    }
    return list;
  }

  /** Whether totals and facets of these filters can come from the cells' counts. */
  private cellsAnswer(filters: ItemFilters): boolean {
    return !filters.includeGone && !filters.from && !filters.to;
  }

  /**
   * A listing page, newest first: the rowids of items offset … offset + limit and the total. The
   * walk stops at the page's last item when the cells give the total; with date bounds it walks
   * their slice of the catalogue.
   */
  listPage(filters: ItemFilters, offset: number, limit: number, prefer?: string): { total: number; pks: number[] } {
    const matches = this.predicate(filters);
    const known = this.cellsAnswer(filters) ? this.cellsTotal(filters) : undefined;
    // The shortest list to walk: the partner's items, else the section's, else all.
    const want = this.wanted(filters);
    if (want.partner < 0 || want.section < 0) return { total: 0, pks: [] };
    const list = want.partner > 0 ? this.subOrder('p', want.partner) : want.section > 0 ? this.subOrder('s', want.section) : this.order;
    const [start, end] = this.dateRange(filters, list);
    const pks: number[] = [];
    let seen = 0;
    // Interface language first (issue 14): the items in `prefer` newest first, then the others;
    // two walks of the same slice, each stopping once the page is full.
    const preferred = filters.language || prefer === undefined ? 0 : this.dims.language.find(prefer);
    const language = this.cells.language;
    const { cell } = this;
    for (const pass of preferred > 0 ? [1, 2] : [0]) {
      for (let i = start; i < end; i++) {
        const pk = list[i]!;
        if (!matches(pk)) continue;
        if (pass !== 0 && (language[cell[pk]!] === preferred) !== (pass === 1)) continue;
        if (seen >= offset && pks.length < limit) pks.push(pk);
        seen++;
        if (known !== undefined && pks.length === limit) break;
      }
      if (known !== undefined && pks.length === limit) break;
    }
    return { total: known ?? seen, pks };
  }

  /** The language code of an item (0: none or unknown), for orderings that prefer one. */
  languageOf(pk: number): number {
    return pk < this.cell.length && this.state[pk] !== UNKNOWN ? this.cells.language[this.cell[pk]!]! : 0;
  }

  /** The code of a language (0 when no item has it). */
  languageCode(language: string | undefined): number {
    return Math.max(0, this.dims.language.find(language));
  }

  private wanted(filters: ItemFilters) {
    return {
      section: this.dims.section.find(filters.section),
      docType: this.dims.docType.find(filters.docType),
      partner: this.dims.partner.find(filters.partner),
      language: this.dims.language.find(filters.language),
      year: filters.year ?? -1,
    };
  }

  private cellsTotal(filters: ItemFilters): number {
    const ok = this.cellsPassing(filters);
    let total = 0;
    for (let id = 0; id < ok.length; id++) if (ok[id] === 1) total += this.cells.visible[id]!;
    return total;
  }

  /**
   * Facet counts: each facet counts the items matching every other filter, so a visitor can
   * switch a filter's value without losing the others. From the cells' counts for a listing
   * without date bounds; otherwise items are tallied by cell, over `pks` (a search's matches) or
   * the date slice of the catalogue, and the facets counted from the tally.
   */
  facets(filters: ItemFilters, pks?: ArrayLike<number>): FacetCounts {
    this.fresh();
    const c = this.cells;
    let tally: Int32Array;
    if (!pks && this.cellsAnswer(filters)) tally = c.visible;
    else {
      tally = new Int32Array(c.count);
      const inBase = this.predicate({ from: filters.from, to: filters.to, includeGone: filters.includeGone });
      const { cell } = this;
      if (pks) {
        for (let i = 0; i < pks.length; i++) if (inBase(pks[i]!)) tally[cell[pks[i]!]!]!++;
      } else {
        const [start, end] = this.dateRange(filters);
        for (let i = start; i < end; i++) if (inBase(this.order[i]!)) tally[cell[this.order[i]!]!]!++;
      }
    }
    const want = this.wanted(filters);
    const counts = {
      section: new Int32Array(this.dims.section.values.length),
      docType: new Int32Array(this.dims.docType.values.length),
      partner: new Int32Array(this.dims.partner.values.length),
      language: new Int32Array(this.dims.language.values.length),
      year: new Map<number, number>(),
    };
    for (let id = 0; id < c.count; id++) {
      const n = tally[id]!;
      if (n === 0 || (want.section !== 0 && c.section[id] !== want.section)) continue;
      const okType = want.docType === 0 || c.docType[id] === want.docType;
      const okPartner = want.partner === 0 || c.partner[id] === want.partner;
      const okLanguage = want.language === 0 || c.language[id] === want.language;
      const okYear = want.year === -1 || c.year[id] === want.year;
      if (okPartner && okLanguage && okYear) counts.docType[c.docType[id]!]! += n;
      if (okType && okLanguage && okYear) counts.partner[c.partner[id]!]! += n;
      if (okType && okPartner && okYear) counts.language[c.language[id]!]! += n;
      if (okType && okPartner && okLanguage) counts.year.set(c.year[id]!, (counts.year.get(c.year[id]!) ?? 0) + n);
      if (okType && okPartner && okLanguage && okYear) counts.section[c.section[id]!]! += n;
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
      year: [...counts.year]
        .filter(([, count]) => count > 0)
        .map(([value, count]) => ({ value: String(value), count }))
        .sort((a, b) => (a.value < b.value ? 1 : -1)),
    };
  }
}
