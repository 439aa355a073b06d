// The suggestions form: CSRF, honeypot, limits, errors tied to fields that keep what was typed,
// the rate limit, the privacy notice, and published answers.
import { load } from 'cheerio';
import t from 'tap';
import { BROWSER, makeApp } from '../helpers/app.ts';

async function form(app: Awaited<ReturnType<typeof makeApp>>['app'], lang = 'fr', query = '') {
  const response = await app.inject({ url: `/${lang}/suggestions${query}`, headers: BROWSER });
  const $ = load(response.body);
  return { $, token: $('input[name=csrf]').val() as string, status: response.statusCode };
}

function post(app: Awaited<ReturnType<typeof makeApp>>['app'], fields: Record<string, string>, lang = 'fr', ip = '10.0.0.1') {
  return app.inject({
    method: 'POST',
    url: `/${lang}/suggestions`,
    headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
    remoteAddress: ip,
  });
}

t.test('the form: fields, labels, privacy notice, warning', async (t) => {
  const bed = await makeApp();
  const { $, token, status } = await form(bed.app, 'fr', '?about=/fr/items/0123456789abcdef');
  t.equal(status, 200);
  t.ok(token.length > 20);
  for (const id of ['field-message', 'field-name', 'field-email', 'field-topic']) t.equal($(`label[for=${id}]`).length, 1, `${id} has a label`);
  t.equal($('input[name=about]').val(), '/fr/items/0123456789abcdef');
  t.match($('.privacy').text(), /loi 09-08/);
  t.match($('.privacy').text(), /30 jours/);
  t.match($('.notice-important').text(), /N'écrivez ici ni signalement/);
  t.equal($('.honeypot input[name=website]').attr('tabindex'), '-1');
  const evil = await form(bed.app, 'fr', '?about=https://evil.example/');
  t.equal(evil.$('input[name=about]').length, 0, 'only pages of the portal can be referenced');
  await bed.close();
});

t.test('a valid suggestion is stored with the page language and reference, then thanked', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app, 'ar');
  const response = await post(bed.app, { csrf: token, message: 'اقتراح: إضافة تقارير المجالس الجهوية للحسابات', name: 'سعاد', email: 'souad@example.ma', topic: 'content', about: '/ar/publications' }, 'ar');
  t.equal(response.statusCode, 303);
  t.equal(response.headers.location, '/ar/suggestions?sent=1');
  const [stored] = bed.store.suggestions.list().items;
  t.match(stored, { language: 'ar', page_ref: '/ar/publications', topic: 'content', name: 'سعاد', email: 'souad@example.ma', status: 'new' });
  const thanks = await bed.app.inject({ url: '/ar/suggestions?sent=1', headers: BROWSER });
  t.match(load(thanks.body)('.notice-ok').text(), /شكرا/);
  await bed.close();
});

t.test('anti-forgery: a missing, wrong, expired or foreign token is refused', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app);
  for (const csrf of ['', 'forged', `${token}x`, token.replace(/^[^.]+/, '1')]) {
    const response = await post(bed.app, { csrf, message: 'Un message assez long pour passer.' });
    t.equal(response.statusCode, 403, `token ${JSON.stringify(csrf.slice(0, 12))}`);
    t.match(load(response.body)('.error-summary').text(), /formulaire a expiré/);
    t.equal(load(response.body)('textarea[name=message]').text(), 'Un message assez long pour passer.', 'what was typed is kept');
  }
  const crossSite = await bed.app.inject({
    method: 'POST',
    url: '/fr/suggestions',
    headers: { ...BROWSER, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: token, message: 'Un message assez long pour passer.' }).toString(),
  });
  t.equal(crossSite.statusCode, 403, 'a post from another site is refused');
  t.equal(bed.store.suggestions.list().total, 0);
  await bed.close();
});

t.test('validation: errors tied to their fields, values kept, nothing stored', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app);
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ message: '' }, 'message', /Écrivez votre message/],
    [{ message: 'court' }, 'message', /trop court/],
    [{ message: 'x'.repeat(5001) }, 'message', /trop long/],
    [{ message: 'Un message correct.', email: 'not-an-email' }, 'email', /courriel n'est pas valide/],
    [{ message: 'Un message correct.', name: 'n'.repeat(101) }, 'name', /nom est trop long/],
    [{ message: 'Un message correct.', topic: 'hacking' }, 'topic', /Choisissez un sujet/],
    [{ message: 'Un message\u0000 avec un caractère de contrôle.' }, 'form', /caractères invalides/],
    [{ message: 'Un message avec \ufffd des octets invalides.' }, 'form', /caractères invalides/],
  ];
  for (const [index, [fields, field, message]] of cases.entries()) {
    // One client per case: the rate limit counts refused posts too.
    const response = await post(bed.app, { csrf: token, ...fields }, 'fr', `10.0.1.${index}`);
    t.equal(response.statusCode, 400, JSON.stringify(fields).slice(0, 60));
    const $ = load(response.body);
    t.match($('.error-summary').text(), message);
    t.match($('title').text(), /^Erreur \(1 à corriger\) – Avis et suggestions/, 'the page title says it first, for screen readers');
    if (field !== 'form') {
      t.equal($(`#field-${field}`).attr('aria-invalid'), 'true', `${field} is marked invalid`);
      t.match($(`#field-${field}`).attr('aria-describedby') ?? '', new RegExp(`error-${field}`), `${field} points at its error`);
      t.equal($(`.error-summary a[href="#field-${field}"]`).length, 1);
    }
    if (fields.email) t.equal($('#field-email').val(), fields.email, 'the email typed is kept');
  }
  // Invalid UTF-8 in the body is decoded to U+FFFD and refused.
  const raw = await bed.app.inject({
    method: 'POST',
    url: '/fr/suggestions',
    headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `csrf=${encodeURIComponent(token)}&message=Bonjour%20%C3%28%20monde%20entier`,
    remoteAddress: '10.0.2.1',
  });
  t.equal(raw.statusCode, 400);
  t.equal(bed.store.suggestions.list().total, 0);
  await bed.close();
});

t.test('the honeypot: a robot is thanked and nothing is kept', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app);
  const response = await post(bed.app, { csrf: token, message: 'Buy cheap things here now!', website: 'http://spam.example' });
  t.equal(response.statusCode, 303);
  t.equal(bed.store.suggestions.list().total, 0);
  await bed.close();
});

t.test('a flood from one client is rate limited with 429; others are not', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app);
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await post(bed.app, { csrf: token, message: `Suggestion numéro ${i} assez longue` }, 'fr', '10.9.9.9')).statusCode);
  t.same(statuses, [303, 303, 303, 303, 303, 429, 429]);
  const limited = await post(bed.app, { csrf: token, message: 'encore une suggestion' }, 'fr', '10.9.9.9');
  t.match(load(limited.body)('.error-summary').text(), /Vous avez déjà envoyé 5 messages/);
  t.equal((await post(bed.app, { csrf: token, message: 'Une autre personne écrit.' }, 'fr', '10.1.1.1')).statusCode, 303);
  t.equal(bed.store.suggestions.list().total, 6);
  await bed.close();
});

t.test('bidi overrides and isolates are dropped from what a visitor sends (operators read it)', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app);
  const sent = await post(
    bed.app,
    { csrf: token, message: 'Voir le fichier \u202egnp.exe joint\u2029fin', name: '\u2067Ami\u200bna\u2069 \u061cSupport\ufeff\u00ad', email: 'a\u200b@example.ma', about: '/fr/\u202egnp.exe' },
    'fr',
    '10.4.4.4',
  );
  t.equal(sent.statusCode, 303);
  const stored = bed.store.suggestions.list().items[0]!;
  t.equal(stored.message, 'Voir le fichier gnp.exe joint fin');
  t.equal(stored.name, 'Amina Support', 'no zero-width space, letter mark, BOM or soft hyphen: a name cannot pass for another');
  t.equal(stored.page_ref, '/fr/gnp.exe', 'nor in the page it is about');
  t.equal(stored.email, 'a@example.ma');
  await bed.close();
});

t.test('the limit counts an IPv6 client by its /64: fresh addresses of one subscriber do not reset it', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app);
  const statuses: number[] = [];
  for (let i = 1; i <= 7; i++) statuses.push((await post(bed.app, { csrf: token, message: `Suggestion numéro ${i} assez longue` }, 'fr', `2001:db8:1:2::${i.toString(16)}`)).statusCode);
  t.same(statuses, [303, 303, 303, 303, 303, 429, 429], 'seven addresses of one /64 are one client');
  t.equal((await post(bed.app, { csrf: token, message: 'Une autre personne écrit.' }, 'fr', '2001:db8:1:3::1')).statusCode, 303, 'another /64 is another client');
  await bed.close();
});

t.test('answers that operators publish are listed', async (t) => {
  const bed = await makeApp();
  const id = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Ajoutez les rapports de 2010.', name: null, email: null }, '2025-01-01T00:00:00.000Z');
  const hidden = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Message non publié', name: null, email: null }, '2025-01-02T00:00:00.000Z');
  bed.store.suggestions.answer(id, 'Merci, ils sont en ligne.', true, 'admin', '2025-01-03T00:00:00.000Z');
  bed.store.suggestions.answer(hidden, 'Réponse privée.', false, 'admin', '2025-01-03T00:00:00.000Z');
  const $ = load((await bed.app.inject({ url: '/fr/suggestions', headers: BROWSER })).body);
  t.equal($('.answer-card').length, 1);
  t.match($('.answer-card').text(), /Merci, ils sont en ligne/);
  t.notMatch($.text(), /Réponse privée/);
  await bed.close();
});

t.test('a malformed or foreign Origin on any form is a 403 with a clear page, never a 500', async (t) => {
  const bed = await makeApp();
  const { token } = await form(bed.app);
  const id = bed.store.suggestions.add({ language: 'fr', pageRef: null, topic: null, message: 'Une suggestion.', name: null, email: null }, new Date().toISOString());
  const origins = [
    'http://[::1',
    'https://',
    '::::',
    'null',
    '%zz',
    'https://evil.example',
    'https://portal.example.evil.example',
    'http://portal.example',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'ftp://portal.example',
    'https://portal.example:99999',
    `https://${'a'.repeat(5000)}.example`,
  ];
  const statuses = new Map<string, number>();
  for (const url of ['/fr/suggestions', '/ar/suggestions', '/admin/login', '/admin/logout', `/admin/suggestions/${id}`, '/fr/no-such-form']) {
    for (const origin of origins) {
      const response = await bed.app.inject({
        method: 'POST',
        url,
        headers: { ...BROWSER, origin, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf: token, message: 'Un message assez long pour passer.' }).toString(),
        remoteAddress: '10.3.3.3',
      });
      statuses.set(`${response.statusCode}`, (statuses.get(`${response.statusCode}`) ?? 0) + 1);
      if (response.statusCode !== 403) t.fail(`${url} with Origin ${origin.slice(0, 40)}: ${response.statusCode}`);
    }
  }
  t.same([...statuses], [['403', 6 * origins.length]], 'every one refused with 403');
  const page = await bed.app.inject({
    method: 'POST',
    url: '/fr/suggestions',
    headers: { ...BROWSER, origin: 'http://[::1', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: token, message: 'Un message assez long pour passer.' }).toString(),
  });
  const $ = load(page.body);
  t.equal($('h1').text(), 'Demande refusée');
  t.match($('main').text(), /envoyé depuis un autre site/);
  t.notMatch(page.body, /TypeError|Invalid URL|at .*\.ts:\d+/, 'no stack trace');
  const fetchSite = await bed.app.inject({
    method: 'POST',
    url: '/fr/suggestions',
    headers: { ...BROWSER, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: token, message: 'Un message assez long pour passer.' }).toString(),
  });
  t.equal(fetchSite.statusCode, 403, 'Sec-Fetch-Site: cross-site is refused too');
  t.equal(bed.store.suggestions.list().total, 1, 'nothing was stored');
  t.equal(bed.store.suggestions.get(id)!.status, 'new', 'nothing was changed');
  // The portal's own pages: its base_url, or the address the request was sent to.
  for (const [origin, host, ip] of [
    ['https://portal.example', 'backend:3000', '10.4.0.1'],
    ['http://portal.internal:3000', 'portal.internal:3000', '10.4.0.2'],
    ['http://localhost', 'localhost:80', '10.4.0.3'],
  ] as const) {
    const response = await bed.app.inject({
      method: 'POST',
      url: '/fr/suggestions',
      headers: { ...BROWSER, origin, host, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf: token, message: `Une suggestion envoyée depuis ${origin}.` }).toString(),
      remoteAddress: ip,
    });
    t.equal(response.statusCode, 303, `Origin ${origin} with Host ${host} is the portal's own`);
  }
  await bed.close();
});

t.test('only accepted suggestions count toward the limit; past it the form says when, in each language, and keeps the message (issue 14)', async (t) => {
  let now = new Date('2026-03-02T10:00:00Z');
  const bed = await makeApp({ now: () => now });
  t.teardown(() => bed.close());
  const { token } = await form(bed.app);
  // Empty, too short and invalid posts are refused and do not count.
  const refused: number[] = [];
  for (const message of ['', '', 'court', 'court', '', 'x', '']) refused.push((await post(bed.app, { csrf: token, message }, 'fr', '10.7.7.7')).statusCode);
  t.same(refused, [400, 400, 400, 400, 400, 400, 400]);
  const accepted: number[] = [];
  for (let i = 0; i < 5; i++) accepted.push((await post(bed.app, { csrf: token, message: `Une suggestion valable numéro ${i}` }, 'fr', '10.7.7.7')).statusCode);
  t.same(accepted, [303, 303, 303, 303, 303], 'five valid suggestions after seven refused posts are all accepted');
  now = new Date(now.getTime() + 60_000);
  const typed = 'Encore une idée pour le portail, importante.';
  const limited = await post(bed.app, { csrf: token, message: typed }, 'fr', '10.7.7.7');
  t.equal(limited.statusCode, 429);
  t.equal(limited.headers['retry-after'], '540');
  const $ = load(limited.body);
  t.equal($('h1').text(), 'Avis et suggestions', 'the form, not an error page');
  t.equal($('.error-summary li').text(), 'Vous avez déjà envoyé 5 messages en moins de 10 minutes. Réessayez dans 9 minutes ; votre message est conservé ci-dessous.');
  t.notMatch($('main').text(), /too many|try again|paramètre/i, 'no English, no "invalid parameter"');
  t.equal($('#field-message').text(), typed, 'what was typed is kept');
  t.equal(bed.store.suggestions.list().total, 5);
  // In Arabic and English, with the plural the number asks for.
  const arabic = load((await post(bed.app, { csrf: token, message: 'اقتراح آخر مهم جدا للبوابة' }, 'ar', '10.7.7.7')).body);
  t.equal(arabic('.error-summary li').text(), 'لقد أرسلت 5 رسائل في أقل من 10 دقائق. أعد المحاولة بعد 9 دقائق؛ رسالتك محفوظة أدناه.');
  now = new Date(now.getTime() + 7.5 * 60_000);
  const english = load((await post(bed.app, { csrf: token, message: 'One more suggestion for the portal' }, 'en', '10.7.7.7')).body);
  t.match(english('.error-summary li').text(), /Try again in 2 minutes; your message is kept below\./);
  // The window slides: ten minutes after the first, one more is accepted.
  now = new Date(now.getTime() + 2 * 60_000);
  t.equal((await post(bed.app, { csrf: token, message: typed }, 'fr', '10.7.7.7')).statusCode, 303);
  t.equal((await post(bed.app, { csrf: token, message: 'Une autre personne écrit.' }, 'fr', '10.8.8.8')).statusCode, 303, 'another client is not limited');
});

t.test('a scripted flood of refused posts meets a ceiling, answered in the visitor language', async (t) => {
  const bed = await makeApp();
  t.teardown(() => bed.close());
  const { token } = await form(bed.app);
  let last = await post(bed.app, { csrf: token, message: '' }, 'ar', '10.6.6.6');
  for (let i = 1; i < 61 && last.statusCode !== 429; i++) last = await post(bed.app, { csrf: token, message: '' }, 'ar', '10.6.6.6');
  t.equal(last.statusCode, 429, 'the 61st post in ten minutes is refused');
  const $ = load(last.body);
  t.equal($('html').attr('lang'), 'ar');
  t.equal($('h1').text(), 'طلبات كثيرة جدا');
  t.match($('main').text(), /أعد المحاولة بعد 10 دقائق/);
  t.notMatch($('main').text(), /too many|try again/i);
});
