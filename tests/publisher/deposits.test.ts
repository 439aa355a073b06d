// Deposits by a partner's focal point, through app.inject over a real SQLite and real files:
// uploads judged by their bytes (a good PDF, a fake one, an oversize one, HTML renamed .pdf, a
// decompression bomb made here), the approval flow with a reason the focal point reads, edits as
// new versions, withdrawal that keeps the history, safe downloads, the public face of a deposit
// (API, item page, search), publication without review, and the indicators.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'cheerio';
import t from 'tap';
import { makePdf } from '../../demo/pdf.ts';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { Browser, PASSWORD } from '../helpers/admin-browser.ts';
import { BROWSER, makeApp, SEED_CONFIG, type TestApp } from '../helpers/app.ts';
import { flateBombPdf } from '../helpers/pdf-bomb.ts';

const MAX = 200 * 1024;
let bed: TestApp;
let admin: Browser;
let focal: Browser;
let gammaFocal: Browser;
let goodPdf: Buffer;

t.before(async () => {
  bed = await makeApp({
    config: {
      ...SEED_CONFIG,
      portal: { deposits: { max_bytes: '200KB' } },
      partners: SEED_CONFIG.partners.map((p) => (p.id === 'gamma' ? { ...p, review_deposits: false } : p)),
    },
  });
  const hash = await hashPassword(PASSWORD);
  const now = new Date().toISOString();
  bed.store.users.add('amina', 'admin', hash, now);
  bed.store.users.add('samira', 'partner', hash, now, 'alpha');
  bed.store.users.add('youssef', 'partner', hash, now, 'gamma');
  admin = new Browser(bed, '10.18.0.1');
  focal = new Browser(bed, '10.18.0.2');
  gammaFocal = new Browser(bed, '10.18.0.3');
  await admin.login('amina');
  await focal.login('samira');
  await gammaFocal.login('youssef');
  goodPdf = await makePdf({
    title: 'Rapport sur la probité des collectivités',
    pages: ['Rapport sur la probité des collectivités territoriales', 'Le mot xylophonique n’apparaît que dans ce document déposé.', 'تقرير حول النزاهة في الجماعات الترابية'],
  });
});
t.teardown(() => bed.close());

const FIELDS = { title_fr: 'Rapport sur la probité des collectivités', title_ar: 'تقرير حول النزاهة في الجماعات الترابية', title_en: '', description: 'Un rapport annuel.', type: 'publications/report', language: 'fr', date: '2025-09-15', kind: 'file', link: '' };

async function deposit(browser: Browser, file?: { name: string; type?: string; bytes: Buffer }, fields: Record<string, string> = {}, url = '/admin/partner/deposits') {
  const csrf = await browser.token('/admin/partner/deposits/new');
  return browser.upload(url, { csrf, ...FIELDS, ...fields }, file);
}

const depositId = (location: string | undefined) => /\/admin\/partner\/deposits\/([0-9a-f]{12})/.exec(String(location))![1]!;
const apiItems = async (query: string) => JSON.parse((await bed.app.inject({ url: `/api/items?${query}` })).body) as { total: number; items: Array<{ id: string; source: string; url: string; title: string }> };

t.test('uploads are judged by their bytes, not their names', async (t) => {
  const before = bed.store.deposits.listByPartner('alpha').length;
  const filesBefore = bed.store.files.list().length;
  const cases: Array<[string, { name: string; type?: string; bytes: Buffer }, number, RegExp, string]> = [
    ['a fake PDF (an image named .pdf)', { name: 'rapport.pdf', bytes: Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(2000, 7)]) }, 400, /n'est pas un PDF/, 'not_pdf'],
    ['HTML renamed .pdf', { name: 'rapport.pdf', bytes: Buffer.from('<!doctype html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>') }, 400, /page web \(HTML\)/, 'html'],
    ['an HTML page hiding a PDF header', { name: 'rapport.pdf', bytes: Buffer.from('<html><body><script>alert(1)</script>%PDF-1.7 1 0 obj << >> endobj</body></html>') }, 400, /page web \(HTML\)/, 'html'],
    ['an oversize PDF', { name: 'gros.pdf', bytes: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(MAX + 50_000, 32)]) }, 413, /dépasse la taille permise \(0,2 Mo\)/, 'too_large'],
    ['a damaged PDF', { name: 'abime.pdf', bytes: Buffer.from(`%PDF-1.7\n${'garbage '.repeat(200)}`) }, 400, /endommagé ou protégé/, 'unreadable'],
    ['an empty file', { name: 'vide.pdf', bytes: Buffer.alloc(0) }, 400, /fichier est vide/, 'empty'],
  ];
  for (const [name, file, status, message, problem] of cases) {
    const response = await deposit(focal, file, { language: 'fr' }, '/admin/partner/deposits?lang=fr');
    t.equal(response.status, status, `${name}: ${status}`);
    t.match(response.$('.error-summary').text(), message, `${name}: told why, in French`);
    t.equal(response.$('#title-fr').val(), FIELDS.title_fr, `${name}: the form keeps what was typed`);
    const refused = bed.store.users.auditLog(1).entries[0]!;
    t.equal(refused.action, 'deposit_file_refused');
    t.match(refused.detail, new RegExp(`"problem":"${problem}`), `${name}: the audit log has the cause`);
  }
  t.equal(bed.store.deposits.listByPartner('alpha').length, before, 'nothing was deposited');
  t.equal(bed.store.files.list().length, filesBefore, 'no file was kept');
  t.same(fs.readdirSync(path.join(bed.store.files.dir, 'tmp')), [], 'no temporary file is left behind');
});

t.test('a PDF bomb made here is refused before pdf.js sees it', async (t) => {
  // ~130 KB that inflates to 128 MB (pdf.js spent 12 s and 850 MB on a 256 MB one, measured).
  const bomb = await flateBombPdf(128 * 1024 * 1024);
  t.ok(bomb.length < MAX * 3, `${bomb.length} bytes`);
  const bed2 = await makeApp({ config: { ...SEED_CONFIG, portal: { deposits: { max_bytes: '2MB' } } } });
  t.teardown(() => bed2.close());
  bed2.store.users.add('samira', 'partner', await hashPassword(PASSWORD), new Date().toISOString(), 'alpha');
  const browser = new Browser(bed2, '10.18.1.1');
  await browser.login('samira');
  const started = performance.now();
  const response = await deposit(browser, { name: 'piege.pdf', bytes: bomb }, {}, '/admin/partner/deposits?lang=ar');
  const ms = performance.now() - started;
  t.equal(response.status, 400);
  t.match(response.$('.error-summary').text(), /ملغوم/, 'told in Arabic');
  t.match(bed2.store.users.auditLog(1).entries[0]!.detail, /decompression bomb/);
  t.equal(bed2.store.deposits.listByPartner('alpha').length, 0);
  t.comment(`bomb of ${(bomb.length / 1024).toFixed(0)} KB refused in ${ms.toFixed(0)} ms`);
  // The portal answers on.
  t.equal((await bed2.app.inject({ url: '/healthz' })).statusCode, 200);
});

let reviewed = '';

t.test('approval flow: pending, rejected with a reason the focal point reads, edited, approved', async (t) => {
  const sent = await deposit(focal, { name: 'rapport-probité.pdf', bytes: goodPdf });
  t.equal(sent.status, 303);
  const id = depositId(sent.headers.location);
  reviewed = id;
  t.match(sent.headers.location, /notice=submitted/);
  const pending = bed.store.deposits.get(id)!;
  t.equal(pending.latest.status, 'pending');
  t.equal(pending.latest.pages, 3);
  t.ok(bed.store.files.has(pending.latest.file_hash!), 'the file is stored under its hash');
  t.equal(bed.store.files.read(pending.latest.file_hash!).equals(goodPdf), true, 'byte for byte');
  t.equal(path.basename(bed.store.files.pathOf(pending.latest.file_hash!)), pending.latest.file_hash);
  t.equal(fs.statSync(bed.store.files.pathOf(pending.latest.file_hash!)).mode & 0o111, 0, 'never executable');

  // Not public while pending.
  t.equal((await apiItems('partner=alpha&per_page=100')).items.filter((i) => i.source === 'deposit').length, 0);
  t.equal((await apiItems('q=xylophonique')).total, 0, 'not searchable');
  t.equal((await bed.app.inject({ url: `/deposits/${id}/document.pdf` })).statusCode, 404, 'not downloadable');
  t.equal((await focal.post(`/admin/deposits/${id}/review`, { csrf: await focal.token('/admin/partner'), revision: '1', action: 'approve' })).status, 403, 'a focal point cannot approve');

  // The administrators' queue.
  const queue = await admin.get('/admin/deposits?lang=fr');
  t.equal(queue.$('table.pending tbody tr').length, 1);
  t.match(queue.$('table.pending').text(), /Instance Alpha/);
  t.match(queue.$('.admin-bar nav').text(), /Dépôts \(1\)/, 'the navigation counts what waits');
  const page = await admin.get(`/admin/deposits/${id}?lang=fr`);
  t.match(page.$('.progress-lines').text(), /xylophonique/, 'the extracted text is shown to the reviewer');
  const csrf = page.$('input[name=csrf]').first().val() as string;
  const noReason = await admin.post(`/admin/deposits/${id}/review`, { csrf, revision: '1', action: 'reject', reason: '  ' });
  t.match(noReason.headers.location, /notice=reason_required/);
  t.equal(bed.store.deposits.get(id)!.latest.status, 'pending', 'a refusal needs a reason');
  await admin.post(`/admin/deposits/${id}/review`, { csrf, revision: '1', action: 'reject', reason: 'Le titre arabe ne correspond pas au document.' });
  t.equal(bed.store.deposits.get(id)!.latest.status, 'rejected');
  const seen = await focal.get(`/admin/partner/deposits/${id}?lang=fr`);
  t.match(seen.$('.notice-warn').text(), /Le titre arabe ne correspond pas au document\./, 'the focal point reads the reason');
  t.match((await focal.get('/admin/partner/deposits?lang=fr')).$('tbody').text(), /Refusé/);

  // An edit without a new file keeps the file; it waits again; approved, it is published.
  const csrf2 = (await focal.get(`/admin/partner/deposits/${id}/edit`)).$('input[name=csrf]').val() as string;
  const edited = await focal.upload(`/admin/partner/deposits/${id}`, { csrf: csrf2, ...FIELDS, title_ar: 'تقرير حول نزاهة الجماعات الترابية' });
  t.equal(edited.status, 303);
  const revisions = bed.store.deposits.get(id)!.revisions;
  t.same(revisions.map((r) => r.status), ['rejected', 'pending']);
  t.equal(revisions[1]!.file_hash, revisions[0]!.file_hash, 'the file is kept');
  await admin.post(`/admin/deposits/${id}/review`, { csrf, revision: '2', action: 'approve' });
  const published = bed.store.deposits.get(id)!;
  t.equal(published.latest.status, 'approved');
  t.ok(published.item_id);

  // Public: the API (source "deposit"), the item page (provenance), search, the download.
  const listed = (await apiItems('partner=alpha&per_page=100')).items.find((i) => i.id === published.item_id)!;
  t.match(listed, { source: 'deposit', title: FIELDS.title_fr, url: `https://portal.example/deposits/${id}/document.pdf` });
  t.equal((await apiItems('q=xylophonique')).items[0]?.id, published.item_id, 'the PDF text is searchable');
  const item = load((await bed.app.inject({ url: `/fr/items/${published.item_id}`, headers: BROWSER })).body);
  t.match(item('.provenance').text(), /Déposé par Instance Alpha le \d+ \S+ \d{4}/);
  t.notMatch(item('.provenance').text(), /Adresse collectée/, 'no harvested address');
  t.match(item('.summary').text(), /تقرير حول نزاهة الجماعات الترابية/, 'the other language\'s title');
  const download = await bed.app.inject({ url: `/deposits/${id}/document.pdf` });
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], 'application/pdf');
  t.match(download.headers['content-disposition'], /^attachment; filename="rapport-probite\.pdf"; filename\*=UTF-8''rapport-probit%C3%A9\.pdf$/);
  t.equal(download.headers['x-content-type-options'], 'nosniff');
  t.match(download.headers['content-security-policy'], /^sandbox; default-src 'none'/);
  t.ok(download.rawPayload.equals(goodPdf), 'the same bytes');
  const actions = bed.store.users.auditLog(30).entries.filter((e) => e.target === `deposit:${id}`).map((e) => e.action);
  t.same(actions.reverse(), ['deposit_submit', 'deposit_reject', 'deposit_edit', 'deposit_approve']);
});

t.test('an edit of a published deposit is a new version; withdrawal keeps the history', async (t) => {
  const id = reviewed;
  const itemId = bed.store.deposits.get(id)!.item_id!;
  const other = await makePdf({ title: 'v2', pages: ['Rapport corrigé, deuxième version.', 'Le mot xylophonique reste.'] });
  const csrf = (await focal.get(`/admin/partner/deposits/${id}/edit`)).$('input[name=csrf]').val() as string;
  t.equal((await focal.upload(`/admin/partner/deposits/${id}`, { csrf, ...FIELDS, title_fr: 'Rapport corrigé sur la probité' }, { name: 'v2.pdf', bytes: other })).status, 303);
  t.equal(JSON.parse((await bed.app.inject({ url: `/api/items/${itemId}` })).body).title, FIELDS.title_fr, 'the published version stays online while the edit waits');
  const page = await admin.get(`/admin/deposits/${id}`);
  await admin.post(`/admin/deposits/${id}/review`, { csrf: page.$('input[name=csrf]').first().val() as string, revision: '3', action: 'approve' });
  const changed = JSON.parse((await bed.app.inject({ url: `/api/items/${itemId}` })).body);
  t.equal(changed.title, 'Rapport corrigé sur la probité');
  t.same(changed.versions.map((v: { event: string }) => v.event), ['new', 'changed']);
  t.ok((await bed.app.inject({ url: `/deposits/${id}/document.pdf` })).rawPayload.equals(other), 'the new file is served');

  // Withdraw: not without confirming, not for another partner; then the item is gone, its history kept.
  const token = await focal.token(`/admin/partner/deposits/${id}`);
  await focal.post(`/admin/partner/deposits/${id}/withdraw`, { csrf: token });
  t.equal(bed.store.deposits.get(id)!.withdrawn_at, null, 'the confirmation box is required');
  t.equal((await gammaFocal.post(`/admin/partner/deposits/${id}/withdraw`, { csrf: await gammaFocal.token('/admin/partner'), confirm: '1' })).status, 404, "another partner's focal point cannot");
  t.equal((await focal.post(`/admin/partner/deposits/${id}/withdraw`, { csrf: token, confirm: '1' })).status, 303);
  const withdrawn = bed.store.deposits.get(id)!;
  t.ok(withdrawn.withdrawn_at);
  t.same(withdrawn.revisions.map((r) => r.status), ['rejected', 'approved', 'approved'], 'every revision is kept');
  t.equal((await apiItems('partner=alpha&per_page=100')).items.some((i) => i.id === itemId), false, 'out of the listings');
  t.equal((await apiItems('q=xylophonique')).total, 0, 'out of search');
  const gone = JSON.parse((await bed.app.inject({ url: `/api/items/${itemId}` })).body);
  t.ok(gone.gone_since);
  t.same(gone.versions.map((v: { event: string }) => v.event), ['new', 'changed', 'gone'], 'the history shows the withdrawal');
  const item = load((await bed.app.inject({ url: `/fr/items/${itemId}`, headers: BROWSER })).body);
  t.match(item('.notice-warn').text(), /L'institution a retiré ce document le/);
  t.match(item('.versions').text(), /Retiré par le partenaire/);
  t.equal((await bed.app.inject({ url: `/deposits/${id}/document.pdf` })).statusCode, 404, 'no longer downloadable by the public');
  const own = await focal.get(`/admin/partner/deposits/${id}/revisions/1/document.pdf`);
  t.equal(own.status, 200, 'the focal point still has its files');
  t.equal(own.headers['content-disposition'], `attachment; filename="rapport-probite.pdf"; filename*=UTF-8''rapport-probit%C3%A9.pdf`);
  t.equal((await focal.get(`/admin/partner/deposits/${id}/edit`)).status, 303, 'a withdrawn deposit is not edited');
  t.match(bed.store.users.auditLog(5).entries.map((e) => e.action).join(' '), /deposit_withdraw/);
});

t.test('a link deposit, and a partner that publishes without review', async (t) => {
  const before = bed.store.stats.indicators(new Date());
  t.equal(before.contributing_deposited, 0);
  const sent = await deposit(gammaFocal, undefined, { kind: 'link', link: 'https://gamma.example/etude.pdf', title_fr: 'Étude sur la transparence associative', type: 'publications/study' });
  t.equal(sent.status, 303);
  t.match(sent.headers.location, /notice=published/);
  const id = depositId(sent.headers.location);
  const d = bed.store.deposits.get(id)!;
  t.match(d.latest, { status: 'approved', reviewed_by: '(no review)', kind: 'link' });
  const item = JSON.parse((await bed.app.inject({ url: `/api/items/${d.item_id}` })).body);
  t.match(item, { source: 'deposit', partner: 'gamma', url: 'https://gamma.example/etude.pdf', doc_type: 'study', published_at: '2025-09-15' });
  t.match(bed.store.users.auditLog(3).entries.map((e) => e.action).join(' '), /deposit_published/);
  // The indicators count gamma, which only deposits, among the contributing organisations.
  const after = bed.store.stats.indicators(new Date());
  t.equal(after.contributing, before.contributing + 1);
  t.equal(after.contributing_deposited, 1);
  t.equal(after.contributing_harvested, before.contributing_harvested);
  const page = load((await bed.app.inject({ url: '/fr/indicators', headers: BROWSER })).body);
  t.match(page("main").text(), new RegExp(`Organisations contributrices\\s*${after.contributing}`));
  // A javascript: link or a date in the future is refused.
  for (const [fields, message] of [
    [{ kind: 'link', link: 'javascript:alert(1)' }, /adresse complète/],
    [{ kind: 'link', link: 'https://gamma.example/x', date: '2999-01-01' }, /futur/],
    [{ kind: 'link', link: 'https://gamma.example/x', title_fr: '', title_ar: '' }, /une langue au moins/],
    [{ kind: 'link', link: 'https://gamma.example/x', type: 'news/report' }, /rubrique et le type/],
  ] as const) {
    const refused = await deposit(gammaFocal, undefined, fields, '/admin/partner/deposits?lang=fr');
    t.equal(refused.status, 400);
    t.match(refused.$('.error-summary').text(), message);
  }
});

t.test('CSRF: a deposit without the session token is refused and its file never read', async (t) => {
  const count = bed.store.deposits.listByPartner('alpha').length;
  const files = bed.store.files.list().length;
  const response = await focal.upload('/admin/partner/deposits', { csrf: 'forged', ...FIELDS }, { name: 'x.pdf', bytes: goodPdf });
  t.equal(response.status, 403);
  // The token after the file: the file part is skipped, not stored.
  const csrf = await focal.token('/admin/partner/deposits/new');
  const late = await focal.request('POST', '/admin/partner/deposits', undefined, lateToken(csrf));
  t.equal(late.status, 403);
  t.equal(bed.store.deposits.listByPartner('alpha').length, count);
  t.equal(bed.store.files.list().length, files);
});

function lateToken(csrf: string) {
  const boundary = '----late';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    Buffer.from('%PDF-1.4 whatever'),
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${csrf}\r\n--${boundary}--\r\n`),
  ]);
  return { payload, contentType: `multipart/form-data; boundary=${boundary}` };
}

t.test('the demo prepares a focal point with a pending deposit', async (t) => {
  const { prepareDemoFocalPoint } = await import('../../demo/focal.ts');
  const { verifyPassword } = await import('../../publisher/admin/passwords.ts');
  const { writeConfig, loadTestConfig } = await import('../helpers/config.ts');
  const settings = loadTestConfig(writeConfig({ ...SEED_CONFIG, partners: [...SEED_CONFIG.partners, { id: 'mtnra', sources: [] }] }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-demo-focal-'));
  const { openStore } = await import('../../store/index.ts');
  const store = openStore(path.join(dir, 'portal.db'));
  t.teardown(() => store.close());
  store.syncConfig(settings, new Date().toISOString());
  const first = await prepareDemoFocalPoint(store, settings);
  t.match(store.users.get(first.name), { role: 'partner', partner_id: 'mtnra' });
  t.ok(await verifyPassword(first.password, store.users.get(first.name)!.password_hash), 'the printed password works');
  const deposits = store.deposits.listByPartner('mtnra');
  t.equal(deposits.length, 1);
  t.equal(deposits[0]!.latest.status, 'pending');
  t.ok(deposits[0]!.latest.pages! >= 3 && store.files.has(deposits[0]!.latest.file_hash!), 'a real PDF, read like any deposit');
  const again = await prepareDemoFocalPoint(store, settings);
  t.not(again.password, first.password, 'a new password at every start');
  t.equal(store.deposits.listByPartner('mtnra').length, 1, 'still one deposit');
});

t.test("the focal point's freshness page: each source's last error in plain words, and what to do", async (t) => {
  const source = bed.store.listSources({ sources: ['alpha/reports'] })[0]!;
  const now = new Date().toISOString();
  for (let i = 0; i < 3; i++) {
    const runPk = bed.store.startRun('test', now);
    const current = bed.store.listSources({ sources: ['alpha/reports'] })[0]!;
    bed.store.commitHarvest({
      runPk,
      source: current,
      plan: null,
      outcome: { status: 'failed', startedAt: now, durationMs: 3, itemsFound: 0, itemsNew: 0, itemsChanged: 0, itemsGone: 0, itemsDropped: 0, httpStatus: 404, error: { code: 'http_status', message: 'the server answered 404 Not Found' }, warnings: [] },
      state: { attemptAt: now, success: false, changed: false, consecutiveFailures: current.consecutiveFailures + 1, nextAttemptAt: null },
      now,
    });
  }
  t.equal(bed.store.listSources({ sources: ['alpha/reports'] })[0]!.consecutiveFailures, source.consecutiveFailures + 3);
  const page = await focal.get('/admin/partner?lang=fr');
  const reports = page.$('#source-reports').closest('section');
  t.match(reports.find('.status').text(), /Collecte en échec/);
  t.match(reports.find('.notice-warn').text(), /Ce qui se passe : Votre site a répondu par une erreur \(page introuvable, accès refusé ou panne du serveur\)\. \(3 échecs de suite/);
  t.match(reports.find('.notice-warn').text(), /Que faire : Ouvrez l'adresse ci-dessus dans un navigateur/);
  t.match(reports.find('.notice-warn').text(), /http_status \(HTTP 404\): the server answered 404 Not Found/, 'the technical detail for the webmaster');
  t.match(page.$('main').text(), /En retard|Le portail n'a vu aucun nouveau contenu depuis le 1 juin 2025/, 'and how late the institution is');
  const arabic = await focal.get('/admin/partner?lang=ar');
  t.match(arabic.$('#source-reports').closest('section').find('.notice-warn').text(), /رد موقعكم برسالة خطأ/);
});

t.test('an administrator creates and removes a focal point from the admin area', async (t) => {
  const page = await admin.get('/admin/users?lang=fr');
  const csrf = page.$('input[name=csrf]').first().val() as string;
  const base = { csrf, name: 'nadia.focal', role: 'partner', partner: 'beta', password: 'a long enough password', password2: 'a long enough password' };
  const refusals: Array<[Record<string, string>, RegExp]> = [
    [{ partner: '' }, /Choisissez l'institution/],
    [{ partner: 'nope' }, /Choisissez l'institution/],
    [{ password2: 'another long password' }, /ne sont pas identiques/],
    [{ password: 'short', password2: 'short' }, /de 12 à 200 caractères/],
    [{ name: 'a b' }, /identifiant doit compter/],
    [{ name: 'samira' }, /existe déjà/],
  ];
  for (const [change, message] of refusals) {
    const refused = await admin.post('/admin/users?lang=fr', { ...base, ...change });
    t.equal(refused.status, 400);
    t.match(refused.$('.error-summary').text(), message);
  }
  t.equal(bed.store.users.get('nadia.focal'), undefined);
  const created = await admin.post('/admin/users', base);
  t.equal(created.status, 303);
  t.match(bed.store.users.get('nadia.focal'), { role: 'partner', partner_id: 'beta' });
  t.match((await admin.get(created.headers.location as string)).$('.notice-ok').text(), /nadia\.focal/);
  // The notice needs the redirect's signature: a link with a name alone says nothing (an attacker's review).
  t.equal((await admin.get('/admin/users?added=reconnectez-vous.sur.portail-integrite.ma')).$('.notice-ok').length, 0);
  t.equal((await admin.get(`/admin/users?added=other.name&n=${new URL(created.headers.location as string, 'http://x').searchParams.get('n')}`)).$('.notice-ok').length, 0, "another name with the first one's signature");
  const nadia = new Browser(bed, '10.18.0.9');
  t.equal((await nadia.login('nadia.focal')).status, 303);
  t.match((await nadia.get('/admin/partner?lang=fr')).$('h1').text(), /Ministère Beta/, 'bound to beta');
  t.equal((await admin.post('/admin/users/amina/remove', { csrf })).status, 400, 'an administrator does not remove itself');
  const removed = await admin.post('/admin/users/nadia.focal/remove', { csrf });
  t.equal(removed.status, 303);
  t.match((await admin.get(removed.headers.location as string)).$('.notice-ok').text(), /nadia\.focal/);
  t.equal((await admin.get('/admin/users?removed=amina')).$('.notice-ok').length, 0, 'an unsigned "removed" says nothing');
  t.equal(bed.store.users.get('nadia.focal'), undefined);
  t.equal((await nadia.get('/admin/partner')).status, 302, 'its session ended with the account');
  const actions = bed.store.users.auditLog(10).entries.map((e) => `${e.action} ${e.target}`);
  t.ok(actions.includes('user_add nadia.focal') && actions.includes('user_remove nadia.focal'), 'both in the audit log');
});
