// Text and markup of a parsed (domhandler) tree, read with an explicit stack: cheerio's .text()
// and .html() recurse once per level and overflow the stack on a hostile page that nests
// thousands of elements, which would fail the whole source.
import { type AnyNode, type Element } from 'domhandler';

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Their text is code or styling, not content. */
const NOT_TEXT = new Set(['script', 'style', 'noscript', 'template']);

function children(node: AnyNode): AnyNode[] {
  return 'children' in node ? (node.children as AnyNode[]) : [];
}

/** The text of these nodes and their descendants, in document order (like cheerio's .text(), without scripts and styles). */
export function textOf(nodes: AnyNode | AnyNode[]): string {
  const stack: AnyNode[] = Array.isArray(nodes) ? [...nodes].reverse() : [nodes];
  let out = '';
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'text') out += (node as unknown as { data: string }).data;
    else if (node.type === 'cdata' || node.type === 'tag' || node.type === 'root') {
      if (node.type === 'tag' && NOT_TEXT.has((node as Element).name)) continue;
      const kids = children(node);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
  return out;
}

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** The markup inside `node` (like cheerio's .html()); it is sanitised afterwards, so comments and doctypes are left out. */
export function innerHtmlOf(node: AnyNode): string {
  // Either a node to open, or the closing tag of one already opened.
  const stack: Array<AnyNode | string> = [...children(node)].reverse();
  let out = '';
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (typeof next === 'string') {
      out += next;
      continue;
    }
    if (next.type === 'text') {
      const parent = next.parent as Element | null;
      const raw = parent?.type === 'tag' && (parent.name === 'script' || parent.name === 'style');
      const data = (next as unknown as { data: string }).data;
      out += raw ? data : escapeText(data);
    } else if (next.type === 'tag' || next.type === 'script' || next.type === 'style') {
      const element = next as Element;
      const attributes = Object.entries(element.attribs ?? {})
        .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
        .join('');
      out += `<${element.name}${attributes}>`;
      if (VOID.has(element.name)) continue;
      stack.push(`</${element.name}>`);
      const kids = children(element);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    } else if (next.type === 'cdata') {
      const kids = children(next);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
  return out;
}
