// /{lang}/items/{id}/text: a document's text page by page (CONTRACT.md, "The online library"),
// with "find in this document" (?q=) and screens of a few pages (?page=) for long documents.
import { type FastifyInstance } from 'fastify';
import { type Section } from '../../config/index.ts';
import { formatNumber } from '../format.ts';
import { parseQuery } from '../search.ts';
import { findInPages, MAX_LISTED_HIT_PAGES, pageHtml, screens, textPages } from '../text-view.ts';
import { BadRequest, itemView, partnerNames, queryString, stringParam } from '../views.ts';
import { languageOf } from './pages.ts';

/** The screens' navigation: first, last, and the ones around the current one. */
function screenNav(count: number, current: number, href: (n: number) => string, label: (n: number) => string) {
  if (count <= 1) return undefined;
  const numbers = [...new Set([1, current - 1, current, current + 1, count].filter((n) => n >= 1 && n <= count))].sort((a, b) => a - b);
  const list: Array<{ gap?: true; label?: string; href?: string; current?: boolean }> = [];
  numbers.forEach((n, i) => {
    if (i > 0 && n - numbers[i - 1]! > 1) list.push({ gap: true });
    list.push({ label: label(n), href: href(n), current: n === current });
  });
  return { previous: current > 1 ? href(current - 1) : undefined, next: current < count ? href(current + 1) : undefined, screens: list };
}

export async function textRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const { i18n } = ctx;

  app.get('/:lang/items/:id/text', async (request, reply) => {
    const lang = languageOf(app, request);
    const { id } = request.params as { id: string };
    if (!lang || !/^[0-9a-f]{16}$/.test(id)) return reply.callNotFound();
    const query = request.query as Record<string, unknown>;
    const parsed = parseQuery(stringParam(query, 'q'));
    const pageParam = stringParam(query, 'page');
    if (pageParam !== undefined && !/^[1-9]\d{0,4}$/.test(pageParam)) throw new BadRequest('page must be a whole number from 1');
    const screen = pageParam === undefined ? 1 : Number(pageParam);
    request.visitGroup = 'item';
    request.visitLang = lang;
    // The item's own watermark (its versions and text stamp: OCR changes the text without a
    // version). Finding is not cached: any words may be asked (the plain text is).
    const version = ctx.store.items.itemWatermark(id);
    if (!version) return reply.callNotFound();
    const cacheable = !parsed.text;
    if (cacheable) {
      const cached = app.renderer.reuse(request, reply, { item: version });
      if (cached) return cached;
    }
    const item = ctx.store.items.get(id, 1);
    if (!item) return reply.callNotFound();
    const names = partnerNames(ctx, lang);
    const view = itemView(ctx, lang, item, names);
    const stored = ctx.store.items.text(item.pk);
    const pages = textPages(stored.text, stored.spans, stored.ocrLanguages, item.language);
    const list = screens(pages);
    const locale = i18n.locale(lang);
    const base = `/${lang}/items/${item.id}/text`;
    const state = { q: parsed.text || undefined };
    const href = (n: number) => `${base}${queryString(state, { page: n === 1 ? undefined : n })}`;
    if (screen > Math.max(1, list.length)) {
      const title = i18n.t(lang, 'errors.past_end_title');
      return app.renderer.page(
        request,
        reply,
        lang,
        'error',
        { status: 404, heading: title, text: i18n.t(lang, 'text.past_end', { count: formatNumber(locale, pages.length) }), link: { href: href(list.length || 1), label: i18n.t(lang, 'text.back_to_text') } },
        { title, status: 404, noindex: true },
      );
    }
    const terms = parsed.terms;
    const found = parsed.text ? findInPages(list, terms) : undefined;
    const range = (n: number) => {
      const shown = list[n - 1] ?? [];
      const first = shown[0]?.number ?? 1;
      const last = shown.at(-1)?.number ?? first;
      return first === last ? i18n.t(lang, 'text.page_short', { page: formatNumber(locale, first) }) : i18n.t(lang, 'text.pages_short', { from: formatNumber(locale, first), to: formatNumber(locale, last) });
    };
    // The original at each page: `#page=N` opens a PDF there (RFC 8118) in browsers' PDF viewers.
    const original = item.document_url ?? item.url;
    const isPdf = Boolean(item.document_url) || item.source_type === 'pdf';
    const shown = (list[screen - 1] ?? []).map((page) => {
      const { html, hits } = pageHtml(page.text, terms);
      return {
        number: page.number,
        label: i18n.t(lang, 'text.page', { page: formatNumber(locale, page.number) }),
        html,
        hits,
        ocr: page.ocr,
        lang: page.lang,
        dir: page.dir,
        originalHref: isPdf ? `${original}#page=${page.number}` : original,
        originalLabel: isPdf ? i18n.t(lang, 'text.original_page', { page: formatNumber(locale, page.number) }) : i18n.t(lang, 'text.original'),
      };
    });
    const ocrPages = pages.filter((p) => p.ocr).length;
    return app.renderer.page(
      request,
      reply,
      lang,
      'item-text',
      {
        item: view,
        itemHref: `/${lang}/items/${item.id}${queryString(state)}`,
        original,
        isPdf,
        pages: shown,
        pageCount: pages.length,
        intro: pages.length ? i18n.t(lang, 'text.intro', { count: formatNumber(locale, pages.length) }) : undefined,
        ocr: ocrPages > 0,
        scanned: item.scanned,
        ocrPending: item.scanned && pages.length === 0,
        action: base,
        q: parsed.text,
        onlyStopwords: Boolean(parsed.text) && parsed.groups.length === 0,
        found: found
          ? {
              heading:
                found.total === 0
                  ? i18n.t(lang, 'text.no_hits', { q: parsed.text })
                  : i18n.t(lang, 'text.hits', { count: formatNumber(locale, found.total), pages: formatNumber(locale, found.pages.length), q: parsed.text }),
              pages: found.pages.slice(0, MAX_LISTED_HIT_PAGES).map((p) => ({
                label: i18n.t(lang, 'text.page', { page: formatNumber(locale, p.number) }),
                count: i18n.t(lang, 'text.hit_count', { count: formatNumber(locale, p.count) }),
                href: `${href(p.screen)}#page-${p.number}`,
                snippet: p.snippet,
              })),
              more: found.pages.length > MAX_LISTED_HIT_PAGES ? i18n.t(lang, 'text.more_hit_pages', { count: formatNumber(locale, found.pages.length - MAX_LISTED_HIT_PAGES) }) : undefined,
            }
          : undefined,
        screensNav: screenNav(list.length, screen, href, range),
        navLabel: i18n.t(lang, 'text.screens'),
      },
      {
        title: `${item.title} (${i18n.t(lang, 'text.title')})`,
        nav: item.section as Section,
        cacheable,
        noindex: Boolean(parsed.text),
        breadcrumbs: [{ label: view.sectionLabel, href: `/${lang}/${item.section}` }, { label: item.title, href: `/${lang}/items/${item.id}` }, { label: i18n.t(lang, 'text.title') }],
      },
    );
  });
}
