// OCR wired into harvests and deposits (harvester/ocr-queue.ts, store/ocr.ts): a harvest keeps
// the bytes of PDFs whose pages have no text layer and queues them; the worker reads the queue
// and every item of that file gets the recognised pages, indexed like any text, without a new
// version; nothing is read twice unless the file changes; the queue's bound, documents waiting
// for room and read again by a later harvest; deposits read in place; a stopped worker and a
// dead one give their documents back; OCR turned off. The recognition itself is a stand-in
// Tesseract (a shell script: fast, and says which page it read); poppler is the real one. The
// real engine's accuracy is tests/connectors/ocr.test.ts's, the whole chain's
// tests/harvester/library-acceptance.test.ts's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { OcrEngine, ocrOptionsFrom } from '../../connectors/index.ts';
import { makePdf } from '../../demo/pdf.ts';
import { depositItem } from '../../harvester/deposit-item.ts';
import { runOcrQueue } from '../../harvester/index.ts';
import { ftsQuery, parseQuery } from '../../publisher/search.ts';
import { openStore, type Store } from '../../store/index.ts';
import { makeBed, type Bed } from '../helpers/harvest.ts';
import { installed } from '../helpers/scans.ts';
import { startServer, type FixtureServer } from '../helpers/server.ts';

if (!installed('pdftoppm', ['-v']) || !installed('pdfinfo', ['-v'])) {
  t.plan(0, 'poppler-utils missing (apt-get install poppler-utils): OCR cannot rasterise pages');
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-ocr-queue-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const calls = path.join(dir, 'calls.log');

/** A stand-in Tesseract: lists its languages, says "Latin" to script detection, and reads "page N". */
function fakeTesseract(name: string, read: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    `#!/bin/sh
if [ "$1" = "--list-langs" ]; then printf 'List of available languages in "/x/" (4):\\nara\\neng\\nfra\\nosd\\n'; exit 0; fi
case "$*" in *"--psm 0"*) printf 'Script: Latin\\n'; exit 0;; esac
echo "$1" >> "${calls}"
page=$(basename "$1" .png | sed 's/^page-//')
${read}
`,
    { mode: 0o755 },
  );
  return file;
}

const READER = fakeTesseract('tesseract', `printf 'Page %s reconnue : gouvernance territoriale et empreinte %s.\\n' "$page" "$(cksum < "$1" | cut -c1-6)"`);
const recognitions = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean).length : 0);

function engineFor(bed: Bed, tesseract = READER): OcrEngine {
  return new OcrEngine({ ...ocrOptionsFrom(bed.settings.portal.harvest), binaries: { tesseract }, tempDir: dir });
}

function listing(rows: Array<{ title: string; href: string }>): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Publications</title></head><body><main>
${rows.map((r) => `<div class="row"><h3><a href="${r.href}">${r.title}</a></h3><span class="date">15 mai 2024</span></div>`).join('\n')}
</main></body></html>`;
}

function source(server: FixtureServer, prefix: string) {
  return { id: 'reports', type: 'html', url: `${server.url}/${prefix}/publications`, section: 'publications', doc_type: 'report', select: { item: '.row', title: 'h3', link: 'h3 a@href', date: '.date' }, follow_pdf: true };
}

const byTitle = (store: Store, title: string) => {
  const row = store.items.list({}, 1, 100).items.find((i) => i.title === title);
  if (!row) throw new Error(`no item "${title}"`);
  return row;
};

const found = (store: Store, words: string) => store.items.search(ftsQuery(parseQuery(words))!, {}, 1, 50).items.map((i) => i.title);

let server: FixtureServer;
t.before(async () => {
  server = await startServer();
});
t.teardown(() => server.close());

const pdf = { headers: { 'content-type': 'application/pdf' } };

t.test('a harvest queues its scans; the worker reads them; their words are found, with no new version', async (t) => {
  server.set('/a/text.pdf', { ...pdf, body: await makePdf({ pages: ['Rapport sur la probité des services publics', 'Deuxième page du rapport'] }) });
  server.set('/a/scan.pdf', { ...pdf, body: await makePdf({ scanned: true, pages: ['', ''] }) });
  server.set('/a/mixed.pdf', { ...pdf, body: await makePdf({ pages: ['Annexe : une première page avec du texte', ''] }) });
  const rows = [
    { title: 'Rapport texte', href: '/a/text.pdf' },
    { title: 'Rapport numérisé', href: '/a/scan.pdf' },
    { title: 'Rapport mixte', href: '/a/mixed.pdf' },
  ];
  server.set('/a/publications', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: listing(rows) });
  // A file, so that a second connection (a read worker's) can look at it.
  const dbFile = path.join(dir, 'first.db');
  const bed = makeBed({ partners: [{ id: 'alpha', sources: [source(server, 'a')] }] }, dbFile);
  t.teardown(() => bed.close());
  const engine = engineFor(bed);
  const [outcome] = await bed.harvest({ ocrEngine: engine });
  t.equal(outcome!.status, 'ok');
  const { store } = bed;
  const reader = openStore(dbFile, { readonly: true });
  t.teardown(() => reader.close());

  t.match(byTitle(store, 'Rapport texte'), { text_source: 'layer', text_pages: 2, scanned: false });
  t.match(byTitle(store, 'Rapport numérisé'), { text_source: null, text_pages: 0, scanned: true }, 'the scan is flagged and has no text yet');
  t.match(byTitle(store, 'Rapport mixte'), { text_source: 'layer', text_pages: 1 });
  const jobs = store.ocr.jobs();
  t.same(jobs.map((j) => [j.status, j.pages]).sort(), [['queued', [1, 2]], ['queued', [2]]], 'the scan and the blank page are queued');
  t.equal(store.ocr.scans.list().length, 2, 'their files are kept for OCR');
  t.same(found(store, 'gouvernance territoriale'), [], 'nothing recognised yet');
  t.same(found(reader, 'gouvernance territoriale'), [], 'nor for a read worker, which keeps the (empty) answer');
  const catalogueBefore = store.items.watermark();
  const scanBefore = store.items.itemWatermark(byTitle(store, 'Rapport numérisé').id)!;
  const textBefore = store.items.itemWatermark(byTitle(store, 'Rapport texte').id)!;

  const summary = await runOcrQueue({ store, settings: bed.settings, engine });
  t.match(summary, { documents: 2, pages: 3, failed: 0, remaining: 0 });
  t.equal(recognitions(), 3, 'three pages recognised');
  const scan = byTitle(store, 'Rapport numérisé');
  t.match(scan, { text_source: 'ocr', text_pages: 2, scanned: true });
  const text = store.items.text(scan.pk);
  t.same(text.spans?.map((s) => [s[0], s[3]]), [[1, 1], [2, 1]], 'two recognised pages');
  t.match(text.text, /^Page 1 reconnue : gouvernance territoriale/);
  const mixed = store.items.text(byTitle(store, 'Rapport mixte').pk);
  t.same(mixed.spans?.map((s) => [s[0], s[3]]), [[1, 0], [2, 1]], 'page 1 from its text layer, page 2 recognised');
  t.equal(byTitle(store, 'Rapport mixte').text_source, 'ocr');
  t.same(found(store, 'gouvernance territoriale').sort(), ['Rapport mixte', 'Rapport numérisé'], 'the recognised words are searchable');
  t.equal(store.items.get(scan.id)!.versions.length, 1, 'OCR made no new version: the partner changed nothing');
  // What the pages and search show changed without a version: the pages' validators (ETag) and the
  // read workers' cached searches must see it all the same.
  t.not(store.items.watermark().version, catalogueBefore.version, "the catalogue's watermark moved (listing and search pages)");
  t.not(store.items.itemWatermark(scan.id)!.version, scanBefore.version, "the scan's own watermark moved (its page and text view)");
  t.ok(Date.parse(store.items.itemWatermark(scan.id)!.changedAt!) >= Date.parse(scanBefore.changedAt!), 'and its Last-Modified did not go back');
  t.same(store.items.itemWatermark(byTitle(store, 'Rapport texte').id), textBefore, "an item OCR did not touch keeps its watermark (its page stays valid)");
  t.same(found(reader, 'gouvernance territoriale').sort(), ['Rapport mixte', 'Rapport numérisé'], "a read worker's search sees the recognised words");
  t.same(store.ocr.jobs().map((j) => j.status), ['done', 'done']);
  t.same(store.ocr.scans.list(), [], 'the kept files are removed once read');

  t.test('nothing is read twice: the same files harvested again leave the text as it is', async (t) => {
    const before = recognitions();
    const [again] = await bed.harvest({ ocrEngine: engine });
    t.equal(again!.status, 'not_modified');
    t.match(await runOcrQueue({ store, settings: bed.settings, engine }), { documents: 0 });
    t.equal(recognitions(), before);
    t.equal(byTitle(store, 'Rapport numérisé').text_source, 'ocr', 'the recognised text stays');
  });

  t.test('a new scan in the file is read again (redone only when the file changes)', async (t) => {
    const before = recognitions();
    const oldHash = store.ocr.jobs().find((j) => j.pages.length === 2)!.file_hash;
    server.set('/a/scan.pdf', { ...pdf, body: await makePdf({ scanned: true, pages: ['', '', ''] }) });
    server.set('/a/publications', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: listing([...rows, { title: 'Rapport ajouté', href: '/a/text.pdf' }]) });
    // Linked documents are read again once a week.
    const later = new Date(Date.now() + 8 * 86_400_000);
    const [outcome] = await bed.harvest({ ocrEngine: engine, now: () => later });
    t.equal(outcome!.status, 'ok');
    const job = store.ocr.jobs().find((j) => j.status === 'queued');
    t.match(job, { pages: [1, 2, 3] }, 'the new file is queued');
    t.not(job!.file_hash, oldHash);
    // Text recognised on a file belongs to that file: the new one has none until it is read.
    t.match(byTitle(store, 'Rapport numérisé'), { text_source: null, text_pages: 0 });
    t.match(await runOcrQueue({ store, settings: bed.settings, engine }), { documents: 1, pages: 3 });
    t.equal(recognitions(), before + 3, 'only the new file was read');
    t.match(byTitle(store, 'Rapport numérisé'), { text_source: 'ocr', text_pages: 3 });
  });
});

t.test('the queue is bounded; a document beyond it waits, and a later harvest reads it again', async (t) => {
  server.set('/b/one.pdf', { ...pdf, body: await makePdf({ scanned: true, pages: [''] }) });
  server.set('/b/two.pdf', { ...pdf, body: await makePdf({ scanned: true, pages: ['', ''] }) });
  server.set('/b/publications', {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: listing([
      { title: 'Scan un', href: '/b/one.pdf' },
      { title: 'Scan deux', href: '/b/two.pdf' },
    ]),
  });
  const bed = makeBed({ harvest: { ocr_queue: 1 }, partners: [{ id: 'beta', sources: [source(server, 'b')] }] });
  t.teardown(() => bed.close());
  const engine = engineFor(bed);
  await bed.harvest({ ocrEngine: engine });
  const { store } = bed;
  t.same(store.ocr.jobs().map((j) => j.status).sort(), ['queued', 'waiting'], 'one queued, one waiting for room');
  t.equal(store.ocr.scans.list().length, 1, 'only the queued one\'s file is kept');
  t.same(store.ocrCounts(), { waiting: 1, queued: 1 });
  t.match(await runOcrQueue({ store, settings: bed.settings, engine }), { documents: 1 });
  const hits = server.hits('/b/two.pdf') + server.hits('/b/one.pdf');
  // The listing did not change: the waiting document is read again all the same.
  const [again] = await bed.harvest({ ocrEngine: engine });
  t.equal(again!.status, 'ok');
  t.equal(server.hits('/b/two.pdf') + server.hits('/b/one.pdf'), hits + 1, 'the waiting document was fetched again, once');
  t.same(store.ocr.jobs().map((j) => j.status).sort(), ['done', 'queued']);
  t.match(await runOcrQueue({ store, settings: bed.settings, engine }), { documents: 1 });
  t.same(
    ['Scan un', 'Scan deux'].map((title) => byTitle(store, title).text_source),
    ['ocr', 'ocr'],
  );
  const [third] = await bed.harvest({ ocrEngine: engine });
  t.equal(third!.status, 'not_modified', 'nothing waits any more: the listing is not read again');
});

t.test('a deposited scan is read in place, its file kept', async (t) => {
  const bed = makeBed({ partners: [{ id: 'gamma', sources: [], review_deposits: false }] });
  t.teardown(() => bed.close());
  const { store, settings } = bed;
  const bytes = await makePdf({ scanned: true, pages: ['', ''] });
  const hash = await store.files.put(bytes);
  const now = new Date().toISOString();
  const id = store.deposits.create(
    'gamma',
    'focal-gamma',
    {
      titles: { fr: 'Guide déposé numérisé' },
      description: '',
      section: 'publications',
      docType: 'guide',
      language: 'fr',
      documentDate: '2025-01-02',
      kind: 'file',
      file: { hash, name: 'guide.pdf', size: bytes.length, text: '', pages: 2, scanned: true, note: 'scanned', pageMap: [], ocrPages: [1, 2] },
      linkUrl: null,
    },
    now,
    { review: false, baseUrl: settings.portal.site.base_url, maxTextChars: settings.portal.harvest.max_text_chars, makeItem: depositItem },
  );
  t.match(store.ocr.jobs(), [{ file_hash: hash, status: 'queued', store: 'deposits', language: 'fr', pages: [1, 2] }], 'queued in the deposit\'s language');
  t.match(await runOcrQueue({ store, settings, engine: engineFor(bed) }), { documents: 1, pages: 2, items: 1 });
  const item = store.items.get(store.deposits.get(id)!.item_id!)!;
  t.match(item, { text_source: 'ocr', text_pages: 2 });
  t.ok(store.files.has(hash), 'the deposit\'s file stays');
  t.same(found(store, 'gouvernance'), ['Guide déposé numérisé']);
});

t.test('a stopped worker gives its document back; a dead worker\'s document is taken again', async (t) => {
  server.set('/c/scan.pdf', { ...pdf, body: await makePdf({ scanned: true, pages: [''] }) });
  server.set('/c/publications', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: listing([{ title: 'Scan long', href: '/c/scan.pdf' }]) });
  const bed = makeBed({ partners: [{ id: 'delta', sources: [source(server, 'c')] }] });
  t.teardown(() => bed.close());
  const { store, settings } = bed;
  const slow = new OcrEngine({ ...ocrOptionsFrom(settings.portal.harvest), binaries: { tesseract: fakeTesseract('slow-tesseract', 'exec sleep 120') }, tempDir: dir });
  await bed.harvest({ ocrEngine: slow });
  const stop = new AbortController();
  let tesseracts = 0;
  slow.on('process-start', ({ command }: { command: string }) => {
    // The second Tesseract of the page is the recognition itself (the first detects the script).
    if (command === 'slow-tesseract' && ++tesseracts === 2) setImmediate(() => stop.abort());
  });
  const stopped = await runOcrQueue({ store, settings, engine: slow, signal: stop.signal });
  t.match(stopped, { documents: 0, failed: 0, remaining: 1 });
  t.match(store.ocr.jobs(), [{ status: 'queued', attempts: 1 }], 'back in the queue');
  t.equal(slow.stats().processes, 0, 'its programs were killed');

  // A worker that died (its process is gone) left its job running: the next run takes it again.
  t.equal(store.claimOcrJob(`${os.hostname()}:2147483646`, new Date().toISOString())?.attempts, 2);
  t.match(store.ocr.jobs(), [{ status: 'running' }]);
  t.match(await runOcrQueue({ store, settings, engine: engineFor(bed) }), { documents: 1 });
  t.equal(byTitle(store, 'Scan long').text_source, 'ocr');
});

t.test('OCR turned off (ocr_concurrency: 0): scans are flagged, nothing is kept or queued', async (t) => {
  server.set('/d/scan.pdf', { ...pdf, body: await makePdf({ scanned: true, pages: [''] }) });
  server.set('/d/publications', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: listing([{ title: 'Scan sans OCR', href: '/d/scan.pdf' }]) });
  const bed = makeBed({ harvest: { ocr_concurrency: 0 }, partners: [{ id: 'epsilon', sources: [source(server, 'd')] }] });
  t.teardown(() => bed.close());
  await bed.harvest({ ocrEngine: engineFor(bed) });
  t.match(byTitle(bed.store, 'Scan sans OCR'), { scanned: true, text_source: null });
  t.same(bed.store.ocr.jobs().map((j) => j.status), ['waiting']);
  t.same(bed.store.ocr.scans.list(), []);
  t.match(await runOcrQueue({ store: bed.store, settings: bed.settings }), { documents: 0, unavailable: /turned off/ });
});
