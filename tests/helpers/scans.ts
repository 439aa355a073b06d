// Scanned documents for the OCR tests and benchmark: a known French or Arabic text laid out by a
// real browser (chromium shapes Arabic and orders it right to left), captured as an image at
// 200 dpi, and wrapped in a PDF with no text layer at all: what a scanner gives. The DejaVu Sans
// font comes from node_modules (dejavu-fonts-ttf), so the pages are the same on every machine.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import { imagesToPdf } from '../../demo/pdf.ts';

const require = createRequire(import.meta.url);
const FONT = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf/DejaVuSans.ttf');

/** A4 in CSS pixels (96 per inch); captured at this scale it is 200 dpi (1654 × 2339 pixels). */
const A4_CSS = { width: 794, height: 1123 };
const SCALE = 200 / 96;

export const FRENCH_TEXT = [
  "La loi n° 46-19 relative à l'Instance nationale de la probité, de la prévention et de la lutte contre la corruption fixe ses missions et ses pouvoirs.",
  "Le présent rapport dresse le bilan de l'année écoulée : signalements reçus, enquêtes ouvertes, recommandations adressées aux administrations publiques et aux collectivités territoriales.",
  "Il recommande de renforcer la transparence des marchés publics, la déclaration obligatoire du patrimoine et la protection des lanceurs d'alerte, et de publier des données ouvertes sur les délais de paiement.",
  "Chapitre premier : le cadre juridique. La loi n° 31-13 relative au droit d'accès à l'information garantit à chaque citoyen le droit de demander les documents détenus par l'administration.",
];

export const ARABIC_TEXT = [
  'يحدد القانون رقم 46.19 المتعلق بالهيئة الوطنية للنزاهة والوقاية من الرشوة ومحاربتها مهامها وصلاحياتها.',
  'ويقدم هذا التقرير حصيلة السنة المنصرمة: التبليغات الواردة والأبحاث المفتوحة والتوصيات الموجهة إلى الإدارات العمومية والجماعات الترابية.',
  'ويوصي بتعزيز شفافية الصفقات العمومية والتصريح الإجباري بالممتلكات وحماية المبلغين عن الفساد، ونشر المعطيات المفتوحة حول آجال الأداء.',
  'الفصل الأول: الإطار القانوني. يضمن القانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات لكل مواطن حق طلب الوثائق التي تحتفظ بها الإدارة.',
];

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One page of paragraphs as a 200 dpi grey image (PNG). */
export async function renderPage(browser: Browser, paragraphs: string[], direction: 'ltr' | 'rtl'): Promise<Buffer> {
  const context = await browser.newContext({ viewport: A4_CSS, deviceScaleFactor: SCALE });
  try {
    const page = await context.newPage();
    await page.setContent(
      `<!doctype html><html dir="${direction}" lang="${direction === 'rtl' ? 'ar' : 'fr'}"><head><meta charset="utf-8"><style>
        @font-face { font-family: Scan; src: url("file://${FONT}"); }
        body { margin: 96px 80px; font: 15px/1.7 Scan; color: #111; background: #fff; }
        p { margin: 0 0 14px; }
      </style></head><body>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</body></html>`,
    );
    // A string: this file is type-checked without the DOM library.
    await page.evaluate('document.fonts.ready.then(() => true)');
    return await page.screenshot({ fullPage: false, type: 'png' });
  } finally {
    await context.close();
  }
}

/** Whether a program runs (`pdftoppm -v`, `tesseract --version`): OCR tests skip without poppler or Tesseract. */
export function installed(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A scanned PDF of the given pages (each a list of paragraphs). */
export async function scannedPdf(browser: Browser, pages: string[][], direction: 'ltr' | 'rtl'): Promise<Buffer> {
  const images: Buffer[] = [];
  for (const paragraphs of pages) images.push(await renderPage(browser, paragraphs, direction));
  return imagesToPdf(images, { Producer: 'scanner' });
}

/** Whitespace runs as one space, Unicode NFC: line breaks are layout, not characters read. */
export function normaliseForCer(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** Levenshtein distance over code points, in O(n) memory. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** Character error rate: edits to turn the recognised text into the reference, per reference character. */
export function characterErrorRate(reference: string, recognised: string): number {
  const ref = normaliseForCer(reference);
  return editDistance(ref, normaliseForCer(recognised)) / Math.max(1, [...ref].length);
}
