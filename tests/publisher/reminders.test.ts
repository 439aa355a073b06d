// Reminders against a loopback SMTP server (smtp-server): a partner overdue against its commitment
// and one whose source fails three times in a row are emailed in each contact's language (plain
// text and HTML), at most once a week; two failures are not enough; a failed delivery is tried
// again; the Monday digest goes to the authority once a week, from 08:00 Moroccan time; without
// SMTP settings nothing is sent and the admin area shows what would have been.
import { load } from 'cheerio';
import { SMTPServer } from 'smtp-server';
import t from 'tap';
import { makeMailer } from '../../cli/mail.ts';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { digestDue, runReminders } from '../../publisher/reminders.ts';
import { Browser, PASSWORD } from '../helpers/admin-browser.ts';
import { makeApp, SEED_CONFIG, type TestApp } from '../helpers/app.ts';

interface Received {
  to: string[];
  raw: string;
}
const received: Received[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, callback) {
    let raw = '';
    stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
const mailer = makeMailer({ host: '127.0.0.1', port: (smtp.server.address() as { port: number }).port, secure: false, from: 'portail@inpplc.example' });
const deadMailer = makeMailer({ host: '127.0.0.1', port: 9, secure: false, from: 'portail@inpplc.example' });

const CONFIG = {
  ...SEED_CONFIG,
  portal: { reminders: { digest_to: ['veille@inpplc.example'], digest_language: 'fr' } },
  partners: [
    { ...SEED_CONFIG.partners[0]!, contacts: [{ name: 'Samira', email: 'samira@alpha.example', languages: ['fr'] }, { name: 'أحمد', email: 'ahmed@alpha.example', languages: ['ar', 'fr'] }] },
    { ...SEED_CONFIG.partners[1]!, contacts: [{ name: 'John', email: 'john@beta.example', languages: ['en'] }] },
    { ...SEED_CONFIG.partners[2]! },
  ],
};

/** Tuesday 8 December 2026, 10:00 in Rabat: alpha (last item 2025-06-01, 30-day commitment) is overdue. */
const TUESDAY = new Date('2026-12-08T09:00:00Z');
const hours = (n: number) => new Date(TUESDAY.getTime() + n * 3_600_000);

function fail(bed: TestApp, key: string, times: number, at: Date): void {
  for (let i = 0; i < times; i++) {
    const source = bed.store.listSources({ sources: [key] })[0]!;
    const now = at.toISOString();
    const runPk = bed.store.startRun('test', now);
    bed.store.commitHarvest({
      runPk,
      source,
      plan: null,
      outcome: { status: 'failed', startedAt: now, durationMs: 5, itemsFound: 0, itemsNew: 0, itemsChanged: 0, itemsGone: 0, itemsDropped: 0, httpStatus: null, error: { code: 'tls', message: 'certificate has expired' }, warnings: [] },
      state: { attemptAt: now, success: false, changed: false, consecutiveFailures: source.consecutiveFailures + 1, nextAttemptAt: null },
      now,
    });
    bed.store.finishRun(runPk, now);
  }
}

const partOf = (raw: string, type: string) => {
  const start = raw.indexOf(`Content-Type: ${type}`);
  return start < 0 ? '' : raw.slice(start, raw.indexOf('\r\n--', start + 1) > 0 ? raw.indexOf('\r\n--', start + 1) : undefined);
};
/** A MIME part's body decoded (nodemailer writes quoted-printable or base64). */
function decoded(part: string): string {
  const body = part.slice(part.indexOf('\r\n\r\n') + 4);
  if (/Content-Transfer-Encoding: base64/i.test(part)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(part)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}
const textOf = (m: Received) => decoded(partOf(m.raw, 'text/plain'));
const htmlOf = (m: Received) => decoded(partOf(m.raw, 'text/html'));
const subjectOf = (m: Received) => {
  const header = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(m.raw)![1]!.replace(/\r\n[ \t]/g, ' ');
  return header.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (__, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
};

t.test('the triggers, the languages, the weekly limit and the digest', async (t) => {
  const bed = await makeApp({ config: CONFIG });
  t.teardown(() => bed.close());
  fail(bed, 'beta/stats', 2, hours(-5));
  const deps = (now: Date) => ({ store: bed.store, settings: bed.settings, i18n: bed.ctx.i18n, mail: mailer, now });

  // Alpha is overdue; beta's source has failed only twice: not yet.
  let outcome = await runReminders(deps(TUESDAY));
  t.same(outcome.partners, [{ partner: 'alpha', outcome: 'sent' }]);
  t.equal(outcome.digest, 'sent', 'Tuesday: the week\'s digest is due (its Monday passed)');
  const alpha = received.filter((m) => m.to[0]!.endsWith('@alpha.example'));
  t.same(alpha.map((m) => m.to[0]).sort(), ['ahmed@alpha.example', 'samira@alpha.example']);
  const french = alpha.find((m) => m.to[0] === 'samira@alpha.example')!;
  t.match(subjectOf(french), /Portail national de l'intégrité : les informations de Instance Alpha sont à mettre à jour/);
  t.match(french.raw, /multipart\/alternative/, 'plain text with an HTML alternative');
  const text = textOf(french);
  t.match(text, /Bonjour Samira,/);
  t.match(text, /Aucun nouveau contenu depuis le 1 juin 2025, alors que votre institution s'est engagée à en publier au moins tous les 30 jours \(retard : \d+ jours\)/, 'what is late, since when');
  t.match(text, /https:\/\/portal\.example\/admin\/partner\/deposits\/new\?lang=fr/, 'how to fix it: the deposit link');
  t.notMatch(text, /<[a-z]/, 'the text part holds no markup');
  t.match(htmlOf(french), /<html lang="fr" dir="ltr">/);
  const arabic = alpha.find((m) => m.to[0] === 'ahmed@alpha.example')!;
  t.match(textOf(arabic), /لا يوجد أي محتوى جديد منذ/, 'in the contact\'s language');
  t.match(htmlOf(arabic), /<html lang="ar" dir="rtl">/);
  const digest = received.find((m) => m.to[0] === 'veille@inpplc.example')!;
  t.match(subjectOf(digest), /partenaires en retard, semaine du 7 décembre 2026/);
  t.match(textOf(digest), /Instance Alpha\s+en retard de \d+ jours \(dernier contenu le 1 juin 2025\)\s+rappel envoyé le 8 décembre 2026/);
  t.notMatch(textOf(digest), /@/, 'no email address in the digest');

  // A third failure of beta's source: beta is reminded, in English, with what to tell its webmaster.
  fail(bed, 'beta/stats', 1, hours(1));
  outcome = await runReminders(deps(hours(2)));
  const byPartner = (o: typeof outcome) => Object.fromEntries(o.partners.map((p) => [p.partner, p.outcome]));
  t.same(byPartner(outcome), { alpha: 'within_week', beta: 'sent' });
  t.equal(outcome.digest, 'done', 'one digest a week');
  const beta = received.filter((m) => m.to[0] === 'john@beta.example');
  t.equal(beta.length, 1);
  t.match(textOf(beta[0]!), /The source "stats" \(https:\/\/beta\.example\/stats\) has not been read successfully since \d+ [A-Z][a-z]+ \d{4} \(3 failed attempts in a row\)/);
  t.match(textOf(beta[0]!), /What to tell your webmaster: Ask your webmaster to renew the HTTPS certificate/);
  t.match(textOf(beta[0]!), /tls: certificate has expired/);

  // The weekly limit: nothing more for six days, then again.
  const count = received.length;
  for (const h of [3, 24, 24 * 6]) {
    outcome = await runReminders(deps(hours(h)));
    t.ok(outcome.partners.every((p) => p.outcome === 'within_week'), `+${h} h: within the week`);
  }
  t.equal(received.length, count + 1, 'only the next Monday\'s digest in six days');
  t.match(subjectOf(received.at(-1)!), /semaine du 14 décembre 2026/);
  outcome = await runReminders(deps(hours(24 * 7 + 1)));
  t.same(byPartner(outcome), { alpha: 'sent', beta: 'within_week' }, 'alpha a week later');
  outcome = await runReminders(deps(hours(24 * 7 + 3)));
  t.same(byPartner(outcome), { alpha: 'within_week', beta: 'sent' }, 'beta a week after its reminder');
  t.equal(bed.store.reminders.list().filter((r) => r.kind === 'digest').length, 2);
});

t.test('a failed delivery does not count: it is tried at the next check', async (t) => {
  const bed = await makeApp({ config: CONFIG });
  t.teardown(() => bed.close());
  const deps = (now: Date, mail = deadMailer) => ({ store: bed.store, settings: bed.settings, i18n: bed.ctx.i18n, mail, now });
  const first = await runReminders(deps(TUESDAY));
  t.same(first.partners, [{ partner: 'alpha', outcome: 'failed' }]);
  t.equal(first.digest, 'failed');
  t.match(bed.store.reminders.list()[0]!.messages[0]!.error, /ECONNREFUSED|connect/);
  const before = received.length;
  const second = await runReminders(deps(hours(1), mailer));
  t.same(second.partners, [{ partner: 'alpha', outcome: 'sent' }]);
  t.equal(second.digest, 'sent');
  t.equal(received.length, before + 3);
});

t.test('the digest waits for Monday 08:00 in Rabat', async (t) => {
  t.same(digestDue(new Date('2026-12-07T06:59:00Z')), { due: false, week: '2026-W50', monday: '2026-12-07' }, '07:59 in Rabat (UTC+1)');
  t.same(digestDue(new Date('2026-12-07T07:00:00Z')), { due: true, week: '2026-W50', monday: '2026-12-07' }, '08:00 in Rabat');
  t.equal(digestDue(new Date('2026-12-06T23:30:00Z')).due, false, 'Sunday 23:30 UTC is Monday 00:30 in Rabat: not yet');
  t.same(digestDue(new Date('2027-01-01T00:30:00Z')), { due: true, week: '2026-W53', monday: '2026-12-28' }, 'the ISO week across a new year');
  const bed = await makeApp({ config: CONFIG });
  t.teardown(() => bed.close());
  const before = received.length;
  const early = await runReminders({ store: bed.store, settings: bed.settings, i18n: bed.ctx.i18n, mail: mailer, now: new Date('2026-12-07T06:00:00Z') });
  t.equal(early.digest, 'not_due');
  t.equal(received.filter((m, i) => i >= before && m.to[0] === 'veille@inpplc.example').length, 0);
});

t.test('without SMTP settings nothing is sent; the admin area shows what would have been', async (t) => {
  // Beta without contacts this time, its source failing: it is behind, and named as unreachable.
  const bed = await makeApp({ config: { ...CONFIG, partners: CONFIG.partners.map((p) => (p.id === 'beta' ? { ...p, contacts: undefined } : p)) }, now: () => TUESDAY });
  t.teardown(() => bed.close());
  fail(bed, 'beta/stats', 3, hours(-2));
  bed.store.users.add('amina', 'admin', await hashPassword(PASSWORD), new Date().toISOString());
  const admin = new Browser(bed, '10.20.0.1');
  await admin.login('amina');
  const before = received.length;
  const page = await admin.get('/admin/reminders?lang=fr');
  t.match(page.$('.notice-warn').text(), /Aucun serveur de courriel/);
  t.match(page.$('table.behind').text(), /Instance Alpha/);
  t.match(page.$('table.behind').text(), /Ministère Beta.*sources en échec : stats.*aucun contact : ajoutez contacts dans partners\/beta\.yaml/s, 'a partner behind without contact is named');
  const checked = await admin.post('/admin/reminders/check', { csrf: page.$('input[name=csrf]').val() as string });
  t.equal(checked.status, 303);
  t.equal(received.length, before, 'nothing left the portal');
  const list = await admin.get('/admin/reminders?lang=fr');
  t.equal(list.$('table.reminders tbody tr').length, 2, 'the reminder and the digest');
  t.match(list.$('table.reminders').text(), /non envoyé \(aurait été envoyé\)/);
  const reminder = bed.store.reminders.list().find((r) => r.kind === 'partner')!;
  t.equal(reminder.status, 'not_sent');
  const detail = await admin.get(`/admin/reminders/${reminder.id}?lang=fr`);
  t.match(detail.$('pre').first().text(), /Bonjour Samira,/);
  t.match(detail.$('.reminder-message').first().text(), /samira@alpha\.example/, 'the recipient is shown to the administrator');
  const html = await admin.get(`/admin/reminders/${reminder.id}/messages/0.html`);
  t.equal(html.status, 200);
  t.match(html.headers['content-security-policy'], /^sandbox; default-src 'none'/, 'the HTML version is sandboxed');
  t.equal(load(html.body)('html').attr('lang'), 'fr');
  t.match(bed.store.users.auditLog(5).entries.map((e) => e.action).join(' '), /reminders_check/);
  // The weekly limit applies to what would have been sent too.
  const again = await runReminders({ store: bed.store, settings: bed.settings, i18n: bed.ctx.i18n, now: hours(5) });
  t.same(Object.fromEntries(again.partners.map((p) => [p.partner, p.outcome])), { alpha: 'within_week', beta: 'no_contact' });
});
