// The citizens' pages (docs/contract.md, "Web pages"): home, sections, search, items, partners,
// claims, directory and indicators, in every configured language.
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SECTIONS, type Section } from '../../config/index.ts';
import { barChart } from '../chart.ts';
import { courseView, moroccoDay, sessions } from '../courses.ts';
import { dirOf, formatDate, formatDateTimeLong, formatList, formatMonth, formatNumber } from '../format.ts';
import { negotiateLanguage } from '../i18n.ts';
import { itemMetadata } from '../item-metadata.ts';
import { itemPassages, passageLink } from '../passage-view.ts';
import { asksToReport, ftsQuery, MIN_PREFIX, parseQuery, searchable } from '../search.ts';
import { cardView, seriesMatches, statisticsCards } from '../statistics.ts';
import { type PartnerFreshnessRow } from '../../store/index.ts';
import { isBot } from '../visits.ts';
import {
  facetGroups,
  filterState,
  itemView,
  listingParams,
  pagination,
  partnerNames,
  pastDepth,
  pick,
  queryString,
  stringParam,
  tooDeep,
} from '../views.ts';

type Params = { lang: string };

/**
 * A page past the list's last one (a 404 with a link to it). `deep`: the page was past the depth
 * limit, so its first page was read instead and the total decides.
 */
function beyondEnd(params: { page: number; perPage: number }, total: number, shown: number, deep: boolean): boolean {
  if (params.page <= 1) return false;
  return deep ? params.page > Math.max(1, Math.ceil(total / params.perPage)) : shown === 0;
}

export function languageOf(app: FastifyInstance, request: FastifyRequest): string | undefined {
  const lang = (request.params as Params).lang;
  return app.portal.settings().portal.languages.includes(lang as never) ? lang : undefined;
}

/** Marks the request as a page view of `group` once it answers 200. */
function countVisit(request: FastifyRequest, group: string, lang: string): void {
  request.visitGroup = group;
  request.visitLang = lang;
}

export async function pageRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const { i18n } = ctx;
  const notFound = (reply: FastifyReply) => reply.callNotFound();

  /**
   * A page number past the last page of a listing: 404, saying how many documents there are and
   * linking to the last page (not "nothing published here", which is untrue).
   */
  const pastTheEnd = (request: FastifyRequest, reply: FastifyReply, lang: string, basePath: string, state: Record<string, string | number | undefined>, total: number, perPage: number) => {
    const last = Math.max(1, Math.ceil(total / perPage));
    const title = i18n.t(lang, 'errors.past_end_title');
    const count = formatNumber(i18n.locale(lang), total);
    return app.renderer.page(
      request,
      reply,
      lang,
      'error',
      {
        status: 404,
        heading: title,
        text: total === 0 ? i18n.t(lang, 'errors.past_end_empty') : i18n.t(lang, total === 1 ? 'errors.past_end_text_one' : 'errors.past_end_text', { count, pages: formatNumber(i18n.locale(lang), last) }),
        link: { href: `${basePath}${queryString(state, { page: last === 1 ? undefined : last })}`, label: i18n.t(lang, last === 1 ? 'errors.past_end_first' : 'errors.past_end_last', { page: formatNumber(i18n.locale(lang), last) }) },
      },
      { title, status: 404, noindex: true },
    );
  };

  app.get('/', async (request, reply) => {
    const lang = negotiateLanguage(request.headers['accept-language'], ctx.settings().portal.languages);
    return reply.header('vary', 'Accept-Language').redirect(`/${lang}/`, 302);
  });

  app.get('/healthz', async (_request, reply) => {
    const ok = ctx.store.ping();
    return reply.code(ok ? 200 : 503).header('cache-control', 'no-store').send({ status: ok ? 'ok' : 'unavailable' });
  });

  app.get('/:lang', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return notFound(reply);
    return reply.redirect(`/${lang}/`, 301);
  });

  // ------------------------------------------------------------------ home
  app.get('/:lang/', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return notFound(reply);
    countVisit(request, 'home', lang);
    const cached = app.renderer.reuse(request, reply);
    if (cached) return cached;
    const home = await app.reads.run('home', { perSection: 4, now: ctx.now().toISOString(), months: 12, lang });
    const names = partnerNames(ctx, lang);
    const sections = SECTIONS.map((section) => ({
      key: section,
      label: i18n.t(lang, `sections.${section}`),
      href: `/${lang}/${section}`,
      items: home.latest[section].map((row) => itemView(ctx, lang, row, names)),
    }));
    const indicators = home.indicators;
    return app.renderer.page(
      request,
      reply,
      lang,
      'home',
      { sections, channels: channelViews(app, lang), indicators },
      { title: i18n.t(lang, 'home.title'), nav: 'home', cacheable: true },
    );
  });

  // ------------------------------------------------------------------ sections
  app.get('/:lang/:section', async (request, reply) => {
    const lang = languageOf(app, request);
    const section = (request.params as { section: string }).section as Section;
    if (!lang || !SECTIONS.includes(section)) return notFound(reply);
    countVisit(request, section, lang);
    const params = listingParams(ctx, request.query as Record<string, unknown>, section, 100, Infinity);
    const cached = app.renderer.reuse(request, reply);
    if (cached) return cached;
    const names = partnerNames(ctx, lang);
    // A page past the depth limit reads the first page (its total says whether it is past the end).
    const deep = pastDepth(params);
    const result = await app.reads.run('listing', { filters: params.filters, page: deep ? 1 : params.page, perPage: params.perPage, facets: true, library: section === 'services', slim: true, lang });
    const facets = result.facets!;
    const state = filterState(params);
    delete state.section;
    if (beyondEnd(params, result.total, result.items.length, deep)) return pastTheEnd(request, reply, lang, `/${lang}/${section}`, state, result.total, params.perPage);
    if (deep) throw tooDeep(params.perPage);
    const filtered = Boolean(params.filters.docType || params.filters.partner || params.filters.language || params.filters.year);
    let services: Record<string, unknown> | undefined;
    if (section === 'services') {
      // The online library: the whole catalogue by partner, type and year.
      const all = result.library!;
      services = {
        partners: all.partner.map((f) => ({ label: names.get(f.value) ?? f.value, count: f.count, href: `/${lang}/search${queryString({ partner: f.value })}` })),
        types: all.doc_type.map((f) => ({ label: i18n.t(lang, `doc_types.${f.value}`), count: f.count, href: `/${lang}/search${queryString({ doc_type: f.value })}` })),
        years: all.year.map((f) => ({ label: f.value, count: f.count, href: `/${lang}/search${queryString({ year: f.value })}` })),
        // Remote training: sessions not over yet first, soonest first.
        sessions: sessions(ctx, lang),
      };
    }
    return app.renderer.page(
      request,
      reply,
      lang,
      'section',
      {
        section,
        heading: i18n.t(lang, `sections.${section}`),
        intro: i18n.t(lang, `sections.${section}_intro`),
        action: `/${lang}/${section}`,
        items: result.items.map((row) => itemView(ctx, lang, row, names)),
        total: result.total,
        facets: facetGroups(ctx, lang, facets, params, names),
        filtered,
        resetHref: `/${lang}/${section}`,
        pagination: pagination(ctx, lang, `/${lang}/${section}`, state, params.page, result.total, params.perPage),
        services,
        // Statistics as data (issue 16): the indicator cards above the statistical documents.
        indicatorThemes: section === 'statistics' && !filtered && params.page === 1 ? statisticsCards(ctx, lang) : undefined,
      },
      {
        title: i18n.t(lang, `sections.${section}`),
        nav: section,
        // The services page says which sessions are upcoming: it changes with the day, not the catalogue.
        cacheable: section !== 'services',
        breadcrumbs: [{ label: i18n.t(lang, `sections.${section}`) }],
        description: i18n.t(lang, `sections.${section}_intro`),
      },
    );
  });

  // ------------------------------------------------------------------ search
  app.get('/:lang/search', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return notFound(reply);
    countVisit(request, 'search', lang);
    const query = request.query as Record<string, unknown>;
    const params = listingParams(ctx, query, undefined, 100, Infinity);
    const q = stringParam(query, 'q') ?? '';
    // `exact=1`: the words as typed, without correction (the link under a corrected search).
    const exact = stringParam(query, 'exact') === '1';
    const cached = app.renderer.reuse(request, reply);
    if (cached) return cached;
    const deep = pastDepth(params);
    const outcome = await app.reads.run(
      'search',
      { q, filters: params.filters, page: deep ? 1 : params.page, perPage: params.perPage, budgetMs: app.searchOptions.budgetMs, snippets: !deep, facets: true, lang, exact, fold: true },
      { affinity: q },
    );
    const parsed = { text: outcome.text };
    // The query's words, for the statistical series (their own small index, read here).
    const words = outcome.kind === 'words' ? parseQuery(q) : undefined;
    const names = partnerNames(ctx, lang);
    const total = outcome.total;
    const facets = outcome.facets!;
    const notices: string[] = [];
    if (outcome.kind === 'browse') notices.push(i18n.t(lang, 'search.browse'));
    if (outcome.kind === 'stopwords') notices.push(i18n.t(lang, 'search.only_stopwords'));
    if (outcome.anyWords) notices.push(i18n.t(lang, 'search.any_words'));
    if (outcome.partial) notices.push(i18n.t(lang, 'search.partial'));
    if (outcome.shortPrefix) notices.push(i18n.t(lang, 'search.short_prefix', { min: formatNumber(i18n.locale(lang), MIN_PREFIX) }));
    const state = filterState(params, parsed.text || undefined);
    // Typos (issue 14): the corrected query's results, with a link to the words as typed; or a suggestion.
    const correction = outcome.corrected
      ? {
          text: i18n.t(lang, 'search.corrected', { original: q.trim(), q: outcome.corrected.text }),
          exactHref: `/${lang}/search${queryString({ ...state, q: q.trim(), exact: 1, page: undefined })}`,
          exactLabel: i18n.t(lang, 'search.search_exact', { original: q.trim() }),
        }
      : undefined;
    const suggestion = outcome.suggestion ? { text: outcome.suggestion.text, href: `/${lang}/search${queryString({ ...state, q: outcome.suggestion.text, page: undefined })}` } : undefined;
    const items = outcome.items.map((row) => {
      const view = itemView(ctx, lang, row, names);
      view.titleHtml = row.titleHtml;
      view.snippet = row.snippet;
      if (row.folded) {
        view.folded = {
          label: i18n.t(lang, 'search.folded', { count: row.folded.count, partner: view.partnerName }),
          href: `/${lang}/search${queryString({ q: row.folded.q, partner: row.partner })}`,
        };
      }
      // The words (as corrected, when they were) go along to the item page, which shows where they are (issue 17).
      const found = outcome.corrected?.text ?? parsed.text;
      if (outcome.kind === 'words') view.href += queryString({ q: found });
      if (row.passage) view.passage = passageLink(ctx, lang, row.id, found, row.passage);
      return view;
    });
    if (outcome.kind !== 'stopwords' && beyondEnd(params, total, items.length, deep)) return pastTheEnd(request, reply, lang, `/${lang}/search`, state, total, params.perPage);
    if (deep) throw tooDeep(params.perPage);
    // Statistical series matching the words (issue 16), above the documents.
    // (A prefix alone counts: "corrup*" found four series through the API and none here.)
    const series = words && searchable(words) && params.page === 1 ? seriesMatches(ctx, lang, ftsQuery(words, 'all')) : [];
    const shown = outcome.corrected?.text ?? parsed.text;
    const heading = !parsed.text
      ? i18n.t(lang, 'search.title')
      : total === 1
        ? i18n.t(lang, 'search.result_one_for', { q: shown })
        : total > 0
          ? i18n.t(lang, 'search.results_for', { count: formatNumber(i18n.locale(lang), total), q: shown })
          : i18n.t(lang, 'search.no_results', { q: parsed.text });
    return app.renderer.page(
      request,
      reply,
      lang,
      'search',
      {
        q: parsed.text,
        heading,
        notices,
        correction,
        suggestion,
        truncated: outcome.truncated,
        noResults: outcome.kind === 'words' && total === 0 && series.length === 0,
        // Nothing found, or words of someone who wants to report: where the claim channels are.
        claimsHref: parsed.text && (total === 0 || (words !== undefined && asksToReport(words.terms))) ? `/${lang}/claims` : undefined,
        series,
        items,
        total,
        action: `/${lang}/search`,
        facets: facetGroups(ctx, lang, facets, params, names, true),
        filtered: Boolean(params.filters.section || params.filters.docType || params.filters.partner || params.filters.language || params.filters.year),
        resetHref: `/${lang}/search${queryString({ q: parsed.text || undefined })}`,
        pagination: pagination(ctx, lang, `/${lang}/search`, state, params.page, total, params.perPage),
      },
      {
        title: parsed.text ? `${i18n.t(lang, 'search.title')}: ${parsed.text}` : i18n.t(lang, 'search.title'),
        nav: 'search',
        query: parsed.text,
        cacheable: true,
        noindex: true,
        breadcrumbs: [{ label: i18n.t(lang, 'search.title') }],
      },
    );
  });

  // ------------------------------------------------------------------ one item
  app.get('/:lang/items/:id', async (request, reply) => {
    const lang = languageOf(app, request);
    const { id } = request.params as { id: string };
    if (!lang || !/^[0-9a-f]{16}$/.test(id)) return notFound(reply);
    countVisit(request, 'item', lang);
    // The item's own watermark: its page stays valid while other items change.
    const version = ctx.store.items.itemWatermark(id);
    if (!version) return notFound(reply);
    // Reached from a search (?q=, issue 17): the page shows where the words are. Not cached (any
    // words may be asked); the page without them is.
    const searched = parseQuery(stringParam(request.query as Record<string, unknown>, 'q'));
    const fromSearch = Boolean(searched.text);
    if (!fromSearch) {
      const cached = app.renderer.reuse(request, reply, { item: version });
      if (cached) return cached;
    }
    // One item by its id: bounded by the item, not the catalogue, so read here (0.2-0.5 ms), which
    // leaves the read workers to listings and searches.
    const item = ctx.store.items.get(id, 4000);
    if (!item) return notFound(reply);
    const names = partnerNames(ctx, lang);
    const view = itemView(ctx, lang, item, names);
    const excerpt = item.text
      .split(/\n{2,}/)
      .map((p) => p.trim())
      .filter(Boolean)
      .slice(0, 12);
    // A deposited document: its provenance is the partner's focal point, not a harvested address.
    const deposit = item.source_type === 'deposit' ? ctx.store.deposits.ofItem(item.id) : undefined;
    // Provenance in words for citizens; ids, addresses and hashes go to "technical details".
    const locale = i18n.locale(lang);
    const when = (value: string) => formatDateTimeLong(locale, value);
    const host = hostOf(item.source_url);
    const how = i18n.t(lang, ['feed', 'html', 'pdf'].includes(item.source_type) ? `item.via_${item.source_type}` : 'item.via_other');
    const provenance = {
      published: item.published_at
        ? i18n.t(lang, 'item.published_by_on', { date: formatDate(locale, item.published_at), host })
        : i18n.t(lang, 'item.published_by', { host }),
      collected: i18n.t(lang, 'item.collected', { date: when(item.first_seen_at), how }),
      checked: item.gone_since ? undefined : i18n.t(lang, 'item.checked', { date: when(item.last_seen_at) }),
    };
    const course = item.doc_type === 'training' ? ctx.store.library.course(item.id) : undefined;
    const metadata = itemMetadata(ctx, lang, item, course);
    const versions = item.versions
      .map((v) => {
        const fields = ITEM_FIELDS.filter((f) => v.changed_fields.includes(f)).map((f) => i18n.t(lang, `item.field_${f}`));
        return {
          seenAt: v.seen_at,
          when: when(v.seen_at),
          hash: v.content_hash,
          label: v.event === 'changed' && fields.length ? i18n.t(lang, 'item.event_changed_fields', { fields: formatList(locale, fields) }) : i18n.t(lang, deposit ? `focal.event_${v.event}` : `item.event_${v.event}`),
        };
      })
      .reverse();
    return app.renderer.page(
      request,
      reply,
      lang,
      'item',
      {
        item: view,
        // The same document in the partner's other languages (issue 14).
        translations: ctx.store.items.translations(item.pk).map((row) => itemView(ctx, lang, row, names)),
        summary: item.summary,
        excerpt,
        excerptDir: dirOf(item.language),
        excerptTruncated: item.text_chars > item.text.length,
        // The whole text, page by page (issue 17).
        textLink:
          item.text_pages > 0
            ? { href: `/${lang}/items/${item.id}/text`, label: i18n.t(lang, 'item.read_text', { count: formatNumber(locale, item.text_pages) }) }
            : undefined,
        ocrDone: item.text_source === 'ocr',
        search: fromSearch
          ? {
              q: searched.text,
              passages: itemPassages(ctx, lang, item, searched),
              // No text held (a page without a document, a file not read): nothing to find in.
              findHref: item.text_chars > 0 ? `/${lang}/items/${item.id}/text${queryString({ q: searched.text })}` : undefined,
              searchHref: `/${lang}/search${queryString({ q: searched.text })}`,
            }
          : undefined,
        provenance,
        goneSince: item.gone_since,
        source: { id: item.source, url: item.source_url, type: item.source_type },
        deposit: deposit
          ? {
              provenance: i18n.t(lang, 'focal.provenance', { partner: view.partnerName, date: formatDate(i18n.locale(lang), deposit.created_at) }),
              original: i18n.t(lang, item.document_url ? 'focal.download' : 'focal.open_link'),
              note: i18n.t(lang, item.document_url ? 'focal.download_note' : 'focal.link_note'),
              withdrawn: deposit.withdrawn_at,
            }
          : undefined,
        fetchedAt: item.fetched_at,
        contentHash: item.content_hash,
        documentUrl: item.document_url,
        documentHash: item.document_hash,
        versions,
        suggestHref: `/${lang}/suggestions${queryString({ about: `/${lang}/items/${item.id}` })}`,
        training: item.doc_type === 'training',
        course: course ? courseView(ctx, lang, course, { organiser: view.partnerName, language: item.language }, moroccoDay(ctx.now())) : undefined,
        citation: { apa: metadata.apa, iso690: metadata.iso690 },
        headMeta: metadata.meta,
        jsonLd: metadata.jsonLd,
      },
      {
        title: item.title,
        nav: item.section as Section,
        // A course page says whether the session is upcoming: it changes with the day.
        cacheable: item.doc_type !== 'training' && !fromSearch,
        noindex: fromSearch,
        description: item.summary.replace(/<[^>]*>/g, ' ').slice(0, 200) || undefined,
        breadcrumbs: [{ label: view.sectionLabel, href: `/${lang}/${item.section}` }, { label: item.title }],
      },
    );
  });

  // ------------------------------------------------------------------ partners
  app.get('/:lang/partners', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return notFound(reply);
    countVisit(request, 'partners', lang);
    const cached = app.renderer.reuse(request, reply, 'harvests');
    if (cached) return cached;
    const report = await app.reads.run('freshness', { now: ctx.now().toISOString() });
    const partners = report.partners
      .map((p) => partnerView(app, lang, p))
      .sort((a, b) => a.name.localeCompare(b.name, ctx.i18n.locale(lang)));
    return app.renderer.page(request, reply, lang, 'partners', { partners }, { title: i18n.t(lang, 'partners.title'), nav: 'partners', cacheable: true, breadcrumbs: [{ label: i18n.t(lang, 'partners.title') }] });
  });

  app.get('/:lang/partners/:id', async (request, reply) => {
    const lang = languageOf(app, request);
    const { id } = request.params as { id: string };
    if (!lang || !/^[a-z0-9-]{1,80}$/.test(id)) return notFound(reply);
    countVisit(request, 'partners', lang);
    const params = listingParams(ctx, { ...(request.query as Record<string, unknown>), partner: undefined }, undefined, 100, Infinity);
    const cached = app.renderer.reuse(request, reply, 'harvests');
    if (cached) return cached;
    const deep = pastDepth(params);
    const [report, result] = await Promise.all([
      app.reads.run('freshness', { now: ctx.now().toISOString() }),
      app.reads.run('listing', { filters: { ...params.filters, partner: id }, page: deep ? 1 : params.page, perPage: params.perPage, slim: true, lang }),
    ]);
    const row = report.partners.find((p) => p.partner === id);
    if (!row) return notFound(reply);
    const partner = partnerView(app, lang, row);
    const names = partnerNames(ctx, lang);
    if (beyondEnd(params, result.total, result.items.length, deep)) return pastTheEnd(request, reply, lang, `/${lang}/partners/${id}`, {}, result.total, params.perPage);
    if (deep) throw tooDeep(params.perPage);
    const description = pick(ctx.store.partners.get(id)?.description, lang);
    return app.renderer.page(
      request,
      reply,
      lang,
      'partner',
      {
        partner,
        description,
        items: result.items.map((r) => itemView(ctx, lang, r, names)),
        total: result.total,
        pagination: pagination(ctx, lang, `/${lang}/partners/${id}`, {}, params.page, result.total, params.perPage),
        // The partner's statistical series (issue 16).
        series: ctx.store.datasets.list({ partner: id }).filter((s) => s.observationCount > 0).map((s) => cardView(ctx, lang, s, names)),
      },
      {
        title: partner.name,
        nav: 'partners',
        cacheable: true,
        breadcrumbs: [{ label: i18n.t(lang, 'partners.title'), href: `/${lang}/partners` }, { label: partner.name }],
      },
    );
  });

  // ------------------------------------------------------------------ claims and directory
  app.get('/:lang/claims', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return notFound(reply);
    countVisit(request, 'claims', lang);
    const cached = app.renderer.reuse(request, reply);
    if (cached) return cached;
    const directory = ctx.settings().directory;
    const channels = channelViews(app, lang);
    const byId = new Map([...channels, ...platformViews(app, lang)].map((c) => [c.id, c]));
    const guidance = directory.guidance.map((g, index) => ({
      id: `guide-${index}`,
      question: pick(g.question, lang),
      answer: pick(g.answer, lang),
      topic: i18n.t(lang, `topics.${g.topic}`),
      targets: g.channels.map((id) => byId.get(id)).filter(Boolean),
    }));
    return app.renderer.page(request, reply, lang, 'claims', { channels, guidance }, { title: i18n.t(lang, 'claims.title'), nav: 'claims', cacheable: true, breadcrumbs: [{ label: i18n.t(lang, 'claims.title') }] });
  });

  app.get('/:lang/directory', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return notFound(reply);
    countVisit(request, 'directory', lang);
    const cached = app.renderer.reuse(request, reply);
    if (cached) return cached;
    return app.renderer.page(request, reply, lang, 'directory', { platforms: platformViews(app, lang) }, { title: i18n.t(lang, 'directory.title'), nav: 'directory', cacheable: true, breadcrumbs: [{ label: i18n.t(lang, 'directory.title') }] });
  });

  // ------------------------------------------------------------------ indicators
  app.get('/:lang/indicators', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return notFound(reply);
    countVisit(request, 'indicators', lang);
    const cached = app.renderer.reuse(request, reply, 'harvests');
    if (cached) return cached;
    const indicators = await app.reads.run('indicators', { now: ctx.now().toISOString(), months: 12 });
    const locale = i18n.locale(lang);
    const bars = indicators.visits_by_month.map((m) => ({ label: formatMonth(locale, m.month), value: m.count }));
    const chart = barChart(bars, {
      id: 'visits',
      title: i18n.t(lang, 'indicators.visits_month'),
      description: i18n.t(lang, 'indicators.chart_summary', {
        from: bars[0]?.label ?? '',
        to: bars.at(-1)?.label ?? '',
        values: bars.map((b) => `${b.label} ${formatNumber(locale, b.value)}`).join(', '),
      }),
      rtl: i18n.dir(lang) === 'rtl',
      formatValue: (n) => formatNumber(locale, n),
    });
    const sections = SECTIONS.map((s) => ({ label: i18n.t(lang, `sections.${s}`), count: indicators.items_by_section[s], href: `/${lang}/${s}` }));
    return app.renderer.page(
      request,
      reply,
      lang,
      'indicators',
      { indicators, chart, sections, months: indicators.visits_by_month.map((m) => ({ label: formatMonth(locale, m.month), count: m.count })) },
      { title: i18n.t(lang, 'indicators.title'), nav: 'indicators', cacheable: true, breadcrumbs: [{ label: i18n.t(lang, 'indicators.title') }] },
    );
  });

  // ------------------------------------------------------------------ outbound links
  app.get('/go/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const directory = ctx.settings().directory;
    const target = [...directory.channels, ...directory.platforms].find((entry) => entry.id === id);
    if (!target) return notFound(reply);
    const url = target.url ?? ('phone' in target && target.phone ? `tel:${target.phone.replace(/[^+\d]/g, '')}` : undefined);
    if (!url) return notFound(reply);
    if (!isBot(request.headers['user-agent'])) app.counters.click(id);
    return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(url, 302);
  });
}

/** The fields of an item's snapshot a partner may change, named in words on the item page. */
const ITEM_FIELDS = ['title', 'url', 'summary', 'published_at', 'doc_type', 'language', 'text_hash', 'document_url'];

/** "www.cndp.ma" → "cndp.ma": the site as a citizen would name it. */
function hostOf(url: string): string {
  try {
    return new URL(url).host.replace(/^www\./, '');
  } catch {
    return '';
  }
}

export function partnerView(app: FastifyInstance, lang: string, p: PartnerFreshnessRow) {
  const i18n = app.portal.i18n;
  const status = p.failing && p.status !== 'never_harvested' ? 'failing' : p.status;
  return {
    id: p.partner,
    href: `/${lang}/partners/${p.partner}`,
    name: pick(p.name, lang),
    kind: i18n.t(lang, `kinds.${p.kind}`),
    website: p.website,
    status,
    statusLabel: p.status === 'overdue' && p.overdue_days ? i18n.t(lang, 'freshness.overdue_by', { days: p.overdue_days }) : i18n.t(lang, `freshness.${status}`),
    commitment: p.commitment_days ? i18n.t(lang, 'partners.commitment', { days: p.commitment_days }) : i18n.t(lang, 'partners.no_commitment'),
    /** The same without its "Commitment:" prefix, beside a "Commitment" label. */
    commitmentValue: p.commitment_days ? i18n.t(lang, 'partners.commitment_value', { days: p.commitment_days }) : i18n.t(lang, 'partners.no_commitment'),
    lastContent: p.last_new_content_at,
    itemCount: p.item_count,
    sections: SECTIONS.filter((s) => p.items_by_section[s] > 0).map((s) => ({
      label: i18n.t(lang, `sections.${s}`),
      count: p.items_by_section[s],
      href: `/${lang}/${s}${queryString({ partner: p.partner })}`,
    })),
  };
}

export function channelViews(app: FastifyInstance, lang: string) {
  const ctx = app.portal;
  const i18n = ctx.i18n;
  const partners = partnerNames(ctx, lang);
  return ctx.settings().directory.channels.map((c) => ({
    id: c.id,
    name: pick(c.name, lang),
    description: pick(c.description, lang),
    kind: c.kind,
    kindLabel: i18n.t(lang, `claims.${c.kind}`),
    href: c.url ? `/go/${c.id}` : undefined,
    host: c.url ? new URL(c.url).host : undefined,
    phone: c.phone,
    tel: c.phone ? `tel:${c.phone.replace(/[^+\d]/g, '')}` : undefined,
    email: c.email,
    hours: pick(c.hours, lang),
    address: pick(c.address, lang),
    operator: operatorName(ctx, c.operator, lang, partners),
    topics: c.topics.map((t) => i18n.t(lang, `topics.${t}`)),
  }));
}

/** Who runs a channel or platform, in words: a partner's name, a name from `operators:`, or the text as written. */
function operatorName(ctx: FastifyInstance['portal'], operator: string, lang: string, partners: Map<string, string>): string {
  return partners.get(operator) ?? (pick(ctx.settings().directory.operators[operator], lang) || operator);
}

export function platformViews(app: FastifyInstance, lang: string) {
  const ctx = app.portal;
  const partners = partnerNames(ctx, lang);
  return ctx.settings().directory.platforms.map((p) => ({
    id: p.id,
    name: pick(p.name, lang),
    description: pick(p.description, lang),
    href: `/go/${p.id}`,
    host: new URL(p.url).host,
    operator: p.operator ? operatorName(ctx, p.operator, lang, partners) : undefined,
    topics: (p.topics ?? []).map((t) => ctx.i18n.t(lang, `topics.${t}`)),
  }));
}
