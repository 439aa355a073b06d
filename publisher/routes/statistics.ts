// The series page (issue 16): /{lang}/statistics/{series}, a chart rendered on the server with the
// data table as its twin, the comparison form (a plain GET), definitions and notes, the source
// with a link to the partner's file, the last update, downloads, and the history of revisions.
// The indicator cards of /{lang}/statistics are added by the section page (routes/pages.ts).
import { type FastifyInstance } from 'fastify';
import { formatDateTime } from '../format.ts';
import { cardView, revisionViews, seriesPage } from '../statistics.ts';
import { partnerNames, pick } from '../views.ts';
import { languageOf } from './pages.ts';

export async function statisticsRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const { i18n } = ctx;

  app.get('/:lang/statistics/:series', async (request, reply) => {
    const lang = languageOf(app, request);
    const { series } = request.params as { series: string };
    if (!lang || !/^[a-z0-9-]{1,200}$/.test(series)) return reply.callNotFound();
    request.visitGroup = 'statistics';
    request.visitLang = lang;
    const cached = app.renderer.reuse(request, reply);
    if (cached) return cached;
    const row = ctx.store.datasets.get(series);
    if (!row) return reply.callNotFound();
    const names = partnerNames(ctx, lang);
    const observations = ctx.store.datasets.observations(row.pk);
    const view = seriesPage(ctx, lang, row, observations, request.query as Record<string, unknown>);
    const card = cardView(ctx, lang, row, names);
    const locale = i18n.locale(lang);
    const name = pick(row.name, lang);
    return app.renderer.page(
      request,
      reply,
      lang,
      'series',
      {
        series: row,
        name,
        card,
        view,
        unit: pick(row.unit, lang),
        definition: pick(row.definition, lang),
        notes: pick(row.notes, lang),
        theme: pick(row.theme, lang),
        partnerName: names.get(row.partner) ?? row.partner,
        partnerHref: `/${lang}/partners/${row.partner}`,
        fileUrl: row.fileUrl,
        fileHost: safeHost(row.fileUrl),
        format: row.format.toUpperCase(),
        updatedAt: formatDateTime(locale, row.updatedAt),
        fetchedAt: formatDateTime(locale, row.fetchedAt),
        firstSeenAt: formatDateTime(locale, row.firstSeenAt),
        observationCount: row.observationCount,
        csvHref: `/api/statistics/${row.id}.csv`,
        jsonHref: `/api/statistics/${row.id}`,
        revisions: revisionViews(ctx, lang, row),
        inactive: !row.active,
      },
      {
        title: name,
        nav: 'statistics',
        cacheable: true,
        description: pick(row.definition, lang) || undefined,
        breadcrumbs: [{ label: i18n.t(lang, 'sections.statistics'), href: `/${lang}/statistics` }, { label: name }],
      },
    );
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
