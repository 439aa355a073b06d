// The JSON API of docs/contract.md. Request and response schemas are declared once with TypeBox:
// Fastify validates with them, serialises with them, and serves them as /api/openapi.json.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { type FastifyInstance } from 'fastify';
import { CHANNEL_KINDS, DOC_TYPES, LANGUAGES, PARTNER_KINDS, SECTIONS, TOPICS } from '../../config/index.ts';
import { PARTNER_FRESHNESS, type ItemRow } from '../../store/index.ts';
import { BadRequest, listingParams, MAX_RESULTS } from '../views.ts';
import { statisticsApiRoutes } from './statistics-api.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Enum = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Multilingual = Type.Object({ ar: Type.Optional(Type.String()), fr: Type.Optional(Type.String()), en: Type.Optional(Type.String()), zgh: Type.Optional(Type.String()) });

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String({ examples: ['bad_request', 'not_found'] }), message: Type.String() }) },
  { description: 'A bad request (400) or an unknown id (404)' },
);

export const ItemSchema = Type.Object({
  id: Type.String({ description: 'Stable id of the item in the catalogue' }),
  title: Type.String(),
  url: Type.String({ description: 'The original document on the partner\'s site' }),
  partner: Type.String(),
  source: Type.String(),
  section: Enum(SECTIONS),
  doc_type: Nullable(Enum(DOC_TYPES)),
  language: Nullable(Enum(LANGUAGES)),
  published_at: Nullable(Type.String({ format: 'date', description: 'Publication date given by the partner (YYYY-MM-DD)' })),
  first_seen_at: Type.String({ format: 'date-time' }),
  last_seen_at: Type.String({ format: 'date-time' }),
  last_changed_at: Type.String({ format: 'date-time' }),
  content_hash: Type.String({ description: 'sha256 of the normalised content' }),
  summary: Type.String({ description: 'Sanitised HTML' }),
  gone_since: Nullable(Type.String({ format: 'date-time', description: 'Extension: when the partner stopped listing it' })),
  text_source: Nullable(Type.Union([Type.Literal('layer'), Type.Literal('ocr')], { description: 'Where the text came from: the document\'s text layer, or OCR (some pages recognised; may contain errors); null without text' })),
  pages: Type.Integer({ description: 'Pages of text the portal holds (/{lang}/items/{id}/text); 0 without text' }),
  pdf_pages: Nullable(Type.Integer({ description: 'Extension: pages of the linked PDF' })),
  scanned: Type.Boolean({ description: 'Extension: a scanned PDF (no text layer); text_source "ocr" once its text is recognised' }),
});

const ItemsQuery = Type.Object({
  q: Type.Optional(Type.String({ description: 'Full-text query (Arabic, French, English)' })),
  section: Type.Optional(Enum(SECTIONS)),
  doc_type: Type.Optional(Enum(DOC_TYPES)),
  partner: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$', maxLength: 80 })),
  language: Type.Optional(Enum(LANGUAGES)),
  from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Published on or after (YYYY-MM-DD)' })),
  to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Published on or before (YYYY-MM-DD)' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

const ItemsPage = Type.Object({ total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer(), items: Type.Array(ItemSchema) });

const ItemDetailSchema = Type.Intersect([
  ItemSchema,
  Type.Object({
    text_excerpt: Type.String({ description: 'The beginning of the extracted text' }),
    versions: Type.Array(
      Type.Object({
        content_hash: Type.String(),
        seen_at: Type.String({ format: 'date-time' }),
        event: Type.String({ description: 'Extension: new, changed, gone or back' }),
        changed_fields: Type.Array(Type.String()),
      }),
    ),
    document_url: Nullable(Type.String()),
    fetched_at: Type.String({ format: 'date-time' }),
  }),
]);

const SourceFreshnessSchema = Type.Object({
  source: Type.String(),
  type: Type.String(),
  last_attempt_at: Nullable(Type.String()),
  last_success_at: Nullable(Type.String()),
  last_change_at: Nullable(Type.String()),
  consecutive_failures: Type.Integer(),
  last_error: Nullable(Type.Object({ code: Type.String(), message: Type.String(), http_status: Nullable(Type.Integer()) })),
  status: Enum(['ok', 'failing', 'never_harvested', 'disabled']),
  url: Type.String(),
  next_attempt_at: Nullable(Type.String()),
  items: Type.Integer(),
  series: Type.Integer({ description: 'Extension: statistical series of a dataset source' }),
});

const FreshnessSchema = Type.Object({
  partner: Type.String(),
  commitment_days: Nullable(Type.Integer()),
  last_new_content_at: Nullable(Type.String()),
  status: Enum(PARTNER_FRESHNESS),
  sources: Type.Array(SourceFreshnessSchema),
  name: Multilingual,
  kind: Enum(PARTNER_KINDS),
  overdue_days: Nullable(Type.Integer()),
  failing: Type.Boolean(),
  item_count: Type.Integer(),
  items_by_section: Type.Record(Type.String(), Type.Integer()),
  series_count: Type.Integer({ description: 'Extension: statistical series of the partner\'s dataset sources' }),
});

const PartnerSchema = Type.Object({
  id: Type.String(),
  name: Multilingual,
  kind: Enum(PARTNER_KINDS),
  website: Nullable(Type.String()),
  item_count: Type.Integer(),
  last_item_at: Nullable(Type.String()),
  freshness: Enum(PARTNER_FRESHNESS),
});

const ChannelSchema = Type.Object({
  id: Type.String(),
  name: Multilingual,
  description: Multilingual,
  kind: Enum(CHANNEL_KINDS),
  url: Type.Optional(Type.String()),
  phone: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  hours: Type.Optional(Multilingual),
  address: Type.Optional(Multilingual),
  operator: Type.String(),
  topics: Type.Array(Enum(TOPICS)),
  go_url: Type.String({ description: 'Extension: the portal\'s counted link to it' }),
});

const PlatformSchema = Type.Object({
  id: Type.String(),
  name: Multilingual,
  description: Multilingual,
  url: Type.String(),
  operator: Type.Optional(Type.String()),
  topics: Type.Optional(Type.Array(Enum(TOPICS))),
  go_url: Type.String(),
});

function apiItem(row: ItemRow): Static<typeof ItemSchema> {
  return {
    id: row.id,
    title: row.title,
    url: row.url,
    partner: row.partner,
    source: row.source,
    section: row.section,
    doc_type: row.doc_type,
    language: row.language,
    published_at: row.published_at,
    first_seen_at: row.first_seen_at,
    last_seen_at: row.last_seen_at,
    last_changed_at: row.last_changed_at,
    content_hash: row.content_hash,
    summary: row.summary,
    gone_since: row.gone_since,
    text_source: row.text_source,
    pages: row.text_pages,
    pdf_pages: row.pages,
    scanned: row.scanned,
  };
}

export async function apiRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const errors = { 400: ErrorBody, 404: ErrorBody };
  // The response schemas document the API (OpenAPI); answers are built field by field above, so
  // plain JSON.stringify serialises them, without compiling serializers at start.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/')) {
      reply.header('access-control-allow-origin', '*');
      // Answers a proxy may keep a minute; errors (a 503 while the readers are saturated) never.
      reply.header('cache-control', reply.statusCode === 200 ? 'public, max-age=60' : 'no-store');
    }
    return payload;
  });

  app.get(
    '/api/items',
    { schema: { tags: ['items'], summary: 'Items of the catalogue, filtered and searched', querystring: ItemsQuery, response: { 200: ItemsPage, ...errors } } },
    async (request) => {
      const query = request.query as Static<typeof ItemsQuery>;
      const searching = query.q !== undefined && query.q.trim() !== '';
      // A listing's page costs the same at any depth; a search's grows with it (see views.ts).
      const params = listingParams(ctx, query as Record<string, unknown>, undefined, 100, searching ? MAX_RESULTS : Infinity);
      const perPage = query.per_page ?? 20;
      const page = query.page ?? 1;
      if (query.from && query.to && query.from > query.to) throw new BadRequest('from is after to');
      if (searching) {
        const outcome = await app.reads.run('search', { q: query.q!, filters: params.filters, page, perPage, budgetMs: app.searchOptions.budgetMs, exact: true }, { affinity: query.q });
        if (outcome.kind === 'stopwords') return { total: 0, page, per_page: perPage, items: [] };
        return { total: outcome.total, page, per_page: perPage, items: outcome.items.map(apiItem) };
      }
      const result = await app.reads.run('listing', { filters: params.filters, page, perPage });
      return { total: result.total, page, per_page: perPage, items: result.items.map(apiItem) };
    },
  );

  app.get(
    '/api/items/:id',
    {
      schema: {
        tags: ['items'],
        summary: 'One item with the beginning of its text and its versions',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: ItemDetailSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      // One item by its id: bounded by the item, read on the event loop (see the item page).
      const item = /^[0-9a-f]{16}$/.test(id) ? ctx.store.items.get(id, 2000) : undefined;
      if (!item) return reply.code(404).send({ error: { code: 'not_found', message: `no item with id "${id.slice(0, 64)}"` } });
      return {
        ...apiItem(item),
        text_excerpt: item.text,
        versions: item.versions.map((v) => ({ content_hash: v.content_hash, seen_at: v.seen_at, event: v.event, changed_fields: v.changed_fields })),
        document_url: item.document_url,
        fetched_at: item.fetched_at,
      };
    },
  );

  app.get('/api/partners', { schema: { tags: ['partners'], summary: 'The partner institutions and what each contributes', response: { 200: Type.Array(PartnerSchema) } } }, async () => {
    const report = await app.reads.run('freshness', { now: ctx.now().toISOString() });
    const byId = new Map(report.partners.map((p) => [p.partner, p]));
    return ctx.store.partners
      .list()
      .filter((p) => p.inConfig)
      .map((p) => {
        const f = byId.get(p.id);
        return {
          id: p.id,
          name: p.name,
          kind: p.kind as Static<typeof PartnerSchema>['kind'],
          website: p.website,
          item_count: f?.item_count ?? 0,
          last_item_at: f?.last_new_content_at ?? null,
          freshness: f?.status ?? 'never_harvested',
        };
      });
  });

  app.get(
    '/api/freshness',
    {
      schema: {
        tags: ['freshness'],
        summary: 'Which partners keep their information up to date',
        response: { 200: Type.Object({ generated_at: Type.String({ format: 'date-time' }), partners: Type.Array(FreshnessSchema) }) },
      },
    },
    async () => app.reads.run('freshness', { now: ctx.now().toISOString() }),
  );

  app.get(
    '/api/directory',
    {
      schema: {
        tags: ['directory'],
        summary: 'Claim channels and other platforms',
        response: { 200: Type.Object({ channels: Type.Array(ChannelSchema), platforms: Type.Array(PlatformSchema) }) },
      },
    },
    async () => {
      const directory = ctx.settings().directory;
      return {
        channels: directory.channels.map((c) => ({ ...c, go_url: `/go/${c.id}` })),
        platforms: directory.platforms.map((p) => ({ ...p, go_url: `/go/${p.id}` })),
      };
    },
  );

  await app.register(statisticsApiRoutes);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
