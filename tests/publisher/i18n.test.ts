// Translation catalogues: every key in ar, fr and en; a partial catalogue falls back; every key the
// code and templates use exists.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { COMPLETE_LANGUAGES, I18n, isPluralForm, negotiateLanguage } from '../../publisher/i18n.ts';

const i18n = new I18n();
const root = path.join(import.meta.dirname, '../../publisher');

t.test('ar, fr and en have exactly the same keys (plural forms apart: each language has its own)', async (t) => {
  const all = new Set(COMPLETE_LANGUAGES.flatMap((l) => i18n.keys(l)).filter((key) => !isPluralForm(key)));
  for (const language of COMPLETE_LANGUAGES) {
    const missing = [...all].filter((key) => !i18n.has(language, key));
    t.same(missing, [], `${language} lacks nothing`);
  }
  t.ok(all.size > 300, `${all.size} keys`);
});

t.test('a plural form belongs to a key of its language and uses no placeholder the key lacks', async (t) => {
  for (const language of COMPLETE_LANGUAGES) {
    for (const key of i18n.keys(language).filter(isPluralForm)) {
      const base = key.replace(/_(zero|one|two|few|many)$/, '');
      t.ok(i18n.has(language, base), `${language} ${key} is a form of ${base}`);
      const names = (k: string) => new Set([...i18n.t(language, k).matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      t.ok([...names(key)].every((n) => names(base).has(n)), `${language} ${key}: placeholders of ${base}`);
    }
  }
  // Arabic counts agree with the number: 1, 2, 3-10, 11-99, 100.
  t.same([1, 2, 3, 10, 11, 100].map((count) => i18n.t('ar', 'partners.items', { count })), ['وثيقة واحدة', 'وثيقتان', '3 وثائق', '10 وثائق', '11 وثيقة', '100 وثيقة']);
  t.equal(i18n.t('ar', 'partners.items', { count: '1 234' }), '1 234 وثيقة', 'a formatted number chooses too');
  t.same([1, 2, 5].map((count) => i18n.t('fr', 'item.pages', { count })), ['1 page', '2 pages', '5 pages']);
  t.equal(i18n.t('zgh', 'partners.items', { count: 4 }), '4 وثائق', 'a fallback uses the rules of the language it borrows from');
});

t.test('placeholders match across languages', async (t) => {
  for (const key of i18n.keys('fr').filter((k) => !isPluralForm(k))) {
    const names = (lang: string) => [...i18n.t(lang, key).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const lang of ['ar', 'en']) t.same(names(lang), names('fr'), `${lang} ${key}`);
  }
});

t.test('every key used in templates and code exists', async (t) => {
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(hbs|ts)$/.test(entry.name)) {
        const text = fs.readFileSync(file, 'utf8');
        for (const m of text.matchAll(/\{\{t "([a-z_]+\.[a-z_.]+)"/g)) used.add(m[1]!);
        for (const m of text.matchAll(/\.t\((?:lang|code|suggestion\.language), '([a-z_]+\.[a-z_.]+)'/g)) used.add(m[1]!);
      }
    }
  };
  walk(root);
  t.ok(used.size > 100, `${used.size} keys used`);
  for (const key of used) t.ok(i18n.has('fr', key), key);
});

t.test('a partial catalogue shows what it has and borrows the rest', async (t) => {
  t.equal(i18n.t('zgh', 'nav.home'), 'ⴰⵙⵏⵓⴱⴳ');
  t.equal(i18n.t('zgh', 'nav.publications'), 'المنشورات', 'falls back to Arabic first');
  t.equal(i18n.dir('zgh'), 'ltr');
  t.equal(i18n.dir('ar'), 'rtl');
  t.equal(i18n.t('fr', 'search.results_for', { count: 3, q: 'x' }), '3 résultats pour « x »');
  t.equal(i18n.t('fr', 'no.such.key'), 'no.such.key');
});

t.test('Accept-Language negotiation', async (t) => {
  t.equal(negotiateLanguage('fr-FR,fr;q=0.9', ['ar', 'fr', 'en']), 'fr');
  t.equal(negotiateLanguage('en;q=0.2,ar-MA;q=0.8', ['ar', 'fr', 'en']), 'ar');
  t.equal(negotiateLanguage('tzm', ['ar', 'fr', 'zgh']), 'zgh');
  t.equal(negotiateLanguage('de,es', ['ar', 'fr', 'en']), 'ar');
  t.equal(negotiateLanguage(undefined, ['fr', 'ar']), 'fr');
});
