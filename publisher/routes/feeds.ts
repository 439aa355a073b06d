// Machine-readable views: an Atom feed per language (filtered by section and partner) and
// robots.txt (the sitemap is routes/sitemap.ts). Their absolute links come from site.base_url, never
// from the Host header: they are cached (by the portal and by proxies), so a forged Host would reach
// every reader.
import { type FastifyInstance } from 'fastify';
import { languageOf } from './pages.ts';
import { listingParams, partnerNames, pick, queryString, siteBase } from '../views.ts';

const xml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');


export async function feedRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;

  app.get('/:lang/feed.atom', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return reply.callNotFound();
    const query = request.query as Record<string, unknown>;
    const params = listingParams(ctx, { section: query.section, partner: query.partner });
    const settings = ctx.settings();
    const base = siteBase(ctx);
    const names = partnerNames(ctx, lang);
    const items = (await app.reads.run('listing', { filters: params.filters, page: 1, perPage: 50 })).items;
    const site = pick(settings.portal.site.name, lang);
    const self = `${base}/${lang}/feed.atom${queryString({ section: params.filters.section, partner: params.filters.partner })}`;
    const updated = items.reduce((max, i) => (i.last_changed_at > max ? i.last_changed_at : max), '1970-01-01T00:00:00.000Z');
    const entries = items
      .map((item) => {
        const link = `${base}/${lang}/items/${item.id}`;
        const summary = item.summary.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
        return `  <entry${item.language ? ` xml:lang="${item.language}"` : ''}>
    <id>${xml(link)}</id>
    <title>${xml(item.title)}</title>
    <link rel="alternate" type="text/html" href="${xml(link)}"/>
    <link rel="related" href="${xml(item.url)}"/>
    <updated>${item.last_changed_at}</updated>${item.published_at ? `\n    <published>${item.published_at}T00:00:00Z</published>` : ''}
    <author><name>${xml(names.get(item.partner) ?? item.partner)}</name></author>
    <category term="${item.section}" label="${xml(ctx.i18n.t(lang, `sections.${item.section}`))}"/>${
      item.doc_type ? `\n    <category term="${item.doc_type}" label="${xml(ctx.i18n.t(lang, `doc_types.${item.doc_type}`))}"/>` : ''
    }${summary ? `\n    <summary>${xml(summary)}</summary>` : ''}
  </entry>`;
      })
      .join('\n');
    const body = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">
  <id>${xml(self)}</id>
  <title>${xml(ctx.i18n.t(lang, 'feed.title', { site }))}</title>
  <link rel="self" href="${xml(self)}"/>
  <link rel="alternate" type="text/html" href="${xml(`${base}/${lang}/`)}"/>
  <updated>${updated}</updated>
  <generator>integrity-portal</generator>
${entries}
</feed>
`;
    return reply.type('application/atom+xml; charset=utf-8').header('cache-control', 'public, max-age=300').send(body);
  });

  app.get('/robots.txt', async (_request, reply) => {
    const base = siteBase(ctx);
    return reply
      .type('text/plain; charset=utf-8')
      .send(`User-agent: *\nDisallow: /admin\nDisallow: /go/\nDisallow: /api/\nDisallow: /*/search\n\nSitemap: ${base}/sitemap.xml\n`);
  });
}
