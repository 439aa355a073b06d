// The config loader: the shipped config is valid, and each defect an operator can make is
// reported as FILE:LINE:COL: PATH: MESSAGE, at the exact place, with every error at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { formatConfigError, loadConfig, parseDuration, parseSize } from '../../config/index.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/config');

/** A temporary config directory: the valid base config with a defect's files laid over it. */
function configWith(defect: string | null, extra?: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-config-'));
  fs.cpSync(path.join(FIXTURES, 'base'), dir, { recursive: true });
  if (defect) fs.cpSync(path.join(FIXTURES, 'defects', defect), dir, { recursive: true });
  extra?.(dir);
  return dir;
}

function errorsOf(dir: string): string[] {
  return loadConfig(dir).errors.map((e) => formatConfigError(e).replace(`${dir}${path.sep}`, ''));
}

t.test('the shipped config is valid: 19 partners with ar/fr/en names, channels and platforms', async (t) => {
  const result = loadConfig(path.join(import.meta.dirname, '../../config'));
  t.same(result.errors.map(formatConfigError), []);
  const config = result.config!;
  t.equal(config.partners.length, 19);
  for (const partner of config.partners) {
    t.ok(partner.name.ar && partner.name.fr && partner.name.en, `${partner.id} is named in ar, fr and en`);
    t.ok(partner.sources.length > 0, `${partner.id} has sources`);
  }
  const types = new Set(config.partners.flatMap((p) => p.sources.map((s) => s.type)));
  t.same([...types].sort(), ['feed', 'html', 'pdf']);
  t.ok(config.directory.channels.some((c) => c.id === 'tabligh-fassad'));
  t.ok(config.directory.channels.some((c) => c.phone === '+212 5 37 71 88 88'));
  t.ok(config.directory.platforms.some((p) => p.id === 'chafafiya'));
  for (const entry of [...config.directory.channels, ...config.directory.platforms]) {
    t.ok(entry.name.ar && entry.name.fr && entry.name.en, `${entry.id} is named in ar, fr and en`);
    t.ok(entry.description.ar && entry.description.fr && entry.description.en, `${entry.id} is described in ar, fr and en`);
    // An operator written as an id is a partner or has its name under `operators:`, so no page shows a raw id.
    if (entry.operator && /^[a-z0-9-]+$/.test(entry.operator)) {
      t.ok(config.partners.some((p) => p.id === entry.operator) || config.directory.operators[entry.operator]?.fr, `${entry.id}: operator "${entry.operator}" has a name`);
    }
  }
});

t.test('the base fixture is valid and gets the documented defaults', async (t) => {
  const result = loadConfig(configWith(null));
  t.same(result.errors, []);
  const portal = result.config!.portal;
  t.equal(portal.harvest.timeout, 20_000);
  t.equal(portal.harvest.max_bytes, 15 * 1024 * 1024);
  t.equal(portal.harvest.max_pdf_bytes, 50 * 1024 * 1024);
  t.equal(portal.harvest.per_host_delay, 1000);
  t.equal(portal.harvest.schedule, '0 */6 * * *');
  t.equal(portal.harvest.allow_private_networks, false);
  t.equal(portal.harvest.pdf_time_limit, 30_000);
  t.equal(portal.harvest.pdf_memory_limit, 512 * 1024 * 1024);
  t.equal(portal.harvest.run_time_limit, 2 * 3_600_000);
  t.equal(portal.freshness.default_update_every, 90 * 86_400_000);
  t.equal(portal.site.base_url, 'https://portal.example/');
  t.same(portal.trust_proxy, [], 'no proxy is believed unless listed');
  const source = result.config!.partners[0]!.sources[0]!;
  t.equal(source.enabled, true);
  t.equal(source.date_order, 'dmy');
  // Issue 18: deposits wait for review unless a partner says otherwise; no contacts, no digest.
  t.equal(result.config!.partners[0]!.review_deposits, true);
  t.same(result.config!.partners[0]!.contacts, []);
  t.equal(portal.deposits.max_bytes, 30 * 1024 * 1024);
  t.same(portal.reminders.digest_to, []);
});

t.test('contacts and review_deposits as the contract writes them', async (t) => {
  const dir = configWith(null, (d) =>
    fs.writeFileSync(
      path.join(d, 'partners/alpha.yaml'),
      `id: alpha
name: {fr: Alpha}
kind: government
contacts:
  - {name: "Samira B.", email: "focal@partner.example", languages: [fr, ar]}
review_deposits: false
sources: []
`,
    ),
  );
  const result = loadConfig(dir);
  t.same(result.errors, []);
  const partner = result.config!.partners[0]!;
  t.same(partner.contacts, [{ name: 'Samira B.', email: 'focal@partner.example', languages: ['fr', 'ar'] }]);
  t.equal(partner.review_deposits, false);
});

const DEFECTS: Array<[string, string[]]> = [
  ['yaml-syntax', ['partners/alpha.yaml:3:1: (file): YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }']],
  ['unknown-key', ['portal.yaml:6:3: harvest.shedule: unknown key "shedule" (did you mean "schedule"?)']],
  ['wrong-type', ['partners/alpha.yaml:4:10: sources: expected a list, got "every week"']],
  [
    'bad-enum',
    [
      'partners/alpha.yaml:3:7: kind: "goverment" is not allowed here; expected one of: judiciary, constitutional, government, private_sector, civil_society (did you mean "government"?)',
    ],
  ],
  [
    'bad-cron',
    ['partners/alpha.yaml:9:15: sources[0].schedule: invalid cron expression "0 */6 * *": expected 5 fields (minute hour day month weekday), got 4'],
  ],
  [
    'bad-url',
    [
      'partners/alpha.yaml:4:10: website: expected an http:// or https:// address, got "www.alpha.example"',
      'partners/alpha.yaml:8:10: sources[0].url: expected an http:// or https:// address, got "ftp://alpha.example/feed/"',
    ],
  ],
  ['duplicate-source-id', ['partners/alpha.yaml:9:9: sources[1].id: duplicate source id "news" (already used by sources[0])']],
  [
    'file-name-mismatch',
    ['partners/gamma.yaml:2:5: id: partner id "delta" does not match the file name "gamma.yaml" (rename the file to delta.yaml or change the id)'],
  ],
  ['channel-without-contact', ['directory.yaml:2:5: channels[0]: a channel needs a url or a phone so citizens can reach it']],
  ['html-without-item', ['partners/alpha.yaml:9:5: sources[0].select.item: required: a CSS selector, e.g. ".views-row" or "h3 a@href"']],
  ['alias-bomb', ['partners/alpha.yaml:5:8: (file): too many YAML aliases (more than 100): refusing to expand what looks like an alias bomb']],
  [
    'doc-type-section',
    ['partners/alpha.yaml:9:15: sources[0].doc_type: "report" is not a document type of section "news" (expected one of: news, press_release, event)'],
  ],
  ['bad-selector', ['partners/alpha.yaml:10:13: sources[0].select.item: invalid CSS selector "div[class=": Attribute selector didn\'t terminate']],
  ['deep-nesting', ['partners/alpha.yaml:4:39: (file): the YAML is nested more than 32 levels deep']],
  [
    'missing-base-url',
    ['portal.yaml:1:1: site.base_url: required: the address where the portal is published, such as https://integrite.inpplc.ma (links in feeds, the sitemap and emails are built from it)'],
  ],
  [
    'base-url-with-path',
    ["portal.yaml:3:13: site.base_url: must be the site's address alone (https://portal.example), without a path, query, fragment or password: the portal is served from the root of its address"],
  ],
  [
    'bad-trust-proxy',
    [
      'portal.yaml:4:26: trust_proxy[1]: expected an address or range such as 127.0.0.1, 10.20.0.0/16 or fd00::/8, got "10.0.0.0/33"',
      'portal.yaml:4:39: trust_proxy[2]: expected an address or range such as 127.0.0.1, 10.20.0.0/16 or fd00::/8, got "proxy.example"',
    ],
  ],
  [
    'reserved-source-id',
    ['partners/alpha.yaml:5:9: sources[0].id: the source id "deposit" is reserved for the documents the partner\'s focal point deposits; choose another id'],
  ],
  ['bad-contact', ['partners/alpha.yaml:5:27: contacts[0].email: expected an email address, e.g. focal@partner.example']],
  [
    'pdf-limits',
    [
      'portal.yaml:5:19: harvest.pdf_time_limit: expected a duration such as 30s, 15m, 6h or 30d (more than zero), got the number 30',
      'portal.yaml:6:21: harvest.pdf_memory_limit: "64MB" is too small: at least 128MB (the PDF reader alone needs about 100 MB)',
      'portal.yaml:7:19: harvest.run_time_limit: expected a duration such as 30s, 15m, 6h or 30d (more than zero), got "forever"',
    ],
  ],
  [
    'unknown-source-type',
    ['partners/alpha.yaml:6:11: sources[0].type: "rss" is not allowed here; expected one of: feed, html, pdf, dataset (did you mean "feed"?)'],
  ],
];

for (const [defect, expected] of DEFECTS) {
  t.test(`defect: ${defect}`, async (t) => {
    const dir = configWith(defect);
    t.same(errorsOf(dir), expected);
    t.notOk(loadConfig(dir).config?.partners.some((p) => expected.some((e) => e.includes(`partners/${p.id}.yaml`))), 'an invalid partner is left out');
  });
}

t.test('a duplicate partner id names both files', async (t) => {
  const dir = configWith('duplicate-partner-id');
  t.same(errorsOf(dir), [
    'partners/beta.yaml:1:5: id: partner id "alpha" does not match the file name "beta.yaml" (rename the file to alpha.yaml or change the id)',
    `partners/beta.yaml:1:5: id: duplicate partner id "alpha" (already used in ${path.join(dir, 'partners/alpha.yaml')})`,
  ]);
  t.same(loadConfig(dir).invalidPartnerIds, ['beta']);
});

t.test('every error is reported, across files, not just the first', async (t) => {
  const dir = configWith('unknown-key', (d) => {
    fs.cpSync(path.join(FIXTURES, 'defects/bad-enum'), d, { recursive: true });
    fs.cpSync(path.join(FIXTURES, 'defects/channel-without-contact'), d, { recursive: true });
    fs.writeFileSync(path.join(d, 'partners/zeta.yaml'), 'id: zeta\nname: {fr: Z}\nkind: government\nsources:\n  - id: a\n    type: feed\n    url: nope\n    section: nws\n    langage: fr\n');
  });
  const errors = errorsOf(dir);
  t.same(errors, [
    'portal.yaml:6:3: harvest.shedule: unknown key "shedule" (did you mean "schedule"?)',
    'partners/alpha.yaml:3:7: kind: "goverment" is not allowed here; expected one of: judiciary, constitutional, government, private_sector, civil_society (did you mean "government"?)',
    'partners/zeta.yaml:7:10: sources[0].url: expected an http:// or https:// address, got "nope"',
    'partners/zeta.yaml:8:14: sources[0].section: "nws" is not allowed here; expected one of: publications, statistics, news, media, services (did you mean "news"?)',
    'partners/zeta.yaml:9:5: sources[0].langage: unknown key "langage" (did you mean "language"?)',
    'directory.yaml:2:5: channels[0]: a channel needs a url or a phone so citizens can reach it',
  ]);
});

t.test('an alias bomb fails fast instead of expanding', async (t) => {
  const started = performance.now();
  loadConfig(configWith('alias-bomb'));
  t.ok(performance.now() - started < 2000, 'refused in well under 2 s');
});

t.test('a 50 MB file is refused before it is read', async (t) => {
  const dir = configWith(null, (d) => {
    const fd = fs.openSync(path.join(d, 'partners/huge.yaml'), 'w');
    fs.ftruncateSync(fd, 50 * 1024 * 1024);
    fs.closeSync(fd);
  });
  t.same(errorsOf(dir), ['partners/huge.yaml:1:1: (file): the file is 50.0 MB; config files are limited to 1024 KB']);
});

t.test('a missing directory or portal.yaml is reported', async (t) => {
  t.match(errorsOf('/nonexistent/config'), [/config directory not found/]);
  const dir = configWith(null, (d) => fs.rmSync(path.join(d, 'portal.yaml')));
  t.same(errorsOf(dir), ['portal.yaml:1:1: (file): portal.yaml is missing (it needs at least `site: {name: …, base_url: …}`)']);
  t.equal(loadConfig(dir).config, undefined);
});

t.test('selectors, durations and sizes are parsed as the contract writes them', async (t) => {
  const dir = configWith(null, (d) =>
    fs.writeFileSync(
      path.join(d, 'partners/alpha.yaml'),
      `id: alpha
name: {fr: Alpha, ar: ألفا}
kind: government
commitment:
  update_every: 30d
sources:
  - id: reports
    type: html
    url: https://alpha.example/publications?page=1
    section: publications
    doc_type: report
    select:
      item: ".views-row"
      title: "h3"
      link: "h3 a@href"
      date: ".date"
    date_order: mdy
    follow_pdf: true
  - id: annual
    type: pdf
    url: https://alpha.example/annual.pdf
    section: publications
    title: {fr: "Rapport annuel 2024"}
`,
    ),
  );
  const result = loadConfig(dir);
  t.same(result.errors, []);
  const partner = result.config!.partners[0]!;
  t.equal(partner.commitment?.update_every, 30 * 86_400_000);
  const html = partner.sources[0]!;
  t.equal(html.type, 'html');
  if (html.type === 'html') {
    t.same(html.select.link, { css: 'h3 a', attr: 'href', source: 'h3 a@href' });
    t.same(html.select.title, { css: 'h3', attr: undefined, source: 'h3' });
    t.equal(html.date_order, 'mdy');
    t.equal(html.follow_pdf, true);
  }
  t.equal(parseDuration('15m'), 900_000);
  t.equal(parseDuration('6h'), 21_600_000);
  t.equal(parseDuration('30'), undefined);
  t.equal(parseSize('500KB'), 512_000);
  t.equal(parseSize('15MB'), 15_728_640);
  t.equal(parseSize('15 XB'), undefined);
});
