// The web app as a Fastify instance built from a PortalContext; the server command only starts it,
// and tests call `buildApp` and `app.inject()` (fastify/demo's app.ts / server.ts split).
import path from 'node:path';
import querystring from 'node:querystring';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import view from '@fastify/view';
import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { type PortalContext } from './context.ts';
import { negotiateLanguage } from './i18n.ts';
import { inlineReads, type Reads } from './reads.ts';
import { createHandlebars, makeRenderer, type Renderer } from './render.ts';
import { adminRoutes } from './routes/admin.ts';
import { apiRoutes } from './routes/api.ts';
import { feedRoutes } from './routes/feeds.ts';
import { pageRoutes } from './routes/pages.ts';
import { suggestionRoutes } from './routes/suggestions.ts';
import { Counters, isBot } from './visits.ts';

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

/** Options shared by the server command and the tests. */
export function serverOptions(logger: FastifyServerOptions['logger'] = false): FastifyServerOptions {
  return {
    logger,
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

export async function buildApp(ctx: PortalContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(options.logger)).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;
  app.decorate('portal', ctx);
  const routeList: Array<{ method: string; url: string }> = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: route.url });
  });
  app.decorate('counters', new Counters(ctx.store, ctx.now, options.flushEveryMs ?? 5_000));
  app.addHook('onClose', async () => app.counters.close());

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
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
      },
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    hsts: ctx.secureCookies ? { maxAge: 15552000, includeSubDomains: true } : false,
  });
  // node:querystring turns invalid percent-encoded UTF-8 into U+FFFD, which the forms refuse with a
  // clear message (fast-querystring, the default, would keep the raw escapes).
  await app.register(formbody, { bodyLimit: 32 * 1024, parser: (body: string) => querystring.parse(body) });
  await app.register(rateLimit, { global: false });
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
      },
    },
  });
  app.decorate('renderer', makeRenderer(app, ctx, options.pageCacheBytes));
  app.decorate('reads', ctx.reads ?? inlineReads(ctx.store));
  app.decorate('searchOptions', { budgetMs: options.searchBudgetMs ?? 150 });

  // Visits: pages that answered 200 (or 304: the visitor's copy was current) to a person, counted
  // after the answer is sent.
  app.addHook('onResponse', async (request, reply) => {
    if (request.visitGroup && (reply.statusCode === 200 || reply.statusCode === 304) && request.method === 'GET' && !isBot(request.headers['user-agent'])) {
      app.counters.visit(request.visitGroup, request.visitLang ?? 'fr');
    }
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    else request.log.info({ err: error.message, url: request.url }, 'bad request');
    const message = status === 503 ? error.message : status >= 500 ? 'internal error' : error.validation ? describeValidation(error) : error.message;
    // 503: the catalogue's readers are busy or restarting (publisher/read-pool.ts).
    if (status === 503) reply.header('retry-after', '5');
    if (isApi(request) || request.url.startsWith('/admin/api/')) {
      const code = status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : status === 503 ? 'unavailable' : status >= 500 ? 'internal_error' : 'bad_request';
      return reply.code(status).send({ error: { code, message } });
    }
    return errorPage(app, request, reply, status, message, (error as { localized?: Localized }).localized);
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (isApi(request)) return reply.code(404).send({ error: { code: 'not_found', message: `no such resource: ${request.url.split('?')[0]}` } });
    return errorPage(app, request, reply, 404, '');
  });

  await app.register(pageRoutes);
  await app.register(suggestionRoutes);
  await app.register(feedRoutes);
  await app.register(apiRoutes);
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
  const kind = status === 404 ? 'not_found' : status === 429 ? 'rate' : status === 503 ? 'busy' : status >= 500 ? 'server' : 'bad_request';
  const title = t(`errors.${kind}_title`);
  const text =
    status === 404
      ? t('errors.not_found_text')
      : status === 503
        ? t('errors.busy_text')
        : status >= 500
          ? t('errors.server_text')
          : localized
            ? t(localized.key, localized.vars)
            : t('errors.bad_request_text', { message });
  try {
    return await app.renderer.page(request, reply, lang, 'error', { status, heading: title, text }, { title, status, noindex: true, path: '/' });
  } catch (error) {
    request.log.error({ err: error }, 'the error page itself failed');
    return reply.code(status).type('text/plain; charset=utf-8').send(`${status} ${title}`);
  }
}
