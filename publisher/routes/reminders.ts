// Reminders in the admin area (administrators only): what was sent to partners behind and to the
// authority, or what would have been sent when no SMTP server is configured; each message's text,
// its HTML version in a sandbox; and "check now".
import { type FastifyInstance } from 'fastify';
import { type AdminArea } from '../admin/area.ts';
import { partnersBehind, runReminders } from '../reminders.ts';
import { pick } from '../views.ts';

export async function reminderRoutes(app: FastifyInstance, options: { area: AdminArea }): Promise<void> {
  const { area } = options;
  const ctx = app.portal;
  const { store, i18n } = ctx;
  const partnerName = (id: string | null, lang: string) => (id ? pick(ctx.settings().partners.find((p) => p.id === id)?.name ?? store.partners.get(id)?.name, lang) || id : '');

  app.get('/admin/reminders', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const settings = ctx.settings();
    const behind = partnersBehind(store.stats.freshness(ctx.now()), settings).map((b) => ({
      name: pick(b.partner.name, lang),
      id: b.partner.id,
      contacts: b.partner.contacts.length,
      overdue: b.overdue,
      failing: b.failing.map((s) => s.source).join(', '),
    }));
    const reminders = store.reminders.list(100).map((r) => ({
      id: r.id,
      href: `/admin/reminders/${r.id}`,
      at: r.created_at,
      kind: i18n.t(lang, r.kind === 'digest' ? 'focal.reminder_digest' : 'focal.reminder_partner'),
      partner: r.kind === 'digest' ? r.period : partnerName(r.partner, lang),
      status: r.status,
      statusLabel: i18n.t(lang, `focal.mail_status_${r.status}`),
      recipients: r.messages.filter((m) => m.to).length,
      subject: r.messages[0]?.subject ?? '',
    }));
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/reminders',
      { mailConfigured: Boolean(ctx.mail), behind, reminders, digestTo: settings.portal.reminders.digest_to.length },
      { title: i18n.t(lang, 'focal.reminders_title'), section: 'reminders' },
    );
  });

  app.post('/admin/reminders/check', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    if (!area.csrfOk(session, (request.body ?? {}) as Record<string, unknown>)) return area.refuseCsrf(request, reply, lang, session);
    const outcome = await runReminders({ store, settings: ctx.settings(), i18n, mail: ctx.mail, now: ctx.now() });
    area.audit(session, 'reminders_check', null, outcome);
    return reply.redirect('/admin/reminders', 303);
  });

  app.get('/admin/reminders/:id', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const id = Number((request.params as { id: string }).id);
    const reminder = Number.isInteger(id) ? store.reminders.get(id) : undefined;
    if (!reminder) return reply.callNotFound();
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/reminder',
      {
        reminder: { ...reminder, statusLabel: i18n.t(lang, `focal.mail_status_${reminder.status}`), partnerName: partnerName(reminder.partner, lang) },
        messages: reminder.messages.map((m, index) => ({
          ...m,
          dir: i18n.dir(m.language),
          outcomeLabel: i18n.t(lang, `focal.mail_status_${m.outcome}`),
          htmlHref: `/admin/reminders/${reminder.id}/messages/${index}.html`,
        })),
      },
      { title: i18n.t(lang, 'focal.reminder_title', { id: reminder.id }), section: 'reminders' },
    );
  });

  /** The HTML version of a message, as the recipient's mail client would show it: sandboxed. */
  app.get('/admin/reminders/:id/messages/:file', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { id, file } = request.params as { id: string; file: string };
    const index = /^(\d{1,3})\.html$/.exec(file)?.[1];
    const message = index !== undefined ? store.reminders.get(Number(id))?.messages[Number(index)] : undefined;
    if (!message) return reply.callNotFound();
    return reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .type('text/html; charset=utf-8')
      .send(message.html);
  });
}
