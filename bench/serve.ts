// The server the publisher benchmark measures, in its own process (autocannon runs in another):
// the real app over a seeded database, plus a static string route on the same Fastify instance.
// Prints one JSON line when ready: the port and the time from process start to ready.
import { loadConfig } from '../config/index.ts';
import { buildApp, ensureSecret, I18n } from '../publisher/index.ts';
import { openStore } from '../store/index.ts';

const [configDir, dbFile, cacheEntries] = process.argv.slice(2);
const settings = loadConfig(configDir!).config!;
const store = openStore(dbFile!);
const app = await buildApp(
  { store, settings: () => settings, configErrors: () => [], i18n: new I18n(), now: () => new Date(), secret: ensureSecret(store) },
  { pageCacheEntries: Number(cacheEntries ?? 500) },
);
// The page as a cached string, served by the same instance: the ceiling each page is compared
// with (/bench/static/fr/publications serves the bytes of /fr/publications, rendered once).
const staticPages = new Map<string, string>();
app.get('/bench/static/*', async (request, reply) => {
  const path = request.url.slice('/bench/static'.length);
  let html = staticPages.get(path);
  if (html === undefined) {
    html = (await app.inject({ url: path, headers: { 'user-agent': 'bench' } })).body;
    staticPages.set(path, html);
  }
  return reply.type('text/html; charset=utf-8').send(html);
});
app.get('/bench/rss', async () => ({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address() as { port: number };
process.stdout.write(`${JSON.stringify({ port: address.port, readyMs: Math.round(performance.now()) })}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  store.close();
  process.exit(0);
});
