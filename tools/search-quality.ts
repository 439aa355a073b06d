// `npm run search-quality`: 30 queries in Arabic and French (typos, phrases, prefixes, variants
// with and without ال, hamza, Arabic-Indic digits) run against the demo's catalogue, each with the
// rank of the first result that is the expected document (a title matching a pattern). It prints
// a markdown table; docs/search-quality.md keeps the one before issue 14 and the one after.
//
//   npm run search-quality                      harvest the demo sites into a temporary database
//   npm run search-quality -- --db FILE         the same, kept in FILE (reused when it exists)
//
// The search is the one the search page runs (publisher/search.ts searchCatalogue), with the
// page's language when the function takes one; the rank counts results as the page shows them
// (1 = first), "—" when the expected document is not in the first 50.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { writeDemoConfig } from '../demo/config.ts';
import { startDemoSites } from '../demo/sites.ts';
import { runHarvest } from '../harvester/index.ts';
import * as search from '../publisher/search.ts';
import { openStore, type Store } from '../store/index.ts';

interface Case {
  kind: string;
  lang: 'ar' | 'fr';
  q: string;
  /** The expected document: the first result whose title matches. */
  expect: RegExp;
}

const CASES: Case[] = [
  // French
  { kind: 'exact', lang: 'fr', q: 'corruption', expect: /corruption/i },
  { kind: 'typo (missing letter)', lang: 'fr', q: 'corupption', expect: /corruption/i },
  { kind: 'typo (swapped letters)', lang: 'fr', q: 'corruptoin', expect: /corruption/i },
  { kind: 'typo (extra letter)', lang: 'fr', q: 'transparrence', expect: /transparence/i },
  { kind: 'typo (wrong letter)', lang: 'fr', q: 'blanchimant', expect: /blanchiment/i },
  { kind: 'typo', lang: 'fr', q: 'integritee', expect: /intégrité/i },
  { kind: 'phrase', lang: 'fr', q: '"lanceurs d\'alerte"', expect: /lanceurs d.alerte/i },
  { kind: 'phrase', lang: 'fr', q: '"marchés publics"', expect: /marchés publics/i },
  { kind: 'phrase', lang: 'fr', q: '"conflits d\'intérêts"', expect: /conflits d.intérêts/i },
  { kind: 'prefix', lang: 'fr', q: 'corrup*', expect: /corruption/i },
  { kind: 'prefix', lang: 'fr', q: 'blanchi*', expect: /blanchiment/i },
  { kind: 'prefix', lang: 'fr', q: 'numéris*', expect: /numérisation/i },
  { kind: 'accents', lang: 'fr', q: 'integrite sante', expect: /intégrité.*santé/i },
  { kind: 'law number', lang: 'fr', q: 'loi 31-13', expect: /information/i },
  { kind: 'plural', lang: 'fr', q: 'déclarations patrimoine', expect: /déclaration.*patrimoine/i },
  // Arabic
  { kind: 'exact', lang: 'ar', q: 'الفساد', expect: /الفساد/ },
  { kind: 'without ال', lang: 'ar', q: 'فساد', expect: /الفساد/ },
  { kind: 'typo (missing letter)', lang: 'ar', q: 'الفسد', expect: /الفساد/ },
  { kind: 'typo (swapped letters)', lang: 'ar', q: 'الفاسد', expect: /الفساد/ },
  { kind: 'typo (missing letter)', lang: 'ar', q: 'النزهة', expect: /النزاهة/ },
  { kind: 'ة written ه', lang: 'ar', q: 'النزاهه الصحه', expect: /النزاهة.*الصحة/ },
  { kind: 'typo (missing letter)', lang: 'ar', q: 'الشفافة', expect: /شفافية/ },
  { kind: 'hamza', lang: 'ar', q: 'الاخلاقيات الادارة', expect: /الأخلاقيات.*الإدارة/ },
  { kind: 'hamza', lang: 'ar', q: 'اموال', expect: /الأموال/ },
  { kind: 'phrase', lang: 'ar', q: '"غسل الأموال"', expect: /غسل الأموال/ },
  { kind: 'phrase', lang: 'ar', q: '"تضارب المصالح"', expect: /تضارب المصالح/ },
  { kind: 'prefix', lang: 'ar', q: 'الرشو*', expect: /الرشوة/ },
  { kind: 'prefix', lang: 'ar', q: 'رقمن*', expect: /رقمنة/ },
  { kind: 'Arabic-Indic digits', lang: 'ar', q: 'القانون ٣١.١٣', expect: /المعلومات/ },
  { kind: 'tashkeel', lang: 'ar', q: 'الفَسَاد', expect: /الفساد/ },
];

const LIMIT = 50;

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function demoCatalogue(dbFile: string): Promise<Store> {
  if (fs.existsSync(dbFile)) return openStore(dbFile);
  const sites = await startDemoSites({ portBase: 0 });
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-search-quality-'));
    const configDir = path.join(dir, 'config');
    writeDemoConfig({ sourceConfigDir: path.join(import.meta.dirname, '../config'), targetDir: configDir, urls: sites.urls, timeout: '6s' });
    const settings = loadConfig(configDir).config!;
    const store = openStore(dbFile);
    store.syncConfig(settings, new Date().toISOString());
    await runHarvest({ settings, store, trigger: 'test' });
    return store;
  } finally {
    await sites.close();
  }
}

const dbFile = path.resolve(argument('--db') ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-search-quality-')), 'portal.db'));
const store = await demoCatalogue(dbFile);
console.log(`catalogue: ${dbFile} (${store.items.count()} items)\n`);
console.log('| # | lang | kind | query | expected title | rank | results | note |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
let found = 0;
let first = 0;
for (const [i, c] of CASES.entries()) {
  // `lang` is passed for the pipeline that knows the page's language; older ones ignore it.
  const outcome = search.searchCatalogue(store, { q: c.q, filters: {}, page: 1, perPage: LIMIT, lang: c.lang, fold: true } as search.SearchRequest);
  const index = outcome.items.findIndex((item) => c.expect.test(item.title));
  const rank = index >= 0 ? index + 1 : undefined;
  if (rank) found++;
  if (rank === 1) first++;
  const extra = outcome as unknown as { corrected?: { text: string }; suggestion?: { text: string } };
  const note = extra.corrected ? `showing “${extra.corrected.text}”` : extra.suggestion ? `did you mean “${extra.suggestion.text}”` : outcome.anyWords ? 'any word' : '';
  console.log(`| ${i + 1} | ${c.lang} | ${c.kind} | \`${c.q.replace(/\|/g, '\\|')}\` | \`${c.expect.source}\` | ${rank ?? '—'} | ${outcome.total} | ${note} |`);
}
console.log(`\nfound in the first ${LIMIT}: ${found}/${CASES.length}; first: ${first}/${CASES.length}`);
store.close();
