// Run as a separate process by the crash tests: opens a catalogue and prints, as one JSON line,
// its integrity check, its runs, and a digest of every item (so two states can be compared).
import { createHash } from 'node:crypto';
import { openStore } from '../../store/index.ts';

const file = process.argv[2]!;
const store = openStore(file, { readonly: process.argv.includes('--readonly') });
const items = store.items.allIds(1_000_000).map(({ id }) => {
  const item = store.items.get(id, 1_000_000)!;
  return { id, title: item.title, url: item.url, text: item.text, published_at: item.published_at, versions: item.versions.length };
});
items.sort((a, b) => a.id.localeCompare(b.id));
const digest = createHash('sha256').update(JSON.stringify(items)).digest('hex');
const urls = new Set(items.map((i) => i.url));
process.stdout.write(
  `${JSON.stringify({
    integrity: store.integrityCheck(),
    count: items.length,
    distinctUrls: urls.size,
    titles: items.map((i) => i.title),
    digest,
    runs: store.runs.recent(50).map((r) => ({ id: r.run_id, status: r.status })),
  })}\n`,
);
store.close();
