// repairFeedXml, the pass that makes a feed's XML readable before rss-parser: what it changes,
// what it must leave exactly as written, and inputs that would make a naive version quadratic.
import t from 'tap';
import { repairFeedXml } from '../../connectors/feed-xml.ts';

t.test('valid XML is left as written: CDATA, comments, a DOCTYPE with its subset, character references', async (t) => {
  const xml = `<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % x "y"> <!-- a > in the subset -->]>
<rss version="2.0"><channel><title>A &amp; B &#233; &#x263A; &lt;b&gt;</title>
<!-- & < not markup -->
<item><description><![CDATA[<p>R&D & "co" <b>gras</b></p>]]></description><link>https://a.example/?a=1&amp;b=2</link></item>
</channel></rss>`;
  const repaired = repairFeedXml(xml);
  t.equal(repaired.xml, xml);
  t.match(repaired, { root: 'rss', rootChildren: 1, entities: { count: 0 }, controls: 0, markupFields: 0 });
});

t.test('stray ampersands, entities without semicolons, invalid references and control characters', async (t) => {
  const repaired = repairFeedXml('<rss><channel><title>R&D &copy 2025 &nope; &#0; &eacute;t&eacute;\u000b &notit</title></channel></rss>');
  t.equal(repaired.xml, '<rss><channel><title>R&amp;D &#169; 2025 &amp;nope; &#xFFFD; &#233;t&#233; &amp;notit</title></channel></rss>');
  t.same(repaired.entities, { count: 5, examples: ['&D', '&copy', '&nope;'] });
  t.equal(repaired.controls, 1);
});

t.test('text fields with child markup become escaped HTML; base64 is decoded; Atom elements in RSS are renamed', async (t) => {
  const rss = repairFeedXml('<rss xmlns:a10="http://www.w3.org/2005/Atom"><channel><item><title>Le <b>rapport</b> <![CDATA[a<b]]><!-- x --></title><a10:link href="https://a.example/"/><a10:updated>2025</a10:updated></item></channel></rss>');
  t.equal(rss.xml, '<rss xmlns:a10="http://www.w3.org/2005/Atom"><channel><item><title>Le &lt;b&gt;rapport&lt;/b&gt; a&amp;lt;b</title><atom:link href="https://a.example/"/><atom:updated>2025</atom:updated></item></channel></rss>');
  const atom = repairFeedXml('<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title mode="base64" type="text/html">PGI+w6k8L2I+</title></entry></feed>');
  t.equal(atom.xml, '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>&lt;b&gt;é&lt;/b&gt;</title></entry></feed>');
  t.equal(atom.base64Fields, 1);
});

t.test('hostile shapes are refused or read in one pass', async (t) => {
  t.throws(() => repairFeedXml(`<rss>${'<x>'.repeat(65)}</rss>`), { code: 'parse', message: 'the feed nests elements more than 64 levels deep (<x>): it was refused' });
  // 200,000 unclosed <title>: each would search to the end for its end tag, once is enough.
  t.throws(() => repairFeedXml(`<rss><channel><item>${'<title>x'.repeat(200_000)}</item></channel></rss>`), { code: 'parse' });
  // 6,000 nested elements inside a text field are its content, not depth.
  const deep = repairFeedXml(`<rss><channel><item><description>${'<div>'.repeat(6000)}x${'</div>'.repeat(6000)}</description></item></channel></rss>`);
  t.equal(deep.markupFields, 1);
  t.notMatch(deep.xml, /<div>/);
  t.same(repairFeedXml('<rss version="2.0"></rss>'), { xml: '<rss version="2.0"></rss>', root: 'rss', rootChildren: 0, entities: { count: 0, examples: [] }, controls: 0, markupFields: 0, base64Fields: 0 });
  t.equal(repairFeedXml('<?xml version="1.0"?><!-- nothing -->').root, undefined);
});
