// The publisher's public face: build the web app from a context.
import { randomBytes } from 'node:crypto';
import { type Store } from '../store/index.ts';

export { buildApp, serverOptions, errorPage, type BuildOptions } from './app.ts';
export type { PortalContext, HarvestControl, HarvestJob, SourceTestResult, MailSender } from './context.ts';
export { I18n, negotiateLanguage } from './i18n.ts';
export { runReminders, type ReminderOutcome } from './reminders.ts';
export { startReadPool, ReadPool, type ReadPoolOptions } from './read-pool.ts';
export { watchRuntime, type RuntimeReport } from './runtime.ts';

/** The secret that signs forms, kept in the database so tokens survive a restart. */
export function ensureSecret(store: Store): Buffer {
  const existing = process.env.PORTAL_SECRET ?? store.getMeta('secret');
  if (existing) return Buffer.from(existing, 'base64url');
  const secret = randomBytes(32);
  store.setMeta('secret', secret.toString('base64url'));
  return secret;
}
