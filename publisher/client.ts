// Who is asking, as far as the login throttle and the suggestions limit need to know, and whether a
// form was sent from the portal's own pages. Client addresses stay in memory: they are never logged
// or written down (privacy notice, law 09-08).
import net from 'node:net';
import { parseIpRange } from '../config/index.ts';

/** "::ffff:192.0.2.1" (an IPv4 client on a dual-stack socket) → "192.0.2.1"; zone ids dropped. */
export function plainAddress(address: string): string {
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped ? mapped[1]! : bare;
}

/** The eight 16-bit groups of an IPv6 address, or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  if (net.isIPv6(address) === false) return undefined;
  let text = address;
  // A trailing dotted quad ("::1.2.3.4") is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<number>(missing).fill(0), ...right];
  return groups.length === 8 ? groups : undefined;
}

/**
 * The key the login throttle and the suggestions limit count a client under: its IPv4 address, or
 * the /64 network of its IPv6 address (one subscriber usually holds a whole /64, so counting single
 * IPv6 addresses would give an attacker billions of fresh ones).
 */
export function clientKey(address: string | undefined): string {
  const plain = plainAddress(address ?? '');
  if (net.isIPv4(plain)) return plain;
  const groups = ipv6Groups(plain);
  if (!groups) return plain || 'unknown';
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

const trustLists = new WeakMap<readonly string[], net.BlockList>();

/** A BlockList of the `trust_proxy` ranges, built once per config. */
function trustList(ranges: readonly string[]): net.BlockList {
  let list = trustLists.get(ranges);
  if (!list) {
    list = new net.BlockList();
    for (const range of ranges) {
      const parsed = parseIpRange(range);
      if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    trustLists.set(ranges, list);
  }
  return list;
}

/**
 * Fastify's `trustProxy` as a function of the live config: an X-Forwarded-For hop is believed only
 * when the address it came from is listed in `trust_proxy`. With nothing listed, no header is
 * believed and the client is the socket's peer (a visitor cannot pick their own address).
 */
export function trustProxy(ranges: () => readonly string[]): (address: string, hop: number) => boolean {
  return (address) => {
    const list = ranges();
    if (list.length === 0) return false;
    const plain = plainAddress(address);
    const family = net.isIPv4(plain) ? 'ipv4' : net.isIPv6(plain) ? 'ipv6' : undefined;
    return family !== undefined && trustList(list).check(plain, family);
  };
}

/**
 * Why a state-changing request (a form) must be refused as coming from another site, or undefined
 * when it comes from the portal's pages. Browsers send Origin with every form post (and
 * Sec-Fetch-Site); a page of another site cannot forge either. The portal's origin is
 * `site.base_url`, or the address the request was sent to (a portal reached directly on its port,
 * in tests or on an intranet). A missing Origin (an old browser, a script) is left to the form's
 * own anti-forgery token. Never throws, whatever the headers hold.
 */
export function crossSiteReason(headers: Record<string, string | string[] | undefined>, baseUrl: string): string | undefined {
  const fetchSite = headers['sec-fetch-site'];
  // Only the header's defined values are repeated (the reason is logged): anything else could carry what a client wrote.
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') return fetchSite === 'cross-site' || fetchSite === 'same-site' ? `Sec-Fetch-Site: ${fetchSite}` : 'an unknown Sec-Fetch-Site value';
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  if (typeof origin !== 'string') return 'several Origin headers';
  if (origin === 'null') return 'Origin: null (a sandboxed frame, a file or a redirect from another site)';
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return 'a malformed Origin header';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'an Origin that is not a web address';
  if (parsed.origin === new URL(baseUrl).origin) return undefined;
  const host = headers.host;
  if (typeof host === 'string' && host.length < 300) {
    try {
      // Parsed the same way, so a default port (":80" on http) compares equal to none.
      if (parsed.host === new URL(`${parsed.protocol}//${host}`).host) return undefined;
    } catch {
      // a malformed Host matches nothing
    }
  }
  return 'a form sent from another site';
}
