// PDF text extraction with the project's own documents (tests/helpers/pdfs.ts, demo/pdf.ts):
// French diacritics, modern Arabic in logical order with Arabic-Indic digits, a legacy Arabic PDF
// of presentation-form glyphs drawn in visual order, a Latin line with an Arabic word, a law
// number inside Arabic, a scan, password-protected and damaged files, and the page limit. The
// shared corpora's PDFs (pdf.js, PDFBox, a gazette) add more when present
// (tests/connectors/corpus.test.ts).
import t from 'tap';
import { extractPdf, HarvestError } from '../../connectors/index.ts';
import { makePdf } from '../../demo/pdf.ts';
import { damagedPdfs, encryptedPdf, legacyArabicPdf, mixedLinePdf } from '../helpers/pdfs.ts';

const limits = { maxPages: 50, maxChars: 100_000, timeLimitMs: 60_000, memoryLimitBytes: 512 * 1024 * 1024 };
const PRESENTATION_FORMS = /[\ufb50-\ufdff\ufe70-\ufeff]/;

t.test('French: every diacritic, ligature and typographic mark', async (t) => {
  const lines = ['Évaluation de l’intégrité : é É è È ê Ê ë à â ç Ç î ï ô ù û ü ÿ', 'œ Œ æ « guillemets » — 12 € … « Où ? »'];
  const pdf = await extractPdf(await makePdf({ pages: [lines.join('\n')] }), limits);
  // NFKC (which folds Arabic glyph forms) also writes the ellipsis as three dots.
  t.same(pdf.text.split('\n').filter(Boolean), lines.map((l) => l.replace('…', '...')));
  t.equal(pdf.scanned, false);
});

t.test('modern Arabic: logical order, Western and Arabic-Indic digits, a law number', async (t) => {
  const lines = ['التقرير السنوي للهيئة الوطنية للنزاهة ١٤ أبريل ٢٠٢٤', 'القانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات'];
  const pdf = await extractPdf(await makePdf({ pages: [lines.join('\n')] }), limits);
  t.same(pdf.text.split('\n').filter(Boolean), lines);
});

t.test('legacy Arabic: presentation forms drawn glyph by glyph in visual order, put back in logical order and folded', async (t) => {
  const lines = ['انواع الخطوط العربية', 'تقرير المجلس الاعلى', 'دليل الشفافية'];
  const pdf = await extractPdf(await legacyArabicPdf(lines), limits);
  t.same(pdf.text.split('\n').filter(Boolean), lines);
  t.notMatch(pdf.text, PRESENTATION_FORMS, 'no presentation form left');
});

t.test('a Latin line with an Arabic word keeps its order', async (t) => {
  const pdf = await extractPdf(await mixedLinePdf('Hello ', 'محمد', ' World.'), limits);
  t.equal(pdf.text, 'Hello محمد World.');
});

t.test('a scan: pages without a text layer', async (t) => {
  const pdf = await extractPdf(await makePdf({ scanned: true, pages: ['', '', ''] }), limits);
  t.equal(pdf.scanned, true);
  t.equal(pdf.pages, 3);
});

t.test('password-protected: refused with `parse` and the reason', async (t) => {
  for (const kind of ['aes-256', 'rc4-128'] as const) {
    await t.rejects(extractPdf(await encryptedPdf(kind), limits), new HarvestError('parse', 'the PDF is protected by a password and cannot be read'), kind);
  }
});

t.test('damaged: refused with `parse`, never a crash', async (t) => {
  for (const [name, bytes] of Object.entries(await damagedPdfs())) {
    await t.rejects(extractPdf(bytes, limits), { code: 'parse', message: /^the PDF is damaged/ }, name);
  }
});

t.test('the page limit: the first pages read, the count and the cut said', async (t) => {
  const pages = Array.from({ length: 6 }, (_, i) => `Page ${i + 1} du recueil des textes relatifs à la probité et à la transparence.`);
  const pdf = await extractPdf(await makePdf({ pages }), { ...limits, maxPages: 3 });
  t.equal(pdf.pages, 6, 'the document has six pages');
  t.equal(pdf.pagesRead, 3);
  t.equal(pdf.truncated, true);
  t.match(pdf.text, /Page 3 du recueil/);
  t.notMatch(pdf.text, /Page 4 du recueil/);
});
