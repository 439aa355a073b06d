// Decoding harvested bytes. The charset comes from a byte order mark (unambiguous), else the HTTP
// header, else the document itself (XML prolog, HTML <meta>), else UTF-8. Legacy encodings of
// Moroccan and French sites (windows-1256, ISO-8859-6, ISO-8859-1/15, windows-1252) are decoded
// with iconv-lite. Labels follow the WHATWG Encoding Standard: "iso-8859-1" means windows-1252.
import iconv from 'iconv-lite';

const LABELS: Record<string, string> = {};
function alias(target: string, ...labels: string[]) {
  for (const label of labels) LABELS[label] = target;
}
alias('utf-8', 'utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8');
alias(
  'windows-1252',
  'windows-1252',
  'cp1252',
  'x-cp1252',
  'iso-8859-1',
  'iso8859-1',
  'iso88591',
  'iso_8859-1',
  'iso_8859-1:1987',
  'latin1',
  'l1',
  'ascii',
  'us-ascii',
  'ansi_x3.4-1968',
  'cp819',
  'csisolatin1',
  'ibm819',
  'iso-ir-100',
);
alias('iso-8859-15', 'iso-8859-15', 'iso8859-15', 'iso885915', 'iso_8859-15', 'latin9', 'l9', 'csisolatin9', 'latin-9');
alias('windows-1256', 'windows-1256', 'cp1256', 'x-cp1256');
alias(
  'iso-8859-6',
  'iso-8859-6',
  'iso8859-6',
  'iso88596',
  'iso_8859-6',
  'iso_8859-6:1987',
  'arabic',
  'asmo-708',
  'csiso88596e',
  'csiso88596i',
  'csisolatinarabic',
  'ecma-114',
  'iso-8859-6-e',
  'iso-8859-6-i',
  'iso-ir-127',
);
alias('utf-16le', 'utf-16', 'utf-16le', 'ucs-2', 'unicode', 'csunicode', 'iso-10646-ucs-2', 'unicodefeff');
alias('utf-16be', 'utf-16be', 'unicodefffe');

/** The canonical encoding of a charset label, or undefined when unknown or undecodable. */
export function canonicalEncoding(label: string | undefined | null): string | undefined {
  if (!label) return undefined;
  const key = label.trim().replace(/^["']|["']$/g, '').toLowerCase();
  if (!key) return undefined;
  if (LABELS[key]) return LABELS[key];
  return iconv.encodingExists(key) ? key : undefined;
}

function bomEncoding(bytes: Buffer): { encoding: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** The charset parameter of a Content-Type header. */
export function headerCharset(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";,\s]+)\1/i.exec(contentType ?? '');
  return match?.[2];
}

/** The encoding a document declares in its first bytes: XML prolog or HTML <meta> (WHATWG prescan, simplified). */
export function declaredEncoding(bytes: Buffer): string | undefined {
  // UTF-16 without a BOM announces itself by the NUL bytes around "<?xml".
  if (bytes[0] === 0x3c && bytes[1] === 0x00 && bytes[2] === 0x3f && bytes[3] === 0x00) return 'utf-16le';
  if (bytes[0] === 0x00 && bytes[1] === 0x3c && bytes[2] === 0x00 && bytes[3] === 0x3f) return 'utf-16be';
  const head = bytes.subarray(0, 1024).toString('latin1');
  const xml = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml) return xml[1];
  // <meta charset="..."> or <meta http-equiv="Content-Type" content="text/html; charset=...">,
  // skipping comments the way the prescan does.
  const withoutComments = head.replace(/<!--[\s\S]*?-->/g, '');
  for (const meta of withoutComments.matchAll(/<meta\s[^>]*>/gi)) {
    const tag = meta[0];
    if (/http-equiv\s*=\s*["']?content-type/i.test(tag)) {
      const content = /content\s*=\s*["']([^"']*)["']/i.exec(tag) ?? /content\s*=\s*([^\s>]+)/i.exec(tag);
      const inner = /charset\s*=\s*["']?([^"';\s]+)/i.exec(content?.[1] ?? '');
      if (inner) return inner[1];
      continue;
    }
    const attribute = /\scharset\s*=\s*["']?\s*([^"'\s/>;]+)/i.exec(tag);
    if (attribute) return attribute[1];
  }
  return undefined;
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * For bytes that are neither valid UTF-8 nor labelled: Arabic in windows-1256 puts most letters
 * above 0x7F, French in windows-1252 only its accented ones.
 */
function guessLegacy(bytes: Buffer): string {
  let high = 0;
  let asciiLetters = 0;
  const sample = bytes.subarray(0, 64 * 1024);
  for (const byte of sample) {
    if (byte >= 0xc0) high++;
    else if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) asciiLetters++;
  }
  return high > 0.3 * (high + asciiLetters) ? 'windows-1256' : 'windows-1252';
}

export interface Decoded {
  text: string;
  encoding: string;
  /** Where the encoding came from. */
  from: 'bom' | 'header' | 'document' | 'default' | 'guess';
}

/** Decodes a document's bytes to text, choosing the encoding as described at the top of this file. */
export function decodeBody(bytes: Buffer, contentType?: string): Decoded {
  const bom = bomEncoding(bytes);
  if (bom) return { text: iconv.decode(bytes.subarray(bom.length), bom.encoding), encoding: bom.encoding, from: 'bom' };
  const fromHeader = canonicalEncoding(headerCharset(contentType));
  const fromDocument = canonicalEncoding(declaredEncoding(bytes));
  if (fromHeader) {
    // A server that labels everything UTF-8 while the file says otherwise: believe the file when
    // the bytes are not UTF-8 at all.
    if (fromHeader === 'utf-8' && fromDocument && fromDocument !== 'utf-8' && !isValidUtf8(bytes)) {
      return { text: iconv.decode(bytes, fromDocument), encoding: fromDocument, from: 'document' };
    }
    return { text: iconv.decode(bytes, fromHeader), encoding: fromHeader, from: 'header' };
  }
  if (fromDocument) {
    if (fromDocument === 'utf-8' && !isValidUtf8(bytes)) {
      const guess = guessLegacy(bytes);
      return { text: iconv.decode(bytes, guess), encoding: guess, from: 'guess' };
    }
    return { text: iconv.decode(bytes, fromDocument), encoding: fromDocument, from: 'document' };
  }
  if (isValidUtf8(bytes)) return { text: bytes.toString('utf8'), encoding: 'utf-8', from: 'default' };
  const guess = guessLegacy(bytes);
  return { text: iconv.decode(bytes, guess), encoding: guess, from: 'guess' };
}
