// What a response really is, whatever its Content-Type says: partners' servers label feeds as
// text/html and error pages as feeds. Used to report `wrong_type` precisely.

export type BodyKind = 'pdf' | 'feed' | 'html' | 'xml' | 'text' | 'binary' | 'empty';

export function sniff(bytes: Buffer, contentType?: string): BodyKind {
  if (bytes.length === 0) return 'empty';
  if (bytes.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  // Read the head as latin1 and drop NULs so UTF-16 documents read like ASCII here.
  const head = bytes
    .subarray(0, 4096)
    .toString('latin1')
    .replace(/\u0000/g, '')
    .replace(/^\u00ef\u00bb\u00bf|^\u00fe\u00ff|^\u00ff\u00fe/, '')
    .trimStart()
    .toLowerCase();
  const type = (contentType ?? '').toLowerCase();
  if (/^(image|video|audio|font)\//.test(type) || /zip|octet-stream|msword|officedocument/.test(type)) {
    if (!head.startsWith('<')) return 'binary';
  }
  const withoutProlog = head.replace(/^<\?xml[^>]*>\s*/, '').replace(/^(<!--[\s\S]*?-->\s*|<\?xml-stylesheet[^>]*>\s*)*/, '');
  if (/^<(rss|feed|rdf:rdf|rdf)[\s>]/.test(withoutProlog)) return 'feed';
  if (/^<!doctype html|^<html[\s>]|^<head[\s>]|^<body[\s>]/.test(withoutProlog) || /<html[\s>][\s\S]*<(head|body)[\s>]/.test(head)) {
    return 'html';
  }
  if (head.startsWith('<')) return head.startsWith('<?xml') || withoutProlog.startsWith('<!doctype') ? 'xml' : 'html';
  // Control bytes other than tab/newline in the head: not text.
  const sample = bytes.subarray(0, 512);
  let control = 0;
  for (const byte of sample) if (byte < 9 || (byte > 13 && byte < 32)) control++;
  if (control > 4 && !(sample[0] === 0xff || sample[0] === 0xfe)) return 'binary';
  return 'text';
}

export function describeKind(kind: BodyKind, contentType?: string): string {
  const type = contentType ? ` (${contentType.split(';')[0]})` : '';
  switch (kind) {
    case 'pdf':
      return `a PDF document${type}`;
    case 'feed':
      return `an RSS or Atom feed${type}`;
    case 'html':
      return `an HTML page${type}`;
    case 'xml':
      return `an XML document that is not a feed${type}`;
    case 'binary':
      return `a binary file${type}`;
    case 'empty':
      return 'an empty answer';
    default:
      return `plain text${type}`;
  }
}
