// A feed's XML made readable before rss-parser sees it: one linear pass over the text (a loop
// with an explicit stack, never recursion) that recovers what browsers and feedparser recover,
// and says so:
//
// - A bare "&" or an entity XML does not define ("&copy" without its semicolon, "& B") fails a
//   strict XML parser on the whole feed. Named HTML entities become character references, legacy
//   ones without a semicolon are read as a browser reads them in an attribute ("&copy 2024" is
//   "© 2024", "?a=1&copy=2" stays as written), anything else becomes a literal "&". Control
//   characters XML forbids are dropped.
// - Titles and other text fields with child elements (an RSS <title> with bare <b>, an Atom
//   type="xhtml" <div>): rss-parser reads them as empty, or rebuilds them with a recursive
//   builder that overflows on 6,000 nested levels. Their markup becomes escaped text (HTML the
//   sanitiser reads afterwards). Atom 0.3 `mode="base64"` text is decoded.
// - Atom elements in an RSS item under any prefix (.NET writes <a10:link href>, <a10:updated>)
//   are renamed to the `atom:` prefix, which the connector reads.
// - Elements nested deeper than MAX_DEPTH (outside those text fields) fail the feed with `parse`,
//   instead of a parser building a structure nobody can walk.
import { load } from 'cheerio';
import { HarvestError } from './errors.ts';

/** Deepest element nesting accepted outside text fields (real feeds use fewer than 10 levels). */
export const MAX_DEPTH = 64;

/** Text fields whose content is (X)HTML or text: child markup in them becomes escaped text. */
const TEXT_FIELDS = new Set(['title', 'description', 'summary', 'content', 'encoded', 'subtitle', 'tagline', 'rights', 'copyright']);
const ATOM_NAMESPACES = new Set(['http://www.w3.org/2005/Atom', 'http://purl.org/atom/ns#']);

export interface RepairedFeed {
  xml: string;
  /** Name of the root element (rss, feed, rdf:RDF…), undefined when there is none. */
  root: string | undefined;
  /** Child elements of the root. */
  rootChildren: number;
  /** Stray ampersands and undefined entities recovered, with the first few as written. */
  entities: { count: number; examples: string[] };
  /** Control characters dropped. */
  controls: number;
  /** Text fields whose child markup became text. */
  markupFields: number;
  /** base64 fields decoded. */
  base64Fields: number;
}

const XML_PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
const decoded = new Map<string, string | null>();

/**
 * What a browser makes of `&` followed by `tail` in an attribute value: the characters it stands
 * for and how much of `tail` they use, or undefined when it is a literal "&".
 */
function decodeEntity(tail: string, mayLookUp: () => boolean): { text: string; length: number } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9]{0,31})(;?)/.exec(tail);
  if (!match) return undefined;
  const name = match[1]!;
  const next = tail[name.length] ?? '';
  const key = match[2] ? `${name};` : `${name}${/[=A-Za-z0-9]/.test(next) ? next : ' '}`;
  let value = decoded.get(key);
  if (value === undefined) {
    // A feed with a million different "&names" would cost a parse each: past a budget, literal.
    if (!mayLookUp()) return undefined;
    // parse5 (through cheerio) knows HTML's entities and the legacy no-semicolon rule.
    const source = `&${key}`;
    const result = load(`<p title="${source.replace(/"/g, '&quot;')}"></p>`, null, false)('p').attr('title') ?? source;
    value = result === source ? null : result;
    if (decoded.size < 2000) decoded.set(key, value);
  }
  if (value === null) return undefined;
  if (match[2]) return { text: value, length: name.length + 1 };
  // Without a semicolon, parse5 decoded a prefix of the name: find how much (the rest is literal).
  const trailing = key.slice(name.length);
  const rest = value.endsWith(trailing) ? value.slice(0, value.length - trailing.length) : value;
  for (let used = 1; used <= name.length; used++) {
    const candidate = name.slice(used);
    if (rest.endsWith(candidate)) return { text: rest.slice(0, rest.length - candidate.length), length: used };
  }
  return undefined;
}

const charRefs = (text: string) => [...text].map((c) => `&#${c.codePointAt(0)};`).join('');
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeHtml = escapeXml;
/** Characters XML 1.0 forbids (tab, line feed and carriage return aside). */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const HAS_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function validCodePoint(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Entity names looked up (parsed by parse5) per feed at most; known ones are cached. */
const LOOKUPS_PER_FEED = 500;

export function repairFeedXml(input: string): RepairedFeed {
  let lookups = 0;
  const mayLookUp = () => ++lookups <= LOOKUPS_PER_FEED;
  const report: RepairedFeed = { xml: '', root: undefined, rootChildren: 0, entities: { count: 0, examples: [] }, controls: 0, markupFields: 0, base64Fields: 0 };
  const out: string[] = [];
  /** Names of the open elements, as written and as output. */
  const stack: Array<{ name: string; output: string }> = [];
  const atomPrefixes = new Set<string>();
  let i = 0;
  const n = input.length;

  /** Character data (text or an attribute value) with its ampersands and control characters made valid. */
  const cleanText = (text: string): string => {
    let clean = text;
    if (HAS_FORBIDDEN.test(clean)) {
      clean = clean.replace(FORBIDDEN, () => {
        report.controls++;
        return '';
      });
    }
    if (!clean.includes('&')) return clean;
    let result = '';
    let from = 0;
    for (let at = clean.indexOf('&'); at >= 0; at = clean.indexOf('&', from)) {
      result += clean.slice(from, at);
      const tail = clean.slice(at + 1, at + 40);
      const numeric = /^#(?:([0-9]{1,8})|[xX]([0-9a-fA-F]{1,7}));/.exec(tail);
      if (numeric) {
        const code = numeric[1] ? Number(numeric[1]) : parseInt(numeric[2]!, 16);
        if (validCodePoint(code)) result += `&${numeric[0]}`;
        else {
          result += '&#xFFFD;';
          note(`&${numeric[0]}`);
        }
        from = at + 1 + numeric[0].length;
        continue;
      }
      const named = /^([A-Za-z][A-Za-z0-9]{0,31});/.exec(tail);
      if (named && XML_PREDEFINED.has(named[1]!)) {
        result += `&${named[0]}`;
        from = at + 1 + named[0].length;
        continue;
      }
      const entity = decodeEntity(tail, mayLookUp);
      if (entity) {
        // A named HTML entity with its semicolon is not a fault (RSS 0.91 declares them); without it, it is.
        if (!(named && entity.length === named[0].length)) note(`&${tail.slice(0, entity.length)}`);
        result += charRefs(entity.text);
        from = at + 1 + entity.length;
        continue;
      }
      note(`&${/^[A-Za-z0-9#]{0,12};?/.exec(tail)![0]}`);
      result += '&amp;';
      from = at + 1;
    }
    return result + clean.slice(from);
  };
  const note = (example: string) => {
    report.entities.count++;
    if (report.entities.examples.length < 3) report.entities.examples.push(example);
  };

  /** End of a construct starting at `from` that ends with `end`, or the end of the input. */
  const through = (from: number, end: string) => {
    const at = input.indexOf(end, from);
    return at < 0 ? n : at + end.length;
  };

  /** Names whose end tag is known not to appear after a position: a search is not repeated there. */
  const noEndAfter = new Map<string, number>();
  /** The position of `</name>` closing an element whose content starts at `from`, skipping CDATA and comments. */
  const closingTag = (from: number, name: string): { start: number; end: number; markup: boolean } | undefined => {
    // Thousands of unclosed <title> would each search to the end: once is enough.
    if ((noEndAfter.get(name) ?? Infinity) <= from) return undefined;
    const notFound = () => {
      noEndAfter.set(name, Math.min(noEndAfter.get(name) ?? Infinity, from));
      return undefined;
    };
    let at = from;
    let markup = false;
    while (at < n) {
      const lt = input.indexOf('<', at);
      if (lt < 0) return notFound();
      if (input.startsWith('<![CDATA[', lt)) {
        at = through(lt, ']]>');
        continue;
      }
      if (input.startsWith('<!--', lt)) {
        at = through(lt, '-->');
        continue;
      }
      if (input.startsWith(`</${name}`, lt)) {
        const after = lt + 2 + name.length;
        const gt = input.indexOf('>', after);
        if (gt >= 0 && /^\s*$/.test(input.slice(after, gt))) return { start: lt, end: gt + 1, markup };
      }
      if (/[A-Za-z_/]/.test(input[lt + 1] ?? '')) markup = true;
      at = lt + 1;
    }
    return notFound();
  };

  /** The content of a text field with child markup, as one escaped HTML string. */
  const markupAsText = (content: string): string => {
    let html = '';
    let at = 0;
    while (at < content.length) {
      const cdata = content.indexOf('<![CDATA[', at);
      const comment = content.indexOf('<!--', at);
      const next = [cdata, comment].filter((x) => x >= 0).sort((a, b) => a - b)[0];
      if (next === undefined) {
        html += content.slice(at);
        break;
      }
      html += content.slice(at, next);
      if (next === cdata) {
        const end = content.indexOf(']]>', next + 9);
        html += escapeHtml(content.slice(next + 9, end < 0 ? content.length : end));
        at = end < 0 ? content.length : end + 3;
      } else {
        const end = content.indexOf('-->', next + 4);
        at = end < 0 ? content.length : end + 3;
      }
    }
    return escapeXml(html.replace(FORBIDDEN, ''));
  };

  const base64AsText = (content: string): string => {
    const raw = content.replace(/<!\[CDATA\[|\]\]>/g, '').replace(/\s+/g, '');
    return escapeXml(Buffer.from(raw, 'base64').toString('utf8').replace(FORBIDDEN, ''));
  };

  while (i < n) {
    const lt = input.indexOf('<', i);
    if (lt < 0) {
      out.push(cleanText(input.slice(i)));
      break;
    }
    if (lt > i) out.push(cleanText(input.slice(i, lt)));
    i = lt;
    if (input.startsWith('<!--', i)) {
      const end = through(i, '-->');
      out.push(input.slice(i, end));
      i = end;
      continue;
    }
    if (input.startsWith('<![CDATA[', i)) {
      const end = through(i, ']]>');
      out.push(input.slice(i, end).replace(FORBIDDEN, () => (report.controls++, '')));
      i = end;
      continue;
    }
    if (input.startsWith('<?', i)) {
      const end = through(i, '?>');
      out.push(input.slice(i, end));
      i = end;
      continue;
    }
    if (input.startsWith('<!', i)) {
      // A DOCTYPE, its internal subset in brackets.
      const bracket = input.indexOf('[', i);
      const gt = input.indexOf('>', i);
      const end = bracket >= 0 && gt >= 0 && bracket < gt ? through(bracket, ']>') : gt < 0 ? n : gt + 1;
      out.push(input.slice(i, end));
      i = end;
      continue;
    }
    const tag = /^<(\/?)([A-Za-z_][\w.:-]*)/.exec(input.slice(i, i + 200));
    if (!tag) {
      // A "<" that starts no tag: left for the XML parser to refuse.
      out.push('<');
      i++;
      continue;
    }
    const closing = tag[1] === '/';
    const name = tag[2]!;
    // The end of the tag, past quoted attribute values that may contain ">".
    let at = i + tag[0].length;
    let quote = '';
    while (at < n) {
      const c = input[at]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
      at++;
    }
    const inside = input.slice(i + tag[0].length, at);
    i = Math.min(at + 1, n);
    if (closing) {
      const open = stack.pop();
      out.push(`</${open && open.name === name ? open.output : name}>`);
      continue;
    }
    const selfClosing = inside.endsWith('/');
    const attributes = inside.replace(/(=\s*)(["'])([\s\S]*?)\2/g, (_m, eq: string, q: string, value: string) => `${eq}${q}${cleanText(value)}${q}`);
    for (const declaration of attributes.matchAll(/xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']/g)) {
      if (ATOM_NAMESPACES.has(declaration[2]!.trim())) atomPrefixes.add(declaration[1]!);
    }
    if (stack.length === 0) {
      if (report.root === undefined) report.root = name;
    } else if (stack.length === 1) report.rootChildren++;
    const colon = name.indexOf(':');
    const prefix = colon > 0 ? name.slice(0, colon) : '';
    const local = colon > 0 ? name.slice(colon + 1) : name;
    const inRss = report.root !== undefined && !/(^|:)feed$/.test(report.root);
    const output = inRss && prefix && prefix !== 'atom' && atomPrefixes.has(prefix) ? `atom:${local}` : name;
    if (selfClosing) {
      out.push(`<${output}${attributes}>`);
      continue;
    }
    if (stack.length >= MAX_DEPTH) {
      throw new HarvestError('parse', `the feed nests elements more than ${MAX_DEPTH} levels deep (<${name}>): it was refused`);
    }
    if (TEXT_FIELDS.has(local) && stack.length > 0) {
      const close = closingTag(i, name);
      const base64 = /\bmode\s*=\s*["']base64["']/.test(attributes);
      if (close && (close.markup || base64)) {
        const content = input.slice(i, close.start);
        out.push(`<${output}${attributes.replace(/\s(mode|type)\s*=\s*(["'])[^"']*\2/g, '')}>`, base64 ? base64AsText(content) : markupAsText(content), `</${output}>`);
        if (base64) report.base64Fields++;
        else report.markupFields++;
        i = close.end;
        continue;
      }
    }
    out.push(`<${output}${attributes}>`);
    stack.push({ name, output });
  }
  report.xml = out.join('');
  return report;
}
