// The OCR engine (connectors/ocr.ts) against the real poppler and Tesseract: accuracy on scans
// generated from known French and Arabic texts (character error rate French ≤ 5 %, Arabic
// ≤ 15 %), script detection, the queue's concurrency and bound, the time and memory limits
// (the whole process group killed), a document that is not a PDF, and "unavailable" said once.
// Stand-in Tesseract scripts make a page block or hang on demand; pdfinfo and pdftoppm are real.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { OcrEngine, type OcrOptions, type OcrResult } from '../../connectors/index.ts';
import { makePdf } from '../../demo/pdf.ts';
import { chromiumAvailable, launch, NO_BROWSER } from '../helpers/browser.ts';
import { ARABIC_TEXT, FRENCH_TEXT, characterErrorRate, installed, scannedPdf } from '../helpers/scans.ts';

const hasPoppler = installed('pdftoppm', ['-v']) && installed('pdfinfo', ['-v']);
const hasTesseract = installed('tesseract', ['--version']);
const MISSING = `OCR programs missing: apt-get install poppler-utils tesseract-ocr tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-eng`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-ocr-test-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

const BASE: OcrOptions = { concurrency: 1, maxQueue: 10, pageTimeoutMs: 60_000, memoryBytes: 1024 ** 3, maxPages: 20 };

/** A stand-in for tesseract: answers the probe, then runs `body` for each recognition. */
function fakeTesseract(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    `#!/bin/sh
if [ "$1" = "--list-langs" ]; then printf 'List of available languages in "/x/" (4):\\nara\\neng\\nfra\\nosd\\n'; exit 0; fi
${body}
`,
    { mode: 0o755 },
  );
  return file;
}

/** A process that exited but was not reaped yet (a zombie, in a container without init) is gone. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const warnings: string[] = [];
const log = { warn: (_object: Record<string, unknown>, message: string) => warnings.push(message) };

t.test('missing programs: "unavailable", said once in the log, for every call', async (t) => {
  warnings.length = 0;
  const engine = new OcrEngine({ ...BASE, binaries: { tesseract: path.join(dir, 'no-such-tesseract') }, log });
  const pdf = await makePdf({ pages: ['x'], scanned: true });
  const results = await Promise.all([engine.recognise({ pdf }), engine.recognise({ pdf }), engine.recognise({ pdf })]);
  for (const result of results) {
    t.equal(result.status, 'unavailable');
    t.match((result as { message: string }).message, /tesseract is not installed \(apt-get install tesseract-ocr/);
  }
  t.equal(warnings.filter((w) => /OCR unavailable/.test(w)).length, 1, 'one warning for all calls');
  const off = new OcrEngine({ ...BASE, concurrency: 0 });
  t.same(await off.recognise({ pdf }), { status: 'unavailable', message: 'OCR is turned off (harvest.ocr_concurrency: 0)' });
});

t.test('generated scans read back: French CER ≤ 5 %, Arabic ≤ 15 %, script detected per page', { skip: !(hasPoppler && hasTesseract) ? MISSING : !chromiumAvailable() ? `${NO_BROWSER} to render the scans` : false }, async (t) => {
  const browser = await launch();
  t.teardown(() => browser.close());
  const french = await scannedPdf(browser, [FRENCH_TEXT], 'ltr');
  const arabic = await scannedPdf(browser, [ARABIC_TEXT], 'rtl');
  t.equal(execFileSync('pdftotext', ['-', '-'], { input: french }).toString().trim(), '', 'the scan has no text layer');
  const engine = new OcrEngine({ ...BASE, concurrency: 2 });
  const started = Date.now();
  const [fr, ar, detected] = await Promise.all([
    engine.recognise({ pdf: french, language: 'fr' }),
    engine.recognise({ pdf: arabic, language: 'ar' }),
    engine.recognise({ pdf: arabic }),
  ]);
  const seconds = (Date.now() - started) / 1000;
  for (const result of [fr, ar, detected]) {
    t.equal(result.status, 'ok', 'read');
    if (result.status !== 'ok') t.comment(JSON.stringify(result));
  }
  if (fr.status !== 'ok' || ar.status !== 'ok' || detected.status !== 'ok') return;
  const cerFr = characterErrorRate(FRENCH_TEXT.join(' '), fr.pages[0]!.text);
  const cerAr = characterErrorRate(ARABIC_TEXT.join(' '), ar.pages[0]!.text);
  t.comment(`CER French ${(cerFr * 100).toFixed(2)} %, Arabic ${(cerAr * 100).toFixed(2)} %; 3 pages in ${seconds.toFixed(1)} s at concurrency 2`);
  t.ok(cerFr <= 0.05, `French character error rate ${(cerFr * 100).toFixed(2)} % ≤ 5 %`);
  t.ok(cerAr <= 0.15, `Arabic character error rate ${(cerAr * 100).toFixed(2)} % ≤ 15 %`);
  t.match(fr.pages[0], { page: 1, language: 'fr', tesseractLanguages: 'fra', dpi: 200, truncated: false });
  t.match(ar.pages[0]!.text, /الهيئة الوطنية للنزاهة/, 'Arabic comes back in logical order');
  t.match(detected.pages[0], { script: 'Arabic', language: 'ar', tesseractLanguages: 'ara' }, 'without a source language the script is detected');
  t.ok(characterErrorRate(ARABIC_TEXT.join(' '), detected.pages[0]!.text) <= 0.15, 'detected Arabic reads as well');
  t.same(fr.failed, []);
  t.equal(fr.pageCount, 1);
});

t.test('the queue: at most `concurrency` documents run, at most `maxQueue` wait, the rest are refused', { skip: hasPoppler ? false : MISSING }, async (t) => {
  const release = path.join(dir, 'release');
  const tesseract = fakeTesseract('blocking-tesseract', `while [ ! -e "${release}" ]; do sleep 0.02; done\necho "texte reconnu"`);
  const engine = new OcrEngine({ ...BASE, concurrency: 2, maxQueue: 1, binaries: { tesseract } });
  t.match(await engine.availability(), { available: true, languages: ['ara', 'eng', 'fra', 'osd'] });
  const pdf = await makePdf({ pages: ['x'], scanned: true });
  let maxProcesses = 0;
  engine.on('process-start', ({ processes }: { processes: number }) => (maxProcesses = Math.max(maxProcesses, processes)));
  const blocked = new Promise<void>((resolve) => {
    let tesseracts = 0;
    engine.on('process-start', ({ command }: { command: string }) => {
      if (command === 'blocking-tesseract' && ++tesseracts === 2) resolve();
    });
  });
  const running = [engine.recognise({ pdf, language: 'fr' }), engine.recognise({ pdf, language: 'fr' }), engine.recognise({ pdf, language: 'fr' })];
  await blocked;
  t.match(engine.stats(), { running: 2, queued: 1 }, 'two run, one waits');
  const refused = await engine.recognise({ pdf, language: 'fr' });
  t.match(refused, { status: 'failed', code: 'queue_full' }, 'a fourth document is refused at once');
  t.match((refused as { message: string }).message, /harvest\.ocr_queue/);
  fs.writeFileSync(release, '');
  const results = await Promise.all(running);
  for (const result of results) t.match(result, { status: 'ok', pages: [{ page: 1, text: 'texte reconnu' }] });
  t.equal(engine.stats().peakRunning, 2, 'never more than two documents at once');
  t.ok(maxProcesses <= 2, `never more than two OCR processes at once (saw ${maxProcesses})`);
  t.match(engine.stats(), { running: 0, queued: 0, processes: 0 });
  fs.rmSync(release);
});

t.test('a page past its time limit is killed with everything it started; the others are read', { skip: hasPoppler ? false : MISSING }, async (t) => {
  const pids = path.join(dir, 'pids');
  // Page 2 hangs, and leaves a child of its own that would outlive a plain kill.
  const tesseract = fakeTesseract(
    'hanging-tesseract',
    `case "$1" in *page-2*) sleep 300 & echo $! >> "${pids}"; echo $$ >> "${pids}"; wait;; esac\necho "page lue"`,
  );
  const engine = new OcrEngine({ ...BASE, pageTimeoutMs: 3_000, binaries: { tesseract } });
  const pdf = await makePdf({ pages: ['un', 'deux', 'trois'], scanned: true });
  const result = await engine.recognise({ pdf, language: 'fr' });
  t.equal(result.status, 'ok');
  if (result.status !== 'ok') return;
  t.same(result.pages.map((p) => [p.page, p.text]), [[1, 'page lue'], [3, 'page lue']]);
  t.match(result.failed, [{ page: 2, code: 'timeout', message: /tesseract took longer than 3 s recognising page 2/ }]);
  for (const pid of fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number)) {
    t.notOk(alive(pid), `process ${pid} of the killed group is gone`);
  }
  t.equal(engine.stats().processes, 0);
});

t.test('a page past its memory limit fails with "memory"; the engine goes on', { skip: hasPoppler && hasTesseract ? false : MISSING }, async (t) => {
  // 60 MB is enough for pdfinfo and pdftoppm on this page, not for Tesseract's models.
  const engine = new OcrEngine({ ...BASE, memoryBytes: 60 * 1024 * 1024 });
  const pdf = await makePdf({ pages: ['x'], scanned: true });
  const result = await engine.recognise({ pdf, language: 'fr' });
  t.match(result, { status: 'ok', pages: [], failed: [{ page: 1, code: 'memory', message: /tesseract ran out of memory recognising page 1 \(limit 60 MB, harvest\.ocr_memory\)/ }] });
  const roomy = new OcrEngine({ ...BASE, binaries: { tesseract: fakeTesseract('ok-tesseract', 'echo lu') } });
  t.match(await roomy.recognise({ pdf, language: 'fr' }), { status: 'ok', pages: [{ text: 'lu' }] });
});

t.test('hostile input: not a PDF, pages out of range, no environment leaks to the programs', { skip: hasPoppler ? false : MISSING }, async (t) => {
  process.env.PORTAL_SMTP_PASSWORD = 'secret-that-must-not-leak';
  t.teardown(() => delete process.env.PORTAL_SMTP_PASSWORD);
  const tesseract = fakeTesseract('env-tesseract', 'env');
  const engine = new OcrEngine({ ...BASE, maxPages: 2, binaries: { tesseract } });
  t.match(await engine.recognise({ pdf: Buffer.from('<html>not a pdf</html>') }), { status: 'failed', code: 'parse', message: /pdfinfo failed reading the PDF/ });
  const pdf = await makePdf({ pages: ['a', 'b', 'c'], scanned: true });
  const result = (await engine.recognise({ pdf, language: 'fr', pages: [3, 0, 9, 1, 2, 2] })) as OcrResult & { status: 'ok' };
  t.same(result.pages.map((p) => p.page), [1, 2], 'pages in order, each once, at most maxPages');
  t.same(result.skipped, [0, 3, 9], 'the others are reported as skipped');
  t.notMatch(result.pages[0]!.text, /secret-that-must-not-leak/, 'the portal environment stays out');
  t.match(result.pages[0]!.text, /OMP_THREAD_LIMIT=1/, 'one thread per process');
});

t.test('close() answers waiting documents and kills running programs', { skip: hasPoppler ? false : MISSING }, async (t) => {
  const tesseract = fakeTesseract('slow-tesseract', 'sleep 300');
  const engine = new OcrEngine({ ...BASE, binaries: { tesseract } });
  await engine.availability();
  const pdf = await makePdf({ pages: ['x'], scanned: true });
  const started = new Promise<void>((resolve) => engine.on('process-start', ({ command }: { command: string }) => command === 'slow-tesseract' && resolve()));
  const first = engine.recognise({ pdf, language: 'fr' });
  const second = engine.recognise({ pdf, language: 'fr' });
  await started;
  engine.close();
  t.match(await second, { status: 'failed', code: 'closed' });
  t.match(await first, { status: 'ok', pages: [], failed: [{ page: 1 }] });
  t.equal(engine.stats().processes, 0);
  t.match(await engine.recognise({ pdf }), { status: 'failed', code: 'closed' });
});
