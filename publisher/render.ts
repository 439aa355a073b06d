// Server-rendered pages: handlebars through @fastify/view, the layout's shared context (language,
// direction, navigation, language switcher, hreflang, last harvest), and the pages' validators:
// an ETag and Last-Modified from the catalogue's change watermark, conditional requests answered
// 304 without reading or rendering anything, Cache-Control that lets a proxy or CDN absorb a
// spike, and a page cache kept while the validator holds (issue 12).
import { randomBytes } from 'node:crypto';
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

/**
 * What a page depends on, for its validator: the catalogue's content (most pages), that and the
 * harvests' outcomes (freshness pages), or one item's content (its page).
 */
export type Depends = 'catalogue' | 'harvests' | { item: { version: number; changedAt: string | null } };

export interface Validator {
  etag: string;
  lastModified: string;
}

/**
 * Cache-Control of the public pages: a proxy or CDN may serve a page for a minute and, while it
 * asks again, the stale copy for two more (a harvest's changes show within three minutes); if the
 * portal is down, a copy up to a day old.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=120, stale-if-error=86400';

interface CacheEntry {
  body: Buffer;
  status: number;
  etag: string;
  storedAt: number;
}

/**
 * Rendered pages by URL, bounded in bytes, least recently used first out. An entry serves while
 * the page's validator is the one it was rendered under, for at most `maxAgeMs` (pages also show
 * when the last harvest ran, which moves without changing the content).
 */
export class PageCache {
  private readonly entries = new Map<string, CacheEntry>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly maxAgeMs = 5 * 60_000,
  ) {}

  get(key: string, etag: string): CacheEntry | undefined {
    if (this.maxBytes === 0) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.etag !== etag || Date.now() - entry.storedAt > this.maxAgeMs) {
      this.bytes -= entry.body.length;
      return undefined;
    }
    // Most recently used goes last.
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: Omit<CacheEntry, 'storedAt'>): void {
    if (this.maxBytes === 0 || entry.body.length > 512 * 1024) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.body.length;
      this.entries.delete(key);
    }
    this.entries.set(key, { ...entry, storedAt: Date.now() });
    this.bytes += entry.body.length;
    while (this.bytes > this.maxBytes && this.entries.size > 0) {
      const [oldest, dropped] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.bytes -= dropped.body.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The validators of the pages, from the catalogue's watermarks (a few index lookups). */
export class Validators {
  /** Changes at each start: a new version of the portal may render pages differently. */
  private readonly boot = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  private readonly bootedAt = Date.now();
  private readonly generations = new WeakMap<object, { n: number; at: number }>();
  private generation = 0;

  constructor(private readonly ctx: PortalContext) {}

  /** The settings in use, numbered: a reloaded config changes every validator. */
  private settings(): { n: number; at: number } {
    const settings = this.ctx.settings() as object;
    let known = this.generations.get(settings);
    if (!known) {
      known = { n: ++this.generation, at: Date.now() };
      this.generations.set(settings, known);
    }
    return known;
  }

  of(depends: Depends): Validator {
    const now = this.ctx.now();
    const day = now.toISOString().slice(0, 10);
    const settings = this.settings();
    // Dates and freshness ("overdue by N days") move with the day.
    const times = [this.bootedAt, settings.at, Date.parse(`${day}T00:00:00Z`)];
    let tag: string;
    if (typeof depends === 'object') {
      tag = `i${depends.item.version.toString(36)}`;
      if (depends.item.changedAt) times.push(Date.parse(depends.item.changedAt));
    } else {
      const content = this.ctx.store.items.watermark();
      // Statistics (series cards on sections, search, partner pages) change with their own tables.
      const statistics = this.ctx.store.datasets.watermark();
      tag = `c${content.version.toString(36)}d${statistics.version}`;
      if (content.changedAt) times.push(Date.parse(content.changedAt));
      if (statistics.changedAt) times.push(Date.parse(statistics.changedAt));
      if (depends === 'harvests') {
        const runs = this.ctx.store.runs.watermark();
        tag += `r${runs.version.toString(36)}`;
        if (runs.finishedAt) times.push(Date.parse(runs.finishedAt));
      }
    }
    const lastModified = new Date(Math.min(now.getTime(), Math.max(...times.filter(Number.isFinite)))).toUTCString();
    return { etag: `W/"${this.boot}-${settings.n.toString(36)}-${day.replaceAll('-', '')}-${tag}"`, lastModified };
  }
}

/** True when the request's conditional headers say its copy is current (RFC 9110 §13.1). */
export function notModified(request: FastifyRequest, validator: Validator): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    // Weak comparison: the opaque tags, W/ or not.
    const tag = validator.etag.replace(/^W\//, '');
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === tag);
  }
  const ifModifiedSince = request.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && Math.floor(Date.parse(validator.lastModified) / 1000) <= Math.floor(since / 1000);
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
  /**
   * Call first in a cacheable page's handler: sets its validators and Cache-Control, and answers
   * 304 to a conditional request whose copy is current, or sends the cached page; otherwise
   * undefined, and the handler renders (the page is then cached under the same validator).
   */
  reuse(request: FastifyRequest, reply: FastifyReply, depends?: Depends): FastifyReply | undefined;
  cache: PageCache;
  validators: Validators;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The validator a cacheable page is rendered under (set by renderer.reuse). */
    pageValidator?: Validator;
  }
}

export function makeRenderer(app: FastifyInstance, ctx: PortalContext, cacheBytes?: number): Renderer {
  const cache = new PageCache(cacheBytes);
  const validators = new Validators(ctx);
  return {
    cache,
    validators,
    reuse(request, reply, depends = 'catalogue') {
      const validator = validators.of(depends);
      request.pageValidator = validator;
      reply.header('etag', validator.etag).header('last-modified', validator.lastModified).header('cache-control', PUBLIC_CACHE_CONTROL);
      if (notModified(request, validator)) return reply.code(304).send();
      const entry = cache.get(request.url, validator.etag);
      if (!entry) return undefined;
      return reply.code(entry.status).type('text/html; charset=utf-8').send(entry.body);
    },
    async page(request, reply, lang, template, data, options) {
      const status = options.status ?? 200;
      const html = await app.view(template, { ...layoutContext(ctx, request, lang, options), ...data });
      const validator = request.pageValidator;
      if (options.cacheable && status === 200 && validator) cache.set(request.url, { body: Buffer.from(html), status, etag: validator.etag });
      if (status !== 200 || !options.cacheable) {
        // Error pages and forms are not stored by proxies.
        reply.removeHeader('etag').removeHeader('last-modified');
        if (!reply.hasHeader('cache-control') || reply.getHeader('cache-control') === PUBLIC_CACHE_CONTROL) reply.header('cache-control', 'private, no-cache');
      }
      return reply.code(status).type('text/html; charset=utf-8').header('content-language', lang).send(html);
    },
  };
}
