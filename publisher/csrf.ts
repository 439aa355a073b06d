// Anti-forgery tokens. The public suggestions form carries a signed, expiring token (no cookie
// needed, so visitors stay cookie-free); the admin area binds its tokens to the session.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAX_AGE_MS = 4 * 3_600_000;

function sign(secret: Buffer, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** A token for `scope` (e.g. "suggestions" or a session id), valid for a few hours. */
export function issueToken(secret: Buffer, scope: string, now = Date.now()): string {
  const payload = `${now.toString(36)}.${randomBytes(9).toString('base64url')}`;
  return `${payload}.${sign(secret, `${scope}|${payload}`)}`;
}

export function verifyToken(secret: Buffer, scope: string, token: unknown, now = Date.now()): boolean {
  if (typeof token !== 'string' || token.length > 200) return false;
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const [time, nonce, mac] = parts as [string, string, string];
  const issued = parseInt(time, 36);
  if (!Number.isFinite(issued) || now - issued > MAX_AGE_MS || issued - now > 60_000) return false;
  const expected = Buffer.from(sign(secret, `${scope}|${time}.${nonce}`));
  const given = Buffer.from(mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
