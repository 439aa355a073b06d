// Markup nested deeper than a limit is flattened before any HTML parser sees it: the tags past the
// limit are dropped and their text kept. HTML parsers pay for depth: parse5 (cheerio's parser)
// checks the stack of open elements at each tag, so 40,000 nested <div> in 200 KB took 19 s and
// a 2 MB page would take half an hour; cheerio's selectors then walk every ancestor; and
// sanitize-html spends over a second on 30,000 unclosed <b>. No real page nests 256 levels.
//
// One pass over the text with an explicit stack, linear in its length. It follows HTML closely
// enough to count depth: void elements and raw text (script, style, textarea…) are skipped,
// elements whose end tag HTML implies (p, li, td, option…) are not counted, an end tag closes
// the nearest open element of its name.

/** Deepest nesting kept (elements HTML closes implicitly are not counted). */
export const MAX_HTML_DEPTH = 256;

const VOID = new Set([
  'area', 'base', 'basefont', 'bgsound', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);
/** Elements whose end tag HTML implies: they cannot nest into themselves, so they are not counted. */
const IMPLIED_END = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rb', 'rt', 'rp', 'rtc', 'colgroup', 'caption', 'html', 'head', 'body']);

export interface CappedHtml {
  html: string;
  /** Tags dropped because they were nested too deep (0: the markup is as it was). */
  dropped: number;
}

export function capNesting(html: string, maxDepth = MAX_HTML_DEPTH): CappedHtml {
  // Cheap exit: fewer tags than the limit cannot nest past it.
  let tags = 0;
  for (let at = html.indexOf('<'); at >= 0 && tags <= maxDepth; at = html.indexOf('<', at + 1)) tags++;
  if (tags <= maxDepth) return { html, dropped: 0 };

  const out: string[] = [];
  const open: string[] = [];
  /** Dropped start tags not yet matched by an end tag, per name. */
  const deep = new Map<string, number>();
  /** Raw-text elements whose end tag does not appear after a position. */
  const noEndAfter = new Map<string, number>();
  let dropped = 0;
  let from = 0;
  let i = 0;
  const n = html.length;
  const flush = (to: number) => {
    if (to > from) out.push(html.slice(from, to));
  };
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    i = lt;
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (html[i + 1] === '!' || html[i + 1] === '?') {
      const end = html.indexOf('>', i + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = html[i + 1] === '/';
    const nameStart = closing ? i + 2 : i + 1;
    let nameEnd = nameStart;
    while (nameEnd < n && /[A-Za-z0-9:-]/.test(html[nameEnd]!)) nameEnd++;
    if (nameEnd === nameStart || !/[A-Za-z]/.test(html[nameStart]!)) {
      i++;
      continue;
    }
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    // The end of the tag, past quoted attribute values.
    let end = nameEnd;
    let quote = '';
    while (end < n) {
      const c = html[end]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
      end++;
    }
    const tagEnd = Math.min(end + 1, n);
    if (closing) {
      const pending = deep.get(name) ?? 0;
      if (pending > 0) {
        // Closes a dropped element: dropped too.
        deep.set(name, pending - 1);
        flush(i);
        from = tagEnd;
        dropped++;
      } else {
        const at = open.lastIndexOf(name);
        if (at >= 0) open.length = at;
      }
      i = tagEnd;
      continue;
    }
    const selfClosing = html[end - 1] === '/';
    if (RAW_TEXT.has(name) && !selfClosing) {
      // Its content is text up to its own end tag; kept, or dropped whole, with its element.
      // (Once an end tag is known to be missing, no later one is searched for: no quadratic scan.)
      let after = n;
      if ((noEndAfter.get(name) ?? Infinity) > tagEnd) {
        const closeTag = new RegExp(`</${name}\\s*>`, 'ig');
        closeTag.lastIndex = tagEnd;
        const match = closeTag.exec(html);
        if (match) after = match.index + match[0].length;
        else noEndAfter.set(name, tagEnd);
      }
      if (open.length >= maxDepth) {
        flush(i);
        from = after;
        dropped++;
      }
      i = after;
      continue;
    }
    if (VOID.has(name) || selfClosing || IMPLIED_END.has(name)) {
      i = tagEnd;
      continue;
    }
    if (open.length >= maxDepth) {
      flush(i);
      from = tagEnd;
      deep.set(name, (deep.get(name) ?? 0) + 1);
      dropped++;
    } else {
      open.push(name);
    }
    i = tagEnd;
  }
  flush(n);
  return { html: dropped ? out.join('') : html, dropped };
}
