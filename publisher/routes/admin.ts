// The operators' area: sign-in with sessions, a guessing throttle that cannot lock operators out
// (admin/throttle.ts), and CSRF on every form (the login form's token bound to the browser); the freshness
// report (page, CSV, JSON) with each partner's sources, runs and monthly chart; "harvest now" and
// "test a source"; the suggestions queue with answers (emailed when mail is configured); the
// indicators; the audit log; the state of the configuration. Roles: admin (everything), editor
// (suggestions without the suggesters' contact details, and reading the freshness export), partner
// (a focal point: its own institution only, in routes/partner-area.ts). Deposits' review, users and
// reminders are in their own files.
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { formatConfigError, SECTIONS } from '../../config/index.ts';
import { lastMonths, SUGGESTION_STATUSES, type Role, type SessionRow, type SuggestionStatus } from '../../store/index.ts';
import { type AdminArea } from '../admin/area.ts';
import { PasswordChecksBusy, spendLikeVerify, verifyPassword } from '../admin/passwords.ts';
import { cookies, clearLoginBinding, currentSession, endSession, ensureLoginBinding, LANG_COOKIE, loginBinding, setCookie, startSession } from '../admin/session.ts';
import { auditFailure, LoginGuard } from '../admin/throttle.ts';
import { clientKey } from '../client.ts';
import { barChart } from '../chart.ts';
import { issueToken, verifyToken } from '../csrf.ts';
import { formatMonth, formatNumber, formatPercent } from '../format.ts';
import { negotiateLanguage } from '../i18n.ts';
import { type PageOptions } from '../render.ts';
import { freshnessCsv, toCsv } from '../reports.ts';
import { adminUserRoutes } from './admin-users.ts';
import { depositReviewRoutes } from './deposits.ts';
import { partnerAreaRoutes } from './partner-area.ts';
import { partnerView } from './pages.ts';
import { reminderRoutes } from './reminders.ts';
import { pick, queryString } from '../views.ts';

type Body = Record<string, unknown>;
const text = (body: Body, name: string) => {
  const value = body[name];
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
};

/**
 * Who may see a suggester's name and email: one rule for the suggestion's page and the CSV export.
 * Editors answer suggestions (the answer is emailed by the portal) without seeing who wrote them;
 * administrators see the contact details, which are deleted after `privacy.contact_retention`.
 */
export const canSeeContacts = (role: Role) => role === 'admin';

export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const { i18n, store } = ctx;
  const logins = new LoginGuard();
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const secure = ctx.secureCookies ?? false;

  function adminLang(request: FastifyRequest, reply: FastifyReply): string {
    const languages = ctx.settings().portal.languages;
    const asked = (request.query as Record<string, unknown>).lang;
    if (typeof asked === 'string' && languages.includes(asked as never)) {
      setCookie(reply, LANG_COOKIE, asked, { maxAgeSeconds: 365 * 86400, secure });
      return asked;
    }
    const saved = cookies(request)[LANG_COOKIE];
    if (saved && languages.includes(saved as never)) return saved;
    return negotiateLanguage(request.headers['accept-language'], languages);
  }

  const roleLabel = (lang: string, session: SessionRow) =>
    session.user.role === 'partner'
      ? i18n.t(lang, 'focal.role_partner', { partner: pick(store.partners.get(session.user.partner_id ?? '')?.name, lang) || session.user.partner_id })
      : i18n.t(lang, `admin.role_${session.user.role}`);

  /** The navigation of a role: a focal point sees only its institution's pages. */
  const navigation = (session: SessionRow | undefined): Array<{ key: string; href: string; label: string }> => {
    if (!session) return [];
    if (session.user.role === 'partner') {
      return [
        { key: 'partner', href: '/admin/partner', label: 'focal.nav_home' },
        { key: 'partner_items', href: '/admin/partner/items', label: 'focal.nav_items' },
        { key: 'partner_deposits', href: '/admin/partner/deposits', label: 'focal.nav_deposits' },
      ];
    }
    const isAdmin = session.user.role === 'admin';
    return [
      ...(isAdmin ? [{ key: 'freshness', href: '/admin/freshness', label: 'admin.freshness' }] : []),
      { key: 'suggestions', href: '/admin/suggestions', label: 'admin.suggestions' },
      ...(isAdmin
        ? [
            { key: 'deposits', href: '/admin/deposits', label: 'focal.nav_review' },
            { key: 'reminders', href: '/admin/reminders', label: 'focal.nav_reminders' },
            { key: 'test_source', href: '/admin/test-source', label: 'admin.test_source' },
            { key: 'indicators', href: '/admin/indicators', label: 'admin.indicators' },
            { key: 'users', href: '/admin/users', label: 'focal.nav_users' },
            { key: 'audit', href: '/admin/audit', label: 'admin.audit' },
            { key: 'config', href: '/admin/config', label: 'admin.config' },
          ]
        : []),
    ];
  };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    lang: string,
    session: SessionRow | undefined,
    template: string,
    data: Record<string, unknown>,
    options: Omit<PageOptions, 'path'> & { section?: string },
  ) {
    reply.header('cache-control', 'no-store');
    const path = request.url.replace(/([?&])lang=[^&]*&?/, '$1').replace(/[?&]$/, '');
    const isAdmin = session?.user.role === 'admin';
    // Administrators see how many deposits wait for them.
    const waiting = isAdmin ? store.deposits.pendingCount() : 0;
    const nav = navigation(session).map((n) => ({
      ...n,
      label: `${i18n.t(lang, n.label)}${n.key === 'deposits' && waiting ? ` (${formatNumber(i18n.locale(lang), waiting)})` : ''}`,
      current: options.section === n.key,
    }));
    return app.renderer.page(
      request,
      reply,
      lang,
      template,
      {
        admin: {
          nav,
          user: session ? i18n.t(lang, 'admin.signed_in_as', { name: session.user.name, role: roleLabel(lang, session) }) : undefined,
          token: session ? issueToken(ctx.secret, `admin:${session.token_hash}`) : undefined,
          configErrors: isAdmin && ctx.configErrors().length > 0,
        },
        ...data,
      },
      {
        ...options,
        noindex: true,
        path,
        adminLanguages: ctx.settings().portal.languages.map((code) => ({
          code,
          name: i18n.t(code, 'meta.name'),
          href: `${path}${path.includes('?') ? '&' : '?'}lang=${code}`,
          current: code === lang,
        })),
      } as PageOptions,
    );
  }

  /** The signed-in operator with the role, or an answer (login redirect, 403) already sent. */
  async function guard(request: FastifyRequest, reply: FastifyReply, roles: Role[] = ['admin']): Promise<{ session: SessionRow; lang: string } | undefined> {
    const lang = adminLang(request, reply);
    const session = currentSession(store, request, ctx.now());
    if (!session) {
      await reply.redirect(`/admin/login${queryString({ next: request.url.startsWith('/admin') ? request.url : undefined })}`, 302);
      return undefined;
    }
    if (!roles.includes(session.user.role)) {
      await page(request, reply, lang, session, 'admin/message', { heading: i18n.t(lang, 'admin.title'), message: i18n.t(lang, 'admin.forbidden') }, { title: i18n.t(lang, 'admin.title'), status: 403 });
      return undefined;
    }
    return { session, lang };
  }

  function csrfOk(session: SessionRow, body: Body): boolean {
    return verifyToken(ctx.secret, `admin:${session.token_hash}`, body.csrf);
  }

  async function refuseCsrf(request: FastifyRequest, reply: FastifyReply, lang: string, session: SessionRow) {
    return page(request, reply, lang, session, 'admin/message', { heading: i18n.t(lang, 'admin.title'), message: i18n.t(lang, 'admin.csrf') }, { title: i18n.t(lang, 'admin.title'), status: 403 });
  }

  const audit = (session: SessionRow, action: string, target: string | null, detail?: unknown) =>
    store.users.audit(session.user.name, action, target, detail === undefined ? null : JSON.stringify(detail), ctx.now().toISOString());

  // ------------------------------------------------------------------ entry, sign-in, sign-out

  app.get('/admin', async (request, reply) => {
    const lang = adminLang(request, reply);
    if (store.users.count() === 0) {
      return page(request, reply, lang, undefined, 'admin/no-users', {}, { title: i18n.t(lang, 'admin.no_user_title') });
    }
    const session = currentSession(store, request, ctx.now());
    if (!session) return reply.redirect('/admin/login', 302);
    return reply.redirect(session.user.role === 'admin' ? '/admin/freshness' : session.user.role === 'partner' ? '/admin/partner' : '/admin/suggestions', 302);
  });

  async function loginForm(request: FastifyRequest, reply: FastifyReply, lang: string, values: { name: string; next: string }, error?: string, status = 200) {
    return page(
      request,
      reply,
      lang,
      undefined,
      'admin/login',
      { values, error, token: issueToken(ctx.secret, `admin-login:${ensureLoginBinding(request, reply, secure)}`), noUsers: store.users.count() === 0 },
      { title: i18n.t(lang, 'admin.login_title'), status },
    );
  }

  const safeNext = (next: string) => (/^\/admin(\/[\w\-./?=&%]*)?$/.test(next) && !next.startsWith('/admin/login') ? next : '/admin');

  app.get('/admin/login', async (request, reply) => {
    const lang = adminLang(request, reply);
    const next = typeof (request.query as Body).next === 'string' ? ((request.query as Body).next as string) : '';
    return loginForm(request, reply, lang, { name: '', next: safeNext(next) });
  });

  app.post('/admin/login', async (request, reply) => {
    const lang = adminLang(request, reply);
    const body = (request.body ?? {}) as Body;
    const name = text(body, 'name').trim().slice(0, 100);
    const password = text(body, 'password').slice(0, 500);
    const next = safeNext(text(body, 'next'));
    const binding = loginBinding(request);
    if (!binding || !verifyToken(ctx.secret, `admin-login:${binding}`, body.csrf)) return loginForm(request, reply, lang, { name, next }, i18n.t(lang, 'admin.csrf'), 403);
    // Every answer below is the same for a name that exists and one that does not.
    const address = clientKey(request.ip);
    if (logins.attempt(address, ctx.now().getTime()) > 0) return loginForm(request, reply, lang, { name, next }, i18n.t(lang, 'admin.throttled'), 429);
    const delay = logins.nameDelay(name, ctx.now().getTime());
    if (delay > 0) await sleep(delay);
    const user = name ? store.users.get(name) : undefined;
    let ok: boolean;
    try {
      ok = user ? await verifyPassword(password, user.password_hash) : await spendLikeVerify(password, store.users.samplePasswordHash());
    } catch (error) {
      // Not checked (the checks were busy: 503): not counted against the address either, or an
      // attacker keeping the queue full from elsewhere turned the operator's tries into failures.
      if (error instanceof PasswordChecksBusy) logins.refund(address, ctx.now().getTime());
      throw error;
    }
    const now = ctx.now();
    if (!user || !ok) {
      const { nameFailures } = logins.fail(name, now.getTime());
      if (user) store.users.recordFailure(user.name);
      // Names that do not exist are not written down: they are often a password typed in the wrong field.
      if (auditFailure(nameFailures)) store.users.audit(user?.name ?? '(unknown name)', 'login_failed', null, nameFailures > 1 ? JSON.stringify({ recent_failures: nameFailures }) : null, now.toISOString());
      return loginForm(request, reply, lang, { name, next }, i18n.t(lang, 'admin.login_failed'), 401);
    }
    logins.succeed(address);
    store.users.recordSuccess(user.pk, now.toISOString());
    clearLoginBinding(reply, secure);
    startSession(store, request, reply, user.pk, now, ctx.settings().portal.admin.session_ttl, secure);
    store.users.audit(user.name, 'login', null, null, now.toISOString());
    return reply.redirect(next, 303);
  });

  app.post('/admin/logout', async (request, reply) => {
    const session = currentSession(store, request, ctx.now());
    if (session && csrfOk(session, (request.body ?? {}) as Body)) {
      audit(session, 'logout', null);
      endSession(store, request, reply, secure);
    }
    return reply.redirect('/admin/login', 303);
  });

  // ------------------------------------------------------------------ freshness

  app.get('/admin/freshness', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const report = store.stats.freshness(ctx.now());
    const rows = report.partners.map((p) => ({
      ...partnerView(app, lang, p),
      href: `/admin/partners/${p.partner}`,
      commitmentDays: p.commitment_days,
      failures: p.sources.filter((s) => s.status === 'failing').length,
      sections: SECTIONS.map((s) => ({ label: i18n.t(lang, `sections.${s}`), count: p.items_by_section[s] })),
    }));
    // Twelve months of history rebuilt from the catalogue's dates; this month's row is today's report.
    const locale = i18n.locale(lang);
    const months = store.stats.freshnessHistory(ctx.now(), 12);
    const last = months.at(-1);
    if (last) {
      last.committed = report.partners.filter((p) => p.commitment_days !== null).length;
      last.up_to_date = report.partners.filter((p) => p.status === 'up_to_date').length;
    }
    const percent = (m: { committed: number; up_to_date: number }) => (m.committed ? Math.round((100 * m.up_to_date) / m.committed) : 0);
    const history = months.map((m) => ({ label: formatMonth(locale, m.month), upToDate: m.up_to_date, committed: m.committed, percent: formatPercent(locale, percent(m)) }));
    const share = barChart(
      history.map((m, i) => ({ label: m.label, value: percent(months[i]!) })),
      {
        id: 'share',
        title: i18n.t(lang, 'admin.share_title'),
        description: history.map((m) => `${m.label}: ${m.percent}`).join(', '),
        rtl: i18n.dir(lang) === 'rtl',
        formatValue: (n) => formatPercent(locale, n),
        max: 100,
      },
    );
    return page(request, reply, lang, session, 'admin/freshness', { rows, generatedAt: report.generated_at, sectionLabels: SECTIONS.map((s) => i18n.t(lang, `sections.${s}`)), share, history }, { title: i18n.t(lang, 'admin.freshness_title'), section: 'freshness' });
  });

  app.get('/admin/freshness.csv', async (request, reply) => {
    const auth = await guard(request, reply, ['admin', 'editor']);
    if (!auth) return reply;
    const report = store.stats.freshness(ctx.now());
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="freshness-${report.generated_at.slice(0, 10)}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(`\ufeff${freshnessCsv(report)}`);
  });

  app.get('/admin/freshness.json', async (request, reply) => {
    const auth = await guard(request, reply, ['admin', 'editor']);
    if (!auth) return reply;
    return reply.header('cache-control', 'no-store').send(store.stats.freshness(ctx.now()));
  });

  app.get('/admin/partners/:id', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const { id } = request.params as { id: string };
    const row = store.stats.freshness(ctx.now()).partners.find((p) => p.partner === id);
    if (!row) return reply.callNotFound();
    const locale = i18n.locale(lang);
    const sources = row.sources.map((s) => {
      const record = store.partners.source(id, s.source);
      return {
        ...s,
        statusLabel: i18n.t(lang, `freshness.${s.status}`),
        key: `${id}/${s.source}`,
        runs: record ? store.runs.recentOfSource(record.pk, 8) : [],
      };
    });
    const months = store.stats.newItemsByMonth(id, ctx.now(), 12);
    const chart = barChart(
      months.map((m) => ({ label: formatMonth(locale, m.month), value: m.count })),
      {
        id: 'months',
        title: i18n.t(lang, 'admin.chart_title'),
        description: i18n.t(lang, 'admin.chart_summary', { values: months.map((m) => `${formatMonth(locale, m.month)} ${formatNumber(locale, m.count)}`).join(', ') }),
        rtl: i18n.dir(lang) === 'rtl',
      },
    );
    const partner = partnerView(app, lang, row);
    return page(
      request,
      reply,
      lang,
      session,
      'admin/partner',
      { partner, sources, chart, months: months.map((m) => ({ label: formatMonth(locale, m.month), count: m.count })) },
      { title: i18n.t(lang, 'admin.partner_title', { name: partner.name }), section: 'freshness' },
    );
  });

  // ------------------------------------------------------------------ harvest now, jobs, test a source

  app.post('/admin/harvest', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const body = (request.body ?? {}) as Body;
    if (!csrfOk(session, body)) return refuseCsrf(request, reply, lang, session);
    const scope = text(body, 'scope');
    const settings = ctx.settings();
    const partner = /^partner:([a-z0-9-]+)$/.exec(scope)?.[1];
    const source = /^source:([a-z0-9-]+\/[a-z0-9-]+)$/.exec(scope)?.[1];
    const known = partner ? settings.partners.some((p) => p.id === partner) : source ? settings.partners.some((p) => p.sources.some((s) => `${p.id}/${s.id}` === source)) : false;
    if (!known || !ctx.harvest) return reply.callNotFound();
    const { jobId } = await ctx.harvest.start(partner ? { partners: [partner] } : { sources: [source!] }, session.user.name);
    audit(session, 'harvest_now', partner ?? source!, { jobId });
    return reply.redirect(`/admin/jobs/${jobId}`, 303);
  });

  app.get('/admin/jobs/:id', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const job = ctx.harvest?.status((request.params as { id: string }).id);
    if (!job) return reply.callNotFound();
    const heading = i18n.t(lang, job.state === 'running' ? 'admin.job_title' : job.state === 'finished' ? 'admin.job_finished' : 'admin.job_failed');
    if (job.state === 'running') reply.header('refresh', '2');
    return page(
      request,
      reply,
      lang,
      session,
      'admin/job',
      { job, heading, running: job.state === 'running', progress: i18n.t(lang, 'admin.job_progress', { done: job.done, total: job.total || '?' }), lines: job.lines.join('\n') },
      { title: heading, section: 'freshness' },
    );
  });

  const sourceChoices = () => ctx.settings().partners.flatMap((p) => p.sources.map((s) => ({ value: `${p.id}/${s.id}`, label: `${p.id}/${s.id} (${s.type})` })));

  app.get('/admin/test-source', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const chosen = typeof (request.query as Body).source === 'string' ? ((request.query as Body).source as string) : '';
    return page(request, reply, lang, session, 'admin/test-source', { choices: sourceChoices().map((c) => ({ ...c, selected: c.value === chosen })), yaml: '' }, { title: i18n.t(lang, 'admin.test_source'), section: 'test_source' });
  });

  app.post('/admin/test-source', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const body = (request.body ?? {}) as Body;
    if (!csrfOk(session, body)) return refuseCsrf(request, reply, lang, session);
    const key = text(body, 'source');
    const yaml = text(body, 'yaml').slice(0, 20_000);
    const [partnerId, sourceId] = key.split('/');
    if (!partnerId || !sourceId || !ctx.harvest || !sourceChoices().some((c) => c.value === key)) return reply.callNotFound();
    const result = await ctx.harvest.test(partnerId, sourceId, yaml.trim() ? yaml : undefined);
    audit(session, 'test_source', key, { ok: result.ok, items: result.items.length, draft: Boolean(yaml.trim()) });
    return page(
      request,
      reply,
      lang,
      session,
      'admin/test-source',
      {
        choices: sourceChoices().map((c) => ({ ...c, selected: c.value === key })),
        yaml,
        result: { ...result, countLabel: i18n.t(lang, 'admin.test_items', { count: result.items.length }), seconds: (result.durationMs / 1000).toFixed(1) },
      },
      { title: i18n.t(lang, 'admin.test_source'), section: 'test_source' },
    );
  });

  // ------------------------------------------------------------------ suggestions

  app.get('/admin/suggestions', async (request, reply) => {
    const auth = await guard(request, reply, ['admin', 'editor']);
    if (!auth) return reply;
    const { lang, session } = auth;
    const query = request.query as Body;
    const status = SUGGESTION_STATUSES.includes(query.status as SuggestionStatus) ? (query.status as SuggestionStatus) : undefined;
    const pageNumber = Math.max(1, Math.min(10_000, Number(query.page) || 1));
    const list = store.suggestions.list({ status, limit: 50, offset: (pageNumber - 1) * 50 });
    const counts = store.suggestions.countsByStatus();
    return page(
      request,
      reply,
      lang,
      session,
      'admin/suggestions',
      {
        filters: [
          { label: i18n.t(lang, 'listing.all'), href: '/admin/suggestions', current: !status, count: Object.values(counts).reduce((a, b) => a + b, 0) },
          ...SUGGESTION_STATUSES.map((s) => ({ label: i18n.t(lang, `admin.status_${s}`), href: `/admin/suggestions?status=${s}`, current: status === s, count: counts[s] })),
        ],
        items: list.items.map((s) => ({ ...s, href: `/admin/suggestions/${s.id}`, statusLabel: i18n.t(lang, `admin.status_${s.status}`), excerpt: s.message.slice(0, 160) })),
        total: list.total,
        next: list.total > pageNumber * 50 ? `/admin/suggestions${queryString({ status, page: pageNumber + 1 })}` : undefined,
        canExportContacts: canSeeContacts(session.user.role),
      },
      { title: i18n.t(lang, 'admin.suggestions_title'), section: 'suggestions' },
    );
  });

  app.get('/admin/suggestions.csv', async (request, reply) => {
    const auth = await guard(request, reply, ['admin', 'editor']);
    if (!auth) return reply;
    const { session } = auth;
    const withContacts = (request.query as Body).contacts === '1';
    if (withContacts && !canSeeContacts(session.user.role)) return reply.code(403).send('only administrators export contact details');
    const columns = ['id', 'created_at', 'language', 'topic', 'page_ref', 'status', 'message', 'answer', 'answered_at', 'published', ...(withContacts ? ['name', 'email'] : [])] as const;
    const rows = store.suggestions.list({ limit: 1_000_000 }).items.map((s) => ({ ...s, published: s.published ? 'yes' : 'no' }));
    audit(session, 'export_suggestions', null, { contacts: withContacts, rows: rows.length });
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="suggestions${withContacts ? '-with-contacts' : ''}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(`\ufeff${toCsv(columns as readonly string[], rows as unknown as Array<Record<string, string | number | null>>)}`);
  });

  app.get('/admin/suggestions/:id', async (request, reply) => {
    const auth = await guard(request, reply, ['admin', 'editor']);
    if (!auth) return reply;
    const { lang, session } = auth;
    const id = Number((request.params as { id: string }).id);
    const suggestion = Number.isInteger(id) ? store.suggestions.get(id) : undefined;
    if (!suggestion) return reply.callNotFound();
    // A notice is a key this page knows, never text from the address: a link could otherwise put
    // an attacker's words ("session expired, sign in at …") on an operator's page.
    const notice = (request.query as Body).notice === 'email_failed' ? i18n.t(lang, 'admin.email_failed') : undefined;
    const contactsShown = canSeeContacts(session.user.role);
    return page(
      request,
      reply,
      lang,
      session,
      'admin/suggestion',
      {
        s: contactsShown ? suggestion : { ...suggestion, name: null, email: null },
        contactHidden: !contactsShown && Boolean(suggestion.name || suggestion.email),
        statusLabel: i18n.t(lang, `admin.status_${suggestion.status}`),
        topicLabel: suggestion.topic ? i18n.t(lang, `suggestions.topic_${suggestion.topic}`) : '',
        answerLabel: i18n.t(lang, 'admin.answer_label', { language: i18n.t(lang, `languages.${suggestion.language}`) }),
        notice,
        canAnswer: suggestion.status !== 'answered',
      },
      { title: `${i18n.t(lang, 'admin.suggestions_title')} #${suggestion.id}`, section: 'suggestions' },
    );
  });

  app.post('/admin/suggestions/:id', async (request, reply) => {
    const auth = await guard(request, reply, ['admin', 'editor']);
    if (!auth) return reply;
    const { lang, session } = auth;
    const body = (request.body ?? {}) as Body;
    if (!csrfOk(session, body)) return refuseCsrf(request, reply, lang, session);
    const id = Number((request.params as { id: string }).id);
    const suggestion = Number.isInteger(id) ? store.suggestions.get(id) : undefined;
    if (!suggestion) return reply.callNotFound();
    const now = ctx.now().toISOString();
    const action = text(body, 'action');
    let notice: 'email_failed' | undefined;
    switch (action) {
      case 'examine':
      case 'reject':
        store.suggestions.setStatus(id, action === 'examine' ? 'examined' : 'rejected', now);
        audit(session, `suggestion_${action}`, `suggestion:${id}`);
        break;
      case 'publish':
      case 'unpublish':
        store.suggestions.setPublished(id, action === 'publish', now);
        audit(session, `suggestion_${action}`, `suggestion:${id}`);
        break;
      case 'answer': {
        const answer = text(body, 'answer').trim().slice(0, 10_000);
        if (!answer) break;
        const publish = text(body, 'publish') === '1';
        store.suggestions.answer(id, answer, publish, session.user.name, now);
        audit(session, 'suggestion_answer', `suggestion:${id}`, { published: publish });
        if (suggestion.email && ctx.mail) {
          const siteName = pick(ctx.settings().portal.site.name, suggestion.language);
          try {
            await ctx.mail.send({ to: suggestion.email, subject: `${siteName}: ${i18n.t(suggestion.language, 'suggestions.answer')}`, text: `${answer}\n\n—\n${suggestion.message}` });
            store.suggestions.markEmailed(id, ctx.now().toISOString());
            audit(session, 'suggestion_emailed', `suggestion:${id}`);
          } catch (error) {
            notice = 'email_failed';
            audit(session, 'suggestion_email_failed', `suggestion:${id}`, { error: (error as Error).message.slice(0, 200) });
          }
        }
        break;
      }
      default:
        return reply.code(400).send('unknown action');
    }
    return reply.redirect(`/admin/suggestions/${id}${queryString({ notice })}`, 303);
  });

  // ------------------------------------------------------------------ indicators, audit, config

  app.get('/admin/indicators', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const now = ctx.now();
    const indicators = store.stats.indicators(now, 12);
    const locale = i18n.locale(lang);
    const monthly = new Map(store.stats.monthlyIndicators(12).map((m) => [m.month, m]));
    const visits = new Map(indicators.visits_by_month.map((v) => [v.month, v.count]));
    const history = lastMonths(now, 12).map((month) => ({
      label: formatMonth(locale, month),
      contributing: monthly.get(month)?.contributing ?? '—',
      committed: monthly.get(month)?.committed ?? '—',
      upToDate: monthly.get(month)?.up_to_date ?? '—',
      items: monthly.get(month)?.items ?? '—',
      visits: visits.get(month) ?? 0,
    }));
    return page(request, reply, lang, session, 'admin/indicators', { indicators, history }, { title: i18n.t(lang, 'admin.indicators_title'), section: 'indicators' });
  });

  app.get('/admin/audit', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const log = store.users.auditLog(200);
    return page(request, reply, lang, session, 'admin/audit', { entries: log.entries, total: log.total }, { title: i18n.t(lang, 'admin.audit_title'), section: 'audit' });
  });

  app.get('/admin/config', async (request, reply) => {
    const auth = await guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const errors = ctx.configErrors().map(formatConfigError);
    return page(request, reply, lang, session, 'admin/config', { errors, ok: errors.length === 0 }, { title: i18n.t(lang, 'admin.config_title'), section: 'config' });
  });

  // ------------------------------------------------------------------ focal points, deposits, users, reminders

  const area: AdminArea = { page, guard, csrfOk, refuseCsrf, audit };
  await app.register(partnerAreaRoutes, { area });
  await app.register(depositReviewRoutes, { area });
  await app.register(adminUserRoutes, { area });
  await app.register(reminderRoutes, { area });
}
