// Password guessing against the admin sign-in, without handing attackers a way to lock operators
// out. Two counters, both in memory only (addresses are never written down) and both leaking away
// with time (a leaky bucket), so nothing an attacker does lasts once they stop:
//
// - per client address (an IPv4 address or an IPv6 /64, see client.ts): ten failures in a row, then
//   one attempt every six minutes. This is what stops a guesser; it is answered before the password
//   is looked at, and whatever the name, so it says nothing about which names exist.
// - per name typed (known or not, so the answers do not tell them apart): past five recent failures
//   every attempt on that name waits a little before its password is checked, up to 3 seconds.
//   The right password still gets through: an attacker rotating addresses can slow the real
//   operator by those seconds, never lock them out (OWASP Authentication Cheat Sheet, "Account
//   Lockout": a lock an attacker can trigger is a denial of service).
//
// A password needs 12 characters at least, and each check costs a scrypt derivation, so guessing
// from many addresses at once stays hopeless without the per-name wait having to refuse anyone.

export const ADDRESS_FREE = 10;
/** One failure forgotten per address every this long: past the free ones, one attempt this often. */
export const ADDRESS_LEAK_MS = 6 * 60_000;
export const NAME_FREE = 5;
/** One failure forgotten per name every this long. */
export const NAME_LEAK_MS = 60_000;
export const NAME_BASE_DELAY_MS = 200;
export const NAME_MAX_DELAY_MS = 3_000;
/** Entries kept per counter; the oldest is dropped past it (memory stays bounded under a flood). */
const MAX_ENTRIES = 20_000;

interface Bucket {
  level: number;
  at: number;
  /** Failures since the bucket was last empty (for the audit log). */
  failures: number;
}

class Buckets {
  private readonly entries = new Map<string, Bucket>();

  constructor(private readonly leakMs: number) {}

  level(key: string, now: number): number {
    const bucket = this.entries.get(key);
    if (!bucket) return 0;
    const level = Math.max(0, bucket.level - (now - bucket.at) / this.leakMs);
    if (level === 0) this.entries.delete(key);
    return level;
  }

  add(key: string, now: number): Bucket {
    const previous = this.entries.get(key);
    const level = this.level(key, now);
    const bucket = { level: level + 1, at: now, failures: level > 0 && previous ? previous.failures + 1 : 1 };
    // Re-inserted so the map's order is the order of last use, and the oldest goes first.
    this.entries.delete(key);
    this.entries.set(key, bucket);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return bucket;
  }

  /** One count less (what `add` counted for an attempt that did not happen). */
  remove(key: string, now: number): void {
    const bucket = this.entries.get(key);
    if (!bucket) return;
    const level = this.level(key, now) - 1;
    if (level <= 0) this.entries.delete(key);
    else this.entries.set(key, { level, at: now, failures: Math.max(0, bucket.failures - 1) });
  }

  clear(key: string): void {
    this.entries.delete(key);
  }
}

/** The name as the throttle counts it: case, width and surrounding spaces do not make a new name. */
export const nameKey = (name: string) => name.normalize('NFKC').trim().toLowerCase().slice(0, 100);

export class LoginGuard {
  private readonly addresses = new Buckets(ADDRESS_LEAK_MS);
  private readonly names = new Buckets(NAME_LEAK_MS);

  /** Milliseconds before the client at `address` may try again (0: now). */
  addressWait(address: string, now: number): number {
    // After ADDRESS_FREE failures the bucket must leak below ADDRESS_FREE - 1 before the next try.
    const over = this.addresses.level(address, now) - (ADDRESS_FREE - 1);
    return over > 0 ? Math.ceil(over * ADDRESS_LEAK_MS) : 0;
  }

  /**
   * Checked first: the milliseconds to wait (the attempt is refused), or 0, and then the attempt is
   * counted against the address at once, before its password is checked. Counted only on failure,
   * a hundred guesses sent together all passed the check before the first one failed.
   */
  attempt(address: string, now: number): number {
    const wait = this.addressWait(address, now);
    if (wait === 0) this.addresses.add(address, now);
    return wait;
  }

  /** How long an attempt on `name` waits before its password is checked: 0.2 s doubling to 3 s. */
  nameDelay(name: string, now: number): number {
    const level = this.names.level(nameKey(name), now);
    if (level < NAME_FREE - 0.5) return 0;
    return Math.min(NAME_MAX_DELAY_MS, Math.round(NAME_BASE_DELAY_MS * 2 ** Math.max(0, level - NAME_FREE)));
  }

  /** Gives back an attempt `attempt` counted whose password could not be checked (the checks were busy: 503). */
  refund(address: string, now: number): void {
    this.addresses.remove(address, now);
  }

  /** Records a failed attempt on `name` (the address counted it in `attempt`); the name's count of recent failures, for the audit log. */
  fail(name: string, now: number): { nameFailures: number } {
    return { nameFailures: this.names.add(nameKey(name), now).failures };
  }

  /** A successful sign-in forgives the address (an operator's own typos); the name's count stays. */
  succeed(address: string): void {
    this.addresses.clear(address);
  }
}

/** Failed sign-ins written to the audit log: the first ones, then one at each power of two. */
export const auditFailure = (failures: number) => failures <= 10 || (failures & (failures - 1)) === 0;
