// Admin sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure over https), only
// its hash in the database; a new token at every login (no fixation); expiry from portal.yaml.
import { createHash, randomBytes } from 'node:crypto';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type SessionRow, type Store } from '../../store/index.ts';

export const SESSION_COOKIE = 'portal_session';
export const LANG_COOKIE = 'portal_admin_lang';

export function cookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export function setCookie(reply: FastifyReply, name: string, value: string, options: { maxAgeSeconds?: number; secure: boolean; httpOnly?: boolean }): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/admin', 'SameSite=Strict'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  const existing = reply.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing.map(String) : existing ? [String(existing)] : [];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function currentSession(store: Store, request: FastifyRequest, now: Date): SessionRow | undefined {
  const token = cookies(request)[SESSION_COOKIE];
  if (!token || token.length > 100) return undefined;
  return store.users.session(hashToken(token), now.toISOString());
}

/** Starts a fresh session for the user: the old one, if any, is ended first. */
export function startSession(store: Store, request: FastifyRequest, reply: FastifyReply, userPk: number, now: Date, ttlMs: number, secure: boolean): void {
  const old = cookies(request)[SESSION_COOKIE];
  if (old) store.users.deleteSession(hashToken(old));
  const token = randomBytes(32).toString('base64url');
  store.users.createSession(userPk, hashToken(token), randomBytes(16).toString('base64url'), now.toISOString(), new Date(now.getTime() + ttlMs).toISOString());
  setCookie(reply, SESSION_COOKIE, token, { maxAgeSeconds: Math.floor(ttlMs / 1000), secure });
}

export function endSession(store: Store, request: FastifyRequest, reply: FastifyReply, secure: boolean): void {
  const token = cookies(request)[SESSION_COOKIE];
  if (token) store.users.deleteSession(hashToken(token));
  setCookie(reply, SESSION_COOKIE, '', { maxAgeSeconds: 0, secure });
}

/**
 * The pre-session cookie: a random value set with the login form and required with its post, the
 * form's anti-forgery token being bound to it. Without it a site could sign a visitor in under the
 * attacker's account (login CSRF): a token fetched by the attacker is useless in another browser.
 */
export const LOGIN_COOKIE = 'portal_login';
const LOGIN_COOKIE_AGE_S = 4 * 3600;

export function loginBinding(request: FastifyRequest): string | undefined {
  const value = cookies(request)[LOGIN_COOKIE];
  return value && /^[A-Za-z0-9_-]{24}$/.test(value) ? value : undefined;
}

/** The browser's pre-session value, set now when it has none. */
export function ensureLoginBinding(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = loginBinding(request);
  if (existing) return existing;
  const value = randomBytes(18).toString('base64url');
  setCookie(reply, LOGIN_COOKIE, value, { maxAgeSeconds: LOGIN_COOKIE_AGE_S, secure });
  return value;
}

export function clearLoginBinding(reply: FastifyReply, secure: boolean): void {
  setCookie(reply, LOGIN_COOKIE, '', { maxAgeSeconds: 0, secure });
}
