// PDFs of the classes partners publish and the shared corpora hold, made here with pdfkit (nothing
// binary is committed): a legacy Arabic PDF whose glyphs are presentation forms placed one by one
// in visual order, a Latin line with an Arabic word, password-protected and damaged documents.
// demo/pdf.ts makes the ordinary ones (French, modern Arabic, scanned).
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const FONT = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf/DejaVuSans.ttf');

function build(options: PDFKit.PDFDocumentOptions, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, ...options });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.font(FONT).fontSize(12);
    draw(doc);
    doc.end();
  });
}

// Arabic Presentation Forms-B of the letters used here: isolated, final, initial, medial.
const FORMS: Record<string, [string, string, string, string]> = {
  ا: ['\ufe8d', '\ufe8e', '\ufe8d', '\ufe8e'],
  ب: ['\ufe8f', '\ufe90', '\ufe91', '\ufe92'],
  ة: ['\ufe93', '\ufe94', '\ufe93', '\ufe94'],
  ت: ['\ufe95', '\ufe96', '\ufe97', '\ufe98'],
  ج: ['\ufe9d', '\ufe9e', '\ufe9f', '\ufea0'],
  خ: ['\ufea5', '\ufea6', '\ufea7', '\ufea8'],
  د: ['\ufea9', '\ufeaa', '\ufea9', '\ufeaa'],
  ر: ['\ufead', '\ufeae', '\ufead', '\ufeae'],
  س: ['\ufeb1', '\ufeb2', '\ufeb3', '\ufeb4'],
  ش: ['\ufeb5', '\ufeb6', '\ufeb7', '\ufeb8'],
  ط: ['\ufec1', '\ufec2', '\ufec3', '\ufec4'],
  ع: ['\ufec9', '\ufeca', '\ufecb', '\ufecc'],
  ف: ['\ufed1', '\ufed2', '\ufed3', '\ufed4'],
  ق: ['\ufed5', '\ufed6', '\ufed7', '\ufed8'],
  ل: ['\ufedd', '\ufede', '\ufedf', '\ufee0'],
  م: ['\ufee1', '\ufee2', '\ufee3', '\ufee4'],
  ن: ['\ufee5', '\ufee6', '\ufee7', '\ufee8'],
  ه: ['\ufee9', '\ufeea', '\ufeeb', '\ufeec'],
  و: ['\ufeed', '\ufeee', '\ufeed', '\ufeee'],
  ى: ['\ufeef', '\ufef0', '\ufeef', '\ufef0'],
  ي: ['\ufef1', '\ufef2', '\ufef3', '\ufef4'],
};
/** Letters that do not join the next one. */
const RIGHT_JOINING = new Set(['ا', 'ة', 'د', 'ر', 'و']);

/** A word's letters as the glyphs an old PDF writer draws: their contextual presentation forms. */
export function presentationForms(word: string): string[] {
  const letters = [...word];
  return letters.map((letter, i) => {
    const forms = FORMS[letter];
    if (!forms) throw new Error(`no presentation forms for ${letter} in tests/helpers/pdfs.ts`);
    const previous = letters[i - 1];
    const joinsPrevious = previous !== undefined && !RIGHT_JOINING.has(previous);
    const joinsNext = i < letters.length - 1 && !RIGHT_JOINING.has(letter);
    return joinsPrevious ? (joinsNext ? forms[3] : forms[1]) : joinsNext ? forms[2] : forms[0];
  });
}

/**
 * A legacy Arabic PDF: each line's glyphs are presentation forms, each placed on its own at its
 * position and drawn from left to right (visual order), as older writers did; the text layer holds
 * no logical order at all. `lines` are written in logical order.
 */
export function legacyArabicPdf(lines: string[]): Promise<Buffer> {
  return build({}, (doc) => {
    lines.forEach((line, row) => {
      const y = 80 + row * 24;
      let x = 520;
      const placed: Array<[number, string]> = [];
      for (const word of line.split(' ')) {
        for (const glyph of presentationForms(word)) {
          x -= doc.widthOfString(glyph);
          placed.push([x, glyph]);
        }
        x -= doc.widthOfString(' ') * 1.5;
      }
      placed.sort((a, b) => a[0] - b[0]);
      for (const [at, glyph] of placed) doc.text(glyph, at, y, { lineBreak: false, features: [] });
    });
  });
}

/** A Latin sentence with an Arabic word in it, on one left-to-right line ("Hello محمد World."). */
export function mixedLinePdf(before: string, arabic: string, after: string): Promise<Buffer> {
  return build({}, (doc) => {
    doc.text(before, { continued: true });
    doc.text(arabic, { continued: true, features: { rtla: true, rlig: false, liga: false } as unknown as PDFKit.Mixins.TextOptions['features'] });
    doc.text(after);
  });
}

/** A password-protected PDF: AES-256 (PDF 1.7 extension level 3), or RC4 128-bit (PDF 1.4). */
export function encryptedPdf(kind: 'aes-256' | 'rc4-128' = 'aes-256'): Promise<Buffer> {
  return build({ userPassword: 'lecture', ownerPassword: 'proprietaire', pdfVersion: kind === 'aes-256' ? '1.7ext3' : '1.4' }, (doc) => {
    doc.text('Rapport confidentiel : ne pas diffuser.');
  });
}

/** Damaged PDFs: a header and nothing readable after it, a file cut short, objects without a trailer that leads anywhere. */
export async function damagedPdfs(): Promise<Record<string, Buffer>> {
  const whole = await build({}, (doc) => doc.text('Rapport annuel sur la probité'));
  return {
    'a header and junk': Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 'x')]),
    'cut short after 300 bytes': whole.subarray(0, 300),
    'a trailer pointing at nothing': Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
  };
}
