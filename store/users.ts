// Operators of the admin area, their sessions, their failed logins, and the audit log
// of every admin action. Password hashing itself is in publisher/admin/passwords.ts.
import { type Sqlite } from './db.ts';

/** admin: everything; editor: the suggestions; partner: a partner's focal point, bound to that partner. */
export const ROLES = ['admin', 'editor', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export interface UserRow {
  pk: number;
  name: string;
  role: Role;
  /** The partner a `partner` user acts for (null for the authority's operators). */
  partner_id: string | null;
  password_hash: string;
  created_at: string;
  failed_logins: number;
  locked_until: string | null;
  last_login_at: string | null;
}

export interface SessionRow {
  token_hash: string;
  csrf_secret: string;
  created_at: string;
  expires_at: string;
  user: Omit<UserRow, 'password_hash'>;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
}

export class UsersStore {
  constructor(private readonly sqlite: Sqlite) {}

  /**
   * Adds an operator; false when the name is taken. A `partner` user needs its partner id, and
   * only a `partner` user has one.
   */
  add(name: string, role: Role, passwordHash: string, now: string, partnerId: string | null = null): boolean {
    if ((role === 'partner') !== (partnerId !== null)) throw new Error(role === 'partner' ? 'a partner user needs its partner' : `a ${role} is not bound to a partner`);
    const result = this.sqlite
      .prepare('INSERT INTO users (name, role, partner_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING')
      .run(name, role, partnerId, passwordHash, now);
    return result.changes === 1;
  }

  list(): Array<Omit<UserRow, 'password_hash'>> {
    return this.sqlite
      .prepare('SELECT pk, name, role, partner_id, created_at, failed_logins, locked_until, last_login_at FROM users ORDER BY name')
      .all() as Array<Omit<UserRow, 'password_hash'>>;
  }

  count(): number {
    return (this.sqlite.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  /** The password hash of one operator (the first), so a sign-in with an unknown name can cost the same. */
  samplePasswordHash(): string | undefined {
    return (this.sqlite.prepare('SELECT password_hash FROM users ORDER BY pk LIMIT 1').get() as { password_hash: string } | undefined)?.password_hash;
  }

  get(name: string): UserRow | undefined {
    return this.sqlite.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
  }

  remove(name: string): boolean {
    return this.sqlite.transaction(() => {
      const user = this.get(name);
      if (!user) return false;
      this.sqlite.prepare('DELETE FROM sessions WHERE user_pk = ?').run(user.pk);
      this.sqlite.prepare('DELETE FROM users WHERE pk = ?').run(user.pk);
      return true;
    })();
  }

  /** Changes a password and ends the user's sessions. */
  setPassword(name: string, passwordHash: string): boolean {
    return this.sqlite.transaction(() => {
      const user = this.get(name);
      if (!user) return false;
      this.sqlite.prepare('UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE pk = ?').run(passwordHash, user.pk);
      this.sqlite.prepare('DELETE FROM sessions WHERE user_pk = ?').run(user.pk);
      return true;
    })();
  }

  /**
   * Counts a failed login, shown to operators (`portal user list`). It never locks the account: a
   * lock that wrong passwords trigger is one an attacker can hold (publisher/admin/throttle.ts).
   */
  recordFailure(name: string): void {
    this.sqlite.prepare('UPDATE users SET failed_logins = failed_logins + 1 WHERE name = ?').run(name);
  }

  recordSuccess(userPk: number, now: string): void {
    this.sqlite.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE pk = ?').run(now, userPk);
  }

  createSession(userPk: number, tokenHash: string, csrfSecret: string, now: string, expiresAt: string): void {
    this.sqlite
      .prepare('INSERT INTO sessions (token_hash, user_pk, csrf_secret, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(tokenHash, userPk, csrfSecret, now, expiresAt);
  }

  session(tokenHash: string, now: string): SessionRow | undefined {
    const row = this.sqlite
      .prepare(
        `SELECT s.token_hash, s.csrf_secret, s.created_at, s.expires_at, u.pk, u.name, u.role, u.partner_id, u.created_at AS user_created_at,
           u.failed_logins, u.locked_until, u.last_login_at
         FROM sessions s JOIN users u ON u.pk = s.user_pk WHERE s.token_hash = ? AND s.expires_at > ?`,
      )
      .get(tokenHash, now) as
      | { token_hash: string; csrf_secret: string; created_at: string; expires_at: string; pk: number; name: string; role: Role; partner_id: string | null; user_created_at: string; failed_logins: number; locked_until: string | null; last_login_at: string | null }
      | undefined;
    if (!row) return undefined;
    return {
      token_hash: row.token_hash,
      csrf_secret: row.csrf_secret,
      created_at: row.created_at,
      expires_at: row.expires_at,
      user: { pk: row.pk, name: row.name, role: row.role, partner_id: row.partner_id, created_at: row.user_created_at, failed_logins: row.failed_logins, locked_until: row.locked_until, last_login_at: row.last_login_at },
    };
  }

  deleteSession(tokenHash: string): void {
    this.sqlite.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  purgeSessions(now: string): number {
    return this.sqlite.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }

  audit(actor: string, action: string, target: string | null, detail: string | null, now: string): void {
    this.sqlite.prepare('INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)').run(now, actor, action, target, detail);
  }

  auditLog(limit = 100, offset = 0): { total: number; entries: AuditEntry[] } {
    const total = (this.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
    const entries = this.sqlite
      .prepare('SELECT pk AS id, at, actor, action, target, detail FROM audit_log ORDER BY pk DESC LIMIT ? OFFSET ?')
      .all(limit, offset) as AuditEntry[];
    return { total, entries };
  }
}
