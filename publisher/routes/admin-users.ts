// Accounts from the admin area (administrators only): the list, adding an operator or a partner's
// focal point (bound to one partner), and removing one. The same rules as `npx portal user add`.
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ROLES, type Role, type SessionRow } from '../../store/index.ts';
import { type AdminArea, field } from '../admin/area.ts';
import { hashPassword, passwordProblem } from '../admin/passwords.ts';
import { issueToken, verifyToken } from '../csrf.ts';
import { pick } from '../views.ts';

const NAME = /^[A-Za-z0-9._@-]{2,64}$/;
/** What a users page notice's signature is bound to: the change and the account. */
const noticeScope = (kind: 'added' | 'removed', name: string) => `users-notice:${kind}:${name}`;

export async function adminUserRoutes(app: FastifyInstance, options: { area: AdminArea }): Promise<void> {
  const { area } = options;
  const ctx = app.portal;
  const { store, i18n } = ctx;

  async function list(request: FastifyRequest, reply: FastifyReply, lang: string, session: SessionRow, extra: { errors?: string[]; values?: Record<string, string>; notice?: string; status?: number } = {}) {
    const partners = ctx.settings().partners.map((p) => ({ id: p.id, name: pick(p.name, lang), selected: extra.values?.partner === p.id }));
    const names = new Map(partners.map((p) => [p.id, p.name]));
    const users = store.users.list().map((u) => ({
      ...u,
      roleLabel: u.role === 'partner' ? i18n.t(lang, 'focal.role_partner', { partner: names.get(u.partner_id ?? '') ?? u.partner_id }) : i18n.t(lang, `admin.role_${u.role}`),
      self: u.name === session.user.name,
    }));
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/users',
      {
        users,
        partners,
        roles: ROLES.map((r) => ({ value: r, label: r === 'partner' ? i18n.t(lang, 'focal.role_partner_choice') : i18n.t(lang, `admin.role_${r}`), selected: (extra.values?.role ?? 'partner') === r })),
        values: extra.values ?? {},
        errors: extra.errors ?? [],
        notice: extra.notice,
      },
      { title: i18n.t(lang, 'focal.users_title'), section: 'users', status: extra.status },
    );
  }

  app.get('/admin/users', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const query = request.query as Record<string, unknown>;
    const added = field(query, 'added');
    const removed = field(query, 'removed');
    // Said only with the portal's own signature from the redirect after the change: a link with
    // ?added=… alone could put any name-shaped text on an operator's page (an attacker's review).
    const signed = (kind: 'added' | 'removed', name: string) => NAME.test(name) && verifyToken(ctx.secret, noticeScope(kind, name), field(query, 'n'));
    const notice = signed('added', added) ? i18n.t(auth.lang, 'focal.user_added', { name: added }) : signed('removed', removed) ? i18n.t(auth.lang, 'focal.user_removed', { name: removed }) : undefined;
    return list(request, reply, auth.lang, auth.session, { notice });
  });

  app.post('/admin/users', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!area.csrfOk(session, body)) return area.refuseCsrf(request, reply, lang, session);
    const name = field(body, 'name').trim().slice(0, 100);
    const role = field(body, 'role') as Role;
    const partner = field(body, 'partner');
    const password = field(body, 'password').slice(0, 500);
    const errors: string[] = [];
    if (!NAME.test(name)) errors.push(i18n.t(lang, 'focal.error_user_name'));
    else if (store.users.get(name)) errors.push(i18n.t(lang, 'focal.error_user_exists', { name }));
    if (!ROLES.includes(role)) errors.push(i18n.t(lang, 'focal.error_role'));
    if (role === 'partner' && !ctx.settings().partners.some((p) => p.id === partner)) errors.push(i18n.t(lang, 'focal.error_user_partner'));
    if (password !== field(body, 'password2').slice(0, 500)) errors.push(i18n.t(lang, 'focal.error_passwords_differ'));
    else if (passwordProblem(password)) errors.push(i18n.t(lang, 'focal.error_password_short'));
    const values = { name, role, partner };
    if (errors.length > 0) return list(request, reply, lang, session, { errors, values, status: 400 });
    const partnerId = role === 'partner' ? partner : null;
    store.users.add(name, role, await hashPassword(password), ctx.now().toISOString(), partnerId);
    area.audit(session, 'user_add', name, partnerId ? { role, partner: partnerId } : { role });
    return reply.redirect(`/admin/users?added=${encodeURIComponent(name)}&n=${issueToken(ctx.secret, noticeScope('added', name))}`, 303);
  });

  app.post('/admin/users/:name/remove', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!area.csrfOk(session, body)) return area.refuseCsrf(request, reply, lang, session);
    const { name } = request.params as { name: string };
    if (name === session.user.name) return list(request, reply, lang, session, { errors: [i18n.t(lang, 'focal.error_remove_self')], status: 400 });
    if (!store.users.remove(name)) return reply.callNotFound();
    area.audit(session, 'user_remove', name);
    return reply.redirect(`/admin/users?removed=${encodeURIComponent(name)}&n=${issueToken(ctx.secret, noticeScope('removed', name))}`, 303);
  });
}
