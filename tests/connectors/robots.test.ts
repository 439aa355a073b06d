// robots.txt with the project's own cases (RFC 9309 and the habits of real files), through the
// portal's RobotsCache as the HTTP client uses it: matching and precedence, wildcards and `$`,
// user-agent groups, percent-encoding, line endings and byte order marks, Crawl-delay, what 4xx,
// 5xx and an unreachable host mean, the cache; then a real client against a loopback server. The
// shared corpora (google/robotstxt, robots-parser's own cases) add more when present
// (tests/connectors/corpus.test.ts).
import t from 'tap';
import { HarvestError, HttpClient } from '../../connectors/index.ts';
import { RobotsCache } from '../../connectors/robots.ts';
import { startServer } from '../helpers/server.ts';

const AGENT = 'IntegrityPortalBot';
const SITE = 'https://partner.example';

/** The verdict for `path` under `robots` (a robots.txt answered 200). */
async function allowed(robots: string, path: string, agent = AGENT): Promise<boolean> {
  const cache = new RobotsCache(agent, async () => ({ status: 200, text: robots }));
  return (await cache.check(`${SITE}${path}`)).allowed;
}

interface Case {
  name: string;
  robots: string;
  path: string;
  allowed: boolean;
  agent?: string;
}

const CASES: Case[] = [
  // Matching and precedence (RFC 9309 2.2.2: the longest match wins; Allow on a tie).
  { name: 'a disallowed prefix', robots: 'User-agent: *\nDisallow: /private', path: '/private/report.pdf', allowed: false },
  { name: 'a prefix match is by characters, not by segment', robots: 'User-agent: *\nDisallow: /private', path: '/private-notes', allowed: false },
  { name: 'outside the disallowed prefix', robots: 'User-agent: *\nDisallow: /private/', path: '/public/report.pdf', allowed: true },
  { name: 'an empty Disallow allows everything', robots: 'User-agent: *\nDisallow:', path: '/anything', allowed: true },
  { name: 'Disallow: / closes the site', robots: 'User-agent: *\nDisallow: /', path: '/fr/actualites', allowed: false },
  { name: 'the longer Allow wins over a shorter Disallow', robots: 'User-agent: *\nDisallow: /docs/\nAllow: /docs/public/', path: '/docs/public/guide.pdf', allowed: true },
  { name: 'the longer Disallow wins over a shorter Allow', robots: 'User-agent: *\nAllow: /docs/\nDisallow: /docs/internal/', path: '/docs/internal/note.pdf', allowed: false },
  { name: 'order in the file does not matter', robots: 'User-agent: *\nDisallow: /docs/internal/\nAllow: /docs/', path: '/docs/internal/note.pdf', allowed: false },
  { name: 'Allow wins a tie of equal length', robots: 'User-agent: *\nDisallow: /page\nAllow: /page', path: '/page', allowed: true },
  { name: 'paths are case-sensitive', robots: 'User-agent: *\nDisallow: /Private', path: '/private', allowed: true },
  // Wildcards and the end anchor.
  { name: '* matches any run of characters', robots: 'User-agent: *\nDisallow: /*.pdf', path: '/fr/rapports/2024.pdf', allowed: false },
  { name: '$ anchors the end', robots: 'User-agent: *\nDisallow: /*.pdf$', path: '/fr/rapports/2024.pdf?download=1', allowed: true },
  { name: '$ anchors the end (match)', robots: 'User-agent: *\nDisallow: /*.pdf$', path: '/fr/rapports/2024.pdf', allowed: false },
  { name: 'only the home page allowed', robots: 'User-agent: *\nDisallow: /\nAllow: /$', path: '/', allowed: true },
  { name: 'only the home page allowed (another page)', robots: 'User-agent: *\nDisallow: /\nAllow: /$', path: '/fr/', allowed: false },
  { name: 'a query string pattern', robots: 'User-agent: *\nDisallow: /*?', path: '/recherche?q=rapport', allowed: false },
  { name: 'a query string pattern (no query)', robots: 'User-agent: *\nDisallow: /*?', path: '/recherche', allowed: true },
  { name: 'the query counts in the match', robots: 'User-agent: *\nDisallow: /index.php?page=admin', path: '/index.php?page=admin&x=1', allowed: false },
  { name: 'a * in the middle', robots: 'User-agent: *\nDisallow: /fr/*/brouillon', path: '/fr/actualites/2024/brouillon/1', allowed: false },
  // User-agent groups.
  { name: 'our group wins over *', robots: 'User-agent: *\nDisallow: /\n\nUser-agent: IntegrityPortalBot\nDisallow: /admin', path: '/fr/', allowed: true },
  { name: 'our group applies its own rules', robots: 'User-agent: *\nDisallow: /\n\nUser-agent: IntegrityPortalBot\nDisallow: /admin', path: '/admin/login', allowed: false },
  { name: 'the product token is matched without case', robots: 'User-agent: integrityportalbot\nDisallow: /archives', path: '/archives/2010', allowed: false },
  { name: 'another robot\'s group does not apply', robots: 'User-agent: Googlebot\nDisallow: /', path: '/fr/', allowed: true },
  { name: 'a group with several user-agent lines', robots: 'User-agent: Googlebot\nUser-agent: IntegrityPortalBot\nDisallow: /interne', path: '/interne/x', allowed: false },
  { name: 'no group at all', robots: '# nothing for robots here\n', path: '/fr/', allowed: true },
  { name: 'rules before any user-agent line are ignored', robots: 'Disallow: /\nUser-agent: *\nAllow: /', path: '/fr/', allowed: true },
  // Encoding of paths.
  { name: 'a percent-encoded rule matches the raw path', robots: 'User-agent: *\nDisallow: /%D8%AA%D9%82%D8%A7%D8%B1%D9%8A%D8%B1', path: '/%D8%AA%D9%82%D8%A7%D8%B1%D9%8A%D8%B1/2024', allowed: false },
  { name: 'a raw UTF-8 rule matches the encoded path', robots: 'User-agent: *\nDisallow: /تقارير', path: '/%D8%AA%D9%82%D8%A7%D8%B1%D9%8A%D8%B1/2024', allowed: false },
  { name: 'encoding differences of unreserved characters', robots: 'User-agent: *\nDisallow: /%7Eadmin', path: '/~admin/x', allowed: false },
  // The file's own form: comments, blanks, line endings, byte order marks.
  { name: 'comments and blank lines', robots: '# robots of the partner\n\nUser-agent: *   # everyone\n\nDisallow: /tmp   # temporary files\n', path: '/tmp/x', allowed: false },
  { name: 'CRLF line endings', robots: 'User-agent: *\r\nDisallow: /crlf\r\n', path: '/crlf/x', allowed: false },
  { name: 'CR line endings', robots: 'User-agent: *\rDisallow: /cr\r', path: '/cr/x', allowed: false },
  { name: 'a UTF-8 byte order mark', robots: '\ufeffUser-agent: *\nDisallow: /bom', path: '/bom/x', allowed: false },
  { name: 'no final newline', robots: 'User-agent: *\nDisallow: /last', path: '/last', allowed: false },
  { name: 'directives in any case, spaces around the colon', robots: 'USER-AGENT : *\ndisallow :   /upper', path: '/upper/x', allowed: false },
  { name: 'unknown directives and sitemaps are ignored', robots: 'User-agent: *\nNoindex: /\nSitemap: https://partner.example/sitemap.xml\nHost: partner.example\nDisallow: /x', path: '/fr/', allowed: true },
];

t.test('matching, precedence, wildcards, groups, encodings and line endings', async (t) => {
  for (const c of CASES) t.equal(await allowed(c.robots, c.path, c.agent), c.allowed, `${c.name}: ${c.path} ${c.allowed ? 'allowed' : 'disallowed'}`);
});

t.test('Crawl-delay: for our group, in milliseconds; none when absent or not a number', async (t) => {
  const delay = async (robots: string) => (await new RobotsCache(AGENT, async () => ({ status: 200, text: robots })).check(`${SITE}/`)).crawlDelayMs;
  t.equal(await delay('User-agent: *\nCrawl-delay: 5\nDisallow:'), 5000);
  t.equal(await delay('User-agent: *\nCrawl-delay: 0.5'), 500);
  t.equal(await delay('User-agent: *\nCrawl-delay: 30\n\nUser-agent: IntegrityPortalBot\nCrawl-delay: 2'), 2000, 'our group, not *');
  t.equal(await delay('User-agent: *\nDisallow:'), undefined);
  t.equal(await delay('User-agent: *\nCrawl-delay: soon'), undefined);
});

t.test('what the answer means: 4xx no rules, 5xx tried again sooner, unreachable said once', async (t) => {
  let now = 0;
  const answers: Array<{ status: number; text: string } | Error | null> = [];
  let fetched = 0;
  const cache = new RobotsCache(
    AGENT,
    async () => {
      fetched++;
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next ?? null;
    },
    () => now,
  );
  answers.push({ status: 404, text: 'Not Found' });
  t.same(await cache.check(`${SITE}/a`), { allowed: true }, '404: no restrictions (RFC 9309 2.3.1.3)');
  t.same(await cache.check(`${SITE}/b`), { allowed: true }, 'cached');
  t.equal(fetched, 1, 'one request for the origin');

  const other = 'https://other.example';
  answers.push({ status: 503, text: '' });
  t.same(await cache.check(`${other}/a`), { allowed: true }, '503: the page fetch reports the real problem');
  now += 11 * 60_000;
  answers.push({ status: 200, text: 'User-agent: *\nDisallow: /a' });
  t.same((await cache.check(`${other}/a`)).allowed, false, 'asked again after ten minutes, and obeyed');

  const down = 'https://down.example';
  answers.push(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  const verdict = await cache.check(`${down}/feed`);
  t.match(verdict, { allowed: true, unreachable: { message: /ECONNREFUSED/ } }, 'unreachable: the source fails at once');
  const before = fetched;
  await cache.check(`${down}/other`);
  t.equal(fetched, before, 'and is not asked again for every URL');

  now += 7 * 3_600_000;
  answers.push({ status: 200, text: 'User-agent: *\nDisallow: /' });
  t.same((await cache.check(`${SITE}/a`)).allowed, false, 'a robots.txt is read again after six hours');
});

t.test('concurrent checks of one origin share one request', async (t) => {
  let fetched = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const cache = new RobotsCache(AGENT, async () => {
    fetched++;
    await gate;
    return { status: 200, text: 'User-agent: *\nDisallow: /x' };
  });
  const checks = Promise.all([cache.check(`${SITE}/x`), cache.check(`${SITE}/y`), cache.check(`${SITE}/x/z`)]);
  release();
  t.same((await checks).map((v) => v.allowed), [false, true, false]);
  t.equal(fetched, 1);
});

t.test('the HTTP client obeys robots.txt for its product token, version and contact aside', async (t) => {
  const server = await startServer({
    '/robots.txt': { body: 'User-agent: *\nDisallow: /\n\nUser-agent: IntegrityPortalBot\nDisallow: /prive/\nCrawl-delay: 0\n', headers: { 'content-type': 'text/plain' } },
    '/public': { body: 'ok' },
    '/prive/doc': { body: 'secret' },
  });
  t.teardown(() => server.close());
  const client = new HttpClient({ timeoutMs: 5000, userAgent: 'IntegrityPortalBot/1.0 (+https://portal.example/)', allowPrivateNetworks: true, perHostDelayMs: 0 });
  t.teardown(() => client.close());
  t.equal((await client.fetch(`${server.url}/public`, { maxBytes: 1000 })).body.toString(), 'ok');
  await t.rejects(client.fetch(`${server.url}/prive/doc`, { maxBytes: 1000 }), new HarvestError('robots', `${server.url}/prive/doc is disallowed for the portal by ${server.url}/robots.txt`));
  t.equal(server.hits('/prive/doc'), 0, 'the disallowed page was never requested');
  t.equal(server.hits('/robots.txt'), 1, 'robots.txt read once');
});
