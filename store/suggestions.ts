// Citizens' suggestions: submission, moderation (new → examined → answered | rejected),
// publication of answers, and deletion of contact details after the retention period.
import { type Sqlite } from './db.ts';

export const SUGGESTION_STATUSES = ['new', 'examined', 'answered', 'rejected'] as const;
export type SuggestionStatus = (typeof SUGGESTION_STATUSES)[number];

export interface NewSuggestion {
  language: string;
  pageRef: string | null;
  topic: string | null;
  message: string;
  name: string | null;
  email: string | null;
}

export interface SuggestionRow {
  id: number;
  created_at: string;
  language: string;
  page_ref: string | null;
  topic: string | null;
  message: string;
  name: string | null;
  email: string | null;
  status: SuggestionStatus;
  answer: string | null;
  answered_at: string | null;
  answered_by: string | null;
  published: boolean;
  emailed_at: string | null;
  contact_purged_at: string | null;
  updated_at: string;
}

const COLUMNS = `pk AS id, created_at, language, page_ref, topic, message, name, email, status, answer, answered_at,
  answered_by, published, emailed_at, contact_purged_at, updated_at`;

type Raw = Omit<SuggestionRow, 'published'> & { published: number };
const toRow = (r: Raw): SuggestionRow => ({ ...r, published: r.published === 1 });

export class SuggestionsStore {
  constructor(private readonly sqlite: Sqlite) {}

  add(s: NewSuggestion, now: string): number {
    const info = this.sqlite
      .prepare(
        `INSERT INTO suggestions (created_at, language, page_ref, topic, message, name, email, status, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?)`,
      )
      .run(now, s.language, s.pageRef, s.topic, s.message, s.name, s.email, now);
    return Number(info.lastInsertRowid);
  }

  get(id: number): SuggestionRow | undefined {
    const row = this.sqlite.prepare(`SELECT ${COLUMNS} FROM suggestions WHERE pk = ?`).get(id) as Raw | undefined;
    return row ? toRow(row) : undefined;
  }

  list(filter: { status?: SuggestionStatus; language?: string; limit?: number; offset?: number } = {}): { total: number; items: SuggestionRow[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.language) {
      where.push('language = ?');
      params.push(filter.language);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.sqlite.prepare(`SELECT count(*) AS n FROM suggestions ${clause}`).get(...params) as { n: number }).n;
    const rows = this.sqlite
      .prepare(`SELECT ${COLUMNS} FROM suggestions ${clause} ORDER BY created_at DESC, pk DESC LIMIT ? OFFSET ?`)
      .all(...params, filter.limit ?? 50, filter.offset ?? 0) as Raw[];
    return { total, items: rows.map(toRow) };
  }

  countsByStatus(): Record<SuggestionStatus, number> {
    const counts = Object.fromEntries(SUGGESTION_STATUSES.map((s) => [s, 0])) as Record<SuggestionStatus, number>;
    for (const r of this.sqlite.prepare('SELECT status, count(*) AS n FROM suggestions GROUP BY status').all() as Array<{
      status: SuggestionStatus;
      n: number;
    }>) {
      counts[r.status] = r.n;
    }
    return counts;
  }

  /** Published answers for the public page, newest first. */
  published(limit: number, language?: string): SuggestionRow[] {
    const rows = this.sqlite
      .prepare(
        `SELECT ${COLUMNS} FROM suggestions WHERE published = 1 AND status = 'answered' ${language ? 'AND language = ?' : ''}
         ORDER BY answered_at DESC LIMIT ?`,
      )
      .all(...(language ? [language, limit] : [limit])) as Raw[];
    return rows.map(toRow);
  }

  setStatus(id: number, status: SuggestionStatus, now: string): boolean {
    return this.sqlite.prepare('UPDATE suggestions SET status = ?, updated_at = ? WHERE pk = ?').run(status, now, id).changes === 1;
  }

  answer(id: number, answer: string, publish: boolean, by: string, now: string): boolean {
    return (
      this.sqlite
        .prepare(
          `UPDATE suggestions SET status = 'answered', answer = ?, published = ?, answered_by = ?, answered_at = ?, updated_at = ?
           WHERE pk = ?`,
        )
        .run(answer, publish ? 1 : 0, by, now, now, id).changes === 1
    );
  }

  setPublished(id: number, publish: boolean, now: string): boolean {
    return this.sqlite.prepare('UPDATE suggestions SET published = ?, updated_at = ? WHERE pk = ?').run(publish ? 1 : 0, now, id).changes === 1;
  }

  markEmailed(id: number, now: string): void {
    this.sqlite.prepare('UPDATE suggestions SET emailed_at = ? WHERE pk = ?').run(now, id);
  }

  /**
   * Deletes name and email of suggestions answered or rejected before `cutoff` (law 09-08: contact
   * details are kept only to answer, then for a set period). Returns how many were purged.
   */
  purgeContacts(cutoff: string, now: string): number {
    return this.sqlite
      .prepare(
        `UPDATE suggestions SET name = NULL, email = NULL, contact_purged_at = ?
         WHERE (name IS NOT NULL OR email IS NOT NULL) AND status IN ('answered', 'rejected')
           AND coalesce(answered_at, updated_at) < ?`,
      )
      .run(now, cutoff).changes;
  }
}
