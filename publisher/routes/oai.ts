// /oai: the OAI-PMH 2.0 repository (publisher/oai.ts), by GET (query string) or POST (form body,
// application/x-www-form-urlencoded), as the protocol allows both. Protocol errors are XML
// answers with status 200 (spec 3.6).
import { type FastifyInstance } from 'fastify';
import { OaiRepository } from '../oai.ts';

export async function oaiRoutes(app: FastifyInstance, options: { pageSize?: number }): Promise<void> {
  const repository = new OaiRepository(app.portal, { pageSize: options.pageSize ?? 100 });
  const send = (raw: unknown) => repository.answer(raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {});
  app.get('/oai', async (request, reply) => reply.type('text/xml; charset=utf-8').header('cache-control', 'no-store').send(send(request.query)));
  app.post('/oai', async (request, reply) => reply.type('text/xml; charset=utf-8').header('cache-control', 'no-store').send(send(request.body)));
}
