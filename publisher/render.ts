// Server-rendered pages: handlebars through @fastify/view, the layout's shared context (language,
// direction, navigation, language switcher, hreflang, last harvest), and a small page cache
// dropped whenever another process commits to the catalogue (SQLite data_version).
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { SECTIONS } from '../config/index.ts';
import { type PortalContext } from './context.ts';
import { dirOf, formatDate, formatDateTime, formatDateTimeLong, formatNumber } from './format.ts';
import { siteBase } from './views.ts';

export const NAV = ['publications', 'statistics', 'news', 'media', 'services', 'claims', 'partners', 'directory', 'indicators', 'suggestions'] as const;
export type NavKey = (typeof NAV)[number] | 'home' | 'search' | 'items' | 'admin';

export interface PageOptions {
  title: string;
  /** The navigation entry to mark current. */
  nav?: NavKey;
  description?: string;
  status?: number;
  /** The page may be served from the cache to the next visitor (no form state, no cookies). */
  cacheable?: boolean;
  /** Breadcrumb trail after "home": [label, href?]. */
  breadcrumbs?: Array<{ label: string; href?: string }>;
  /** Search box value. */
  query?: string;
  /** Path of this page without the language prefix, for the switcher and hreflang (default: from the URL). */
  path?: string;
  noindex?: boolean;
  /** Admin pages: the language switcher keeps the path and sets ?lang=. */
  adminLanguages?: Array<{ code: string; name: string; href: string; current: boolean }>;
}

export function createHandlebars(ctx: PortalContext): typeof Handlebars {
  const hbs = Handlebars.create();
  const lang = (options: Handlebars.HelperOptions) => (options.data.root as { lang: string }).lang;
  hbs.registerHelper('t', function (key: string, options: Handlebars.HelperOptions) {
    return ctx.i18n.t(lang(options), key, options.hash as Record<string, unknown>);
  });
  hbs.registerHelper('fdate', (value: string | null, options: Handlebars.HelperOptions) => formatDate(ctx.i18n.locale(lang(options)), value));
  hbs.registerHelper('fdatetime', (value: string | null, options: Handlebars.HelperOptions) => formatDateTime(ctx.i18n.locale(lang(options)), value));
  hbs.registerHelper('fwhen', (value: string | null, options: Handlebars.HelperOptions) => formatDateTimeLong(ctx.i18n.locale(lang(options)), value));
  hbs.registerHelper('fnum', (value: number, options: Handlebars.HelperOptions) => formatNumber(ctx.i18n.locale(lang(options)), Number(value) || 0));
  hbs.registerHelper('dirOf', (language: string | null) => dirOf(language));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  return hbs;
}

interface CacheEntry {
  html: string;
  status: number;
}

/** Rendered pages by URL, bounded, cleared when the catalogue or the config changes. */
export class PageCache {
  private readonly entries = new Map<string, CacheEntry>();
  private version = -1;
  private settingsRef: unknown;

  constructor(
    private readonly ctx: PortalContext,
    private readonly maxEntries = 500,
  ) {}

  private fresh(): void {
    const version = this.ctx.store.dataVersion();
    const settings = this.ctx.settings();
    if (version !== this.version || settings !== this.settingsRef) {
      this.entries.clear();
      this.version = version;
      this.settingsRef = settings;
    }
  }

  get(key: string): CacheEntry | undefined {
    if (this.maxEntries === 0) return undefined;
    this.fresh();
    const entry = this.entries.get(key);
    if (entry) {
      // Most recently used goes last.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: CacheEntry): void {
    if (this.maxEntries === 0 || entry.html.length > 512 * 1024) return;
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The path after the language prefix: "/fr/news?x=1" → "/news?x=1". */
export function pathWithoutLanguage(url: string, lang: string): string {
  const rest = url.slice(lang.length + 1);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

export function layoutContext(ctx: PortalContext, request: FastifyRequest, lang: string, options: PageOptions) {
  const settings = ctx.settings();
  const i18n = ctx.i18n;
  const path = options.path ?? pathWithoutLanguage(request.url, lang);
  const siteName = settings.portal.site.name[lang as 'fr'] ?? settings.portal.site.name.fr ?? settings.portal.site.name.ar ?? Object.values(settings.portal.site.name)[0]!;
  const base = siteBase(ctx);
  const nav = [
    { key: 'home', label: i18n.t(lang, 'nav.home'), href: `/${lang}/`, current: options.nav === 'home' },
    ...NAV.map((key) => ({ key, label: i18n.t(lang, `nav.${key}`), href: `/${lang}/${key}`, current: options.nav === key })),
  ];
  const languages =
    options.adminLanguages ??
    settings.portal.languages.map((code) => ({
      code,
      name: i18n.t(code, 'meta.name'),
      href: `/${code}${path === '/' ? '/' : path}`,
      current: code === lang,
    }));
  return {
    lang,
    dir: i18n.dir(lang),
    siteName,
    title: options.title,
    description: options.description ?? i18n.t(lang, 'home.intro'),
    nav,
    languages,
    otherLanguages: languages.filter((l) => !l.current),
    alternates: languages.map((l) => ({ lang: l.code, href: `${base}${l.href}` })),
    canonical: `${base}/${lang}${path === '/' ? '/' : path}`,
    breadcrumbs: options.breadcrumbs,
    query: options.query ?? '',
    lastUpdated: ctx.store.runs.lastFinishedAt(),
    noindex: options.noindex ?? false,
    sections: SECTIONS,
    year: ctx.now().getUTCFullYear(),
  };
}

export interface Renderer {
  page(request: FastifyRequest, reply: FastifyReply, lang: string, template: string, data: Record<string, unknown>, options: PageOptions): Promise<FastifyReply>;
  cache: PageCache;
}

export function makeRenderer(app: FastifyInstance, ctx: PortalContext, cacheEntries = 500): Renderer {
  const cache = new PageCache(ctx, cacheEntries);
  return {
    cache,
    async page(request, reply, lang, template, data, options) {
      const status = options.status ?? 200;
      const html = await app.view(template, { ...layoutContext(ctx, request, lang, options), ...data });
      if (options.cacheable && status === 200) cache.set(request.url, { html, status });
      return reply.code(status).type('text/html; charset=utf-8').header('content-language', lang).send(html);
    },
  };
}

/** Serves a cached page when there is one (call first in a cacheable route's handler). */
export function fromCache(renderer: Renderer, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const entry = renderer.cache.get(request.url);
  if (!entry) return undefined;
  return reply.code(entry.status).type('text/html; charset=utf-8').send(entry.html);
}
