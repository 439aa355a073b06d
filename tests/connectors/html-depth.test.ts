// capNesting: markup past the depth limit is flattened (tags dropped, text kept) in one pass, and
// ordinary markup is left exactly as it was.
import { load } from 'cheerio';
import t from 'tap';
import { capNesting } from '../../connectors/html-depth.ts';
import { nested } from '../helpers/bombs.ts';

t.test('ordinary markup is untouched, whatever its length', async (t) => {
  const page = `<!doctype html><html><head><title>a < b</title><script>if (a < b) { x = "</div>"; }</script></head><body>${'<div class="row"><p>Texte<p>Suite<ul><li>un<li>deux</ul><br><img src="x.png" alt="<b>"></div>'.repeat(500)}</body></html>`;
  t.same(capNesting(page), { html: page, dropped: 0 });
  // Unclosed <p>, <li> and <td> are closed by HTML itself: not depth.
  const sloppy = `<table>${'<tr><td>cellule'.repeat(2000)}</table>${'<p>paragraphe'.repeat(2000)}`;
  t.same(capNesting(sloppy, 16), { html: sloppy, dropped: 0 });
});

t.test('tags past the limit are dropped with their end tags; the text stays', async (t) => {
  const { html, dropped } = capNesting(`<section>${nested('div', 10, 'au fond')}<p>après</p></section>`, 4);
  t.equal(dropped, 14, '7 start and 7 end tags');
  t.equal(html, '<section><div><div><div>au fond</div></div></div><p>après</p></section>');
  const $ = load(capNesting(`${'<b><i>'.repeat(30000)}fin<div class="next">suite</div>`, 256).html);
  t.equal($('body').text(), 'finsuite');
  t.ok($('b').length + $('i').length <= 256);
});

t.test('a script or style past the limit goes whole, never becomes text', async (t) => {
  const { html } = capNesting(`${nested('div', 3, '<script>alert("</div>")</script>texte')}`, 2);
  t.equal(html, '<div><div>texte</div></div>');
});

t.test('raw text without its end tag runs to the end, searched for once', async (t) => {
  // 200,000 unclosed <script>: a search to the end for each would be quadratic.
  const page = `<div>texte</div>${'<script>x'.repeat(200_000)}`;
  t.same(capNesting(page, 4), { html: page, dropped: 0 });
  const deep = `${'<div>'.repeat(5)}${'<textarea>x'.repeat(200_000)}`;
  t.equal(capNesting(deep, 4).html, '<div><div><div><div>');
});
