// Connectors against the shared corpora (../shared/corpus, beside the repository, never copied
// into it): charset detection (html5lib prescan cases, chardet samples in windows-1256 /
// ISO-8859-6 / latin1), rss-parser's golden feeds, feedparser's well-formed and ill-formed feeds
// served over HTTP (well-formed parse, nothing crashes), PDFs (Arabic, French, encrypted, broken,
// scanned) and robots.txt (google/robotstxt, robots-parser). Without the corpora these cases are
// one skipped line; the project's own fixtures cover the same classes in charset.test.ts,
// feed-classes.test.ts, pdf-text.test.ts and robots.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { decodeBody, declaredEncoding, detectEncoding, extractPdf, HarvestError } from '../../connectors/index.ts';
import { RobotsCache } from '../../connectors/robots.ts';
import { CORPUS_DIR as CORPUS, corpusTests } from '../helpers/corpus.ts';
import { makeBed } from '../helpers/harvest.ts';
import { startServer } from '../helpers/server.ts';

/**
 * Where google/robotstxt's own matcher and the portal's (robots-parser, RFC 9309) part ways, by
 * design: the portal follows the RFC and always sees percent-encoded URLs (WHATWG URL).
 */
const GOOGLE_DIFFERENCES: Record<string, string> = {
  'RobotsUnittest.ID_LineSyntax_Line': 'Google accepts a line without its colon ("disallow /"); RFC 9309 2.2 requires the colon',
  'RobotsUnittest.ID_UserAgentValueCaseInsensitive': 'Google reads a user-agent line up to its first space ("FOO BAR" is FOO); robots-parser compares the whole product token',
  'RobotsUnittest.ID_Encoding':
    "Google's API takes URLs already encoded (a raw ツ differs from %E3%83%84) and leaves %62%61%7A undecoded, against RFC 9309's own example table; the portal's URLs are always encoded and unreserved escapes decoded as the RFC says",
};

corpusTests(t, ['encodings', 'feeds-rss-parser', 'feeds-feedparser', 'pdfs', 'robotstxt'], {
  'html5lib meta-charset prescan cases': async (t) => {
    const text = fs.readFileSync(path.join(CORPUS, 'encodings/html5lib-tests/encoding/tests1.dat'), 'latin1');
    const cases = text.split(/\n(?=#data\n)/).map((block) => {
      const data = /#data\n([\s\S]*?)\n#encoding/.exec(block)?.[1] ?? '';
      const encoding = /#encoding\n(.*)/.exec(block)?.[1]?.trim().toLowerCase() ?? '';
      return { data, encoding };
    });
    let agree = 0;
    const relevant = cases.filter((c) => ['windows-1252', 'utf-8', 'iso-8859-2', 'windows-1256', 'iso-8859-6'].includes(c.encoding));
    for (const c of relevant) {
      // As an unlabelled page. Without any declaration browsers fall back to windows-1252 and we to
      // UTF-8 (the rule): both mean "nothing declared".
      const bytes = Buffer.from(c.data, 'latin1');
      const declared = declaredEncoding(bytes);
      const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
      const found = declared === undefined && !bom ? 'windows-1252' : detectEncoding(bytes);
      const plain = (name: string) => name.replace(/[-_]/g, '');
      if (plain(found) === plain(c.encoding)) agree++;
      else t.comment(`prescan differs: ${JSON.stringify(c.data.slice(0, 80))} → ${found}, expected ${c.encoding}`);
    }
    t.ok(relevant.length > 40, `${relevant.length} cases`);
    t.equal(agree, relevant.length, `agrees on ${agree} of ${relevant.length}`);
  },

  'chardet samples: Arabic in windows-1256 and ISO-8859-6, French in latin1, all decoded exactly': async (t) => {
    const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, 'encodings/chardet-samples/expected.json'), 'utf8')).files as Array<{
      file: string;
      expected_encoding: string;
      decoded_utf8: string;
    }>;
    for (const sample of expected) {
      if (!/windows-1256|iso-8859-6|iso-8859-1|windows-1252|utf-8/.test(sample.expected_encoding)) continue;
      const bytes = fs.readFileSync(path.join(CORPUS, 'encodings', sample.file));
      const reference = fs.readFileSync(path.join(CORPUS, 'encodings', sample.decoded_utf8), 'utf8');
      // As a server would label it:
      const labelled = decodeBody(bytes, `text/html; charset=${sample.expected_encoding}`);
      t.equal(labelled.text, reference, `${sample.file} with a charset header`);
      // Unlabelled Arabic windows-1256 pages are recognised by their bytes.
      if (sample.expected_encoding === 'windows-1256' && !sample.file.includes('html')) {
        t.equal(decodeBody(bytes).text, reference, `${sample.file} without any label`);
      }
    }
  },

  'rss-parser golden feeds and feedparser feeds through the feed connector': async (t) => {
    const server = await startServer();
    const golden = JSON.parse(fs.readFileSync(path.join(CORPUS, 'feeds-rss-parser/cases.json'), 'utf8')).cases as Array<{
      input: string;
      expected?: string;
      expectError?: boolean;
    }>;
    const sources: Array<Record<string, unknown>> = [];
    const expectations = new Map<string, { items: number } | 'error'>();
    for (const [index, c] of golden.entries()) {
      const file = path.join(CORPUS, 'feeds-rss-parser/input', c.input);
      if (!fs.existsSync(file)) continue;
      server.set(`/golden/${index}`, { headers: { 'content-type': 'application/xml' }, body: fs.readFileSync(file) });
      sources.push({ id: `golden-${index}`, type: 'feed', url: `${server.url}/golden/${index}`, section: 'news' });
      if (c.expectError) expectations.set(`golden-${index}`, 'error');
      else if (c.expected) {
        const out = JSON.parse(fs.readFileSync(path.join(CORPUS, 'feeds-rss-parser/output', c.expected), 'latin1'));
        expectations.set(`golden-${index}`, { items: (out.feed.items ?? []).length });
      }
    }
    const index = JSON.parse(fs.readFileSync(path.join(CORPUS, 'feeds-feedparser/index.json'), 'utf8')) as Array<{ path: string; category: string }>;
    const sample = [...index.filter((e) => e.category === 'illformed'), ...index.filter((e) => e.path.startsWith('wellformed/rss/')).slice(0, 60), ...index.filter((e) => e.path.startsWith('wellformed/atom10/')).slice(0, 60)];
    for (const [i, entry] of sample.entries()) {
      server.set(`/fp/${i}`, { headers: { 'content-type': 'application/xml' }, body: fs.readFileSync(path.join(CORPUS, 'feeds-feedparser', entry.path)) });
      sources.push({ id: `fp-${i}`, type: 'feed', url: `${server.url}/fp/${i}`, section: 'news' });
    }
    const bed = makeBed({ harvest: { concurrency: 4 }, partners: [{ id: 'corpus', sources }] });
    const outcomes = await bed.harvest();
    t.equal(outcomes.length, sources.length, 'every source has an outcome: nothing crashed the pass');
    let goldenOk = 0;
    for (const [id, want] of expectations) {
      const got = bed.outcome(outcomes, id);
      if (want === 'error') {
        t.equal(got.status, 'failed', `${id} is refused`);
      } else if (got.status === 'ok' && got.items_found + got.items_dropped === want.items) {
        goldenOk++;
      }
    }
    const goldenCount = [...expectations.values()].filter((v) => v !== 'error').length;
    t.ok(goldenOk >= goldenCount - 2, `rss-parser golden feeds: ${goldenOk} of ${goldenCount} read with every item accounted for`);
    const wellformed = outcomes.filter((o) => o.source.startsWith('fp-') && sample[Number(o.source.slice(3))]!.category !== 'illformed');
    const failed = wellformed.filter((o) => o.status === 'failed' && o.error?.code !== 'empty');
    t.ok(failed.length <= wellformed.length * 0.05, `well-formed feedparser feeds parse (${failed.length} of ${wellformed.length} refused: ${failed.slice(0, 3).map((f) => f.error?.message).join(' | ')})`);
    bed.close();
    await server.close();
  },

  'PDFs: Arabic and French text, encrypted, broken and scanned documents': async (t) => {
    const pdf = (p: string) => fs.readFileSync(path.join(CORPUS, 'pdfs', p));
    const limits = { maxPages: 50, maxChars: 100_000, timeLimitMs: 60_000, memoryLimitBytes: 512 * 1024 * 1024 };
    const arabicLegacy = await extractPdf(pdf('pdfjs/ArabicCIDTrueType.pdf'), limits);
    t.match(arabicLegacy.text.split('\n')[0], /^انواع اخلطوط العربية$/, 'presentation forms folded and put back in logical order');
    t.notMatch(arabicLegacy.text, /[\ufb50-\ufdff\ufe70-\ufeff]/, 'no presentation forms left');
    const gazette = await extractPdf(pdf('natural-pdf/arabic.pdf'), limits);
    t.equal(gazette.pages, 23);
    // pdf.js hands the heading's pieces over left to right; put back in order by their positions
    // (poppler's reference: "اجلريدة الرسمية - العدد 9 (مكرر) فى 6 مارس سنة 2022").
    t.match(gazette.text.split('\n')[0], /اجلريدة الرسمية - العدد 9 \(مكرر\) فى 6 مارس سنة 2022$/);
    t.match(gazette.text, /قانون رقم 8 لسنة 2022/);
    t.match(gazette.text, /قانون المنشآت الفندقية والسياحية/);
    t.equal(gazette.scanned, false);
    const mixed = await extractPdf(pdf('pdfbox/input/hello3.pdf'), limits);
    t.equal(mixed.text, 'Hello محمد World.', 'a Latin line with an Arabic word keeps its order');
    const french = await extractPdf(pdf('pdfjs/french_diacritics.pdf'), limits);
    t.match(french.text, /é É è È ê Ê/);
    for (const encrypted of ['pdfjs/pr6531_1.pdf', 'pdfbox/encryption/PasswordSample-256bit.pdf']) {
      const file = path.join(CORPUS, 'pdfs', encrypted);
      if (!fs.existsSync(file)) continue;
      await t.rejects(extractPdf(fs.readFileSync(file), limits), { code: 'parse', message: /password/ }, encrypted);
    }
    await t.rejects(extractPdf(pdf('pdfjs/bug1020226.pdf'), limits), new HarvestError('parse', 'the PDF is damaged (Invalid PDF structure.)'));
    const scan = await extractPdf(pdf('natural-pdf/tiny-ocr.pdf'), limits);
    t.equal(scan.scanned, true);
    const limited = await extractPdf(pdf('natural-pdf/arabic.pdf'), { ...limits, maxPages: 3 });
    t.equal(limited.pagesRead, 3);
    t.equal(limited.truncated, true);
  },

  'robots.txt: robots-parser\'s own cases and google/robotstxt\'s, through the portal\'s RobotsCache': async (t) => {
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(CORPUS, 'robotstxt', file), 'utf8')) as Array<Record<string, unknown>>;
    const verdict = (agent: string, robots: string, url: string) => new RobotsCache(agent, async () => ({ status: 200, text: robots })).check(url).then((v) => v.allowed);
    let checked = 0;
    for (const c of read('samclarke-robots-parser/cases.json') as Array<{ test: string; robots_url: string; robotstxt: string; method: string; args: string[]; expected: unknown }>) {
      // isAllowed / isDisallowed of a URL on the robots.txt's own origin (others are "undefined": not ours to ask).
      if (!['isAllowed', 'isDisallowed'].includes(c.method) || typeof c.expected !== 'boolean') continue;
      const url = c.args[0]!;
      if (!URL.canParse(url) || new URL(url).origin !== new URL(c.robots_url).origin) continue;
      checked++;
      const want = c.method === 'isAllowed' ? c.expected : !c.expected;
      t.equal(await verdict(c.args[1] ?? '', c.robotstxt, url), want, `robots-parser: ${c.test}: ${url}`);
    }
    t.ok(checked > 100, `${checked} robots-parser cases`);
    let google = 0;
    const differences: string[] = [];
    for (const c of read('google-robotstxt/allowed_cases.json') as Array<{ test: string; robotstxt: string; useragent: string; url: string; allowed: boolean }>) {
      // GoogleOnly_* are Google's extensions to the RFC (index.html as /, a 16 KB line limit…).
      if (c.test.includes('GoogleOnly_') || !URL.canParse(c.url)) continue;
      const allowed = await verdict(c.useragent, c.robotstxt, c.url);
      if (GOOGLE_DIFFERENCES[c.test]) {
        if (allowed !== c.allowed) differences.push(c.test);
        continue;
      }
      google++;
      t.equal(allowed, c.allowed, `google: ${c.test}: ${JSON.stringify(c.robotstxt).slice(0, 80)} ${c.useragent} ${c.url}`);
    }
    t.ok(google >= 40, `${google} google/robotstxt cases agree`);
    for (const test of new Set(differences)) t.comment(`known difference, ${test}: ${GOOGLE_DIFFERENCES[test]}`);
  },
});
