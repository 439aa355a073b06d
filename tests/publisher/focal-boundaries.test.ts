// The focal point's boundaries, route by route, from the app's own route list: a partner's focal
// point reaches its own institution's pages and nothing else of the admin area (users, settings,
// other partners, the review queue, reminders, exports…), gets 404 for another partner's deposit
// at every deposit address, changes nothing where it is refused, and gains nothing on the public
// site over an anonymous visitor. A new admin route fails this test until it is classified here.
import t from 'tap';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { Browser, PASSWORD } from '../helpers/admin-browser.ts';
import { BROWSER, makeApp, SEED_CONFIG } from '../helpers/app.ts';
import { depositItem } from '../../harvester/deposit-item.ts';

const bed = await makeApp({ config: { ...SEED_CONFIG, partners: SEED_CONFIG.partners.map((p) => ({ ...p, contacts: [{ name: 'Contact', email: `focal@${p.id}.example`, languages: ['fr'] }] })) } });
t.teardown(() => bed.close());
const hash = await hashPassword(PASSWORD);
const now = new Date().toISOString();
bed.store.users.add('amina', 'admin', hash, now);
bed.store.users.add('karim', 'editor', hash, now);
bed.store.users.add('samira', 'partner', hash, now, 'alpha');
bed.store.users.add('omar', 'partner', hash, now, 'beta');

const publish = { review: true, baseUrl: 'https://portal.example', maxTextChars: 100_000, makeItem: depositItem };
const fields = (title: string) => ({ titles: { fr: title }, description: '', section: 'publications' as const, docType: 'report' as const, language: 'fr' as const, documentDate: '2025-01-01', kind: 'file' as const, file: null, linkUrl: null });
const pdf = Buffer.from('%PDF-1.4 stored for the boundaries test');
const fileHash = await bed.store.files.put(pdf);
const withFile = (title: string) => ({ ...fields(title), file: { hash: fileHash, name: 'beta.pdf', size: pdf.length, text: 'texte', pages: 1, scanned: false, note: null } });
// Beta's deposits: one waiting (its title must never reach alpha's focal point), one published.
const betaPending = bed.store.deposits.create('beta', 'omar', withFile('Note confidentielle de Beta en attente'), now, publish);
const betaPublished = bed.store.deposits.create('beta', 'omar', withFile('Rapport publié de Beta'), now, publish);
bed.store.deposits.approve(betaPublished, 1, 'amina', now, publish);
const alphaDeposit = bed.store.deposits.create('alpha', 'samira', withFile('Rapport déposé par Alpha'), now, publish);
const suggestion = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Une suggestion', name: 'Nadia', email: 'nadia@example.ma' }, now);
const reminder = bed.store.reminders.record({ kind: 'partner', partner: 'beta', period: null, status: 'not_sent', reasons: {}, messages: [{ to: 'focal@beta.example', name: 'Contact', language: 'fr', subject: 'Rappel Beta', text: 'x', html: '<p>x</p>', outcome: 'not_sent' }] }, now);
const alphaItem = bed.store.items.list({ partner: 'alpha' }, 1, 1).items[0]!.id;

/** Everything a refused request must leave as it was. */
const snapshot = () =>
  JSON.stringify({
    users: bed.store.users.list().map((u) => [u.name, u.role, u.partner_id]),
    deposits: bed.store.deposits.list().map((d) => [d.id, d.withdrawn_at, d.latest.n, d.latest.status, d.live?.n ?? null]),
    suggestion: bed.store.suggestions.get(suggestion),
    reminders: bed.store.reminders.list().length,
    items: bed.store.items.count(true),
  });

/** The focal point's own area; every other admin route refuses it. */
const FOCAL = new Set([
  'GET /admin/partner',
  'GET /admin/partner/items',
  'GET /admin/partner/deposits',
  'GET /admin/partner/deposits/new',
  'POST /admin/partner/deposits',
  'GET /admin/partner/deposits/:id',
  'GET /admin/partner/deposits/:id/edit',
  'POST /admin/partner/deposits/:id',
  'POST /admin/partner/deposits/:id/withdraw',
  'GET /admin/partner/deposits/:id/revisions/:n/document.pdf',
]);
/** Signing in and out, and the entry that sends each role to its home. */
const OPEN = new Set(['GET /admin', 'GET /admin/login', 'POST /admin/login', 'POST /admin/logout']);
/** Administrators' routes and the editors' (suggestions, exports): refused to a focal point. */
const REFUSED = new Set([
  'GET /admin/freshness',
  'GET /admin/freshness.csv',
  'GET /admin/freshness.json',
  'GET /admin/partners/:id',
  'POST /admin/harvest',
  'GET /admin/jobs/:id',
  'GET /admin/test-source',
  'POST /admin/test-source',
  'GET /admin/suggestions',
  'GET /admin/suggestions.csv',
  'GET /admin/suggestions/:id',
  'POST /admin/suggestions/:id',
  'GET /admin/indicators',
  'GET /admin/audit',
  'GET /admin/config',
  'GET /admin/deposits',
  'GET /admin/deposits/:id',
  'POST /admin/deposits/:id/review',
  'GET /admin/deposits/:id/revisions/:n/document.pdf',
  'GET /admin/users',
  'POST /admin/users',
  'POST /admin/users/:name/remove',
  'GET /admin/reminders',
  'POST /admin/reminders/check',
  'GET /admin/reminders/:id',
  'GET /admin/reminders/:id/messages/:file',
]);

const routes = bed.app.routeList.map((r) => `${r.method} ${r.url}`);
const adminRoutes = routes.filter((r) => r.split(' ')[1]!.startsWith('/admin'));

/** A concrete address for a route, aimed at another partner's things wherever there is an id. */
function concrete(route: string): string {
  const url = route.split(' ')[1]!;
  return url
    .replace('/static/*', '/static/portal.css')
    .replace(':lang', 'fr')
    .replace(':section', 'publications')
    .replace(/\/partners\/:id/, '/partners/beta')
    .replace(/\/items\/:id/, `/items/${alphaItem}`)
    .replace(/\/deposits\/:id/, `/deposits/${betaPending}`)
    .replace(/\/suggestions\/:id/, `/suggestions/${suggestion}`)
    .replace(/\/reminders\/:id/, `/reminders/${reminder}`)
    .replace(':file', '0.html')
    .replace(':n', '1')
    .replace(':name', 'amina')
    .replace(/\/go\/:id/, '/go/tabligh-fassad')
    .replace(/:[a-z]+/g, 'x');
}

const focal = new Browser(bed, '10.19.0.1');
const signedIn = await focal.login('samira');
const csrf = await focal.token('/admin/partner');
// Asserted only once nothing more is awaited at the top level: after t.teardown, tap ends a file's
// root test when it is idle for two timer ticks, and an assertion followed by a slow await (a
// loaded machine) ended it before the subtests below were created: they never ran, and the file
// passed with one assertion.
t.equal(signedIn.status, 303);

t.test('every admin route is classified', async (t) => {
  t.same(adminRoutes.filter((r) => !FOCAL.has(r) && !OPEN.has(r) && !REFUSED.has(r)), [], 'a new admin route must be added to FOCAL, OPEN or REFUSED');
  t.ok(adminRoutes.length >= 36, `${adminRoutes.length} admin routes`);
});

t.test('a focal point is refused every administrator and editor route, and changes nothing there', async (t) => {
  const form = { csrf, action: 'approve', revision: '1', reason: 'x', name: 'intrus', role: 'admin', partner: 'beta', password: 'a long enough password', password2: 'a long enough password', scope: 'partner:beta', source: 'beta/stats', yaml: '' };
  for (const route of REFUSED) {
    const before = snapshot();
    const [method] = route.split(' ') as ['GET' | 'POST'];
    const response = method === 'GET' ? await focal.get(concrete(route)) : await focal.post(concrete(route), form);
    t.equal(response.status, 403, `${route}: 403`);
    t.notMatch(response.body, /Note confidentielle de Beta|nadia@example\.ma|focal@beta\.example|Rappel Beta/, `${route}: shows nothing of others`);
    t.equal(snapshot(), before, `${route}: nothing changed`);
  }
  t.equal(bed.store.users.get('intrus'), undefined, 'no account was created');
});

t.test("another partner's deposit answers 404 at every deposit address", async (t) => {
  const form = { csrf, confirm: '1', title_fr: 'Détourné', type: 'publications/report', language: 'fr', date: '2025-01-01', kind: 'link', link: 'https://evil.example/' };
  for (const route of [...FOCAL].filter((r) => r.includes(':id'))) {
    const before = snapshot();
    for (const target of [betaPending, betaPublished, 'ffffffffffff', '../../etc']) {
      const url = concrete(route).replace(betaPending, target);
      const response = route.startsWith('GET') ? await focal.get(url) : await focal.post(url, form);
      t.equal(response.status, 404, `${route} with ${target}: 404`);
      t.notMatch(response.body, /Note confidentielle de Beta|Rapport publié de Beta/);
    }
    t.equal(snapshot(), before, `${route}: nothing changed`);
  }
});

t.test('its own area shows only its institution', async (t) => {
  for (const route of FOCAL) {
    if (!route.startsWith('GET')) continue;
    const url = concrete(route).replace(betaPending, alphaDeposit);
    const response = await focal.get(url);
    t.ok([200, 404].includes(response.status) && !(route.includes('document.pdf') && response.status !== 200), `${route}: ${response.status}`);
    if (String(response.headers['content-type']).startsWith('text/html')) {
      t.notMatch(response.body, /Beta|Bêta|بيتا/, `${route}: nothing of another partner`);
      t.match(response.$('.admin-user').text(), /samira/);
      t.same(response.$('.admin-bar nav a').map((_, a) => response.$(a).attr('href')).get().filter((h) => h.startsWith('/admin')), ['/admin/partner', '/admin/partner/items', '/admin/partner/deposits'], `${route}: its navigation only`);
    }
  }
  // The partner is the session's: a partner named in the address or the query is ignored.
  const items = await focal.get('/admin/partner/items?partner=beta');
  t.ok(items.$('tbody tr').length > 0);
  t.notMatch(items.$('tbody').text(), /Statistiques de la corruption|Vidéo/, "beta's items are not listed");
  t.equal((await focal.get('/admin/partners/alpha')).status, 403, 'not even the administrators\' page of its own partner');
  // /admin sends it to its own area.
  t.equal((await focal.get('/admin')).headers.location, '/admin/partner');
  // A deposit lands at its own partner, whatever the form says.
  const sent = await focal.post('/admin/partner/deposits', { csrf, partner: 'beta', title_fr: 'Dépôt Alpha', type: 'publications/report', language: 'fr', date: '2025-01-01', kind: 'link', link: 'https://alpha.example/r.pdf' });
  t.equal(sent.status, 303);
  const id = /deposits\/([0-9a-f]{12})/.exec(String(sent.headers.location))![1]!;
  t.equal(bed.store.deposits.get(id)!.partner, 'alpha');
});

t.test('on the public site a focal point gains nothing over an anonymous visitor', async (t) => {
  const publicRoutes = routes.filter((r) => !r.split(' ')[1]!.startsWith('/admin'));
  t.ok(publicRoutes.length >= 20, `${publicRoutes.length} public routes`);
  for (const route of publicRoutes) {
    const [method] = route.split(' ') as ['GET' | 'POST'];
    for (const url of route.includes('/deposits/:id') ? [concrete(route), concrete(route).replace(betaPending, betaPublished), concrete(route).replace(betaPending, alphaDeposit)] : [concrete(route)]) {
      const payload = method === 'POST' ? 'message=Bonjour%20le%20portail&csrf=x' : undefined;
      const headers = { ...BROWSER, ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
      const anonymous = await bed.app.inject({ method, url, headers, payload, remoteAddress: '10.19.1.1' });
      const asFocal = await bed.app.inject({ method, url, headers: { ...headers, cookie: focal.cookie }, payload, remoteAddress: '10.19.1.2' });
      t.equal(asFocal.statusCode, anonymous.statusCode, `${method} ${url}: ${anonymous.statusCode} either way`);
      t.notMatch(asFocal.body, /Note confidentielle de Beta|Rapport déposé par Alpha/, `${method} ${url}: no deposit waiting for review`);
    }
  }
  t.equal((await bed.app.inject({ url: `/deposits/${betaPublished}/document.pdf` })).statusCode, 200, 'a published deposit is public');
  t.equal((await bed.app.inject({ url: `/deposits/${alphaDeposit}/document.pdf`, headers: { cookie: focal.cookie } })).statusCode, 404, 'its own pending one is not, even to its focal point');
});

t.test('an editor and an anonymous visitor are refused the new routes too', async (t) => {
  const editor = new Browser(bed, '10.19.2.1');
  await editor.login('karim');
  const token = await editor.token();
  for (const route of [...FOCAL, ...[...REFUSED].filter((r) => /deposits|users|reminders/.test(r))]) {
    const [method] = route.split(' ') as ['GET' | 'POST'];
    const url = concrete(route);
    const response = method === 'GET' ? await editor.get(url) : await editor.post(url, { csrf: token, action: 'approve', revision: '1' });
    t.equal(response.status, 403, `editor ${route}`);
    const anonymous = await bed.app.inject({ method, url, headers: BROWSER, remoteAddress: '10.19.2.2' });
    t.equal(anonymous.statusCode, 302, `anonymous ${route}`);
    t.match(String(anonymous.headers.location), /^\/admin\/login/);
  }
});
