// Charsets with the project's own fixtures (tests/fixtures/charsets/, encoded with Python's codecs,
// not with the iconv-lite that decodes them here): Arabic in windows-1256 and ISO-8859-6, French
// in ISO-8859-1, windows-1252 and ISO-8859-15, byte order marks (UTF-8, UTF-16 LE and BE), the
// WHATWG labels, the HTML <meta> prescan, the precedence of BOM, header and document; then the
// fixture feeds harvested over HTTP. The shared corpora add more of each class when present
// (tests/connectors/corpus.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { canonicalEncoding, decodeBody, declaredEncoding, detectEncoding } from '../../connectors/index.ts';
import { makeBed } from '../helpers/harvest.ts';
import { startServer } from '../helpers/server.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/charsets');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')).cases as Array<{
  file: string;
  content_type: string | null;
  encoding: string;
  text: string;
  note: string;
}>;

t.test('every fixture decoded exactly, with the encoding it was written in', async (t) => {
  t.equal(EXPECTED.length, fs.readdirSync(FIXTURES).filter((f) => f !== 'expected.json' && f !== 'README.md').length, 'every file is listed');
  for (const c of EXPECTED) {
    const decoded = decodeBody(fs.readFileSync(path.join(FIXTURES, c.file)), c.content_type ?? undefined);
    t.equal(decoded.encoding, c.encoding, `${c.file}: ${c.encoding} (${c.note})`);
    t.equal(decoded.text, c.text, `${c.file}: every character`);
  }
});

t.test('WHATWG labels: legacy names of the same encodings, and names that are not labels', async (t) => {
  const labels: Array<[string, string | undefined]> = [
    ['windows-1256', 'windows-1256'],
    ['CP1256', 'windows-1256'],
    ['x-cp1256', 'windows-1256'],
    ['arabic', 'iso-8859-6'],
    ['ISO_8859-6:1987', 'iso-8859-6'],
    ['asmo-708', 'iso-8859-6'],
    ['csISOLatinArabic', 'iso-8859-6'],
    ['iso-8859-6-i', 'iso-8859-6'],
    ['latin1', 'windows-1252'],
    ['ISO-8859-1', 'windows-1252'],
    ['us-ascii', 'windows-1252'],
    ['ascii', 'windows-1252'],
    ['cp819', 'windows-1252'],
    ['latin9', 'iso-8859-15'],
    ['l9', 'iso-8859-15'],
    ['UTF8', 'utf-8'],
    [' utf-8 ', 'utf-8'],
    ['unicode-1-1-utf-8', 'utf-8'],
    ['utf-16', 'utf-16le'],
    ['unicodefffe', 'utf-16be'],
    ['', undefined],
    ['no-such-charset', undefined],
    ['"windows-1256"', undefined],
    ['utf 8', undefined],
  ];
  for (const [label, expected] of labels) t.equal(canonicalEncoding(label), expected, JSON.stringify(label));
});

t.test('the HTML prescan: the <meta> a browser would find, and the ones it would not', async (t) => {
  const prescan: Array<[string, string, string | undefined]> = [
    ['meta charset, quoted', '<meta charset="windows-1256">', 'windows-1256'],
    ['meta charset, unquoted', '<meta charset=windows-1256>', 'windows-1256'],
    ['meta charset, single quotes, upper case', "<META CHARSET='WINDOWS-1256'>", 'windows-1256'],
    ['a slash between tag and attribute', '<meta/charset=windows-1256>', 'windows-1256'],
    ['http-equiv then content', '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-6">', 'iso-8859-6'],
    ['content then http-equiv', '<meta content="text/html; charset=iso-8859-6" http-equiv="content-type">', 'iso-8859-6'],
    ['the charset quoted inside content', `<meta http-equiv="content-type" content="text/html; charset='windows-1256'">`, 'windows-1256'],
    ['content without http-equiv declares nothing', '<meta content="text/html; charset=windows-1256">', undefined],
    ['http-equiv of another kind', '<meta http-equiv="refresh" content="5; charset=windows-1256">', undefined],
    ['the first of two charset attributes', '<meta charset="windows-1256" charset="iso-8859-6">', 'windows-1256'],
    ['a label of the same encoding', '<meta charset="arabic">', 'iso-8859-6'],
    ['latin1 is windows-1252', '<meta charset="latin1">', 'windows-1252'],
    ['utf-16 declared in ASCII bytes is UTF-8', '<meta charset="utf-16">', 'utf-8'],
    ['an unknown label is skipped for the next meta', '<meta charset="klingon"><meta charset="windows-1256">', 'windows-1256'],
    ['inside a comment: not seen', '<!-- <meta charset="windows-1256"> --><p>texte</p>', undefined],
    ['after a comment: seen', '<!-- commentaire --><meta charset="windows-1256">', 'windows-1256'],
    ['inside another tag\'s attribute: not seen', '<div title="<meta charset=windows-1256>">x</div>', undefined],
    ['after other tags and text', '<!doctype html><html lang="ar"><head><title>عنوان</title><meta charset="windows-1256">', 'windows-1256'],
    ['after 4 KB of head', `<head>${'<link rel="x" href="/y">'.repeat(170)}<meta charset="windows-1256">`, 'windows-1256'],
    ['a <metadata> tag is not a meta', '<metadata charset="windows-1256">', undefined],
    ['an XML prolog', '<?xml version="1.0" encoding="windows-1256"?><rss/>', 'windows-1256'],
    ['an XML prolog with single quotes and spaces', "<?xml version='1.0'  encoding = 'ISO-8859-6' ?><rss/>", 'ISO-8859-6'],
    ['nothing declared', '<html><body>plain</body></html>', undefined],
  ];
  for (const [name, html, expected] of prescan) {
    const found = declaredEncoding(Buffer.from(html, 'utf8'));
    t.equal(found === undefined ? undefined : (canonicalEncoding(found) ?? found), expected === undefined ? undefined : canonicalEncoding(expected), name);
  }
});

t.test('precedence: BOM, then header, then document, then UTF-8; bytes that are not UTF-8 are recognised', async (t) => {
  const arabic = 'الرشوة';
  const cp1256 = Buffer.from([0xc7, 0xe1, 0xd1, 0xd4, 0xe6, 0xc9]);
  t.equal(decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(arabic)]), 'text/html; charset=windows-1256').text, arabic, 'BOM wins');
  t.equal(decodeBody(cp1256, 'text/xml; charset=windows-1256').text, arabic, 'header');
  t.equal(decodeBody(Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1256"?>'), cp1256])).text.slice(-6), arabic, 'XML prolog');
  t.equal(decodeBody(Buffer.concat([Buffer.from('<meta charset="windows-1256">'), cp1256])).text.slice(-6), arabic, 'HTML meta');
  t.equal(
    decodeBody(Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1256"?>'), cp1256]), 'text/xml; charset=utf-8').text.slice(-6),
    arabic,
    'a wrong UTF-8 header loses to the document when the bytes are not UTF-8',
  );
  t.equal(decodeBody(Buffer.concat([Buffer.from('<meta charset="utf-8">'), cp1256, cp1256])).encoding, 'windows-1256', 'a document that says UTF-8 and is not: recognised by its bytes');
  t.equal(decodeBody(Buffer.from('Évaluation')).text, 'Évaluation', 'UTF-8 by default');
  t.equal(decodeBody(Buffer.from([0x80]), 'text/html; charset=iso-8859-1').text, '€', 'iso-8859-1 is windows-1252 (WHATWG)');
  t.equal(detectEncoding(Buffer.from([0x3c, 0x00, 0x3f, 0x00, 0x78, 0x00])), 'utf-16le', 'UTF-16 without a BOM, by the NUL bytes around "<?x"');
  // A UTF-8 document with one Arabic letter cut in two keeps UTF-8 (one U+FFFD), not windows-1256.
  const cut = Buffer.from('المجلس الأعلى للحسابات يصدر تقريره', 'utf8');
  const damaged = Buffer.concat([cut.subarray(0, 11), cut.subarray(12)]); // the second byte of "س" gone
  t.equal(decodeBody(damaged).encoding, 'utf-8', 'mostly UTF-8 stays UTF-8');
  t.match(decodeBody(damaged).text, /\ufffd/, 'the bad byte becomes U+FFFD');
});

t.test('the fixture feeds harvested over HTTP: titles and descriptions in the catalogue as written', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const feeds = EXPECTED.filter((c) => c.file.endsWith('.xml'));
  for (const c of feeds) {
    server.set(`/${c.file}`, { headers: c.content_type ? { 'content-type': c.content_type } : {}, body: fs.readFileSync(path.join(FIXTURES, c.file)) });
  }
  const bed = makeBed({ partners: [{ id: 'charsets', sources: feeds.map((c, i) => ({ id: `feed-${i}`, type: 'feed', url: `${server.url}/${c.file}`, section: 'news' })) }] });
  t.teardown(() => bed.close());
  const outcomes = await bed.harvest();
  const titles = bed.store.items.list({ partner: 'charsets' }, 1, 100).items.map((i) => i.title);
  for (const [i, c] of feeds.entries()) {
    const outcome = bed.outcome(outcomes, `feed-${i}`);
    t.match(outcome, { status: 'ok', items_new: 1 }, `${c.file}: harvested (${outcome.error?.message ?? 'ok'})`);
    const title = /<item><title>([^<]*)<\/title>/.exec(c.text)![1]!;
    t.ok(titles.includes(title), `${c.file}: "${title}" in the catalogue as written`);
  }
});
