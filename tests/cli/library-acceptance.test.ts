// The online library's acceptance check, as an operator runs the portal: a simulated partner
// site on loopback publishes a text PDF and scans (image-only PDFs of French and Arabic text,
// rasterised by poppler, no text layer) in a listing and as a `type: pdf` source; `portal
// harvest` (a process) reads them and queues the scans; `portal serve` (startPortal) reads the
// queue in its background OCR process with the real pdftoppm and Tesseract; then everything is
// read back over HTTP: the API's text_source and pages, the text view page by page with its
// recognised pages marked, search finding words that exist only in the scans (with their page), and /oai.
// A second part strips PATH so that neither Tesseract nor poppler can be found: the portal says
// so once, the scans stay flagged, nothing else changes; once the programs are back, a harvest
// reads the waiting scan again and OCR gives it its text.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'cheerio';
import t from 'tap';
import { startPortal } from '../../cli/portal.ts';
import { makePdf, makeScan } from '../../demo/pdf.ts';
import { openStore } from '../../store/index.ts';
import { writeConfig } from '../helpers/config.ts';
import { installed } from '../helpers/scans.ts';
import { startServer } from '../helpers/server.ts';
import { ROOT } from '../helpers/root.ts';

if (!installed('pdftoppm', ['-v']) || !installed('tesseract', ['--version'])) {
  t.plan(0, 'OCR programs missing: apt-get install poppler-utils tesseract-ocr tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-eng');
  process.exit(0);
}

const PORTAL = path.join(ROOT, 'bin/portal.js');

/** `npx portal …` as a process, with its environment. */
function portal(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [PORTAL, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr, stdout })));
}

const FRENCH = [
  'Rapport sur la gouvernance territoriale\n\nLa commune publie ses budgets et ses marchés publics.\nLes citoyens peuvent consulter les délibérations du conseil.',
  'Chapitre deux : les recommandations\n\nRenforcer la transparence des subventions accordées aux associations.',
];
const ARABIC = ['تقرير حول الحكامة الترابية\n\nتنشر الجماعة ميزانياتها وصفقاتها العمومية.\nويمكن للمواطنين الاطلاع على مداولات المجلس.'];

const scanFr = (await makeScan({ title: 'Rapport numérisé', pages: FRENCH }))!;
const scanAr = (await makeScan({ title: 'تقرير ممسوح', pages: ARABIC }))!;
const text = await makePdf({ title: 'Rapport texte', pages: ['Rapport annuel sur la probité des services publics', 'Deuxième page : les indicateurs de suivi'] });
t.equal(execFileSync('pdftotext', ['-', '-'], { input: scanFr }).toString().trim(), '', 'the scans have no text layer');

const site = await startServer({
  '/publications': {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Publications</title></head><body>
      <div class="row"><h3><a href="/docs/texte.pdf">Rapport annuel texte</a></h3><span class="date">3 mars 2025</span></div>
      <div class="row"><h3><a href="/docs/scan-fr.pdf">Rapport numérisé sur la commune</a></h3><span class="date">4 mars 2025</span></div>
    </body></html>`,
  },
  '/docs/texte.pdf': { headers: { 'content-type': 'application/pdf' }, body: text },
  '/docs/scan-fr.pdf': { headers: { 'content-type': 'application/pdf' }, body: scanFr },
  '/docs/scan-ar.pdf': { headers: { 'content-type': 'application/pdf' }, body: scanAr },
});
t.teardown(() => site.close());

const partner = {
  id: 'omega',
  sources: [
    { id: 'reports', type: 'html', url: `${site.url}/publications`, section: 'publications', doc_type: 'report', select: { item: '.row', title: 'h3', link: 'h3 a@href', date: '.date' }, follow_pdf: true },
    { id: 'rapport-ar', type: 'pdf', url: `${site.url}/docs/scan-ar.pdf`, section: 'publications', doc_type: 'report', language: 'ar', title: { ar: 'تقرير الحكامة الترابية (نسخة ممسوحة)' } },
  ],
};

t.test('harvested scans are read by the background OCR and read back through the pages, the API and /oai', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-library-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const configDir = writeConfig({ harvest: { ocr_concurrency: 2, schedule: '0 0 1 1 *' }, partners: [partner] });
  const dbFile = path.join(dir, 'portal.db');
  const harvest = await portal(['harvest', '--config', configDir, '--db', dbFile]);
  t.equal(harvest.code, 0, harvest.stderr);
  t.match(harvest.stderr, /2 scanned documents wait for OCR/);

  // `portal serve`: OCR starts in the background at once; its last line says it is done.
  const lines: string[] = [];
  let finished: () => void = () => undefined;
  const ocrDone = new Promise<void>((resolve) => (finished = resolve));
  const out = {
    write: (chunk: string) => {
      for (const line of chunk.split('\n')) {
        lines.push(line);
        if (line.startsWith('OCR finished')) finished();
      }
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const running = await startPortal({ configDir, dbFile, host: '127.0.0.1', port: 0, harvest: true, reminders: false, out });
  t.teardown(() => running.close());
  await ocrDone;
  t.match(lines.find((l) => l.startsWith('OCR finished')), /^OCR finished: 2 documents read \(3 pages\), 0 failed, 0 left$/);

  const get = async (url: string) => {
    const response = await fetch(`${running.url}${url}`, { headers: { 'user-agent': 'Mozilla/5.0 test' } });
    return { status: response.status, body: await response.text() };
  };
  const items = JSON.parse((await get('/api/items?per_page=10')).body).items as Array<{ id: string; title: string; text_source: string | null; pages: number; scanned: boolean }>;
  const byTitle = Object.fromEntries(items.map((i) => [i.title, i]));
  t.match(byTitle['Rapport annuel texte'], { text_source: 'layer', pages: 2, scanned: false });
  t.match(byTitle['Rapport numérisé sur la commune'], { text_source: 'ocr', pages: 2, scanned: true });
  t.match(byTitle['تقرير الحكامة الترابية (نسخة ممسوحة)'], { text_source: 'ocr', pages: 1, scanned: true });

  const scanId = byTitle['Rapport numérisé sur la commune']!.id;
  const view = load((await get(`/fr/items/${scanId}/text?q=subventions`)).body);
  t.same(view('[data-page]').map((_, e) => view(e).attr('data-page')).get(), ['1', '2']);
  t.match(view('[data-page=1] .text-page-body').text(), /gouvernance territoriale/, 'the recognised text, page by page');
  t.equal(view('[data-page=2] mark').first().text(), 'subventions', 'found and highlighted in the recognised text');
  t.equal(view('.text-ocr-note').length, 2, 'both pages marked as recognised');
  t.equal(view('[data-page=2] header a').attr('href'), `${site.url}/docs/scan-fr.pdf#page=2`);

  const arId = byTitle['تقرير الحكامة الترابية (نسخة ممسوحة)']!.id;
  const arView = load((await get(`/ar/items/${arId}/text`)).body);
  t.equal(arView('[data-page=1]').attr('dir'), 'rtl');
  t.match(arView('[data-page=1] .text-page-body').text(), /الحكامة الترابية/, 'Arabic read back');

  // Words only the scans hold are found by the portal's search (and the API's).
  const search = JSON.parse((await get(`/api/items?q=${encodeURIComponent('délibérations')}`)).body);
  t.same(search.items.map((i: { id: string }) => i.id), [scanId]);
  const arSearch = JSON.parse((await get(`/api/items?q=${encodeURIComponent('مداولات')}`)).body);
  t.same(arSearch.items.map((i: { id: string }) => i.id), [arId]);
  // The search page (through serve's read workers) shows the recognised passage and its page.
  const page = load((await get('/fr/search?q=subventions')).body);
  t.equal(page('.item-card a.passage-page').attr('href'), `/fr/items/${scanId}/text?q=subventions#page-2`, 'p. 2, linking to that page of the text');
  t.equal(page('.item-card .snippet mark').first().text(), 'subventions');
  const item = load((await get(`/fr/items/${scanId}?q=subventions`)).body);
  t.equal(item('.passage-list .passage-where a').first().text(), 'Page 2', 'the item page reached from the search shows the passage');

  const oai = await get(`/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=${encodeURIComponent(`oai:portal.example:${scanId}`)}`);
  t.equal(oai.status, 200);
  t.match(oai.body, /<dc:title xml:lang="fr">Rapport numérisé sur la commune<\/dc:title>/);
  t.notMatch(oai.body, /<error/);
});

t.test('without Tesseract and poppler (PATH stripped): said once, the scan stays flagged, nothing else changes; read once they are back', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-noocr-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const configDir = writeConfig({ partners: [{ ...partner, sources: [partner.sources[0]!] }] });
  const dbFile = path.join(dir, 'portal.db');
  const stripped = { ...process.env, PATH: path.join(dir, 'nothing-here') };
  const first = await portal(['harvest', '--config', configDir, '--db', dbFile], stripped);
  const second = await portal(['harvest', '--config', configDir, '--db', dbFile], stripped);
  const ocr = await portal(['ocr', '--config', configDir, '--db', dbFile], stripped);
  for (const run of [first, second, ocr]) t.equal(run.code, 0, run.stderr);
  const all = first.stderr + second.stderr + ocr.stderr;
  t.equal(all.match(/OCR unavailable/g)?.length, 1, 'said once, across harvests and the OCR command');
  t.match(first.stderr, /"reason":"tesseract is not installed \(apt-get install tesseract-ocr/);
  t.match(ocr.stderr, /OCR did not run: tesseract is not installed/);
  t.notMatch(first.stderr + second.stderr, /wait for OCR/, 'nothing queued');
  t.match(first.stderr, /omega\/reports +ok +2 found, 2 new/, "the harvest as it always was");

  const store = openStore(dbFile);
  const scan = store.items.list({}, 1, 10).items.find((i) => i.title === 'Rapport numérisé sur la commune')!;
  t.match(scan, { scanned: true, text_source: null, text_pages: 0 }, 'flagged, without text');
  t.same(store.ocr.jobs().map((j) => j.status), ['waiting'], 'remembered as waiting for OCR');
  t.same(store.ocr.scans.list(), [], 'no file kept');
  t.equal(store.items.get(scan.id)!.versions.length, 1);
  store.close();

  // The programs are installed again: the next harvest reads the waiting scan again, OCR reads it.
  const back = await portal(['harvest', '--config', configDir, '--db', dbFile]);
  t.match(back.stderr, /OCR available again/);
  t.match(back.stderr, /1 scanned document waits for OCR/);
  const read = await portal(['ocr', '--config', configDir, '--db', dbFile]);
  t.match(read.stderr, /OCR finished: 1 document read \(2 pages\)/);
  const after = openStore(dbFile);
  t.match(after.items.get(scan.id), { text_source: 'ocr', text_pages: 2 });
  after.close();
});
