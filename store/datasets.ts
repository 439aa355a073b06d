// Statistical series and their observations (issue 16): written from a dataset source's parsed
// file with provenance and revisions (a changed value is a new version, the old one kept), read by
// the statistics pages and the API, and searched through their own small FTS5 index.
import { type ChartKind, type DatasetSourceConfig, type Multilingual, type PeriodKind, type SeriesConfig } from '../config/index.ts';
import { type DatasetPayload, type ParsedSeries } from '../connectors/index.ts';
// The light module only: connectors/index.ts would load every parser (exceljs costs most of a second).
import { periodKindOf } from '../connectors/dataset-values.ts';
import { analyzeForIndex } from '../harvester/analyzer.ts';
import { type DatasetCounts, type SourceRecord } from '../harvester/ports.ts';
import type { Statement } from 'better-sqlite3';
import { type Sqlite } from './db.ts';
import { type FtsQuery } from './items.ts';
import { parseJson, stableJson } from './util.ts';

/** How a series is shown, from its config. */
export interface SeriesDisplay {
  chart: ChartKind;
  compare: string | null;
  headline: 'sum' | Record<string, string> | null;
  decimals: number | null;
  /** Dimension names as visitors read them, per language. */
  labels: Record<string, Multilingual>;
  /** Dimension values as visitors read them, per dimension and value, per language. */
  values: Record<string, Record<string, Multilingual>>;
}

export interface SeriesRow {
  pk: number;
  id: string;
  partner: string;
  source: string;
  sourceUrl: string;
  seriesKey: string;
  name: Multilingual;
  unit: Multilingual | null;
  definition: Multilingual | null;
  notes: Multilingual | null;
  theme: Multilingual | null;
  dimensions: string[];
  dimensionValues: Record<string, string[]>;
  display: SeriesDisplay;
  periodKind: PeriodKind;
  percent: boolean;
  /** The headline figure per period, oldest first. */
  headline: Array<[string, number | null]>;
  observationCount: number;
  fileUrl: string;
  fetchedAt: string;
  contentHash: string;
  format: string;
  firstSeenAt: string;
  updatedAt: string;
  active: boolean;
}

export interface ObservationRow {
  period: string;
  value: number | null;
  dimensions: Record<string, string>;
  version: number;
  recorded_at: string;
  file_url: string;
  fetched_at: string;
  content_hash: string;
}

export interface RevisionRow {
  period: string;
  dimensions: Record<string, string>;
  value: number | null;
  previous_value: number | null;
  version: number;
  recorded_at: string;
  previous_recorded_at: string;
  file_url: string;
  content_hash: string;
}

interface RawSeries {
  pk: number;
  id: string;
  partner_id: string;
  source_id: string;
  source_url: string;
  series_key: string;
  name: string;
  unit: string | null;
  definition: string | null;
  notes: string | null;
  theme: string | null;
  dimensions: string;
  dimension_values: string;
  display: string;
  period_kind: string;
  percent: number;
  headline: string;
  observation_count: number;
  file_url: string;
  fetched_at: string;
  content_hash: string;
  format: string;
  first_seen_at: string;
  updated_at: string;
  active: number;
}

const SERIES_COLUMNS = `d.pk, d.id, d.partner_id, s.source_id, s.url AS source_url, d.series_key, d.name, d.unit, d.definition, d.notes,
  d.theme, d.dimensions, d.dimension_values, d.display, d.period_kind, d.percent, d.headline, d.observation_count, d.file_url,
  d.fetched_at, d.content_hash, d.format, d.first_seen_at, d.updated_at, d.active`;

function toRow(r: RawSeries): SeriesRow {
  return {
    pk: r.pk,
    id: r.id,
    partner: r.partner_id,
    source: r.source_id,
    sourceUrl: r.source_url,
    seriesKey: r.series_key,
    name: parseJson<Multilingual>(r.name, {}),
    unit: parseJson<Multilingual | null>(r.unit, null),
    definition: parseJson<Multilingual | null>(r.definition, null),
    notes: parseJson<Multilingual | null>(r.notes, null),
    theme: parseJson<Multilingual | null>(r.theme, null),
    dimensions: parseJson<string[]>(r.dimensions, []),
    dimensionValues: parseJson<Record<string, string[]>>(r.dimension_values, {}),
    display: { chart: 'auto', compare: null, headline: null, decimals: null, labels: {}, values: {}, ...parseJson<Partial<SeriesDisplay>>(r.display, {}) },
    periodKind: r.period_kind as PeriodKind,
    percent: r.percent === 1,
    headline: parseJson<Array<[string, number | null]>>(r.headline, []),
    observationCount: r.observation_count,
    fileUrl: r.file_url,
    fetchedAt: r.fetched_at,
    contentHash: r.content_hash,
    format: r.format,
    firstSeenAt: r.first_seen_at,
    updatedAt: r.updated_at,
    active: r.active === 1,
  };
}

/** Two readings of one observation are the same value (both missing, or equal to rounding noise). */
export function sameValue(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The figure an indicator card shows per period: the value itself without dimensions; with
 * dimensions, the sum over them (`headline: sum`), one combination (`headline: {Canal: Total}`), or by
 * default the combination of each dimension's first value in the file.
 */
export function headlinePoints(
  observations: Array<{ period: string; value: number | null; dimensions: Record<string, string> }>,
  dimensions: string[],
  dimensionValues: Record<string, string[]>,
  headline: SeriesDisplay['headline'],
): Array<[string, number | null]> {
  const byPeriod = new Map<string, number | null>();
  if (dimensions.length === 0 || headline !== 'sum') {
    const wanted = dimensions.length === 0 ? {} : headline && typeof headline === 'object' ? headline : Object.fromEntries(dimensions.map((d) => [d, dimensionValues[d]?.[0] ?? '']));
    for (const o of observations) {
      if (dimensions.every((d) => o.dimensions[d] === wanted[d])) byPeriod.set(o.period, o.value);
    }
  } else {
    for (const o of observations) {
      const before = byPeriod.get(o.period);
      if (o.value === null) {
        if (before === undefined) byPeriod.set(o.period, null);
      } else {
        byPeriod.set(o.period, (before ?? 0) + o.value);
      }
    }
  }
  return [...byPeriod.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function displayOf(config: SeriesConfig): SeriesDisplay {
  return {
    chart: config.chart,
    compare: config.compare ?? config.dimensions[0] ?? null,
    headline: config.headline ?? null,
    decimals: config.decimals ?? null,
    labels: config.dimension_labels ?? {},
    values: config.value_labels ?? {},
  };
}

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

export class DatasetsStore {
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly sqlite: Sqlite) {}

  /**
   * The statistics' change watermark, beside the items' (pages' validators): the newest observation
   * version (a new or revised figure writes one), how many series are listed, and when a series
   * last changed. A few index lookups on small tables.
   */
  watermark(): { version: string; changedAt: string | null } {
    const row = this.prepared(
      `SELECT (SELECT coalesce(max(pk), 0) FROM dataset_observations) AS observations,
              (SELECT count(*) FROM dataset_series WHERE active = 1) AS active,
              (SELECT max(updated_at) FROM dataset_series) AS changed_at`,
    ).get() as { observations: number; active: number; changed_at: string | null };
    return { version: `${row.observations.toString(36)}.${row.active.toString(36)}`, changedAt: row.changed_at };
  }

  /** A statement prepared once per connection: preparing costs more than running these queries. */
  private prepared(sql: string): Statement<unknown[]> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Writes what one read of a dataset source gave, in the caller's transaction: each series'
   * metadata and provenance, new observations, and a new version of each observation whose value
   * changed. Observations absent from the file are kept as they were. Series of the source that
   * are no longer in its config are no longer listed.
   */
  commit(source: SourceRecord, payload: DatasetPayload, runPk: number, now: string): DatasetCounts {
    const config = source.config as DatasetSourceConfig;
    const counts: DatasetCounts = { observations: 0, new: 0, revised: 0, series: 0 };
    const findSeries = this.sqlite.prepare('SELECT pk FROM dataset_series WHERE source_pk = ? AND series_key = ?');
    const insertSeries = this.sqlite.prepare(
      `INSERT INTO dataset_series (id, source_pk, partner_id, series_key, name, period_kind, file_url, fetched_at, content_hash, format, first_seen_at, updated_at)
       VALUES (@id, @source_pk, @partner_id, @series_key, @name, @period_kind, @file_url, @fetched_at, @content_hash, @format, @now, @now)`,
    );
    const current = this.sqlite.prepare('SELECT pk, period, dimensions, value, version FROM dataset_observations WHERE series_pk = ? AND superseded_at IS NULL');
    const supersede = this.sqlite.prepare('UPDATE dataset_observations SET superseded_at = ? WHERE pk = ?');
    const insert = this.sqlite.prepare(
      `INSERT INTO dataset_observations (series_pk, period, dimensions, value, version, event, recorded_at, file_url, fetched_at, content_hash, run_pk)
       VALUES (@series_pk, @period, @dimensions, @value, @version, @event, @now, @file_url, @fetched_at, @content_hash, @run_pk)`,
    );
    const parsedById = new Map<string, ParsedSeries>(payload.series.map((s) => [s.id, s]));
    for (const seriesConfig of config.series) {
      const parsed = parsedById.get(seriesConfig.id);
      if (!parsed) continue;
      counts.series++;
      const publicId = `${source.partnerId}-${seriesConfig.id}`;
      let pk = (findSeries.get(source.pk, seriesConfig.id) as { pk: number } | undefined)?.pk;
      if (pk === undefined) {
        // A series id moved to another source of the partner keeps its public id: the old row is renamed away.
        this.sqlite.prepare("UPDATE dataset_series SET id = id || '~' || pk, active = 0 WHERE id = ? AND source_pk <> ?").run(publicId, source.pk);
        pk = Number(
          insertSeries.run({
            id: publicId,
            source_pk: source.pk,
            partner_id: source.partnerId,
            series_key: seriesConfig.id,
            name: JSON.stringify(seriesConfig.name),
            period_kind: parsed.periodKind,
            file_url: payload.fileUrl,
            fetched_at: payload.fetchedAt,
            content_hash: payload.contentHash,
            format: payload.format,
            now,
          }).lastInsertRowid,
        );
      }
      // Observations read under another mapping (other dimensions, another period granularity) are
      // retired: they stay in the history, and the series shows what the mapping reads now.
      const expected = stableJson(Object.fromEntries(seriesConfig.dimensions.map((d) => [d, ''])));
      const existing = new Map<string, { pk: number; value: number | null; version: number }>();
      let changed = false;
      for (const o of current.all(pk) as Array<{ pk: number; period: string; dimensions: string; value: number | null; version: number }>) {
        const keys = stableJson(Object.fromEntries(Object.keys(parseJson<Record<string, string>>(o.dimensions, {})).map((d) => [d, ''])));
        if (keys !== expected || periodKindOf(o.period) !== parsed.periodKind) {
          supersede.run(now, o.pk);
          changed = true;
        } else {
          existing.set(`${o.period}\u0000${o.dimensions}`, o);
        }
      }
      for (const observation of parsed.observations) {
        counts.observations++;
        const dimensions = stableJson(observation.dimensions);
        const before = existing.get(`${observation.period}\u0000${dimensions}`);
        if (before && sameValue(before.value, observation.value)) continue;
        if (before) supersede.run(now, before.pk);
        insert.run({
          series_pk: pk,
          period: observation.period,
          dimensions,
          value: observation.value,
          version: before ? before.version + 1 : 1,
          event: before ? 'revised' : 'new',
          now,
          file_url: payload.fileUrl,
          fetched_at: payload.fetchedAt,
          content_hash: payload.contentHash,
          run_pk: runPk,
        });
        if (before) counts.revised++;
        else counts.new++;
        changed = true;
      }
      this.refresh(pk, seriesConfig, parsed, payload, changed ? now : null);
    }
    // Series dropped from the config: kept with their history, no longer listed.
    this.sqlite
      .prepare('UPDATE dataset_series SET active = 0 WHERE source_pk = ? AND series_key NOT IN (SELECT value FROM json_each(?))')
      .run(source.pk, JSON.stringify(config.series.map((s) => s.id)));
    return counts;
  }

  /** Metadata, dimension values, headline and the search row of a series after a read. */
  private refresh(pk: number, config: SeriesConfig, parsed: ParsedSeries, payload: DatasetPayload, changedAt: string | null): void {
    const observations = this.currentObservations(pk);
    // Dimension values in the file's order, then those only older observations still have.
    const values: Record<string, string[]> = {};
    for (const dimension of config.dimensions) {
      const list = [...(parsed.dimensionValues[dimension] ?? [])];
      const seen = new Set(list);
      for (const o of observations) {
        const v = o.dimensions[dimension];
        if (v !== undefined && !seen.has(v)) {
          seen.add(v);
          list.push(v);
        }
      }
      values[dimension] = list;
    }
    const display = displayOf(config);
    const headline = headlinePoints(observations, config.dimensions, values, display.headline);
    this.sqlite
      .prepare(
        `UPDATE dataset_series SET name = @name, unit = @unit, definition = @definition, notes = @notes, theme = @theme,
           dimensions = @dimensions, dimension_values = @dimension_values, display = @display, period_kind = @period_kind,
           percent = @percent, headline = @headline, observation_count = @count, file_url = @file_url, fetched_at = @fetched_at,
           content_hash = @content_hash, format = @format, active = 1, updated_at = coalesce(@changed_at, updated_at)
         WHERE pk = @pk`,
      )
      .run({
        pk,
        name: JSON.stringify(config.name),
        unit: json(config.unit),
        definition: json(config.definition),
        notes: json(config.notes),
        theme: json(config.theme),
        dimensions: JSON.stringify(config.dimensions),
        dimension_values: JSON.stringify(values),
        display: JSON.stringify(display),
        period_kind: parsed.periodKind,
        percent: parsed.percent ? 1 : 0,
        headline: JSON.stringify(headline),
        count: observations.length,
        file_url: payload.fileUrl,
        fetched_at: payload.fetchedAt,
        content_hash: payload.contentHash,
        format: payload.format,
        changed_at: changedAt,
      });
    const texts = (m: Multilingual | undefined) => Object.values(m ?? {}).join(' \n ');
    // Names and values as visitors read them: a search in Arabic finds a series whose file is in French.
    const labels = [...Object.values(config.dimension_labels ?? {}), ...Object.values(config.value_labels ?? {}).flatMap((byValue) => Object.values(byValue))].map(texts);
    const body = [texts(config.definition), texts(config.unit), texts(config.theme), texts(config.notes), ...labels, ...Object.values(values).flat().slice(0, 300)].join(' \n ');
    this.sqlite.prepare('DELETE FROM series_search WHERE rowid = ?').run(pk);
    this.sqlite.prepare('INSERT INTO series_search (rowid, name, body) VALUES (?, ?, ?)').run(pk, analyzeForIndex(texts(config.name)), analyzeForIndex(body, 20_000));
  }

  private currentObservations(pk: number): Array<{ period: string; value: number | null; dimensions: Record<string, string> }> {
    return (this.prepared('SELECT period, value, dimensions FROM dataset_observations WHERE series_pk = ? AND superseded_at IS NULL ORDER BY period, pk').all(pk) as Array<{
      period: string;
      value: number | null;
      dimensions: string;
    }>).map((o) => ({ period: o.period, value: o.value, dimensions: parseJson<Record<string, string>>(o.dimensions, {}) }));
  }

  /** Listed series (active), in the order their sources and series were first read. */
  list(filter: { partner?: string } = {}): SeriesRow[] {
    const rows = this.prepared(
        `SELECT ${SERIES_COLUMNS} FROM dataset_series d JOIN sources s ON s.pk = d.source_pk
         WHERE d.active = 1 AND (@partner IS NULL OR d.partner_id = @partner) ORDER BY d.partner_id, d.pk`,
      )
      .all({ partner: filter.partner ?? null }) as RawSeries[];
    return rows.map(toRow);
  }

  /** One series by public id, listed or not (a link to a series dropped from the config still answers). */
  get(id: string): SeriesRow | undefined {
    const row = this.prepared(`SELECT ${SERIES_COLUMNS} FROM dataset_series d JOIN sources s ON s.pk = d.source_pk WHERE d.id = ?`).get(id) as RawSeries | undefined;
    return row ? toRow(row) : undefined;
  }

  /** The current observations of a series, by period then file order; `from`/`to` bound the periods (a `to` of 2023 includes 2023-Q4). */
  observations(seriesPk: number, range: { from?: string; to?: string } = {}): ObservationRow[] {
    const rows = this.prepared(
        `SELECT period, value, dimensions, version, recorded_at, file_url, fetched_at, content_hash FROM dataset_observations
         WHERE series_pk = @pk AND superseded_at IS NULL
           AND (@from IS NULL OR period >= @from)
           AND (@to IS NULL OR period <= @to OR substr(period, 1, length(@to)) = @to)
         ORDER BY period, pk`,
      )
      .all({ pk: seriesPk, from: range.from ?? null, to: range.to ?? null }) as Array<Omit<ObservationRow, 'dimensions'> & { dimensions: string }>;
    return rows.map((r) => ({ ...r, dimensions: parseJson<Record<string, string>>(r.dimensions, {}) }));
  }

  /** Values that changed in the partner's file: each revision with the value it replaced, newest first. */
  revisions(seriesPk: number, limit = 200): RevisionRow[] {
    const rows = this.prepared(
        `SELECT o.period, o.dimensions, o.value, p.value AS previous_value, o.version, o.recorded_at, p.recorded_at AS previous_recorded_at,
           o.file_url, o.content_hash
         FROM dataset_observations o
         JOIN dataset_observations p ON p.series_pk = o.series_pk AND p.period = o.period AND p.dimensions = o.dimensions AND p.version = o.version - 1
         WHERE o.series_pk = ? AND o.version > 1
         ORDER BY o.recorded_at DESC, o.pk DESC LIMIT ?`,
      )
      .all(seriesPk, limit) as Array<Omit<RevisionRow, 'dimensions'> & { dimensions: string }>;
    return rows.map((r) => ({ ...r, dimensions: parseJson<Record<string, string>>(r.dimensions, {}) }));
  }

  /** Listed series whose name, definition, unit, theme, notes or dimension values match, best first. */
  search(query: FtsQuery, limit = 10): SeriesRow[] {
    let pks: number[];
    try {
      pks = (this.prepared('SELECT rowid AS pk FROM series_search WHERE series_search MATCH ? ORDER BY rank LIMIT ?').all(query.match, limit * 2) as Array<{ pk: number }>).map((r) => r.pk);
    } catch {
      return [];
    }
    if (pks.length === 0) return [];
    const rows = this.prepared(`SELECT ${SERIES_COLUMNS} FROM dataset_series d JOIN sources s ON s.pk = d.source_pk WHERE d.active = 1 AND d.pk IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(pks)) as RawSeries[];
    const byPk = new Map(rows.map((r) => [r.pk, toRow(r)]));
    return pks.map((pk) => byPk.get(pk)).filter((r): r is SeriesRow => Boolean(r)).slice(0, limit);
  }

  /** Listed series per source pk, for the freshness report. */
  countsBySource(): Map<number, number> {
    const rows = this.prepared('SELECT source_pk, count(*) AS n FROM dataset_series WHERE active = 1 GROUP BY source_pk').all() as Array<{ source_pk: number; n: number }>;
    return new Map(rows.map((r) => [r.source_pk, r.n]));
  }

  count(): number {
    return (this.prepared('SELECT count(*) AS n FROM dataset_series WHERE active = 1').get() as { n: number }).n;
  }
}
