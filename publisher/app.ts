// The web app as a Fastify instance built from a PortalContext; the server command only starts it,
// and tests call `buildApp` and `app.inject()` (fastify/demo's app.ts / server.ts split).
import path from 'node:path';
import querystring from 'node:querystring';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import helmetMiddleware from 'helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import view from '@fastify/view';
import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { clientKey, crossSiteReason, trustProxy } from './client.ts';
import { type PortalContext } from './context.ts';
import { negotiateLanguage } from './i18n.ts';
import { inlineReads, type Reads } from './reads.ts';
import { createHandlebars, makeRenderer, type Renderer } from './render.ts';
import { adminRoutes } from './routes/admin.ts';
import { apiRoutes } from './routes/api.ts';
import { depositFileRoutes } from './routes/deposits.ts';
import { feedRoutes } from './routes/feeds.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { oaiRoutes } from './routes/oai.ts';
import { sitemapRoutes } from './routes/sitemap.ts';
import { pageRoutes } from './routes/pages.ts';
import { textRoutes } from './routes/text.ts';
import { statisticsRoutes } from './routes/statistics.ts';
import { suggestionRoutes } from './routes/suggestions.ts';
import { Counters, isBot } from './visits.ts';
import { loggableError, withoutValues } from './log-safe.ts';

declare module 'fastify' {
  interface FastifyInstance {
    portal: PortalContext;
    renderer: Renderer;
    /** The catalogue reads of the public pages: a pool of read workers, or in process. */
    reads: Reads;
    /** Options of the search page and API (time budget of a search). */
    searchOptions: { budgetMs: number };
    counters: Counters;
    /** Every route registered (method and URL pattern), for the route-by-route security tests. */
    routeList: Array<{ method: string; url: string }>;
  }
  interface FastifyRequest {
    /** Page group counted as a visit when the page answers 200 (set by page routes). */
    visitGroup?: string;
    visitLang?: string;
  }
}

export const VIEWS_DIR = path.join(import.meta.dirname, 'views');
export const STATIC_DIR = path.join(import.meta.dirname, 'static');

/** A URL as logs may keep it: the path alone. Query strings hold search terms and form values. */
export const pathOnly = (url: string) => url.split('?')[0]!.slice(0, 300);

/**
 * What a request and its answer leave in the logs: no client address or port (behind a proxy, no
 * X-Forwarded-For either), no query string, no Host. With the time of a suggestion, an address or
 * a search would identify its author, which the privacy notice (law 09-08) rules out.
 */
export const LOG_SERIALIZERS = {
  req: (request: FastifyRequest) => ({ method: request.method, url: pathOnly(request.url) }),
  res: (reply: FastifyReply) => ({ statusCode: reply.statusCode }),
};

/** Options shared by the server command and the tests. */
export function serverOptions(logger: FastifyServerOptions['logger'] = false): FastifyServerOptions {
  return {
    logger: logger === true ? { serializers: LOG_SERIALIZERS } : logger && typeof logger === 'object' ? { ...logger, serializers: { ...logger.serializers, ...LOG_SERIALIZERS } } : logger,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    return503OnClosing: true,
    requestTimeout: 30_000,
  } as FastifyServerOptions;
}

export interface BuildOptions {
  logger?: FastifyServerOptions['logger'];
  /** Visit counters flush period (0: only on close; tests flush by hand). */
  flushEveryMs?: number;
  /** OAI-PMH records per answer (default 100; tests set a few to exercise resumption tokens). */
  oaiPageSize?: number;
  /** Bytes of rendered pages kept in memory (default 16 MB; 0 turns the cache off). */
  pageCacheBytes?: number;
  /** Milliseconds of ranking work a search may take before it answers with what it found (default 150). */
  searchBudgetMs?: number;
}

function errorLanguage(app: FastifyInstance, request: FastifyRequest): string {
  const languages = app.portal.settings().portal.languages;
  const first = request.url.split('/')[1];
  return first && languages.includes(first as never) ? first : negotiateLanguage(request.headers['accept-language'], languages);
}

export function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/') || request.url === '/healthz';
}

/** Errors answered as a JSON body rather than a page: the public API and the admin area's. */
const answersJson = (request: FastifyRequest) => isApi(request) || request.url.startsWith('/admin/api/');

/** The pages' Content-Security-Policy. */
const CSP_DIRECTIVES: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

/** Helmet's options: the same headers through @fastify/helmet's hook and, on malformed addresses that never reach it, through helmet itself. */
function helmetOptions(secure: boolean) {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' as const },
    hsts: secure ? { maxAge: 15552000, includeSubDomains: true } : false,
  };
}

export async function buildApp(ctx: PortalContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const securityHeaders = helmetMiddleware(helmetOptions(ctx.secureCookies === true));
  const app: FastifyInstance = Fastify({
    ...serverOptions(options.logger),
    // Addresses the router refuses before any hook (bad percent-encoding, a part past
    // maxParamLength): Fastify's own answer was English JSON echoing the whole address, query
    // string included, without the security headers. They get the portal's error page (or the
    // API's error body), with helmet's headers set here since its hook does not run.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      securityHeaders(request.raw, reply.raw, () => undefined);
      request.log.info({ err: error.code, url: pathOnly(request.url) }, 'malformed address');
      if (answersJson(request)) {
        return reply.code(400).send({ error: { code: 'bad_request', message: 'the address is malformed (bad percent-encoding, or a part too long)' } });
      }
      return errorPage(app, request, reply, 400, '', { key: 'errors.malformed_address' });
    },
    // X-Forwarded-For is believed only from the proxies listed in trust_proxy (read live, so a
    // config reload applies): request.ip is then the visitor's address, else the socket's peer.
    trustProxy: trustProxy(() => ctx.settings().portal.trust_proxy),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;
  app.decorate('portal', ctx);
  const routeList: Array<{ method: string; url: string }> = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: route.url });
  });
  app.decorate('counters', new Counters(ctx.store, ctx.now, options.flushEveryMs ?? 5_000));
  app.addHook('onClose', async () => app.counters.close());

  await app.register(helmet, helmetOptions(ctx.secureCookies === true));
  // node:querystring turns invalid percent-encoded UTF-8 into U+FFFD, which the forms refuse with a
  // clear message (fast-querystring, the default, would keep the raw escapes).
  await app.register(formbody, { bodyLimit: 32 * 1024, parser: (body: string) => querystring.parse(body) });
  await app.register(rateLimit, { global: false, keyGenerator: (request) => clientKey(request.ip) });
  await app.register(fastifyStatic, {
    root: STATIC_DIR,
    prefix: '/static/',
    maxAge: 3_600_000,
    decorateReply: false,
    index: false,
    dotfiles: 'deny',
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'National Integrity Portal API',
        description: 'The catalogue of what the partner institutions publish, their freshness and the directory of claim channels.',
        version: '1.0.0',
      },
    },
    hideUntagged: true,
  });
  await app.register(view, {
    engine: { handlebars: createHandlebars(ctx) },
    root: VIEWS_DIR,
    layout: 'layout.hbs',
    viewExt: 'hbs',
    production: true,
    options: {
      partials: {
        itemList: 'partials/item-list.hbs',
        pagination: 'partials/pagination.hbs',
        facets: 'partials/facets.hbs',
        channel: 'partials/channel.hbs',
        adminNav: 'partials/admin-nav.hbs',
        course: 'partials/course.hbs',
        sessions: 'partials/sessions.hbs',
        citation: 'partials/citation.hbs',
        seriesCards: 'partials/series-cards.hbs',
        textScreens: 'partials/text-screens.hbs',
      },
    },
  });
  app.decorate('renderer', makeRenderer(app, ctx, options.pageCacheBytes));
  app.decorate('reads', ctx.reads ?? inlineReads(ctx.store));
  app.decorate('searchOptions', { budgetMs: options.searchBudgetMs ?? 150 });

  // Forms are the portal's own: any state-changing request sent from another site's page (Origin or
  // Sec-Fetch-Site say so; a malformed Origin too) is refused before its body is read. The forms'
  // anti-forgery tokens come on top of this.
  let warnedProxy = false;
  app.addHook('onRequest', async (request, reply) => {
    if (!warnedProxy && request.headers['x-forwarded-for'] !== undefined && ctx.settings().portal.trust_proxy.length === 0) {
      warnedProxy = true;
      request.log.warn('requests carry X-Forwarded-For but trust_proxy is empty in portal.yaml: if the portal is behind a reverse proxy, list its address there, or every visitor shares the proxy\'s address for the sign-in throttle and the suggestions limit');
    }
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
    const reason = crossSiteReason(request.headers, ctx.settings().portal.site.base_url);
    if (!reason) return;
    request.log.warn({ reason, url: pathOnly(request.url) }, 'a form sent from another site was refused');
    if (isApi(request)) return reply.code(403).send({ error: { code: 'forbidden', message: `refused: ${reason}` } });
    const lang = errorLanguage(app, request);
    return errorPage(app, request, reply, 403, ctx.i18n.t(lang, 'errors.cross_site_text'));
  });

  // Visits: pages that answered 200 (or 304: the visitor's copy was current) to a person, counted
  // after the answer is sent.
  app.addHook('onResponse', async (request, reply) => {
    if (request.visitGroup && (reply.statusCode === 200 || reply.statusCode === 304) && request.method === 'GET' && !isBot(request.headers['user-agent'])) {
      app.counters.visit(request.visitGroup, request.visitLang ?? 'fr');
    }
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: loggableError(error), url: pathOnly(request.url) }, 'request failed');
    else request.log.info({ err: withoutValues(error.message), url: pathOnly(request.url) }, 'bad request');
    const message = status === 503 ? error.message : status >= 500 ? 'internal error' : error.validation ? describeValidation(error) : error.message;
    // 503: the catalogue's readers are busy or restarting (publisher/read-pool.ts).
    if (status === 503) reply.header('retry-after', '5');
    if (answersJson(request)) {
      const code = status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : status === 403 ? 'forbidden' : status === 503 ? 'unavailable' : status >= 500 ? 'internal_error' : 'bad_request';
      return reply.code(status).send({ error: { code, message } });
    }
    // A 403 of a plugin (a dotfile under /static/) carries an English word: the page says it in the visitor's language.
    return errorPage(app, request, reply, status, status === 403 ? '' : message, (error as { localized?: Localized }).localized);
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (isApi(request)) return reply.code(404).send({ error: { code: 'not_found', message: `no such resource: ${request.url.split('?')[0]}` } });
    return errorPage(app, request, reply, 404, '');
  });

  await app.register(pageRoutes);
  await app.register(textRoutes);
  await app.register(statisticsRoutes);
  await app.register(suggestionRoutes);
  await app.register(feedRoutes);
  await app.register(oaiRoutes, { pageSize: options.oaiPageSize });
  await app.register(sitemapRoutes);
  await app.register(catalogRoutes);
  await app.register(apiRoutes);
  await app.register(depositFileRoutes);
  await app.register(adminRoutes);
  return app;
}

function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = (first.instancePath || '').replace(/^\//, '') || String((first.params as { missingProperty?: string })?.missingProperty ?? '');
  const field = where ? `${where}: ` : '';
  return `${field}${first.message ?? 'invalid value'}`.replace(/^querystring\//, '');
}

/** A message the error page shows in the visitor's language (an i18n key and its values). */
export interface Localized {
  key: string;
  vars?: Record<string, unknown>;
}

export async function errorPage(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, status: number, message: string, localized?: Localized): Promise<FastifyReply> {
  const lang = errorLanguage(app, request);
  const t = (key: string, vars?: Record<string, unknown>) => app.portal.i18n.t(lang, key, vars);
  const kind = status === 404 ? 'not_found' : status === 429 ? 'rate' : status === 403 ? 'forbidden' : status === 503 ? 'busy' : status >= 500 ? 'server' : 'bad_request';
  const title = t(`errors.${kind}_title`);
  // A 429 says when to come back (from its Retry-After), in the visitor's language.
  const retry = Number(reply.getHeader('retry-after'));
  const minutes = Number.isFinite(retry) && retry > 0 ? Math.ceil(retry / 60) : 1;
  const text =
    status === 404
      ? t('errors.not_found_text')
      : status === 429
        ? t('errors.rate_text', { minutes })
        : status === 503
          ? t('errors.busy_text')
          : status >= 500
            ? t('errors.server_text')
            : status === 403
              ? message || t('errors.forbidden_text')
              : localized
                ? t(localized.key, localized.vars)
            : t('errors.bad_request_text', { message });
  try {
    return await app.renderer.page(request, reply, lang, 'error', { status, heading: title, text }, { title, status, noindex: true, path: '/' });
  } catch (error) {
    request.log.error({ err: loggableError(error) }, 'the error page itself failed');
    return reply.code(status).type('text/plain; charset=utf-8').send(`${status} ${title}`);
  }
}
