// Machine-readable views: an Atom feed per language (filtered by section and partner), the
// sitemap, robots.txt.
import { type FastifyInstance } from 'fastify';
import { SECTIONS } from '../../config/index.ts';
import { languageOf } from './pages.ts';
import { listingParams, partnerNames, pick } from '../views.ts';

const xml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const STATIC_PAGES = ['', ...SECTIONS, 'partners', 'claims', 'directory', 'indicators', 'suggestions'];

export async function feedRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;

  app.get('/:lang/feed.atom', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return reply.callNotFound();
    const query = request.query as Record<string, unknown>;
    const params = listingParams(ctx, { section: query.section, partner: query.partner });
    const settings = ctx.settings();
    const base = (settings.portal.site.base_url ?? `http://${request.headers.host ?? 'localhost'}`).replace(/\/$/, '');
    const names = partnerNames(ctx, lang);
    const items = (await app.reads.run('listing', { filters: params.filters, page: 1, perPage: 50 })).items;
    const site = pick(settings.portal.site.name, lang);
    const self = `${base}${request.url}`;
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

  app.get('/sitemap.xml', async (request, reply) => {
    const settings = ctx.settings();
    const base = (settings.portal.site.base_url ?? `http://${request.headers.host ?? 'localhost'}`).replace(/\/$/, '');
    const languages = settings.portal.languages;
    const urls: string[] = [];
    for (const page of STATIC_PAGES) {
      const alternates = languages.map((l) => `<xhtml:link rel="alternate" hreflang="${l}" href="${xml(`${base}/${l}/${page}`)}"/>`).join('');
      for (const lang of languages) urls.push(`<url><loc>${xml(`${base}/${lang}/${page}`)}</loc>${alternates}</url>`);
    }
    for (const partner of ctx.store.partners.list().filter((p) => p.inConfig)) {
      for (const lang of languages) urls.push(`<url><loc>${xml(`${base}/${lang}/partners/${partner.id}`)}</loc></url>`);
    }
    const budget = Math.max(0, 49_000 - urls.length);
    for (const item of await app.reads.run('itemIds', { limit: Math.floor(budget / languages.length) })) {
      for (const lang of languages) urls.push(`<url><loc>${xml(`${base}/${lang}/items/${item.id}`)}</loc><lastmod>${item.last_changed_at.slice(0, 10)}</lastmod></url>`);
    }
    return reply
      .type('application/xml; charset=utf-8')
      .send(`<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n${urls.join('\n')}\n</urlset>\n`);
  });

  app.get('/robots.txt', async (request, reply) => {
    const base = (ctx.settings().portal.site.base_url ?? `http://${request.headers.host ?? 'localhost'}`).replace(/\/$/, '');
    return reply
      .type('text/plain; charset=utf-8')
      .send(`User-agent: *\nDisallow: /admin\nDisallow: /go/\nDisallow: /api/\nDisallow: /*/search\n\nSitemap: ${base}/sitemap.xml\n`);
  });
}
