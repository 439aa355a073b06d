// Operator passwords: scrypt (memory-hard, in Node's crypto), a random salt per password, and a
// constant-time comparison. Stored as "scrypt$N$r$p$salt$hash" so the cost can grow later.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
const MAX_MEMORY = 128 * 1024 * 1024;

/**
 * Derivations at once. Each takes 32 MB and one of libuv's four threads, which static files and
 * other I/O share: a burst of sign-ins held them all (a stylesheet waited 6.3 s behind 100 guesses).
 */
export const MAX_DERIVING = 2;
/** Derivations waiting for a turn; past them a check is refused (503) rather than queued. */
export const MAX_WAITING = 32;
let deriving = 0;
const turns: Array<() => void> = [];

/** Too many password checks at once: answered 503 with Retry-After by the error handler. */
export class PasswordChecksBusy extends Error {
  readonly statusCode = 503;
  readonly code = 'busy';
  constructor() {
    super('too many sign-ins at once; try again in a moment');
  }
}

/** Takes a turn to derive (waiting for one, or refused when too many wait); the caller gives it back. */
async function turn(): Promise<void> {
  if (deriving < MAX_DERIVING) {
    deriving++;
    return;
  }
  if (turns.length >= MAX_WAITING) throw new PasswordChecksBusy();
  // The turn is handed over by the one that ends (deriving stays counted).
  await new Promise<void>((resolve) => turns.push(resolve));
}

function endTurn(): void {
  const next = turns.shift();
  if (next) next();
  else deriving--;
}

/** Derivations running and waiting now (tests). */
export const passwordChecks = () => ({ deriving, waiting: turns.length });

function scryptKey(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

async function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  await turn();
  try {
    return await scryptKey(password, salt, options);
  } finally {
    endTurn();
  }
}

/** A stored hash of `password` at `cost`, its key made by `deriveKey` (with a turn, or without one). */
async function storedHash(password: string, cost: number, deriveKey: typeof derive): Promise<string> {
  const salt = randomBytes(16);
  const key = await deriveKey(password, salt, { N: cost, r: R, p: P });
  return `scrypt$${cost}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** `cost` (scrypt's N) is for tests that sign in hundreds of times; the portal always uses the default. */
export function hashPassword(password: string, cost = N): Promise<string> {
  return storedHash(password, cost, derive);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const dummies = new Map<number, Promise<string>>();

/**
 * Checks a password against nothing, at the cost of checking it against `like` (a real operator's
 * hash, or the default cost): a sign-in with an unknown name takes as long as a wrong password.
 */
export async function spendLikeVerify(password: string, like: string | undefined): Promise<false> {
  const cost = Number(like?.split('$')[1]);
  const n = Number.isInteger(cost) && cost >= 2 && cost <= 2 ** 20 ? cost : N;
  let dummy = dummies.get(n);
  if (!dummy) {
    // Made once per cost, without taking a turn: refused for a full queue and kept, it answered
    // every unknown name with 503 until a restart, telling names apart (an attacker's review).
    dummy = storedHash('not a real password, only spends the same time', n, scryptKey);
    dummy.catch(() => dummies.delete(n));
    dummies.set(n, dummy);
  }
  await verifyPassword(password, await dummy);
  return false;
}

/** What makes a password acceptable; returns the problem, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return 'the password must have at least 12 characters';
  if (password.length > 200) return 'the password must have at most 200 characters';
  return undefined;
}
