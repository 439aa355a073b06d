// Refuses loopback, private, link-local, metadata and other non-public addresses, on the IP a
// host name resolves to (so a redirect or a DNS name pointing inside the network is caught too).
// Tests and the demo set `harvest.allow_private_networks: true` to reach their loopback sites; a
// list of ranges (`[127.0.0.0/8]`, `[10.20.0.0/16]`) opens only those, e.g. for a partner on an
// intranet, and every other non-public address stays refused.
import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { parseIpRange } from '../config/index.ts';
import { HarvestError } from './errors.ts';

const blocked = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local, incl. fd00:ec2::254 (metadata)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['64:ff9b::', 96], // NAT64 of IPv4 addresses: checked as IPv4 below
] as const) {
  blocked.addSubnet(address, prefix, 'ipv6');
}

/** True for an address the portal must not connect to on the public internet. */
export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family === 6) {
    const mapped = /^(?:::ffff:|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(ip, 'ipv6');
  }
  return true;
}

/** `true` (everything), `false` (nothing) or ranges such as "127.0.0.0/8" or "fd00::/8". */
export type PrivateNetworkPolicy = boolean | readonly string[];

const policies = new WeakMap<readonly string[], net.BlockList>();

/** Whether the policy lets the portal connect to `ip` (public addresses always). */
export function addressAllowed(ip: string, policy: PrivateNetworkPolicy): boolean {
  if (policy === true || !isPrivateAddress(ip)) return true;
  if (policy === false) return false;
  let allowed = policies.get(policy);
  if (!allowed) {
    allowed = new net.BlockList();
    for (const range of policy) {
      const parsed = parseIpRange(range);
      if (parsed) allowed.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    policies.set(policy, allowed);
  }
  const family = net.isIP(ip);
  const mapped = /^(?:::ffff:)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return allowed.check(mapped[1]!, 'ipv4');
  return family === 4 ? allowed.check(ip, 'ipv4') : family === 6 ? allowed.check(ip, 'ipv6') : false;
}

export function privateAddressError(host: string, ip: string): HarvestError {
  return new HarvestError(
    'network',
    `refused to connect to ${host} (${ip}): a loopback, private or link-local address; list its range in harvest.allow_private_networks to allow it`,
  );
}

/** Checks a URL's host when it is an IP literal (no DNS lookup happens for those). */
export function checkLiteralHost(url: URL, policy: PrivateNetworkPolicy): void {
  if (policy === true) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if ((host === 'localhost' || host.endsWith('.localhost')) && !addressAllowed('127.0.0.1', policy)) throw privateAddressError(host, '127.0.0.1');
  if (net.isIP(host) && !addressAllowed(host, policy)) throw privateAddressError(host, host);
}

/** How host names are resolved: dns.lookup, or a stand-in in tests (no DNS traffic leaves the machine). */
export type Resolver = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dns.lookup(hostname, { all: true }, callback);

/** A `lookup` for sockets that refuses names resolving to non-public addresses. */
export function guardedLookup(policy: PrivateNetworkPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error);
      const list = addresses.filter((a) => !options.family || a.family === options.family);
      const bad = list.find((a) => !addressAllowed(a.address, policy));
      if (bad) return callback(privateAddressError(hostname, bad.address));
      if (list.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}
