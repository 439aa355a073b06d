// What the portal believes of a request's headers. Behind a reverse proxy listed in trust_proxy,
// X-Forwarded-For gives each visitor their own count for the sign-in throttle and the suggestions
// limit; from anyone else it is ignored (a visitor cannot choose their address). Links never take
// the Host header or X-Forwarded-Host, whoever sends them.
import { load } from 'cheerio';
import t from 'tap';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { clientKey, trustProxy } from '../../publisher/client.ts';
import { PASSWORD } from '../helpers/admin-browser.ts';
import { BROWSER, makeApp, SEED_CONFIG } from '../helpers/app.ts';

const PROXY = '127.0.0.1';

async function bedWith(trust: string[] | undefined) {
  const bed = await makeApp({ config: { ...SEED_CONFIG, portal: trust ? { trust_proxy: trust } : {} }, sleep: async () => {} });
  bed.store.users.add('amina', 'admin', await hashPassword(PASSWORD, 2 ** 10), new Date().toISOString());
  const token = load((await bed.app.inject({ url: '/fr/suggestions', headers: BROWSER })).body)('input[name=csrf]').val() as string;
  const suggest = async (forwardedFor: string | undefined, i: number) =>
    (
      await bed.app.inject({
        method: 'POST',
        url: '/fr/suggestions',
        headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
        payload: new URLSearchParams({ csrf: token, message: `Suggestion numéro ${i}, assez longue.` }).toString(),
        remoteAddress: PROXY,
      })
    ).statusCode;
  /** A sign-in through the proxy: the login form and its post, with the pre-session cookie. */
  const login = async (forwardedFor: string, password: string, remoteAddress = PROXY) => {
    const headers = { ...BROWSER, 'x-forwarded-for': forwardedFor };
    const page = await bed.app.inject({ url: '/admin/login', headers, remoteAddress });
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const response = await bed.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf: load(page.body)('input[name=csrf]').val() as string, name: 'amina', password }).toString(),
      remoteAddress,
    });
    return response.statusCode;
  };
  return { bed, suggest, login };
}

t.test('behind a trusted proxy, each visitor is counted on their own address', async (t) => {
  const { bed, suggest, login } = await bedWith([PROXY]);
  const first: number[] = [];
  for (let i = 0; i < 6; i++) first.push(await suggest('203.0.113.7', i));
  t.same(first, [303, 303, 303, 303, 303, 429], 'the suggestions limit applies to the visitor');
  t.equal(await suggest('198.51.100.9', 9), 303, 'another visitor behind the same proxy is not limited');
  t.equal(await suggest('198.51.100.9, 203.0.113.7', 10), 429, 'the address the proxy saw counts, not one the visitor prepends');

  for (let i = 0; i < 10; i++) t.equal(await login('203.0.113.50', `wrong ${i}`), 401);
  t.equal(await login('203.0.113.50', PASSWORD), 429, 'the guesser behind the proxy is throttled');
  t.equal(await login('203.0.113.51', PASSWORD), 303, 'the operator behind the same proxy is not');
  await bed.close();
});

t.test('X-Forwarded-For from an address not in trust_proxy is ignored', async (t) => {
  const { bed, suggest, login } = await bedWith(undefined);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push(await suggest(`203.0.113.${i}`, i));
  t.same(statuses, [303, 303, 303, 303, 303, 429], 'a client cannot escape the limit by inventing addresses');
  for (let i = 0; i < 10; i++) await login(`198.51.100.${i}`, `wrong ${i}`);
  t.equal(await login('198.51.100.200', PASSWORD), 429, 'nor the sign-in throttle');
  await bed.close();
});

t.test('IPv6 clients are counted per /64; IPv4 on a dual-stack socket as IPv4', async (t) => {
  t.equal(clientKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  t.equal(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  t.equal(clientKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
  t.equal(clientKey('::1'), '0:0:0:0::/64');
  t.equal(clientKey('::ffff:192.0.2.1'), '192.0.2.1');
  t.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  t.equal(clientKey('192.0.2.1'), '192.0.2.1');
  t.equal(clientKey(undefined), 'unknown');
  const trusted = trustProxy(() => ['127.0.0.1', '10.20.0.0/16', 'fd00::/8']);
  t.ok(trusted('127.0.0.1', 0));
  t.ok(trusted('::ffff:127.0.0.1', 0), 'an IPv4 proxy seen on a dual-stack socket');
  t.ok(trusted('10.20.5.6', 0));
  t.ok(trusted('fd12::1', 0));
  t.notOk(trusted('10.21.0.1', 0));
  t.notOk(trusted('not an address', 0));
  t.notOk(trustProxy(() => [])('127.0.0.1', 0), 'nothing is trusted by default');

  const { bed } = await bedWith(undefined);
  const attempt = async (ip: string, password: string) => {
    const page = await bed.app.inject({ url: '/admin/login', headers: BROWSER, remoteAddress: ip });
    return (
      await bed.app.inject({
        method: 'POST',
        url: '/admin/login',
        headers: { ...BROWSER, cookie: String(page.headers['set-cookie']).split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf: load(page.body)('input[name=csrf]').val() as string, name: 'amina', password }).toString(),
        remoteAddress: ip,
      })
    ).statusCode;
  };
  for (let i = 1; i <= 10; i++) t.equal(await attempt(`2001:db8:1:2::${i.toString(16)}`, 'wrong'), 401);
  t.equal(await attempt('2001:db8:1:2::ffff', PASSWORD), 429, 'a fresh address in the same /64 is still the same guesser');
  t.equal(await attempt('2001:db8:1:3::1', PASSWORD), 303, 'the next /64 is someone else');
  await bed.close();
});

t.test('a forged Host or X-Forwarded-Host reaches no link: feeds, sitemap, robots.txt, canonical, hreflang', async (t) => {
  const { bed } = await bedWith([PROXY]);
  const headers = { ...BROWSER, host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' };
  for (const url of ['/fr/feed.atom', '/ar/feed.atom?section=news', '/sitemap.xml', '/robots.txt', '/fr/', '/ar/publications', '/fr/suggestions', '/api/openapi.json']) {
    const response = await bed.app.inject({ url, headers, remoteAddress: PROXY });
    t.equal(response.statusCode, 200, url);
    t.notMatch(response.body, /evil\.example/, `${url}: no link to the forged host`);
  }
  const home = load((await bed.app.inject({ url: '/fr/', headers, remoteAddress: PROXY })).body);
  t.equal(home('link[rel=canonical]').attr('href'), 'https://portal.example/fr/');
  t.same(home('link[rel=alternate][hreflang]').map((_, e) => home(e).attr('href')).get(), ['https://portal.example/ar/', 'https://portal.example/fr/', 'https://portal.example/en/']);
  const robots = await bed.app.inject({ url: '/robots.txt', headers, remoteAddress: PROXY });
  t.match(robots.body, /Sitemap: https:\/\/portal\.example\/sitemap\.xml/);
  const feed = await bed.app.inject({ url: '/fr/feed.atom?section=news&x=%3Cjunk%3E', headers, remoteAddress: PROXY });
  t.match(feed.body, /<link rel="self" href="https:\/\/portal\.example\/fr\/feed\.atom\?section=news"\/>/, 'the feed\'s own link keeps only its filters');
  await bed.close();
});
