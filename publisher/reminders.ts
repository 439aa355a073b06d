// Reminders (issue 18). A partner is behind when it is overdue against its commitment, or when one
// of its sources failed three times in a row. Its contacts then get an email in their language
// (plain text and HTML, from views/email/): what is late or broken, since when, what the portal
// sees, and how to fix it. At most one per partner per week. Each Monday (from 08:00, Moroccan
// time; later in the week if the portal was down) the authority gets a digest of every partner
// behind. Nothing is sent without SMTP settings: each message is recorded instead, and the admin
// area shows it as "would have been sent".
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { type PartnerConfig, type PortalSettings } from '../config/index.ts';
import { type FreshnessReport, type PartnerFreshnessRow, type ReminderMessage, type ReminderStatus, type SourceFreshnessRow, type Store } from '../store/index.ts';
import { type MailSender } from './context.ts';
import { formatDate } from './format.ts';
import { COMPLETE_LANGUAGES, type I18n } from './i18n.ts';
import { pick } from './views.ts';

/** Consecutive failures of a source after which its partner is reminded. */
export const FAILURES_BEFORE_REMINDER = 3;
/** At most one reminder per partner in this time. */
export const REMINDER_INTERVAL_MS = 7 * 86_400_000;
/** The digest goes out on Mondays from this hour, Moroccan time. */
export const DIGEST_HOUR = 8;
export const TIME_ZONE = 'Africa/Casablanca';

const EMAIL_DIR = path.join(import.meta.dirname, 'views/email');

export interface Behind {
  partner: PartnerConfig;
  row: PartnerFreshnessRow;
  overdue: boolean;
  failing: SourceFreshnessRow[];
}

/** The partners behind: overdue against their commitment, or with a source failing 3 times in a row. */
export function partnersBehind(report: FreshnessReport, settings: PortalSettings): Behind[] {
  const behind: Behind[] = [];
  for (const row of report.partners) {
    const partner = settings.partners.find((p) => p.id === row.partner);
    if (!partner) continue;
    const failing = row.sources.filter((s) => s.status === 'failing' && s.consecutive_failures >= FAILURES_BEFORE_REMINDER);
    const overdue = row.status === 'overdue';
    if (overdue || failing.length > 0) behind.push({ partner, row, overdue, failing });
  }
  return behind;
}

/** The date, hour and weekday (1 = Monday) in Morocco, and the ISO week ("2026-W49"). */
export function moroccanTime(now: Date): { day: string; hour: number; weekday: number; week: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
  // ISO week: the week belongs to the year of its Thursday.
  const date = new Date(`${day}T00:00:00Z`);
  const thursday = new Date(date.getTime() + (4 - weekday) * 86_400_000);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / 86_400_000 / 7) + 1;
  return { day, hour: Number(parts.hour), weekday, week: `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}` };
}

/** The week's digest is due from Monday 08:00 (Morocco) on. */
export function digestDue(now: Date): { due: boolean; week: string; monday: string } {
  const local = moroccanTime(now);
  const monday = new Date(Date.parse(`${local.day}T00:00:00Z`) - (local.weekday - 1) * 86_400_000).toISOString().slice(0, 10);
  return { due: local.weekday > 1 || local.hour >= DIGEST_HOUR, week: local.week, monday };
}

interface Templates {
  reminderText: HandlebarsTemplateDelegate;
  reminderHtml: HandlebarsTemplateDelegate;
  digestText: HandlebarsTemplateDelegate;
  digestHtml: HandlebarsTemplateDelegate;
}

const templatesByI18n = new WeakMap<I18n, Templates>();

/** The email templates, compiled once: `t` and `fdate` helpers in the message's language. */
function templates(i18n: I18n): Templates {
  let compiled = templatesByI18n.get(i18n);
  if (compiled) return compiled;
  const hbs = Handlebars.create();
  const lang = (options: Handlebars.HelperOptions) => (options.data.root as { lang: string }).lang;
  hbs.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => i18n.t(lang(options), key, options.hash as Record<string, unknown>));
  hbs.registerHelper('fdate', (value: string | null, options: Handlebars.HelperOptions) => formatDate(i18n.locale(lang(options)), value));
  const read = (name: string, text: boolean) => hbs.compile(fs.readFileSync(path.join(EMAIL_DIR, name), 'utf8'), { noEscape: text, strict: false });
  compiled = {
    reminderText: read('reminder.txt.hbs', true),
    reminderHtml: read('reminder.html.hbs', false),
    digestText: read('digest.txt.hbs', true),
    digestHtml: read('digest.html.hbs', false),
  };
  templatesByI18n.set(i18n, compiled);
  return compiled;
}

/** The language a contact reads: the first of theirs the portal writes completely, else the portal's. */
export function contactLanguage(languages: readonly string[] | undefined, settings: PortalSettings): string {
  const wanted = (languages ?? []).find((l) => (COMPLETE_LANGUAGES as string[]).includes(l));
  return wanted ?? settings.portal.languages.find((l) => (COMPLETE_LANGUAGES as string[]).includes(l)) ?? 'fr';
}

function siteName(settings: PortalSettings, lang: string): string {
  return pick(settings.portal.site.name, lang);
}

const baseOf = (settings: PortalSettings) => (settings.portal.site.base_url ?? '').replace(/\/$/, '');

/** The reminder to one contact of a partner behind, in `lang`. */
export function renderReminder(i18n: I18n, settings: PortalSettings, behind: Behind, contact: { name: string }, lang: string): { subject: string; text: string; html: string } {
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(lang, key, vars);
  const locale = i18n.locale(lang);
  const site = siteName(settings, lang);
  const partner = pick(behind.partner.name, lang);
  const base = baseOf(settings);
  const { row } = behind;
  const overdue = behind.overdue
    ? row.last_new_content_at
      ? t('focal.mail_overdue', { date: formatDate(locale, row.last_new_content_at), days: row.commitment_days, overdue: row.overdue_days ?? 0 })
      : t('focal.mail_overdue_never', { days: row.commitment_days })
    : '';
  const sources = behind.failing.map((s) => {
    const code = s.last_error?.code ?? 'network';
    return {
      line: s.last_success_at
        ? t('focal.mail_source_failing', { source: s.source, url: s.url, since: formatDate(locale, s.last_success_at), count: s.consecutive_failures })
        : t('focal.mail_source_failing_never', { source: s.source, url: s.url, count: s.consecutive_failures }),
      what: t(`focal.error_${code}`),
      todo: t(`focal.todo_${code}`),
      detail: `${code}${s.last_error?.http_status ? ` (HTTP ${s.last_error.http_status})` : ''}: ${s.last_error?.message ?? ''}`.slice(0, 500),
    };
  });
  const data = {
    lang,
    dir: i18n.dir(lang),
    site,
    partner,
    name: contact.name,
    overdue,
    sources,
    depositUrl: `${base}/admin/partner/deposits/new?lang=${lang}`,
    dashboardUrl: `${base}/admin/partner?lang=${lang}`,
  };
  const t2 = templates(i18n);
  return {
    subject: t('focal.mail_subject', { site, partner }),
    text: t2.reminderText(data).replace(/\n{3,}/g, '\n\n').trim() + '\n',
    html: t2.reminderHtml(data),
  };
}

/** The authority's digest of every partner behind, in `lang`. */
export function renderDigest(i18n: I18n, settings: PortalSettings, store: Store, behind: Behind[], total: number, monday: string, lang: string): { subject: string; text: string; html: string } {
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(lang, key, vars);
  const locale = i18n.locale(lang);
  const site = siteName(settings, lang);
  const rows = behind.map((b) => {
    const last = store.reminders.lastForPartner(b.partner.id);
    const facts: string[] = [];
    if (b.overdue) {
      facts.push(
        b.row.last_new_content_at
          ? t('focal.digest_overdue', { days: b.row.overdue_days ?? 0, date: formatDate(locale, b.row.last_new_content_at) })
          : t('focal.digest_overdue_never'),
      );
    }
    if (b.failing.length) facts.push(t('focal.digest_failing', { count: b.failing.length, sources: b.failing.map((s) => `${s.source} (${s.last_error?.code ?? '?'})`).join(', ') }));
    const contact =
      b.partner.contacts.length === 0
        ? t('focal.digest_no_contact', { id: b.partner.id })
        : last
          ? t(last.status === 'not_sent' ? 'focal.digest_would_remind' : 'focal.digest_reminded', { date: formatDate(locale, last.created_at) })
          : '';
    return { name: pick(b.partner.name, lang), facts: facts.join(' · '), contact };
  });
  const data = {
    lang,
    dir: i18n.dir(lang),
    site,
    intro: behind.length ? t('focal.digest_intro', { count: behind.length, total }) : t('focal.digest_none'),
    rows,
    reportUrl: `${baseOf(settings)}/admin/freshness?lang=${lang}`,
  };
  const t2 = templates(i18n);
  return {
    subject: t('focal.digest_subject', { site, date: formatDate(locale, monday) }),
    text: t2.digestText(data).replace(/\n{3,}/g, '\n\n').trim() + '\n',
    html: t2.digestHtml(data),
  };
}

export interface ReminderDeps {
  store: Store;
  settings: PortalSettings;
  i18n: I18n;
  /** Absent when no SMTP server is configured: nothing is sent, everything is recorded. */
  mail?: MailSender;
  now: Date;
}

export interface ReminderOutcome {
  partners: Array<{ partner: string; outcome: ReminderStatus | 'within_week' | 'no_contact' }>;
  digest: ReminderStatus | 'not_due' | 'done' | null;
}

async function deliver(mail: MailSender | undefined, messages: Array<Omit<ReminderMessage, 'outcome'>>): Promise<{ status: ReminderStatus; messages: ReminderMessage[] }> {
  if (!mail || messages.length === 0) return { status: 'not_sent', messages: messages.map((m) => ({ ...m, outcome: 'not_sent' })) };
  const results: ReminderMessage[] = [];
  for (const message of messages) {
    try {
      await mail.send({ to: message.to, subject: message.subject, text: message.text, html: message.html });
      results.push({ ...message, outcome: 'sent' });
    } catch (error) {
      results.push({ ...message, outcome: 'failed', error: (error as Error).message.slice(0, 300) });
    }
  }
  const sent = results.filter((m) => m.outcome === 'sent').length;
  return { status: sent === results.length ? 'sent' : sent > 0 ? 'partial' : 'failed', messages: results };
}

/** Stores with a check in progress (a click on "check now" during the hourly check waits its turn). */
const running = new WeakSet<Store>();

/**
 * One check: reminds the partners behind (each at most once a week) and sends the week's digest
 * when due. Run every hour by `portal serve`, and by "check now" in the admin area.
 */
export async function runReminders(deps: ReminderDeps): Promise<ReminderOutcome> {
  const outcome: ReminderOutcome = { partners: [], digest: null };
  const { store, settings, i18n, mail, now } = deps;
  if (running.has(store)) return outcome;
  running.add(store);
  try {
    const report = store.stats.freshness(now);
    const behind = partnersBehind(report, settings);
    for (const b of behind) {
      if (b.partner.contacts.length === 0) {
        outcome.partners.push({ partner: b.partner.id, outcome: 'no_contact' });
        continue;
      }
      const last = store.reminders.lastForPartner(b.partner.id);
      if (last && now.getTime() - Date.parse(last.created_at) < REMINDER_INTERVAL_MS) {
        outcome.partners.push({ partner: b.partner.id, outcome: 'within_week' });
        continue;
      }
      const messages = b.partner.contacts.map((contact) => {
        const lang = contactLanguage(contact.languages, settings);
        return { to: contact.email, name: contact.name, language: lang, ...renderReminder(i18n, settings, b, contact, lang) };
      });
      const delivered = await deliver(mail, messages);
      const reasons = {
        overdue: b.overdue ? { last_new_content_at: b.row.last_new_content_at, commitment_days: b.row.commitment_days, overdue_days: b.row.overdue_days } : null,
        failing: b.failing.map((s) => ({ source: s.source, consecutive_failures: s.consecutive_failures, last_success_at: s.last_success_at, error: s.last_error?.code ?? null })),
      };
      store.reminders.record({ kind: 'partner', partner: b.partner.id, period: null, status: delivered.status, reasons, messages: delivered.messages }, new Date(now).toISOString());
      outcome.partners.push({ partner: b.partner.id, outcome: delivered.status });
    }
    const due = digestDue(now);
    if (!due.due) outcome.digest = 'not_due';
    else if (store.reminders.digestOf(due.week)) outcome.digest = 'done';
    else {
      const lang = settings.portal.reminders.digest_language ?? contactLanguage(undefined, settings);
      const rendered = renderDigest(i18n, settings, store, behind, report.partners.length, due.monday, lang);
      const recipients = settings.portal.reminders.digest_to;
      const delivered = await deliver(
        mail,
        recipients.map((to) => ({ to, name: '', language: lang, ...rendered })),
      );
      // Without recipients the digest is still recorded, for the admin area to show.
      const messages = recipients.length ? delivered.messages : [{ to: '', name: '', language: lang, ...rendered, outcome: 'not_sent' as const }];
      store.reminders.record({ kind: 'digest', partner: null, period: due.week, status: delivered.status, reasons: { behind: behind.map((b) => b.partner.id) }, messages }, now.toISOString());
      outcome.digest = delivered.status;
    }
    return outcome;
  } finally {
    running.delete(store);
  }
}
