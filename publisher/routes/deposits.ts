// Deposits seen from the authority: the administrators' review queue (approve, or reject with a
// reason the focal point reads) and every deposit with its revisions; and the public download of
// a published deposit's PDF, served as a download that no browser renders as a page.
import { type FastifyInstance } from 'fastify';
import { DepositRefused } from '../../store/index.ts';
import { type AdminArea, field } from '../admin/area.ts';
import { depositView, revisionView } from '../deposit-form.ts';
import { pick, queryString } from '../views.ts';
import { sendPdf } from './partner-area.ts';

/** `GET /deposits/{id}/document.pdf`: the live revision's file of a published, not withdrawn deposit. */
export async function depositFileRoutes(app: FastifyInstance): Promise<void> {
  const { store } = app.portal;
  app.get('/deposits/:id/document.pdf', async (request, reply) => {
    const file = store.deposits.publicFile((request.params as { id: string }).id);
    if (!file || !store.files.has(file.hash)) return reply.callNotFound();
    return sendPdf(reply, store.files.pathOf(file.hash), file.name, 'public, max-age=300');
  });
}

const TEXT_PREVIEW = 3_000;

export async function depositReviewRoutes(app: FastifyInstance, options: { area: AdminArea }): Promise<void> {
  const { area } = options;
  const ctx = app.portal;
  const { store, i18n } = ctx;
  const partnerName = (id: string, lang: string) => pick(ctx.settings().partners.find((p) => p.id === id)?.name ?? store.partners.get(id)?.name, lang) || id;

  app.get('/admin/deposits', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const view = (d: Parameters<typeof depositView>[2]) => ({ ...depositView(lang, i18n, d, `/admin/deposits/${d.id}`), partnerName: partnerName(d.partner, lang), submittedAt: d.latest.submitted_at, submittedBy: d.latest.submitted_by });
    const pending = store.deposits.pending().map(view);
    const others = store.deposits
      .list()
      .filter((d) => d.withdrawn_at || d.latest.status !== 'pending')
      .slice(0, 100)
      .map(view);
    return area.page(request, reply, lang, session, 'admin/deposits', { pending, others }, { title: i18n.t(lang, 'focal.review_title'), section: 'deposits' });
  });

  app.get('/admin/deposits/:id', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const deposit = store.deposits.get((request.params as { id: string }).id);
    if (!deposit) return reply.callNotFound();
    const latest = deposit.latest;
    const text = store.deposits.revisionText(deposit.id, latest.n, TEXT_PREVIEW + 1);
    const notice = field(request.query as Record<string, unknown>, 'notice');
    return area.page(
      request,
      reply,
      lang,
      session,
      'admin/deposit',
      {
        deposit: { ...depositView(lang, i18n, deposit, ''), partnerName: partnerName(deposit.partner, lang) },
        latest: {
          ...revisionView(lang, i18n, latest, `/admin/deposits/${deposit.id}/revisions/${latest.n}/document.pdf`),
          titles: Object.entries(latest.titles).map(([l, title]) => ({ lang: l, dir: l === 'ar' ? 'rtl' : 'ltr', label: i18n.t(lang, `languages.${l}`), title })),
          description: latest.description,
          typeLabel: `${i18n.t(lang, `sections.${latest.section}`)} · ${i18n.t(lang, `doc_types.${latest.doc_type}`)}`,
          languageLabel: i18n.t(lang, `languages.${latest.language}`),
          date: latest.document_date,
          kindFile: latest.kind === 'file',
          noteLabel: latest.scanned ? i18n.t(lang, 'focal.note_scanned') : latest.text_note?.startsWith('truncated:') ? i18n.t(lang, 'focal.note_truncated', { read: latest.text_note.split(/[:/]/)[1], total: latest.text_note.split(/[:/]/)[2] }) : '',
        },
        text: text.slice(0, TEXT_PREVIEW),
        textMore: text.length > TEXT_PREVIEW,
        textDir: latest.language === 'ar' ? 'rtl' : 'ltr',
        pending: latest.status === 'pending' && !deposit.withdrawn_at,
        revisions: deposit.revisions.map((r) => revisionView(lang, i18n, r, `/admin/deposits/${deposit.id}/revisions/${r.n}/document.pdf`)).reverse(),
        notice: ['approved', 'rejected', 'reason_required'].includes(notice) ? i18n.t(lang, `focal.notice_${notice}`) : '',
      },
      { title: latest.title, section: 'deposits' },
    );
  });

  app.post('/admin/deposits/:id/review', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { lang, session } = auth;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!area.csrfOk(session, body)) return area.refuseCsrf(request, reply, lang, session);
    const deposit = store.deposits.get((request.params as { id: string }).id);
    if (!deposit) return reply.callNotFound();
    const n = Number(field(body, 'revision'));
    const action = field(body, 'action');
    const now = ctx.now().toISOString();
    try {
      if (action === 'approve') {
        const { depositItem } = await import('../../harvester/deposit-item.ts');
        const settings = ctx.settings().portal;
        store.deposits.approve(deposit.id, n, session.user.name, now, { baseUrl: settings.site.base_url ?? '', maxTextChars: settings.harvest.max_text_chars, makeItem: depositItem });
        area.audit(session, 'deposit_approve', `deposit:${deposit.id}`, { partner: deposit.partner, revision: n, item: store.deposits.get(deposit.id)?.item_id });
      } else if (action === 'reject') {
        const reason = field(body, 'reason').trim().slice(0, 2_000);
        if (!reason) return reply.redirect(`/admin/deposits/${deposit.id}${queryString({ notice: 'reason_required' })}`, 303);
        store.deposits.reject(deposit.id, n, session.user.name, reason, now);
        area.audit(session, 'deposit_reject', `deposit:${deposit.id}`, { partner: deposit.partner, revision: n, reason });
      } else {
        return reply.code(400).send('unknown action');
      }
    } catch (error) {
      // Reviewed meanwhile, withdrawn, or an older revision: the page shows where it stands.
      if (error instanceof DepositRefused) return reply.redirect(`/admin/deposits/${deposit.id}`, 303);
      throw error;
    }
    // Pages are cached until another process writes: this one just published a document.
    app.renderer.cache.clear();
    return reply.redirect(`/admin/deposits/${deposit.id}${queryString({ notice: action === 'approve' ? 'approved' : 'rejected' })}`, 303);
  });

  app.get('/admin/deposits/:id/revisions/:n/document.pdf', async (request, reply) => {
    const auth = await area.guard(request, reply);
    if (!auth) return reply;
    const { id, n } = request.params as { id: string; n: string };
    const revision = store.deposits.get(id)?.revisions.find((r) => String(r.n) === n);
    if (!revision?.file_hash || !store.files.has(revision.file_hash)) return reply.callNotFound();
    return sendPdf(reply, store.files.pathOf(revision.file_hash), revision.file_name ?? 'document.pdf', 'no-store');
  });
}
