// Aggregates: the freshness report, the public indicators, visit and click counters, and the
// daily history of how many committed institutions were up to date.
// Values from domain.ts alone: the read workers need the vocabularies, not the config loader.
import { SECTIONS, type Section } from '../config/domain.ts';
import { type Multilingual } from '../config/index.ts';
import { type Sqlite } from './db.ts';
import { DAY_MS, isoDay, parseJson } from './util.ts';

export const PARTNER_FRESHNESS = ['up_to_date', 'overdue', 'no_commitment', 'never_harvested'] as const;
export type PartnerFreshness = (typeof PARTNER_FRESHNESS)[number];
export type SourceFreshness = 'ok' | 'failing' | 'never_harvested' | 'disabled';

export interface SourceFreshnessRow {
  source: string;
  type: string;
  url: string;
  section: string;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_change_at: string | null;
  consecutive_failures: number;
  next_attempt_at: string | null;
  last_error: { code: string; message: string; http_status: number | null } | null;
  status: SourceFreshness;
  items: number;
  /** Statistical series the source gives (dataset sources). */
  series: number;
}

export interface PartnerFreshnessRow {
  partner: string;
  name: Multilingual;
  kind: string;
  website: string | null;
  commitment_days: number | null;
  last_new_content_at: string | null;
  status: PartnerFreshness;
  /** Days past the commitment (overdue only). */
  overdue_days: number | null;
  /** Any enabled source failing at its last attempt. */
  failing: boolean;
  item_count: number;
  items_by_section: Record<Section, number>;
  /** Statistical series of the partner's dataset sources. */
  series_count: number;
  sources: SourceFreshnessRow[];
}

export interface FreshnessReport {
  generated_at: string;
  partners: PartnerFreshnessRow[];
}

export interface Indicators {
  partners: number;
  /** Organisations with at least one item in the catalogue, harvested or deposited. */
  contributing: number;
  /** Of those: with harvested items, and with deposited ones (an organisation may be both). */
  contributing_harvested: number;
  contributing_deposited: number;
  committed: number;
  up_to_date: number;
  items: number;
  items_by_section: Record<Section, number>;
  /** Statistical series published from partners' dataset files. */
  series: number;
  visits_total: number;
  visits_by_month: Array<{ month: string; count: number }>;
}

/** Worst first: never harvested, then failing, overdue (most days first), then the rest. */
function severity(p: PartnerFreshnessRow): number {
  if (p.status === 'never_harvested') return 0;
  if (p.failing) return 1;
  if (p.status === 'overdue') return 2;
  if (p.status === 'up_to_date') return 4;
  return 3;
}

export class StatsStore {
  private cached: { key: string; report: FreshnessReport } | undefined;

  constructor(private readonly sqlite: Sqlite) {}

  /**
   * The freshness report, computed once per day and catalogue state: pages show it on every view,
   * and it only changes when a harvest (another connection) commits or the day turns.
   */
  freshness(now: Date): FreshnessReport {
    const key = `${isoDay(now)}|${this.sqlite.pragma('data_version', { simple: true })}|${this.version}`;
    if (this.cached?.key !== key) this.cached = { key, report: this.computeFreshness(now) };
    return { ...this.cached.report, generated_at: now.toISOString() };
  }

  /** This connection changed partners, sources or items: recompute at the next call. */
  private version = 0;
  invalidate(): void {
    this.version++;
  }

  private computeFreshness(now: Date): FreshnessReport {
    const today = isoDay(now);
    // The newest publication date (sort_date: the published date, else the first-seen day),
    // through the (partner_id, sort_date) index; an item dated in the future counts from the day it
    // was first seen (there are few of those). A dataset counts from the day a new or revised
    // figure was last read from it (its periods say what the figures are about, not when they came).
    const partners = this.sqlite
      .prepare(
        `SELECT p.id, p.name, p.kind, p.website, p.commitment_days,
           max(coalesce((SELECT max(i.sort_date) FROM items i WHERE i.partner_id = p.id AND i.sort_date <= @today), ''),
               coalesce((SELECT max(substr(i.first_seen_at, 1, 10)) FROM items i WHERE i.partner_id = p.id AND i.sort_date > @today), ''),
               coalesce((SELECT max(substr(d.updated_at, 1, 10)) FROM dataset_series d WHERE d.partner_id = p.id), '')) AS last_new_content_at
         FROM partners p WHERE p.in_config = 1 ORDER BY p.id`,
      )
      .all({ today }) as Array<{
      id: string;
      name: string;
      kind: string;
      website: string | null;
      commitment_days: number | null;
      last_new_content_at: string | null;
    }>;
    const sources = this.sqlite
      .prepare(
        `SELECT s.partner_id, s.source_id, s.type, s.url, s.section, s.enabled, s.last_attempt_at, s.last_success_at,
           s.last_change_at, s.consecutive_failures, s.next_attempt_at, s.last_error_code, s.last_error_message,
           s.last_http_status,
           (SELECT count(*) FROM items i WHERE i.source_pk = s.pk AND i.gone_since IS NULL) AS items,
           (SELECT count(*) FROM dataset_series d WHERE d.source_pk = s.pk AND d.active = 1) AS series
         FROM sources s WHERE s.type != 'deposit' ORDER BY s.partner_id, s.pk`,
      )
      .all() as Array<{
      partner_id: string;
      source_id: string;
      type: string;
      url: string;
      section: string;
      enabled: number;
      last_attempt_at: string | null;
      last_success_at: string | null;
      last_change_at: string | null;
      consecutive_failures: number;
      next_attempt_at: string | null;
      last_error_code: string | null;
      last_error_message: string | null;
      last_http_status: number | null;
      items: number;
      series: number;
    }>;
    const counts = this.sqlite
      .prepare('SELECT partner_id, section, count(*) AS n FROM items WHERE gone_since IS NULL GROUP BY partner_id, section')
      .all() as Array<{ partner_id: string; section: Section; n: number }>;

    for (const p of partners) if (p.last_new_content_at === '') p.last_new_content_at = null;
    const rows = partners.map((p): PartnerFreshnessRow => {
      const own = sources.filter((s) => s.partner_id === p.id);
      const sourceRows = own.map((s): SourceFreshnessRow => {
        let status: SourceFreshness;
        if (!s.enabled) status = 'disabled';
        else if (s.consecutive_failures > 0) status = 'failing';
        else if (!s.last_attempt_at) status = 'never_harvested';
        else status = 'ok';
        return {
          source: s.source_id,
          type: s.type,
          url: s.url,
          section: s.section,
          last_attempt_at: s.last_attempt_at,
          last_success_at: s.last_success_at,
          last_change_at: s.last_change_at,
          consecutive_failures: s.consecutive_failures,
          next_attempt_at: s.next_attempt_at,
          last_error: s.last_error_code
            ? { code: s.last_error_code, message: s.last_error_message ?? '', http_status: s.last_http_status }
            : null,
          status,
          items: s.items,
          series: s.series,
        };
      });
      const bySection = Object.fromEntries(SECTIONS.map((s) => [s, 0])) as Record<Section, number>;
      for (const c of counts) if (c.partner_id === p.id) bySection[c.section] = c.n;
      const itemCount = Object.values(bySection).reduce((a, b) => a + b, 0);
      const seriesCount = own.reduce((sum, s) => sum + s.series, 0);
      const harvested = own.some((s) => s.last_success_at) || itemCount > 0 || seriesCount > 0;
      let status: PartnerFreshness;
      let overdueDays: number | null = null;
      if (!harvested) status = 'never_harvested';
      else if (p.commitment_days === null) status = 'no_commitment';
      else if (!p.last_new_content_at) {
        status = 'overdue';
      } else {
        const ageDays = Math.floor((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${p.last_new_content_at}T00:00:00Z`)) / DAY_MS);
        status = ageDays <= p.commitment_days ? 'up_to_date' : 'overdue';
        if (status === 'overdue') overdueDays = ageDays - p.commitment_days;
      }
      return {
        partner: p.id,
        name: parseJson<Multilingual>(p.name, {}),
        kind: p.kind,
        website: p.website,
        commitment_days: p.commitment_days,
        last_new_content_at: p.last_new_content_at,
        status,
        overdue_days: overdueDays,
        failing: sourceRows.some((s) => s.status === 'failing'),
        item_count: itemCount,
        items_by_section: bySection,
        series_count: seriesCount,
        sources: sourceRows,
      };
    });
    rows.sort((a, b) => severity(a) - severity(b) || (b.overdue_days ?? 0) - (a.overdue_days ?? 0) || (a.partner < b.partner ? -1 : 1));
    return { generated_at: now.toISOString(), partners: rows };
  }

  /** Counts of the indicators page (the same figures as the admin's, with its monthly history). */
  indicators(now: Date, months = 12): Indicators {
    const report = this.freshness(now);
    const bySection = Object.fromEntries(SECTIONS.map((s) => [s, 0])) as Record<Section, number>;
    for (const p of report.partners) for (const s of SECTIONS) bySection[s] += p.items_by_section[s];
    const visits = this.visitsByMonth(now, months);
    const inConfig = new Set(report.partners.map((p) => p.partner));
    const byOrigin = this.sqlite
      .prepare(
        `SELECT s.type = 'deposit' AS deposited, json_group_array(DISTINCT i.partner_id) AS ids
         FROM items i JOIN sources s ON s.pk = i.source_pk WHERE i.gone_since IS NULL GROUP BY s.type = 'deposit'`,
      )
      .all() as Array<{ deposited: number; ids: string }>;
    const origin = (deposited: number) => parseJson<string[]>(byOrigin.find((r) => r.deposited === deposited)?.ids, []).filter((id) => inConfig.has(id)).length;
    return {
      partners: report.partners.length,
      contributing: report.partners.filter((p) => p.item_count > 0 || p.series_count > 0).length,
      contributing_harvested: origin(0),
      contributing_deposited: origin(1),
      committed: report.partners.filter((p) => p.commitment_days !== null).length,
      up_to_date: report.partners.filter((p) => p.status === 'up_to_date').length,
      items: Object.values(bySection).reduce((a, b) => a + b, 0),
      items_by_section: bySection,
      series: report.partners.reduce((sum, p) => sum + p.series_count, 0),
      visits_total: (this.sqlite.prepare('SELECT coalesce(sum(count), 0) AS n FROM visits_daily').get() as { n: number }).n,
      visits_by_month: visits,
    };
  }

  /**
   * Keeps today's freshness figures (one row a day, the latest of the day wins); `figures` when
   * they were counted elsewhere (a read worker), else counted now.
   */
  recordDailyFreshness(now: Date, figures?: Pick<Indicators, 'partners' | 'contributing' | 'committed' | 'up_to_date' | 'items'>): void {
    const i = figures ?? this.indicators(now, 1);
    this.sqlite
      .prepare(
        `INSERT INTO freshness_daily (day, partners, contributing, committed, up_to_date, items) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(day) DO UPDATE SET partners = excluded.partners, contributing = excluded.contributing,
           committed = excluded.committed, up_to_date = excluded.up_to_date, items = excluded.items`,
      )
      .run(isoDay(now), i.partners, i.contributing, i.committed, i.up_to_date, i.items);
  }

  dailyFreshness(limit = 400): Array<{ day: string; partners: number; contributing: number; committed: number; up_to_date: number; items: number }> {
    return (
      this.sqlite
        .prepare('SELECT day, partners, contributing, committed, up_to_date, items FROM freshness_daily ORDER BY day DESC LIMIT ?')
        .all(limit) as Array<{ day: string; partners: number; contributing: number; committed: number; up_to_date: number; items: number }>
    ).reverse();
  }

  /**
   * How many committed partners were up to date at the end of each of the last `months` months
   * (today for the current one), judged as the report judges today: a document dated within the
   * partner's `update_every` before that day. Rebuilt from the catalogue's dates, so the history is
   * there from the first harvest on (freshness_daily only starts when the portal first runs).
   */
  freshnessHistory(now: Date, months = 12): Array<{ month: string; day: string; committed: number; up_to_date: number }> {
    const partners = this.sqlite
      .prepare('SELECT id, commitment_days FROM partners WHERE in_config = 1 AND commitment_days IS NOT NULL')
      .all() as Array<{ id: string; commitment_days: number }>;
    // Through items_partner_sort_idx: one range probe per partner and month.
    const published = this.sqlite.prepare('SELECT 1 FROM items WHERE partner_id = ? AND sort_date >= ? AND sort_date <= ? LIMIT 1');
    const today = isoDay(now);
    return lastMonths(now, months).map((month) => {
      const [year, m] = month.split('-').map(Number) as [number, number];
      const monthEnd = isoDay(new Date(Date.UTC(year, m, 0)));
      const day = monthEnd < today ? monthEnd : today;
      const at = Date.parse(`${day}T00:00:00Z`);
      const upToDate = partners.filter((p) => published.get(p.id, isoDay(new Date(at - p.commitment_days * DAY_MS)), day)).length;
      return { month, day, committed: partners.length, up_to_date: upToDate };
    });
  }

  /** New items per month of one partner over the last `months` months (by first-seen or publication date). */
  newItemsByMonth(partnerId: string, now: Date, months = 12): Array<{ month: string; count: number }> {
    const keys = lastMonths(now, months);
    const rows = this.sqlite
      .prepare(
        `SELECT substr(sort_date, 1, 7) AS month, count(*) AS n FROM items
         WHERE partner_id = ? AND sort_date >= ? GROUP BY month`,
      )
      .all(partnerId, `${keys[0]}-01`) as Array<{ month: string; n: number }>;
    const map = new Map(rows.map((r) => [r.month, r.n]));
    return keys.map((month) => ({ month, count: map.get(month) ?? 0 }));
  }

  addVisits(batch: Array<{ day: string; pathGroup: string; language: string; count: number }>): void {
    const upsert = this.sqlite.prepare(
      `INSERT INTO visits_daily (day, path_group, language, count) VALUES (?, ?, ?, ?)
       ON CONFLICT(day, path_group, language) DO UPDATE SET count = count + excluded.count`,
    );
    this.sqlite.transaction(() => batch.forEach((v) => upsert.run(v.day, v.pathGroup, v.language, v.count)))();
  }

  addClicks(batch: Array<{ day: string; targetId: string; count: number }>): void {
    const upsert = this.sqlite.prepare(
      `INSERT INTO clicks_daily (day, target_id, count) VALUES (?, ?, ?)
       ON CONFLICT(day, target_id) DO UPDATE SET count = count + excluded.count`,
    );
    this.sqlite.transaction(() => batch.forEach((c) => upsert.run(c.day, c.targetId, c.count)))();
  }

  clicks(): Array<{ target_id: string; count: number }> {
    return this.sqlite
      .prepare('SELECT target_id, sum(count) AS count FROM clicks_daily GROUP BY target_id ORDER BY count DESC')
      .all() as Array<{ target_id: string; count: number }>;
  }

  visitsByDay(limit = 60): Array<{ day: string; count: number }> {
    return (
      this.sqlite.prepare('SELECT day, sum(count) AS count FROM visits_daily GROUP BY day ORDER BY day DESC LIMIT ?').all(limit) as Array<{
        day: string;
        count: number;
      }>
    ).reverse();
  }

  visitsByMonth(now: Date, months = 12): Array<{ month: string; count: number }> {
    const keys = lastMonths(now, months);
    const rows = this.sqlite
      .prepare('SELECT substr(day, 1, 7) AS month, sum(count) AS n FROM visits_daily WHERE day >= ? GROUP BY month')
      .all(`${keys[0]}-01`) as Array<{ month: string; n: number }>;
    const map = new Map(rows.map((r) => [r.month, r.n]));
    return keys.map((month) => ({ month, count: map.get(month) ?? 0 }));
  }

  /** Monthly history of the indicators: the last daily row of each month. */
  monthlyIndicators(months = 12): Array<{ month: string; contributing: number; committed: number; up_to_date: number; items: number }> {
    return (
      this.sqlite
        .prepare(
          `SELECT substr(day, 1, 7) AS month, contributing, committed, up_to_date, items FROM freshness_daily
           WHERE day IN (SELECT max(day) FROM freshness_daily GROUP BY substr(day, 1, 7)) ORDER BY day DESC LIMIT ?`,
        )
        .all(months) as Array<{ month: string; contributing: number; committed: number; up_to_date: number; items: number }>
    ).reverse();
  }
}

/** "YYYY-MM" of the last `count` months, oldest first, ending with the month of `now`. */
export function lastMonths(now: Date, count: number): string[] {
  const keys: string[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    keys.push(d.toISOString().slice(0, 7));
  }
  return keys;
}
