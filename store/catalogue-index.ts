// The catalogue's filter attributes in memory: what lets a listing, a count or a facet be computed
// from the page it shows instead of from the whole catalogue (issue 12).
//
// - Typed arrays by rowid (items.pk): section, type, partner, language, year, day, gone; about 13
//   bytes an item (2.6 MB at 200,000 items).
// - `order`: every item's rowid, newest first (sort_date DESC, pk DESC, as the listings' SQL had
//   it). A listing page walks it and stops once the page is full; a date range is a slice of it
//   found by binary search.
// - `cube`: the number of visible items per combination of section, type, partner, language and
//   year (a few thousand cells, whatever the catalogue's size). Totals and facet counts of a
//   listing come from it, without walking items.
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

// Cube keys: the five codes in one integer (all below 2^53).
const SECTIONS = 8;
const TYPES = 64;
const PARTNERS = 65_536;
const LANGUAGES = 16;
const YEARS = 65_536;
const cubeKey = (section: number, docType: number, partner: number, language: number, year: number) =>
  (((section * TYPES + docType) * PARTNERS + partner) * LANGUAGES + language) * YEARS + year;

export type FacetCount = Array<{ value: string; count: number }>;

export class CatalogueIndex {
  private readonly dims = {
    section: new Dictionary(SECTIONS),
    docType: new Dictionary(TYPES),
    partner: new Dictionary(PARTNERS),
    language: new Dictionary(LANGUAGES),
  };
  private present = new Uint8Array(0);
  private section = new Uint8Array(0);
  private docType = new Uint8Array(0);
  private partner = new Uint16Array(0);
  private language = new Uint8Array(0);
  private year = new Uint16Array(0);
  private day = new Int32Array(0);
  private gone = new Uint8Array(0);
  /** Every known rowid, newest first. */
  private order: Int32Array = new Int32Array(0);
  /** Index of each rowid in `order` (recency rank: smaller is newer); -1 when unknown. */
  private position: Int32Array = new Int32Array(0);
  private readonly cube = new Map<number, number>();
  private maxPk = 0;
  private versionMark = 0;
  private version = -1;
  private built = false;
  private changes = 0;
  private readonly dayCache = new Map<string, number>();

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
    const position = new Int32Array(size).fill(-1);
    position.set(this.position);
    this.position = position;
  }

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

  private cellOf(pk: number): number {
    return cubeKey(this.section[pk]!, this.docType[pk]!, this.partner[pk]!, this.language[pk]!, this.year[pk]!);
  }

  private count(pk: number, delta: number): void {
    const key = this.cellOf(pk);
    const n = (this.cube.get(key) ?? 0) + delta;
    if (n > 0) this.cube.set(key, n);
    else this.cube.delete(key);
  }

  /** Reads rows into the arrays; returns the rowids whose place in `order` may have changed. */
  private load(where: string, ...params: unknown[]): number[] {
    const rows = this.sqlite
      .prepare(`SELECT pk, section, doc_type, partner_id, language, year, sort_date, gone_since IS NOT NULL FROM items ${where}`)
      .raw()
      .all(...params) as Array<[number, string, string | null, string, string | null, number, string, number]>;
    const moved: number[] = [];
    for (const [pk, section, docType, partner, language, year, sortDate, gone] of rows) {
      this.grow(pk);
      const known = this.present[pk] === 1;
      if (known && this.gone[pk] === 0) this.count(pk, -1);
      const day = this.dayOf(sortDate);
      if (!known || this.day[pk] !== day) moved.push(pk);
      this.present[pk] = 1;
      this.section[pk] = this.dims.section.code(section);
      this.docType[pk] = this.dims.docType.code(docType);
      this.partner[pk] = this.dims.partner.code(partner);
      this.language[pk] = this.dims.language.code(language);
      this.year[pk] = Math.max(0, Math.min(YEARS - 1, year));
      this.day[pk] = day;
      this.gone[pk] = gone;
      if (gone === 0) this.count(pk, +1);
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

  private reposition(from = 0): void {
    for (let i = from; i < this.order.length; i++) this.position[this.order[i]!] = i;
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
  }

  /** Catches up with what other connections committed (cheap when nothing did). */
  fresh(): void {
    const version = this.sqlite.pragma('data_version', { simple: true }) as number;
    if (this.built && version === this.version) return;
    // The mark is read before the rows: a version committed in between is read again next time.
    const mark = (this.sqlite.prepare('SELECT max(pk) FROM item_versions').pluck().get() as number | null) ?? 0;
    if (!this.built) {
      this.load('');
      const pks: number[] = [];
      for (let pk = 1; pk <= this.maxPk; pk++) if (this.present[pk] === 1) pks.push(pk);
      this.order = this.orderFromKeys(Float64Array.from(pks, (pk) => this.key(pk)));
      this.reposition();
      this.built = true;
      this.changes++;
    } else if (mark !== this.versionMark) {
      this.reorder(this.load('WHERE pk IN (SELECT item_pk FROM item_versions WHERE pk > ?)', this.versionMark));
      this.changes++;
    }
    this.versionMark = mark;
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

  /** How recent an item is among all items (0 is the newest); unknown items come last. */
  recency(pk: number): number {
    const p = pk < this.position.length ? this.position[pk]! : -1;
    return p < 0 ? 2 ** 31 - 1 : p;
  }

  get size(): number {
    return this.order.length;
  }

  get largestRowid(): number {
    return this.maxPk;
  }

  /** A predicate for the filters over rowids (items this copy does not know fail it). */
  predicate(filters: ItemFilters): (pk: number) => boolean {
    const withGone = filters.includeGone ?? false;
    const section = this.dims.section.find(filters.section);
    const docType = this.dims.docType.find(filters.docType);
    const partner = this.dims.partner.find(filters.partner);
    const language = this.dims.language.find(filters.language);
    const year = filters.year ?? -1;
    const from = filters.from ? dayNumber(filters.from) : -Infinity;
    const to = filters.to ? dayNumber(filters.to) : Infinity;
    const { present, gone, day } = this;
    const attributes = { section: this.section, docType: this.docType, partner: this.partner, language: this.language, year: this.year };
    return (pk) =>
      pk < present.length &&
      present[pk] === 1 &&
      (withGone || gone[pk] === 0) &&
      (section === 0 || attributes.section[pk] === section) &&
      (docType === 0 || attributes.docType[pk] === docType) &&
      (partner === 0 || attributes.partner[pk] === partner) &&
      (language === 0 || attributes.language[pk] === language) &&
      (year === -1 || attributes.year[pk] === year) &&
      day[pk]! >= from &&
      day[pk]! <= to;
  }

  /** The slice of `order` within the filters' date bounds (order is newest first). */
  private dateRange(filters: ItemFilters): [number, number] {
    const firstAtOrBefore = (bound: number) => {
      let lo = 0;
      let hi = this.order.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.day[this.order[mid]!]! > bound) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const start = filters.to ? firstAtOrBefore(dayNumber(filters.to)) : 0;
    const end = filters.from ? firstAtOrBefore(dayNumber(filters.from) - 1) : this.order.length;
    return [start, Math.max(start, end)];
  }

  /** Whether totals and facets of these filters can come from the cube. */
  private cubeAnswers(filters: ItemFilters): boolean {
    return !filters.includeGone && !filters.from && !filters.to;
  }

  /**
   * A listing page, newest first: the rowids of items offset … offset + limit and the total. The
   * walk stops at the page's last item when the cube gives the total; with date bounds it walks
   * their slice of the catalogue.
   */
  listPage(filters: ItemFilters, offset: number, limit: number): { total: number; pks: number[] } {
    this.fresh();
    const matches = this.predicate(filters);
    const known = this.cubeAnswers(filters) ? this.cubeTotal(filters) : undefined;
    const [start, end] = this.dateRange(filters);
    const pks: number[] = [];
    let seen = 0;
    for (let i = start; i < end; i++) {
      const pk = this.order[i]!;
      if (!matches(pk)) continue;
      if (seen >= offset && pks.length < limit) pks.push(pk);
      seen++;
      if (known !== undefined && pks.length === limit) break;
    }
    return { total: known ?? seen, pks };
  }

  private *cells(): Generator<{ section: number; docType: number; partner: number; language: number; year: number; count: number }> {
    for (const [key, count] of this.cube) {
      let rest = key;
      const year = rest % YEARS;
      rest = (rest - year) / YEARS;
      const language = rest % LANGUAGES;
      rest = (rest - language) / LANGUAGES;
      const partner = rest % PARTNERS;
      rest = (rest - partner) / PARTNERS;
      const docType = rest % TYPES;
      const section = (rest - docType) / TYPES;
      yield { section, docType, partner, language, year, count };
    }
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

  private cubeTotal(filters: ItemFilters): number {
    const want = this.wanted(filters);
    let total = 0;
    for (const cell of this.cells()) {
      if (
        (want.section === 0 || cell.section === want.section) &&
        (want.docType === 0 || cell.docType === want.docType) &&
        (want.partner === 0 || cell.partner === want.partner) &&
        (want.language === 0 || cell.language === want.language) &&
        (want.year === -1 || cell.year === want.year)
      )
        total += cell.count;
    }
    return total;
  }

  /**
   * Facet counts: each facet counts the items matching every other filter, so a visitor can
   * switch a filter's value without losing the others. From the cube for a listing without date
   * bounds; otherwise over `pks` (a search's matches), or the date slice of the catalogue.
   */
  facets(filters: ItemFilters, pks?: ArrayLike<number>): FacetCounts {
    this.fresh();
    const want = this.wanted(filters);
    const counts = {
      section: new Int32Array(this.dims.section.values.length),
      docType: new Int32Array(this.dims.docType.values.length),
      partner: new Int32Array(this.dims.partner.values.length),
      language: new Int32Array(this.dims.language.values.length),
      year: new Map<number, number>(),
    };
    const add = (section: number, docType: number, partner: number, language: number, year: number, n: number) => {
      if (want.section !== 0 && section !== want.section) return;
      const okType = want.docType === 0 || docType === want.docType;
      const okPartner = want.partner === 0 || partner === want.partner;
      const okLanguage = want.language === 0 || language === want.language;
      const okYear = want.year === -1 || year === want.year;
      if (okPartner && okLanguage && okYear) counts.docType[docType]! += n;
      if (okType && okLanguage && okYear) counts.partner[partner]! += n;
      if (okType && okPartner && okYear) counts.language[language]! += n;
      if (okType && okPartner && okLanguage) counts.year.set(year, (counts.year.get(year) ?? 0) + n);
      if (okType && okPartner && okLanguage && okYear) counts.section[section]! += n;
    };
    if (!pks && this.cubeAnswers(filters)) {
      for (const c of this.cells()) add(c.section, c.docType, c.partner, c.language, c.year, c.count);
    } else {
      const inBase = this.predicate({ from: filters.from, to: filters.to, includeGone: filters.includeGone });
      const each = (pk: number) => {
        if (inBase(pk)) add(this.section[pk]!, this.docType[pk]!, this.partner[pk]!, this.language[pk]!, this.year[pk]!, 1);
      };
      if (pks) for (let i = 0; i < pks.length; i++) each(pks[i]!);
      else {
        const [start, end] = this.dateRange(filters);
        for (let i = start; i < end; i++) each(this.order[i]!);
      }
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
