// The statistics API of docs/contract.md ("Datasets"): the series, one series with its observations,
// and the same as CSV. Registered inside the JSON API plugin (routes/api.ts), so it shares its
// CORS and cache headers, its serialiser and the OpenAPI document.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { type FastifyInstance } from 'fastify';
import { PERIOD_KINDS } from '../../config/index.ts';
import { type SeriesRow } from '../../store/index.ts';
import { ftsQuery, parseQuery } from '../search.ts';
import { BadRequest } from '../views.ts';
import { csvCell } from '../reports.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Multilingual = Type.Object({ ar: Type.Optional(Type.String()), fr: Type.Optional(Type.String()), en: Type.Optional(Type.String()), zgh: Type.Optional(Type.String()) });
const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }, { description: 'A bad request (400) or an unknown series (404)' });

const PERIOD = '^\\d{4}(-(Q[1-4]|\\d{2}(-\\d{2})?))?$';

const SeriesSummary = Type.Object({
  id: Type.String({ description: 'Public id: {partner}-{series id}' }),
  partner: Type.String(),
  source: Type.String(),
  name: Multilingual,
  unit: Nullable(Multilingual),
  dimensions: Type.Array(Type.String(), { description: 'Column headers (or JSON fields) that split the series' }),
  latest: Nullable(
    Type.Object({
      period: Type.String({ description: 'Normal form: 2024, 2024-Q1, 2024-03 or 2024-03-31' }),
      value: Nullable(Type.Number({ description: 'The headline figure (see `headline`); null when the partner marks it missing' })),
    }),
  ),
  updated_at: Type.String({ format: 'date-time', description: 'When a figure of the series was last added or revised' }),
  theme: Nullable(Multilingual),
  period_kind: Type.Union(PERIOD_KINDS.map((k) => Type.Literal(k)), { description: 'Extension' }),
  percent: Type.Boolean({ description: 'Extension: values are percentages (12.3 means 12.3 %)' }),
  observation_count: Type.Integer({ description: 'Extension' }),
  page_url: Type.String({ description: 'Extension: the series page, in French (also /ar/ and /en/)' }),
});

const Observation = Type.Object({
  period: Type.String(),
  value: Nullable(Type.Number()),
  dimensions: Type.Record(Type.String(), Type.String()),
  version: Type.Integer({ description: 'Extension: 1, then one more at each revision by the partner' }),
  recorded_at: Type.String({ format: 'date-time', description: 'Extension: when this version was read' }),
});

const Revision = Type.Object({
  period: Type.String(),
  dimensions: Type.Record(Type.String(), Type.String()),
  value: Nullable(Type.Number()),
  previous_value: Nullable(Type.Number()),
  recorded_at: Type.String({ format: 'date-time' }),
  content_hash: Type.String({ description: 'sha256 of the file the new value was read from' }),
});

const SeriesDetail = Type.Intersect([
  SeriesSummary,
  Type.Object({
    definition: Nullable(Multilingual),
    notes: Nullable(Multilingual),
    dimension_values: Type.Record(Type.String(), Type.Array(Type.String())),
    dimension_labels: Type.Record(Type.String(), Multilingual, { description: 'Extension: the dimensions\' names for visitors' }),
    value_labels: Type.Record(Type.String(), Type.Record(Type.String(), Multilingual), { description: 'Extension: the dimensions\' values for visitors, keyed by dimension then by the value as the file writes it' }),
    source_url: Type.String({ description: 'Extension: the partner\'s file' }),
    fetched_at: Type.String({ format: 'date-time', description: 'Extension: when the file was last read' }),
    content_hash: Type.String({ description: 'Extension: sha256 of the file last read' }),
    format: Type.String({ description: 'Extension: csv, xlsx or json' }),
    observations: Type.Array(Observation),
    revisions: Type.Array(Revision, { description: 'Extension: values the partner changed, newest first (at most 200)' }),
  }),
]);

const ListQuery = Type.Object({
  partner: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$', maxLength: 80, description: 'Extension: one partner\'s series' })),
  q: Type.Optional(Type.String({ maxLength: 400, description: 'Extension: series whose name, definition or dimension values match (ar, fr, en)' })),
});

const DetailQuery = Type.Object({
  from: Type.Optional(Type.String({ pattern: PERIOD, description: 'First period: 2020, 2020-Q1, 2020-03 or 2020-03-31' })),
  to: Type.Optional(Type.String({ pattern: PERIOD, description: 'Last period; 2023 includes 2023-Q4 and 2023-12' })),
});

const SeriesParams = Type.Object({ series: Type.String({ maxLength: 200 }) });

function summary(row: SeriesRow): Static<typeof SeriesSummary> {
  const latest = row.headline.at(-1);
  return {
    id: row.id,
    partner: row.partner,
    source: row.source,
    name: row.name,
    unit: row.unit,
    dimensions: row.dimensions,
    latest: latest ? { period: latest[0], value: latest[1] } : null,
    updated_at: row.updatedAt,
    theme: row.theme,
    period_kind: row.periodKind,
    percent: row.percent,
    observation_count: row.observationCount,
    page_url: `/fr/statistics/${row.id}`,
  };
}

/** A cell of the CSV: text that a spreadsheet would run as a formula is prefixed with a quote. */
/**
 * A data cell: numbers as they are (machine-readable), empty for a missing one; text as the
 * reports' CSV writes it (reports.ts csvCell): always quoted, whatever separator a spreadsheet
 * assumes (a comma, French Excel's `;`, or a space chosen at import), and a cell that would run as a
 * formula prefixed with an apostrophe.
 */
function dataCell(value: string | number | null): string {
  if (value === null) return '';
  return typeof value === 'number' ? String(value) : csvCell(value);
}

export async function statisticsApiRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const errors = { 400: ErrorBody, 404: ErrorBody };

  const find = (id: string): SeriesRow => {
    const row = /^[a-z0-9-]{1,200}$/.test(id) ? ctx.store.datasets.get(id) : undefined;
    if (!row) throw Object.assign(new Error(`no series with id "${id.slice(0, 80)}"`), { statusCode: 404 });
    return row;
  };
  const range = (query: Static<typeof DetailQuery>) => {
    if (query.from && query.to && query.from > query.to && !query.from.startsWith(query.to)) throw new BadRequest('from is after to');
    return { from: query.from, to: query.to };
  };

  app.get(
    '/api/statistics',
    {
      schema: {
        tags: ['statistics'],
        summary: 'Statistical series read from the partners\' data files, with their latest figure',
        querystring: ListQuery,
        response: { 200: Type.Object({ series: Type.Array(SeriesSummary) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const query = request.query as Static<typeof ListQuery>;
      if (query.partner && !ctx.store.partners.get(query.partner)) throw new BadRequest(`unknown partner "${query.partner}"`);
      let rows: SeriesRow[];
      if (query.q?.trim()) {
        const fts = ftsQuery(parseQuery(query.q), 'all');
        rows = fts ? ctx.store.datasets.search(fts, 50) : [];
        if (query.partner) rows = rows.filter((r) => r.partner === query.partner);
      } else {
        rows = ctx.store.datasets.list({ partner: query.partner });
      }
      return { series: rows.map(summary) };
    },
  );

  app.get(
    '/api/statistics/:series',
    {
      schema: {
        tags: ['statistics'],
        summary: 'One series: its metadata, observations (current versions) and revisions',
        params: SeriesParams,
        querystring: DetailQuery,
        response: { 200: SeriesDetail, ...errors },
      },
    },
    async (request) => {
      const row = find((request.params as { series: string }).series);
      const observations = ctx.store.datasets.observations(row.pk, range(request.query as Static<typeof DetailQuery>));
      return {
        ...summary(row),
        definition: row.definition,
        notes: row.notes,
        dimension_values: row.dimensionValues,
        dimension_labels: row.display.labels,
        value_labels: row.display.values,
        source_url: row.fileUrl,
        fetched_at: row.fetchedAt,
        content_hash: row.contentHash,
        format: row.format,
        observations: observations.map((o) => ({ period: o.period, value: o.value, dimensions: o.dimensions, version: o.version, recorded_at: o.recorded_at })),
        revisions: ctx.store.datasets.revisions(row.pk).map((r) => ({
          period: r.period,
          dimensions: r.dimensions,
          value: r.value,
          previous_value: r.previous_value,
          recorded_at: r.recorded_at,
          content_hash: r.content_hash,
        })),
      };
    },
  );

  app.get(
    '/api/statistics/:series.csv',
    {
      schema: {
        tags: ['statistics'],
        summary: 'One series\' observations as CSV: period, one column per dimension, value, version, recorded_at',
        params: SeriesParams,
        querystring: DetailQuery,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'RFC 4180 CSV, UTF-8' }), ...errors },
      },
    },
    async (request, reply) => {
      const row = find((request.params as { series: string }).series);
      const observations = ctx.store.datasets.observations(row.pk, range(request.query as Static<typeof DetailQuery>));
      const header = ['period', ...row.dimensions, 'value', 'version', 'recorded_at'];
      const lines = [
        header.map(dataCell).join(','),
        ...observations.map((o) => [o.period, ...row.dimensions.map((d) => o.dimensions[d] ?? ''), o.value, o.version, o.recorded_at].map((v) => dataCell(v)).join(',')),
      ];
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${row.id}.csv"`)
        .send(`${lines.join('\r\n')}\r\n`);
    },
  );
}
