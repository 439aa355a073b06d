// Reminders to partners behind and the authority's Monday digest: each one recorded with what
// triggered it and every message (sent, failed, or only shown because no SMTP server is set).
import { type Sqlite } from './db.ts';
import { parseJson } from './util.ts';

export type ReminderKind = 'partner' | 'digest';
export type ReminderStatus = 'sent' | 'partial' | 'failed' | 'not_sent';

export interface ReminderMessage {
  to: string;
  name: string;
  language: string;
  subject: string;
  text: string;
  html: string;
  /** `sent`, `failed` or `not_sent`. */
  outcome: 'sent' | 'failed' | 'not_sent';
  error?: string;
}

export interface ReminderRow {
  id: number;
  kind: ReminderKind;
  partner: string | null;
  created_at: string;
  period: string | null;
  status: ReminderStatus;
  reasons: unknown;
  messages: ReminderMessage[];
}

interface RawReminder {
  id: number;
  kind: ReminderKind;
  partner: string | null;
  created_at: string;
  period: string | null;
  status: ReminderStatus;
  reasons: string;
  messages: string;
}

const COLUMNS = 'pk AS id, kind, partner_id AS partner, created_at, period, status, reasons, messages';
const toRow = (r: RawReminder): ReminderRow => ({ ...r, reasons: parseJson<unknown>(r.reasons, null), messages: parseJson<ReminderMessage[]>(r.messages, []) });

export class RemindersStore {
  constructor(private readonly sqlite: Sqlite) {}

  record(entry: { kind: ReminderKind; partner: string | null; period: string | null; status: ReminderStatus; reasons: unknown; messages: ReminderMessage[] }, now: string): number {
    const info = this.sqlite
      .prepare('INSERT INTO reminders (kind, partner_id, created_at, period, status, reasons, messages) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(entry.kind, entry.partner, now, entry.period, entry.status, JSON.stringify(entry.reasons), JSON.stringify(entry.messages));
    return Number(info.lastInsertRowid);
  }

  /**
   * The partner's latest reminder that counts against the weekly limit: sent (even in part), or
   * shown as "would have been sent". Failed attempts do not count: they are tried again.
   */
  lastForPartner(partnerId: string): ReminderRow | undefined {
    const row = this.sqlite
      .prepare(`SELECT ${COLUMNS} FROM reminders WHERE kind = 'partner' AND partner_id = ? AND status != 'failed' ORDER BY created_at DESC, pk DESC LIMIT 1`)
      .get(partnerId) as RawReminder | undefined;
    return row ? toRow(row) : undefined;
  }

  /** The digest of an ISO week, if one was sent or recorded as not sent. */
  digestOf(period: string): ReminderRow | undefined {
    const row = this.sqlite
      .prepare(`SELECT ${COLUMNS} FROM reminders WHERE kind = 'digest' AND period = ? AND status != 'failed' ORDER BY pk DESC LIMIT 1`)
      .get(period) as RawReminder | undefined;
    return row ? toRow(row) : undefined;
  }

  list(limit = 100): ReminderRow[] {
    return (this.sqlite.prepare(`SELECT ${COLUMNS} FROM reminders ORDER BY created_at DESC, pk DESC LIMIT ?`).all(limit) as RawReminder[]).map(toRow);
  }

  get(id: number): ReminderRow | undefined {
    const row = this.sqlite.prepare(`SELECT ${COLUMNS} FROM reminders WHERE pk = ?`).get(id) as RawReminder | undefined;
    return row ? toRow(row) : undefined;
  }
}
