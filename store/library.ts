// The online library's reads and writes (issue 17): OAI-PMH records in datestamp order, the
// sitemap's item pages in chunks, the collections of the DCAT-AP catalogue, and the course facts
// of training items (written in the harvest's transaction).
import { type DocType, type Language, type Section } from '../config/index.ts';
import { type ChangePlan, type CourseFacts, type HarvestedItem } from '../harvester/ports.ts';
import { type Sqlite } from './db.ts';

/** Selects OAI-PMH records: datestamps in [from, until) (ISO 8601 UTC), a partner, a section. */
export interface OaiFilter {
  from?: string;
  /** Exclusive upper bound. */
  until?: string;
  partner?: string;
  section?: string;
}

/** Where a list stopped: the last record sent, in (datestamp, pk) order. */
export interface OaiCursor {
  datestamp: string;
  pk: number;
}

export interface OaiRecordRow {
  pk: number;
  id: string;
  title: string;
  url: string;
  partner: string;
  section: Section;
  doc_type: DocType | null;
  language: Language | null;
  published_at: string | null;
  summary: string;
  document_url: string | null;
  pages: number | null;
  author: string | null;
  /** Marked gone: an OAI-PMH deleted record. */
  deleted: boolean;
  datestamp: string;
}

export interface CourseRow extends CourseFacts {
  itemId: string;
}

export interface CourseListRow extends CourseRow {
  title: string;
  itemLanguage: Language | null;
  partner: string;
  url: string;
  published_at: string | null;
}

export interface CollectionRow {
  partner: string;
  section: Section;
  items: number;
  first: string;
  last: string;
  modified: string;
  languages: Language[];
}

export interface SitemapFile {
  /** First item (rowid) of the file; the file lists `perFile` visible items from it. */
  firstPk: number;
  count: number;
  lastmod: string;
}

const OAI_COLUMNS = `i.pk, i.id, i.title, i.url, i.partner_id AS partner, i.section, i.doc_type, i.language, i.published_at,
  i.summary, i.document_url, i.pages, i.author, i.gone_since IS NOT NULL AS deleted, st.datestamp`;

type RawOai = Omit<OaiRecordRow, 'deleted'> & { deleted: number };
const toOai = (r: RawOai): OaiRecordRow => ({ ...r, deleted: r.deleted === 1 });

const COURSE_COLUMNS = `i.id AS itemId, c.starts_on AS startsOn, c.ends_on AS endsOn, c.format, c.audience, c.language,
  c.registration_url AS registrationUrl, c.organiser, c.location`;

export class LibraryStore {
  /**
   * The time a harvest's changes are stamped with, at the end of its transaction. Tests set it to
   * place records on the OAI-PMH time line.
   */
  clock: () => string = () => new Date().toISOString();

  private readonly statements;

  constructor(private readonly sqlite: Sqlite) {
    this.statements = {
      restamp: sqlite.prepare('UPDATE item_stamps SET datestamp = ? WHERE datestamp >= ? AND datestamp <= ?'),
      upsertCourse: sqlite.prepare(
        `INSERT INTO item_courses (item_pk, starts_on, ends_on, format, audience, language, registration_url, organiser, location)
         SELECT pk, @startsOn, @endsOn, @format, @audience, @language, @registrationUrl, @organiser, @location FROM items WHERE id = @id
         ON CONFLICT(item_pk) DO UPDATE SET starts_on = excluded.starts_on, ends_on = excluded.ends_on, format = excluded.format,
           audience = excluded.audience, language = excluded.language, registration_url = excluded.registration_url,
           organiser = excluded.organiser, location = excluded.location`,
      ),
      deleteCourse: sqlite.prepare('DELETE FROM item_courses WHERE item_pk = (SELECT pk FROM items WHERE id = ?)'),
      course: sqlite.prepare(`SELECT ${COURSE_COLUMNS} FROM item_courses c JOIN items i ON i.pk = c.item_pk WHERE i.id = ?`),
      oaiRecord: sqlite.prepare(`SELECT ${OAI_COLUMNS} FROM items i JOIN item_stamps st ON st.item_pk = i.pk WHERE i.id = ?`),
      earliest: sqlite.prepare('SELECT min(datestamp) FROM item_stamps').pluck(),
      changeMark: sqlite.prepare('SELECT max(pk) FROM item_versions').pluck(),
    };
  }

  // ------------------------------------------------------------------ writes (harvest transaction)

  /**
   * Moves the datestamps this transaction wrote (the triggers stamp each row as it is written,
   * between `since` and `until`) to the clock's time at its end: a harvester that asks "what
   * changed since my last visit" never misses a change that was still being written then.
   */
  restamp(since: string, until: string): void {
    this.statements.restamp.run(this.clock(), since, until);
  }

  /** Writes the course facts of the plan's new and changed items. Call in the harvest's transaction. */
  applyCourses(plan: ChangePlan): void {
    const write = (item: HarvestedItem) => {
      if (item.course) this.statements.upsertCourse.run({ id: item.id, ...item.course });
      else this.statements.deleteCourse.run(item.id);
    };
    for (const item of plan.inserts) if (item.course) write(item);
    for (const { item } of plan.updates) write(item);
  }

  // ------------------------------------------------------------------ OAI-PMH

  private oaiWhere(filter: OaiFilter, after: OaiCursor | null): { sql: string; params: unknown[] } {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (after) {
      parts.push('(st.datestamp > ? OR (st.datestamp = ? AND st.item_pk > ?))');
      params.push(after.datestamp, after.datestamp, after.pk);
    }
    if (filter.from) {
      parts.push('st.datestamp >= ?');
      params.push(filter.from);
    }
    if (filter.until) {
      parts.push('st.datestamp < ?');
      params.push(filter.until);
    }
    if (filter.partner) {
      parts.push('i.partner_id = ?');
      params.push(filter.partner);
    }
    if (filter.section) {
      parts.push('i.section = ?');
      params.push(filter.section);
    }
    return { sql: parts.length ? parts.join(' AND ') : '1', params };
  }

  /** The next `limit` records after the cursor, in datestamp order (deleted ones included). */
  oaiRecords(filter: OaiFilter, after: OaiCursor | null, limit: number): OaiRecordRow[] {
    const where = this.oaiWhere(filter, after);
    const rows = this.sqlite
      .prepare(`SELECT ${OAI_COLUMNS} FROM item_stamps st JOIN items i ON i.pk = st.item_pk WHERE ${where.sql} ORDER BY st.datestamp, st.item_pk LIMIT ?`)
      .all(...where.params, limit) as RawOai[];
    return rows.map(toOai);
  }

  /** How many records the filter selects (the list's completeListSize). */
  oaiCount(filter: OaiFilter): number {
    const where = this.oaiWhere(filter, null);
    const join = filter.partner || filter.section ? 'JOIN items i ON i.pk = st.item_pk' : '';
    return this.sqlite.prepare(`SELECT count(*) FROM item_stamps st ${join} WHERE ${where.sql}`).pluck().get(...where.params) as number;
  }

  oaiRecord(id: string): OaiRecordRow | undefined {
    const row = this.statements.oaiRecord.get(id) as RawOai | undefined;
    return row ? toOai(row) : undefined;
  }

  /** The oldest datestamp (Identify's earliestDatestamp). */
  earliestDatestamp(): string | null {
    return (this.statements.earliest.get() as string | null) ?? null;
  }

  // ------------------------------------------------------------------ sitemap

  /**
   * Moves whenever an item is added, changed, marked gone or back (each writes a version), in
   * this process or another: what is computed from the visible items is fresh while it stands.
   */
  changeMark(): number {
    return (this.statements.changeMark.get() as number | null) ?? 0;
  }

  /** Visible items cut into files of `perFile`, each with its first rowid and latest change. */
  sitemapFiles(perFile: number): SitemapFile[] {
    const files: SitemapFile[] = [];
    // One pass over the rowids and change times (no sort, no text): 60 ms for 100,000 items.
    const rows = this.sqlite.prepare('SELECT pk, last_changed_at FROM items WHERE gone_since IS NULL ORDER BY pk').raw().iterate() as IterableIterator<[number, string]>;
    let current: SitemapFile | undefined;
    for (const [pk, changed] of rows) {
      if (!current || current.count === perFile) {
        current = { firstPk: pk, count: 0, lastmod: changed };
        files.push(current);
      }
      current.count++;
      if (changed > current.lastmod) current.lastmod = changed;
    }
    return files;
  }

  /** Visible items from rowid `fromPk` on, in rowid order. */
  sitemapItems(fromPk: number, limit: number): Array<{ pk: number; id: string; last_changed_at: string }> {
    return this.sqlite
      .prepare('SELECT pk, id, last_changed_at FROM items WHERE gone_since IS NULL AND pk >= ? ORDER BY pk LIMIT ?')
      .all(fromPk, limit) as Array<{ pk: number; id: string; last_changed_at: string }>;
  }

  // ------------------------------------------------------------------ DCAT-AP collections

  /** Visible items per partner and section: the catalogue's document collections. */
  collections(): CollectionRow[] {
    const rows = this.sqlite
      .prepare(
        `SELECT partner_id AS partner, section, count(*) AS items, min(sort_date) AS first, max(sort_date) AS last,
           max(last_changed_at) AS modified, group_concat(DISTINCT language) AS languages
         FROM items WHERE gone_since IS NULL GROUP BY partner_id, section ORDER BY partner_id, section`,
      )
      .all() as Array<Omit<CollectionRow, 'languages'> & { languages: string | null }>;
    return rows.map((r) => ({ ...r, languages: (r.languages ? r.languages.split(',') : []).sort() as Language[] }));
  }

  // ------------------------------------------------------------------ courses

  course(itemId: string): CourseRow | undefined {
    return this.statements.course.get(itemId) as CourseRow | undefined;
  }

  /**
   * Training sessions not over by `today` ("YYYY-MM-DD"), soonest first; or, with `past`, those
   * over, latest first. Sessions without dates are in neither list.
   */
  courses(when: 'upcoming' | 'past', today: string, limit: number): CourseListRow[] {
    const condition = when === 'upcoming' ? 'coalesce(c.ends_on, c.starts_on) >= ?' : 'coalesce(c.ends_on, c.starts_on) < ?';
    const order = when === 'upcoming' ? 'c.starts_on ASC, i.pk ASC' : 'c.starts_on DESC, i.pk DESC';
    return this.sqlite
      .prepare(
        `SELECT ${COURSE_COLUMNS}, i.title, i.language AS itemLanguage, i.partner_id AS partner, i.url, i.published_at
         FROM item_courses c JOIN items i ON i.pk = c.item_pk
         WHERE i.gone_since IS NULL AND c.starts_on IS NOT NULL AND ${condition} ORDER BY ${order} LIMIT ?`,
      )
      .all(today, limit) as CourseListRow[];
  }
}

