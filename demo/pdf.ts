// Generates real PDFs with text layers in Arabic, French and Tifinagh (pdfkit with the DejaVu Sans
// font, which covers all three scripts), or scans: the same pages rasterised by poppler's pdftoppm
// and put back in a PDF as images alone, with no text layer (what a scanner gives, and what OCR
// reads). Used by the simulated partner sites and by tests; nothing binary is committed.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const FONT = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf/DejaVuSans.ttf');

export interface PdfSpec {
  title?: string;
  author?: string;
  created?: Date;
  /** One string per page; lines separated by \n. */
  pages: string[];
  /**
   * No text layer: with `makeScan`, the pages' text as images (a real scan); with `makePdf`, grey
   * bands where the lines would be (a scan-like page without anything to read).
   */
  scanned?: boolean;
}

const ARABIC = /[\u0600-\u06ff]/;

/** Reverses each run of digits (Western or Arabic-Indic) and Latin letters (with the punctuation inside it). */
export function reverseLtrRuns(line: string): string {
  return line.replace(/[0-9A-Za-z\u0660-\u0669\u06f0-\u06f9](?:[0-9A-Za-z\u0660-\u0669\u06f0-\u06f9.,:/-]*[0-9A-Za-z\u0660-\u0669\u06f0-\u06f9])?/g, (run) => [...run].reverse().join(''));
}

export function makePdf(spec: PdfSpec): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: 56,
      // pdfkit reads every key it is given: leave out the unset ones.
      info: Object.fromEntries(
        Object.entries({ Title: spec.title, Author: spec.author, CreationDate: spec.created, Producer: 'portal demo' }).filter(([, v]) => v !== undefined),
      ),
      compress: true,
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.font(FONT).fontSize(12);
    spec.pages.forEach((page, index) => {
      if (index > 0) doc.addPage();
      if (spec.scanned) {
        // Grey bands where a scanner would have put lines of text: no text layer at all.
        for (let y = 80; y < 760; y += 18) doc.rect(60, y, 420 + ((y * 7) % 60), 8).fill('#9a9a9a');
        return;
      }
      for (const line of page.split('\n')) {
        if (ARABIC.test(line)) {
          // rtla: fontkit lays Arabic out right to left, so the text layer reads in logical order.
          // It reverses digits and Latin words too: write them reversed so they read right. The
          // lam-alef ligature is left off: its glyph maps back to "لا" in the wrong order.
          // pdfkit hands `features` to fontkit, which also takes an object of on/off switches.
          const features = { rtla: true, rlig: false, liga: false } as unknown as PDFKit.Mixins.TextOptions['features'];
          doc.text(reverseLtrRuns(line), { align: 'right', features });
        } else {
          doc.text(line, { align: 'left' });
        }
        doc.moveDown(0.3);
      }
    });
    doc.end();
  });
}

/** A PDF whose pages are the given images (PNG), each filling an A4 page: no text layer. */
export function imagesToPdf(images: Buffer[], info: Record<string, string | Date> = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false, info: { Producer: 'portal demo scanner', ...info } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    for (const image of images) {
      doc.addPage({ size: 'A4', margin: 0 });
      doc.image(image, 0, 0, { width: doc.page.width, height: doc.page.height });
    }
    doc.end();
  });
}

/**
 * A scan of the given pages: the text PDF `makePdf` would give, rasterised by pdftoppm at `dpi`
 * (grey) and wrapped back as images alone. Undefined when poppler is not installed (then OCR
 * cannot run either, and the scan-like PDF of `makePdf({ scanned: true })` stands in).
 */
export async function makeScan(spec: Omit<PdfSpec, 'scanned'>, dpi = 200): Promise<Buffer | undefined> {
  const pdf = await makePdf({ ...spec, scanned: false });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'portal-scan-'));
  try {
    await fs.writeFile(path.join(dir, 'page.pdf'), pdf);
    const ok = await new Promise<boolean>((resolve) => {
      execFile('pdftoppm', ['-r', String(dpi), '-gray', '-png', path.join(dir, 'page.pdf'), path.join(dir, 'page')], { timeout: 60_000 }, (error) => resolve(!error));
    });
    if (!ok) return undefined;
    const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.png')).sort((a, b) => Number(/(\d+)\.png$/.exec(a)?.[1]) - Number(/(\d+)\.png$/.exec(b)?.[1]));
    const images = await Promise.all(names.map((n) => fs.readFile(path.join(dir, n))));
    const info: Record<string, string | Date> = {};
    if (spec.title) info.Title = spec.title;
    if (spec.created) info.CreationDate = spec.created;
    return await imagesToPdf(images, info);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
