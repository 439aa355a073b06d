// The server bench:datasets measures, in its own process (autocannon runs in another): the real
// app over the seeded database with the page cache off, so every request renders its page.
// Prints one JSON line when ready: the port.
import { loadConfig } from '../config/index.ts';
import { buildApp, ensureSecret, I18n } from '../publisher/index.ts';
import { openStore } from '../store/index.ts';

const [configDir, dbFile] = process.argv.slice(2);
const settings = loadConfig(configDir!).config!;
const store = openStore(dbFile!);
const app = await buildApp(
  { store, settings: () => settings, configErrors: () => [], i18n: new I18n(), now: () => new Date(), secret: ensureSecret(store) },
  { pageCacheBytes: 0 },
);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as { port: number }).port })}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  store.close();
  process.exit(0);
});
