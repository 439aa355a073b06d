// A partner's focal point in the admin area (role `partner`): its own institution only. Its
// freshness per source with the last error in plain words and what to do, its items, and its
// deposits (a PDF or a link) with edit and withdraw. The partner comes from the session, never
// from the URL: there is no address at which a focal point could name another partner, and a
// deposit id of another partner answers 404.
import fs from 'node:fs';
import multipart from '@fastify/multipart';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ERROR_CODES, type PartnerConfig } from '../../config/index.ts';
import { DepositRefused, type DepositFile, type SessionRow } from '../../store/index.ts';
import { type AdminArea, field } from '../admin/area.ts';
import { attachment, checkFields, depositView, formValues, formView, readDepositForm, revisionView, valuesOf, type FormValues, type Upload } from '../deposit-form.ts';
import { formatDate, formatNumber } from '../format.ts';
import { partnerView } from './pages.ts';
import { pagination, pick, queryString } from '../views.ts';
import { withoutValues } from '../log-safe.ts';

const PER_PAGE = 50;

export async function partnerAreaRoutes(app: FastifyInstance, options: { area: AdminArea }): Promise<void> {
  const { area } = options;
  const ctx = app.portal;
  const { store, i18n } = ctx;
  // Multipart only here (and only for the deposit forms): the plugin is scoped to this file's routes.
  await app.register(multipart, { throwFileSizeLimit: false });

  /** The signed-in focal point and its partner, or an answer already sent. */
  async function focal(request: FastifyRequest, reply: FastifyReply) {
    const auth = await area.guard(request, reply, ['partner']);
    if (!auth) return undefined;
    const partnerId = auth.session.user.partner_id;
    if (!partnerId) {
      await area.page(request, reply, auth.lang, auth.session, 'admin/message', { heading: i18n.t(auth.lang, 'admin.title'), message: i18n.t(auth.lang, 'admin.forbidden') }, { title: i18n.t(auth.lang, 'admin.title'), status: 403 });
      return undefined;
    }
    const config = ctx.settings().partners.find((p) => p.id === partnerId);
    const name = pick(config?.name ?? store.partners.get(partnerId)?.name, auth.lang) || partnerId;
    return { ...auth, partnerId, config, name };
  }

  const megabytes = (lang: string, bytes: number) => i18n.t(lang, 'focal.size_mb', { size: formatNumber(i18n.locale(lang), Math.round((bytes / 1024 / 1024) * 10) / 10) });

  const maxBytes = () => ctx.settings().portal.deposits.max_bytes;

  /** The harvester's item pipeline and the live config, for publishing (loaded on first use). */
  async function publishContext(partner: PartnerConfig | undefined) {
    const { depositItem } = await import('../../harvester/deposit-item.ts');
    const settings = ctx.settings().portal;
    return { review: partner?.review_deposits ?? true, baseUrl: settings.site.base_url ?? '', maxTextChars: settings.harvest.max_text_chars, makeItem: depositItem };
  }

  // ------------------------------------------------------------------ the institution at a glance

  app.get('/admin/partner', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const { lang, session, partnerId } = auth;
    const row = store.stats.freshness(ctx.now()).partners.find((p) => p.partner === partnerId);
    const partner = row ? partnerView(app, lang, row) : undefined;
    const sources = (row?.sources ?? [])
      .filter((s) => s.status !== 'disabled')
      .map((s) => {
        const code = s.last_error?.code;
        const known = code && (ERROR_CODES as readonly string[]).includes(code);
        return {
          id: s.source,
          url: s.url,
          typeLabel: i18n.t(lang, `focal.source_type_${s.type}`),
          status: s.status,
          statusLabel: i18n.t(lang, `freshness.${s.status}`),
          lastSuccess: s.last_success_at,
          lastAttempt: s.last_attempt_at,
          failures: s.consecutive_failures,
          items: s.items,
          problem:
            s.status === 'failing' && code
              ? {
                  what: known ? i18n.t(lang, `focal.error_${code}`) : code,
                  todo: known ? i18n.t(lang, `focal.todo_${code}`) : '',
                  detail: `${code}${s.last_error?.http_status ? ` (HTTP ${s.last_error.http_status})` : ''}: ${s.last_error?.message ?? ''}`,
                  since: s.last_success_at,
                  failures: i18n.t(lang, 'focal.failures', { count: s.consecutive_failures }),
                }
              : undefined,
        };
      });
    const deposits = store.deposits.listByPartner(partnerId);
    const overdue = row?.status === 'overdue';
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/focal-home',
      {
        name: auth.name,
        partner,
        inConfig: Boolean(auth.config),
        overdue,
        overdueText: overdue
          ? row?.last_new_content_at
            ? i18n.t(lang, 'focal.overdue_since', { date: formatDate(i18n.locale(lang), row.last_new_content_at), days: row.commitment_days ?? '' })
            : i18n.t(lang, 'focal.overdue_never', { days: row?.commitment_days ?? '' })
          : '',
        sources,
        noSources: sources.length === 0,
        itemCount: row?.item_count ?? 0,
        deposits: {
          total: deposits.length,
          pending: deposits.filter((d) => !d.withdrawn_at && d.latest.status === 'pending').length,
          rejected: deposits.filter((d) => !d.withdrawn_at && d.latest.status === 'rejected').length,
        },
        review: auth.config?.review_deposits ?? true,
      },
      { title: i18n.t(lang, 'focal.home_title', { name: auth.name }), section: 'partner' },
    );
  });

  app.get('/admin/partner/items', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const { lang, session, partnerId } = auth;
    const pageNumber = Math.max(1, Math.min(10_000, Number((request.query as Record<string, unknown>).page) || 1));
    const list = store.items.list({ partner: partnerId, includeGone: true }, pageNumber, PER_PAGE);
    const items = list.items.map((i) => ({
      title: i.title,
      href: `/${lang}/items/${i.id}`,
      dir: i.language === 'ar' ? 'rtl' : 'auto',
      language: i.language,
      section: i18n.t(lang, `sections.${i.section}`),
      type: i.doc_type ? i18n.t(lang, `doc_types.${i.doc_type}`) : '',
      date: i.published_at,
      origin: i18n.t(lang, i.source === 'deposit' ? 'focal.origin_deposit' : 'focal.origin_harvest', { source: i.source }),
      gone: i.gone_since,
    }));
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/focal-items',
      { name: auth.name, items, total: list.total, pagination: pagination(ctx, lang, '/admin/partner/items', {}, pageNumber, list.total, PER_PAGE) },
      { title: i18n.t(lang, 'focal.items_title', { name: auth.name }), section: 'partner_items' },
    );
  });

  // ------------------------------------------------------------------ deposits

  app.get('/admin/partner/deposits', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const { lang, session, partnerId } = auth;
    const deposits = store.deposits.listByPartner(partnerId).map((d) => depositView(lang, i18n, d, `/admin/partner/deposits/${d.id}`));
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/focal-deposits',
      { name: auth.name, deposits, canDeposit: Boolean(auth.config) },
      { title: i18n.t(lang, 'focal.deposits_title', { name: auth.name }), section: 'partner_deposits' },
    );
  });

  async function form(request: FastifyRequest, reply: FastifyReply, auth: NonNullable<Awaited<ReturnType<typeof focal>>>, values: FormValues, extra: { errors?: string[]; depositId?: string; currentFile?: string | null; status?: number }) {
    const { lang, session } = auth;
    const editing = Boolean(extra.depositId);
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/focal-deposit-form',
      {
        ...formView(lang, i18n, values),
        name: auth.name,
        editing,
        action: editing ? `/admin/partner/deposits/${extra.depositId}` : '/admin/partner/deposits',
        back: editing ? `/admin/partner/deposits/${extra.depositId}` : '/admin/partner/deposits',
        errors: extra.errors ?? [],
        currentFile: extra.currentFile ?? null,
        maxSize: megabytes(lang, ctx.settings().portal.deposits.max_bytes),
        review: auth.config?.review_deposits ?? true,
        today: ctx.now().toISOString().slice(0, 10),
      },
      { title: i18n.t(lang, editing ? 'focal.edit_title' : 'focal.new_title'), section: 'partner_deposits', status: extra.status },
    );
  }

  app.get('/admin/partner/deposits/new', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    if (!auth.config) return notInConfig(request, reply, auth);
    return form(request, reply, auth, formValues({ language: auth.lang }), {});
  });

  async function notInConfig(request: FastifyRequest, reply: FastifyReply, auth: { lang: string; session: SessionRow }) {
    return area.page(request, reply, auth.lang, auth.session, 'admin/message', { heading: i18n.t(auth.lang, 'focal.new_title'), message: i18n.t(auth.lang, 'focal.not_in_config') }, { title: i18n.t(auth.lang, 'admin.title'), status: 409 });
  }

  /**
   * Reads and checks a submitted deposit form; on success the file (if any) is in the file store.
   * Returns the fields, or the answer (form again with the problems, 403) already sent.
   */
  async function submission(request: FastifyRequest, reply: FastifyReply, auth: NonNullable<Awaited<ReturnType<typeof focal>>>, editing?: { id: string; hasFile: boolean; currentFile: string | null }) {
    const { lang, session } = auth;
    let read;
    try {
      read = await readDepositForm(request, store.files, ctx.settings().portal.deposits.max_bytes, (body) => area.csrfOk(session, body));
    } catch (error) {
      request.log.info({ err: withoutValues((error as Error).message) }, 'deposit form refused');
      await form(request, reply, auth, formValues({}), { errors: [i18n.t(lang, 'focal.error_form')], depositId: editing?.id, currentFile: editing?.currentFile, status: 400 });
      return undefined;
    }
    const upload: Upload | undefined = read.upload;
    const discard = () => upload && fs.rmSync(upload.temp, { force: true });
    if (read.refused || !area.csrfOk(session, read.body)) {
      discard();
      await area.refuseCsrf(request, reply, lang, session);
      return undefined;
    }
    const values = formValues(read.body);
    const checked = checkFields(values, lang, i18n, ctx.now().toISOString().slice(0, 10));
    const errors = [...checked.errors];
    let status = 400;
    let file: DepositFile | null = null;
    let problem: string | undefined;
    if (values.kind !== 'link') {
      if (!upload) {
        if (!editing?.hasFile) errors.push(i18n.t(lang, 'focal.error_file_required'));
      } else if (upload.truncated) {
        errors.push(i18n.t(lang, 'focal.upload_too_large', { max: megabytes(lang, maxBytes()) }));
        problem = 'too_large';
        status = 413;
      } else if (errors.length === 0) {
        const { depositLimits, depositPages, readDepositFile } = await import('../../harvester/deposit.ts');
        const result = await readDepositFile(upload.temp, depositLimits(ctx.settings().portal));
        if (!result.ok) {
          errors.push(i18n.t(lang, `focal.upload_${result.problem}`, { max: megabytes(lang, maxBytes()) }));
          problem = `${result.problem}: ${result.detail}`;
          if (result.problem === 'too_large') status = 413;
        } else {
          const extract = result.extract;
          const note = extract.scanned ? 'scanned' : extract.pagesRead < extract.pages ? `truncated:${extract.pagesRead}/${extract.pages}` : null;
          file = { hash: '', name: upload.name, size: upload.size, text: extract.text, pages: extract.pages, scanned: extract.scanned, note, ...depositPages(extract) };
        }
      }
    }
    if (errors.length > 0 || !checked.fields) {
      discard();
      if (problem) area.audit(session, 'deposit_file_refused', editing ? `deposit:${editing.id}` : `partner:${auth.partnerId}`, { problem: problem.slice(0, 300), name: upload?.name, bytes: upload?.size });
      await form(request, reply, auth, values, { errors, depositId: editing?.id, currentFile: editing?.currentFile, status });
      return undefined;
    }
    if (file && upload) file.hash = await store.files.adopt(upload.temp);
    else discard();
    return { fields: { ...checked.fields, file }, upload };
  }

  app.post('/admin/partner/deposits', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    if (!auth.config) return notInConfig(request, reply, auth);
    const submitted = await submission(request, reply, auth);
    if (!submitted) return reply;
    const now = ctx.now().toISOString();
    const id = store.deposits.create(auth.partnerId, auth.session.user.name, submitted.fields, now, await publishContext(auth.config));
    // Pages are cached until another process writes: this one just did (a deposit may be online).
    app.renderer.cache.clear();
    const deposit = store.deposits.get(id)!;
    area.audit(auth.session, 'deposit_submit', `deposit:${id}`, { partner: auth.partnerId, kind: submitted.fields.kind, file: submitted.fields.file?.hash, status: deposit.latest.status });
    if (deposit.latest.status === 'approved') area.audit(auth.session, 'deposit_published', `deposit:${id}`, { partner: auth.partnerId, review: false, item: deposit.item_id });
    return reply.redirect(`/admin/partner/deposits/${id}${queryString({ notice: deposit.latest.status === 'approved' ? 'published' : 'submitted' })}`, 303);
  });

  app.get('/admin/partner/deposits/:id', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const { lang, session, partnerId } = auth;
    const deposit = store.deposits.get((request.params as { id: string }).id, partnerId);
    if (!deposit) return reply.callNotFound();
    const notice = field(request.query as Record<string, unknown>, 'notice');
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/focal-deposit',
      {
        deposit: depositView(lang, i18n, deposit, ''),
        latest: deposit.latest,
        revisions: deposit.revisions.map((r) => revisionView(lang, i18n, r, `/admin/partner/deposits/${deposit.id}/revisions/${r.n}/document.pdf`)).reverse(),
        notice: ['submitted', 'published', 'edited', 'withdrawn'].includes(notice) ? i18n.t(lang, `focal.notice_${notice}`) : '',
        canEdit: !deposit.withdrawn_at && Boolean(auth.config),
        canWithdraw: !deposit.withdrawn_at,
        withdrawn: deposit.withdrawn_at,
      },
      { title: deposit.latest.title, section: 'partner_deposits' },
    );
  });

  app.get('/admin/partner/deposits/:id/edit', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const deposit = store.deposits.get((request.params as { id: string }).id, auth.partnerId);
    if (!deposit) return reply.callNotFound();
    if (deposit.withdrawn_at || !auth.config) return reply.redirect(`/admin/partner/deposits/${deposit.id}`, 303);
    return form(request, reply, auth, valuesOf(deposit.latest), { depositId: deposit.id, currentFile: deposit.latest.file_name });
  });

  app.post('/admin/partner/deposits/:id', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const deposit = store.deposits.get((request.params as { id: string }).id, auth.partnerId);
    if (!deposit) return reply.callNotFound();
    if (!auth.config) return notInConfig(request, reply, auth);
    const submitted = await submission(request, reply, auth, { id: deposit.id, hasFile: deposit.latest.kind === 'file' && Boolean(deposit.latest.file_hash), currentFile: deposit.latest.file_name });
    if (!submitted) return reply;
    let n: number;
    try {
      n = store.deposits.revise(deposit.id, auth.partnerId, auth.session.user.name, submitted.fields, ctx.now().toISOString(), await publishContext(auth.config));
    } catch (error) {
      if (error instanceof DepositRefused) return reply.redirect(`/admin/partner/deposits/${deposit.id}`, 303);
      throw error;
    }
    app.renderer.cache.clear();
    const after = store.deposits.get(deposit.id)!;
    area.audit(auth.session, 'deposit_edit', `deposit:${deposit.id}`, { revision: n, file: submitted.fields.file?.hash ?? null, status: after.latest.status });
    if (after.latest.status === 'approved') area.audit(auth.session, 'deposit_published', `deposit:${deposit.id}`, { revision: n, review: false, item: after.item_id });
    return reply.redirect(`/admin/partner/deposits/${deposit.id}${queryString({ notice: after.latest.status === 'approved' ? 'published' : 'edited' })}`, 303);
  });

  app.post('/admin/partner/deposits/:id/withdraw', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!area.csrfOk(auth.session, body)) return area.refuseCsrf(request, reply, auth.lang, auth.session);
    const deposit = store.deposits.get((request.params as { id: string }).id, auth.partnerId);
    if (!deposit) return reply.callNotFound();
    if (field(body, 'confirm') !== '1') return reply.redirect(`/admin/partner/deposits/${deposit.id}`, 303);
    try {
      store.deposits.withdraw(deposit.id, auth.partnerId, auth.session.user.name, ctx.now().toISOString());
    } catch (error) {
      if (error instanceof DepositRefused) return reply.redirect(`/admin/partner/deposits/${deposit.id}`, 303);
      throw error;
    }
    app.renderer.cache.clear();
    area.audit(auth.session, 'deposit_withdraw', `deposit:${deposit.id}`, { partner: auth.partnerId, item: deposit.item_id });
    return reply.redirect(`/admin/partner/deposits/${deposit.id}?notice=withdrawn`, 303);
  });

  app.get('/admin/partner/deposits/:id/revisions/:n/document.pdf', async (request, reply) => {
    const auth = await focal(request, reply);
    if (!auth) return reply;
    const { id, n } = request.params as { id: string; n: string };
    const deposit = store.deposits.get(id, auth.partnerId);
    const revision = deposit?.revisions.find((r) => String(r.n) === n);
    if (!revision?.file_hash || !store.files.has(revision.file_hash)) return reply.callNotFound();
    return sendPdf(reply, store.files.pathOf(revision.file_hash), revision.file_name ?? 'document.pdf', 'no-store');
  });
}

/**
 * A stored PDF, served so that no browser runs it as anything else: the PDF type, a download
 * (Content-Disposition: attachment), nosniff, and a CSP that sandboxes whatever would render it.
 */
export function sendPdf(reply: FastifyReply, file: string, name: string, cacheControl: string): FastifyReply {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', attachment(name))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'; frame-ancestors 'none'")
    .header('cross-origin-resource-policy', 'same-origin')
    .header('cache-control', cacheControl)
    .send(fs.createReadStream(file));
}
