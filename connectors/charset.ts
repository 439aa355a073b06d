// Decoding harvested bytes. The charset comes from a byte order mark (unambiguous), else the HTTP
// header, else the document itself (XML prolog, HTML <meta>), else UTF-8. Legacy encodings of
// Moroccan and French sites (windows-1256, ISO-8859-6, ISO-8859-1/15, windows-1252) are decoded
// with iconv-lite. Labels follow the WHATWG Encoding Standard: "iso-8859-1" means windows-1252.
//
// UTF-8 with a few bad bytes stays UTF-8: a PHP substr() that cuts one Arabic letter in two must
// cost that letter (U+FFFD), not turn the whole feed into "Ø§Ù„Ù…Ø¬Ù„Ø³". Only bytes that are
// mostly not UTF-8 (a windows-1256 file labelled UTF-8) are read in a legacy encoding.
import { isUtf8 } from 'node:buffer';
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
  const key = label.trim().toLowerCase();
  // iconv-lite ignores punctuation when it looks names up: refuse what is not a label at all.
  if (!/^[a-z0-9][a-z0-9._:-]*$/.test(key)) return undefined;
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

const PRESCAN_BYTES = 16 * 1024;
const isSpace = (c: number) => c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);

/** HTML's "get an attribute" (WHATWG HTML, prescan), from `pos`; null when the tag ends. */
function getAttribute(bytes: Buffer, start: number, end: number): { name: string; value: string; pos: number } | null {
  let pos = start;
  while (pos < end && (isSpace(bytes[pos]!) || bytes[pos] === 0x2f)) pos++;
  if (pos >= end || bytes[pos] === 0x3e) return null;
  let name = '';
  let value = '';
  for (; pos < end; pos++) {
    const c = bytes[pos]!;
    if (c === 0x3d && name) break;
    if (isSpace(c)) {
      while (pos < end && isSpace(bytes[pos]!)) pos++;
      if (bytes[pos] !== 0x3d) return { name, value, pos };
      break;
    }
    if (c === 0x2f || c === 0x3e) return { name, value, pos };
    name += String.fromCharCode(lower(c));
  }
  pos++; // "="
  while (pos < end && isSpace(bytes[pos]!)) pos++;
  const quote = bytes[pos];
  if (quote === 0x22 || quote === 0x27) {
    pos++;
    while (pos < end && bytes[pos] !== quote) value += String.fromCharCode(lower(bytes[pos++]!));
    return { name, value, pos: pos + 1 };
  }
  if (quote === 0x3e) return { name, value, pos };
  while (pos < end && !isSpace(bytes[pos]!) && bytes[pos] !== 0x3e) value += String.fromCharCode(lower(bytes[pos++]!));
  return { name, value, pos };
}

/** HTML's "extract a character encoding from a meta element" (the content attribute). */
function charsetFromContent(content: string): string | undefined {
  let index = 0;
  for (;;) {
    const at = content.indexOf('charset', index);
    if (at < 0) return undefined;
    let pos = at + 7;
    while (/\s/.test(content[pos] ?? '')) pos++;
    if (content[pos] !== '=') {
      index = pos;
      continue;
    }
    pos++;
    while (/\s/.test(content[pos] ?? '')) pos++;
    const quote = content[pos];
    if (quote === '"' || quote === "'") {
      const close = content.indexOf(quote, pos + 1);
      return close < 0 ? undefined : content.slice(pos + 1, close);
    }
    const rest = content.slice(pos);
    const value = /^[^\s;]+/.exec(rest)?.[0];
    return value || undefined;
  }
}

/** The <meta> charset of an HTML document (the WHATWG prescan, over its first 16 KB). */
function prescanHtml(bytes: Buffer): string | undefined {
  const end = Math.min(bytes.length, PRESCAN_BYTES);
  let pos = 0;
  const startsWith = (text: string, at: number) => {
    for (let i = 0; i < text.length; i++) if (lower(bytes[at + i] ?? 0) !== text.charCodeAt(i)) return false;
    return true;
  };
  while (pos < end) {
    if (startsWith('<!--', pos)) {
      const close = bytes.indexOf('-->', pos + 2);
      if (close < 0) return undefined;
      pos = close + 3;
      continue;
    }
    if (startsWith('<meta', pos) && (isSpace(bytes[pos + 5] ?? 0) || bytes[pos + 5] === 0x2f)) {
      pos += 6;
      const seen = new Set<string>();
      let gotPragma = false;
      let needPragma: boolean | null = null;
      let charset: string | undefined;
      for (let attr = getAttribute(bytes, pos, end); attr; attr = getAttribute(bytes, pos, end)) {
        pos = attr.pos;
        if (seen.has(attr.name)) continue;
        seen.add(attr.name);
        if (attr.name === 'http-equiv' && attr.value === 'content-type') gotPragma = true;
        else if (attr.name === 'content' && charset === undefined) {
          const found = charsetFromContent(attr.value);
          if (found) {
            charset = found;
            needPragma = true;
          }
        } else if (attr.name === 'charset') {
          charset = attr.value;
          needPragma = false;
        }
      }
      if (needPragma === null || (needPragma && !gotPragma) || !charset) continue;
      const encoding = canonicalEncoding(charset);
      if (!encoding) continue;
      return encoding.startsWith('utf-16') ? 'utf-8' : encoding;
    }
    if (bytes[pos] === 0x3c && (isAlpha(bytes[pos + 1] ?? 0) || (bytes[pos + 1] === 0x2f && isAlpha(bytes[pos + 2] ?? 0)))) {
      while (pos < end && !isSpace(bytes[pos]!) && bytes[pos] !== 0x3e) pos++;
      for (let attr = getAttribute(bytes, pos, end); attr; attr = getAttribute(bytes, pos, end)) pos = attr.pos;
      continue;
    }
    if (bytes[pos] === 0x3c && (bytes[pos + 1] === 0x21 || bytes[pos + 1] === 0x2f || bytes[pos + 1] === 0x3f)) {
      const close = bytes.indexOf(0x3e, pos + 1);
      if (close < 0) return undefined;
      pos = close + 1;
      continue;
    }
    pos++;
  }
  return undefined;
}

/** The encoding a document declares in its first bytes: XML prolog, else HTML <meta>. */
export function declaredEncoding(bytes: Buffer): string | undefined {
  // UTF-16 without a BOM announces itself by the NUL bytes around "<?xml".
  if (bytes[0] === 0x3c && bytes[1] === 0x00 && bytes[2] === 0x3f && bytes[3] === 0x00) return 'utf-16le';
  if (bytes[0] === 0x00 && bytes[1] === 0x3c && bytes[2] === 0x00 && bytes[3] === 0x3f) return 'utf-16be';
  const head = bytes.subarray(0, 1024).toString('latin1');
  const xml = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml) return xml[1];
  return prescanHtml(bytes);
}

function isValidUtf8(bytes: Buffer): boolean {
  return isUtf8(bytes);
}

/**
 * UTF-8 "valid enough": valid, or with bad sequences outnumbered four to one by good multi-byte
 * characters. Text in a legacy encoding read as UTF-8 is nearly all bad sequences (an Arabic
 * letter in windows-1256 is one byte above 0x7F, rarely followed by a continuation byte).
 */
export function isMostlyUtf8(bytes: Buffer): boolean {
  if (isValidUtf8(bytes)) return true;
  const text = bytes.toString('utf8');
  let bad = 0;
  let good = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0xfffd) bad++;
    else if (code >= 0x80 && (code < 0xdc00 || code > 0xdfff)) good++;
  }
  // A U+FFFD written in the document (EF BF BD) is not a bad byte.
  for (let at = bytes.indexOf(REPLACEMENT); at >= 0; at = bytes.indexOf(REPLACEMENT, at + 3)) bad--;
  return bad <= 0 || good >= 4 * bad;
}
const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

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

/** The encoding `decodeBody` would use for these bytes. */
export function detectEncoding(bytes: Buffer, contentType?: string): string {
  return decodeBody(bytes.subarray(0, PRESCAN_BYTES), contentType).encoding;
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
    if (fromHeader === 'utf-8' && fromDocument && fromDocument !== 'utf-8' && !isMostlyUtf8(bytes)) {
      return { text: iconv.decode(bytes, fromDocument), encoding: fromDocument, from: 'document' };
    }
    return { text: iconv.decode(bytes, fromHeader), encoding: fromHeader, from: 'header' };
  }
  if (fromDocument) {
    if (fromDocument === 'utf-8' && !isMostlyUtf8(bytes)) {
      const guess = guessLegacy(bytes);
      return { text: iconv.decode(bytes, guess), encoding: guess, from: 'guess' };
    }
    return { text: iconv.decode(bytes, fromDocument), encoding: fromDocument, from: 'document' };
  }
  if (isMostlyUtf8(bytes)) return { text: bytes.toString('utf8'), encoding: 'utf-8', from: 'default' };
  const guess = guessLegacy(bytes);
  return { text: iconv.decode(bytes, guess), encoding: guess, from: 'guess' };
}
