// The DCAT-AP catalogue (publisher/dcat.ts) as Turtle and JSON-LD, rebuilt when the catalogue
// changes; /catalog, the catalogue's own IRI, sends a client to one of them by its Accept header.
import { type FastifyInstance } from 'fastify';
import { catalogSeries, catalogTriples, toJsonLd, toTurtle } from '../dcat.ts';

export async function catalogRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  let cached: { key: string; settings: unknown; turtle: string; jsonld: string } | undefined;
  const documents = () => {
    const key = String(ctx.store.library.changeMark());
    const settings = ctx.settings();
    if (cached?.key !== key || cached.settings !== settings) {
      const triples = catalogTriples(ctx, ctx.store.library.collections(), catalogSeries(ctx));
      cached = { key, settings, turtle: toTurtle(triples), jsonld: toJsonLd(triples) };
    }
    return cached;
  };
  app.get('/catalog.ttl', async (_request, reply) =>
    reply.type('text/turtle; charset=utf-8').header('cache-control', 'public, max-age=3600').header('access-control-allow-origin', '*').send(documents().turtle),
  );
  app.get('/catalog.jsonld', async (_request, reply) =>
    reply.type('application/ld+json; charset=utf-8').header('cache-control', 'public, max-age=3600').header('access-control-allow-origin', '*').send(documents().jsonld),
  );
  app.get('/catalog', async (request, reply) => {
    const accept = request.headers.accept ?? '';
    const turtle = /text\/turtle/.test(accept) && !/application\/(ld\+)?json/.test(accept);
    return reply.header('vary', 'Accept').redirect(turtle ? '/catalog.ttl' : '/catalog.jsonld', 303);
  });
}
