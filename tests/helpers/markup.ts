// Executable markup in a whole rendered page, found with a real HTML parser (parse5, through
// cheerio), as a browser would build the document: any script, frame, plug-in, base or refresh,
// inline style, event handler, or URL with a scheme that runs code. The portal's own pages have
// none of these (CSP forbids inline script anyway), so any finding is a leak. The one script the
// portal writes is an item page's schema.org data block, which browsers never run: a
// <script type="application/ld+json"> in <head>, with no other attribute, holding valid JSON.
// Anything else named script (in <body>, another type, a src, text that is not JSON) is a finding.
import { load } from 'cheerio';

// Inline SVG is allowed (the admin area draws its charts with it), but not what makes SVG run code.
const FORBIDDEN_ELEMENTS = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'style', 'template', 'portal', 'math', 'noscript', 'foreignobject', 'handler', 'listener']);
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'background', 'data', 'lowsrc', 'dynsrc', 'ping', 'cite', 'srcset', 'manifest', 'codebase']);
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);

export function executableMarkup(html: string): string[] {
  const $ = load(html);
  const found: string[] = [];
  $('*').each((_, node) => {
    const el = node as { tagName: string; attribs: Record<string, string> };
    const name = el.tagName.toLowerCase();
    const at = `<${name}${el.attribs.class ? ` class="${el.attribs.class}"` : ''}>`;
    if (FORBIDDEN_ELEMENTS.has(name) && !(name === 'script' && isJsonLdDataBlock($, node))) found.push(`${at} element`);
    if (name === 'meta' && el.attribs['http-equiv'] && !/^content-type$/i.test(el.attribs['http-equiv'])) found.push(`${at} http-equiv=${el.attribs['http-equiv']}`);
    if (name === 'link' && !/^(?:stylesheet|alternate|icon|canonical|manifest)$/i.test(el.attribs.rel ?? '')) found.push(`${at} rel=${el.attribs.rel}`);
    if ((name === 'animate' || name === 'set') && /href/i.test(el.attribs.attributename ?? '')) found.push(`${at} animates ${el.attribs.attributename}`);
    if (name === 'form' && !/^\/(?!\/)/.test(el.attribs.action ?? '')) found.push(`${at} action=${el.attribs.action}`);
    for (const [attr, value] of Object.entries(el.attribs)) {
      const lower = attr.toLowerCase();
      if (lower.startsWith('on')) found.push(`${at} ${attr}=${value.slice(0, 40)}`);
      if (lower === 'style' || lower === 'srcdoc') found.push(`${at} ${attr}`);
      if (URL_ATTRIBUTES.has(lower)) {
        // Browsers drop control characters and spaces around a URL and tabs/newlines inside it.
        const url = value.replace(/[\u0000-\u0020\u007f]/g, '');
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
        if (scheme && !SAFE_SCHEMES.has(scheme)) found.push(`${at} ${attr}=${value.slice(0, 40)}`);
      }
    }
  });
  return found;
}

function isJsonLdDataBlock($: ReturnType<typeof load>, node: unknown): boolean {
  const el = node as { attribs: Record<string, string>; parent?: { tagName?: string } };
  if (Object.keys(el.attribs).join(',') !== 'type' || el.attribs.type !== 'application/ld+json') return false;
  if (el.parent?.tagName?.toLowerCase() !== 'head') return false;
  try {
    JSON.parse($(node as never).text());
    return true;
  } catch {
    return false;
  }
}

/** The HTML carried by an Atom document's html-typed title, summary and content (what a feed reader renders). */
export function atomHtmlParts(xml: string): string[] {
  const $ = load(xml, { xml: true });
  const parts: string[] = [];
  $('title[type=html], summary[type=html], content[type=html]').each((_, el) => void parts.push($(el).text()));
  $('title:not([type]), summary:not([type])').each((_, el) => {
    // Plain text elements must not contain markup once parsed as XML.
    if ($(el).children().length > 0) parts.push('<script>element inside a text construct</script>');
  });
  return parts;
}

/** The first tag of `html` that closes another than the one open (or one left open), or undefined: a summary must not leak its markup over the page. */
export function unbalanced(html: string): string | undefined {
  const open: string[] = [];
  for (const [tag, slash, name] of html.matchAll(/<(\/?)([a-z][a-z0-9]*)\b[^>]*>/gi)) {
    const lower = name!.toLowerCase();
    if (lower === 'br') continue;
    if (!slash) open.push(lower);
    else if (open.pop() !== lower) return tag;
  }
  return open.length ? `<${open.at(-1)}> left open` : undefined;
}
