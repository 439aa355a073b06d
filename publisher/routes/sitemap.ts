// /sitemap.xml (sitemaps.org 0.9): the portal's pages and every visible item's page in each
// language. Up to 50,000 URLs it is one file; past that it is a sitemap index over
// /sitemap-pages.xml and /sitemap-items-{n}.xml, each at most 50,000 URLs (the protocol's limit),
// items cut in rowid order so a file keeps its items as the catalogue grows. Files are streamed in
// batches of 2,000 items read by rowid (no sort, no whole-file string), and the cut is computed
// once per catalogue change.
import { Readable } from 'node:stream';
import { type FastifyInstance, type FastifyReply } from 'fastify';
import { SECTIONS } from '../../config/index.ts';
import { type SitemapFile } from '../../store/index.ts';
import { siteBase, xmlEscape as x } from '../links.ts';

/** URLs in one sitemap file at most (sitemaps.org). */
export const MAX_SITEMAP_URLS = 50_000;
const BATCH = 2_000;
const STATIC_PAGES = ['', ...SECTIONS, 'partners', 'claims', 'directory', 'indicators', 'suggestions'];
const URLSET = '<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n';

export async function sitemapRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const maxUrls = MAX_SITEMAP_URLS;
  let cut: { key: string; perFile: number; files: SitemapFile[] } | undefined;

  const languages = () => ctx.settings().portal.languages;
  /** Items per file: each item has one URL per language. */
  const perFile = () => Math.max(1, Math.floor(maxUrls / languages().length));
  /** The item files, recomputed when the catalogue or the languages changed. */
  const files = (): SitemapFile[] => {
    const key = `${ctx.store.library.changeMark()}:${perFile()}`;
    if (cut?.key !== key) cut = { key, perFile: perFile(), files: ctx.store.library.sitemapFiles(perFile()) };
    return cut.files;
  };

  function pageUrls(): string[] {
    const base = siteBase(ctx);
    const urls: string[] = [];
    for (const page of STATIC_PAGES) {
      const alternates = languages()
        .map((l) => `<xhtml:link rel="alternate" hreflang="${l}" href="${x(`${base}/${l}/${page}`)}"/>`)
        .join('');
      for (const lang of languages()) urls.push(`<url><loc>${x(`${base}/${lang}/${page}`)}</loc>${alternates}</url>`);
    }
    for (const partner of ctx.store.partners.list().filter((p) => p.inConfig)) {
      for (const lang of languages()) urls.push(`<url><loc>${x(`${base}/${lang}/partners/${partner.id}`)}</loc></url>`);
    }
    // Statistical series (issue 16).
    for (const series of ctx.store.datasets.list()) {
      for (const lang of languages()) urls.push(`<url><loc>${x(`${base}/${lang}/statistics/${series.id}`)}</loc><lastmod>${series.updatedAt.slice(0, 10)}</lastmod></url>`);
    }
    return urls;
  }

  /** The URLs of one file's items, in batches. */
  async function* itemUrls(file: SitemapFile): AsyncGenerator<string> {
    // Ids are 16 hex digits: only the prefixes need escaping, once.
    const prefixes = languages().map((lang) => `<url><loc>${x(`${siteBase(ctx)}/${lang}/items/`)}`);
    let from = file.firstPk;
    let left = file.count;
    while (left > 0) {
      const rows = ctx.store.library.sitemapItems(from, Math.min(BATCH, left));
      if (rows.length === 0) return;
      let chunk = '';
      for (const row of rows) {
        const lastmod = row.last_changed_at.slice(0, 10);
        for (const prefix of prefixes) chunk += `${prefix}${row.id}</loc><lastmod>${lastmod}</lastmod></url>\n`;
      }
      yield chunk;
      left -= rows.length;
      from = rows.at(-1)!.pk + 1;
      // Let other requests in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const send = (reply: FastifyReply, body: string | AsyncGenerator<string>) =>
    reply
      .type('application/xml; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(typeof body === 'string' ? body : Readable.from(body));

  app.get('/sitemap.xml', async (_request, reply) => {
    const all = files();
    const pages = pageUrls();
    const itemCount = all.reduce((n, f) => n + f.count, 0);
    if (pages.length + itemCount * languages().length <= maxUrls) {
      return send(
        reply,
        (async function* () {
          yield `${URLSET}${pages.join('\n')}\n`;
          for (const file of all) yield* itemUrls(file);
          yield '</urlset>\n';
        })(),
      );
    }
    const base = siteBase(ctx);
    const entries = [
      `<sitemap><loc>${x(`${base}/sitemap-pages.xml`)}</loc></sitemap>`,
      ...all.map((file, index) => `<sitemap><loc>${x(`${base}/sitemap-items-${index + 1}.xml`)}</loc><lastmod>${file.lastmod.slice(0, 10)}</lastmod></sitemap>`),
    ];
    return send(reply, `<?xml version="1.0" encoding="utf-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join('\n')}\n</sitemapindex>\n`);
  });

  app.get('/sitemap-pages.xml', async (_request, reply) => send(reply, `${URLSET}${pageUrls().join('\n')}\n</urlset>\n`));

  app.get('/sitemap-items-:n.xml', async (request, reply) => {
    const n = (request.params as { n: string }).n;
    const file = /^[1-9]\d{0,5}$/.test(n) ? files()[Number(n) - 1] : undefined;
    if (!file) return reply.callNotFound();
    return send(
      reply,
      (async function* () {
        yield URLSET;
        yield* itemUrls(file);
        yield '</urlset>\n';
      })(),
    );
  });
}
