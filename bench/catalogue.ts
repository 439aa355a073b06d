// A synthetic catalogue for the benchmarks: 19 partners with a feed per section, and items of
// about 300 words in Arabic or French whose words follow Zipf's law, written through the store's
// own harvest path (change plans, versions, both full-text indexes).
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, SECTION_DOC_TYPES, SECTIONS, type PortalSettings, type Section } from '../config/index.ts';
import { prng } from '../demo/content.ts';
import { itemId, pageSpans, type ChangePlan, type HarvestedItem } from '../harvester/index.ts';
import { openStore } from '../store/index.ts';

export const PARTNERS = 19;

const FR = `intégrité transparence corruption rapport marchés publics évaluation gouvernance administration
  collectivités santé éducation justice conseil commission autorité prévention lutte déclaration patrimoine
  conflit intérêts lanceurs alerte accès information données ouvertes budget dépenses contrôle audit
  recommandations réforme stratégie nationale plan action engagement citoyens usagers services numérique
  procédures simplification éthique probité moralisation vie publique blanchiment argent fraude fiscale
  concurrence avis décision loi décret arrêté circulaire guide étude statistiques indice perception classement`.split(/\s+/);
const AR = `النزاهة الشفافية الرشوة الفساد تقرير الصفقات العمومية تقييم الحكامة الإدارة الجماعات الصحة التعليم العدالة
  المجلس اللجنة الهيئة الوقاية محاربة التصريح الممتلكات تضارب المصالح المبلغين الحصول المعلومات المعطيات المفتوحة
  الميزانية النفقات المراقبة الافتحاص التوصيات الإصلاح الاستراتيجية الوطنية خطة العمل الالتزام المواطنين المرتفقين
  الخدمات الرقمية المساطر التبسيط الأخلاقيات التخليق الحياة العامة غسل الأموال الغش الضريبي المنافسة الرأي القرار
  القانون المرسوم القرار الدورية الدليل الدراسة الإحصائيات المؤشر الإدراك الترتيب`.split(/\s+/);

export type Lang = 'ar' | 'fr';

export interface Vocabulary {
  words: string[];
  cumulative: number[];
  /** The domain words (the portal's subject), at ranks spread from 3 to about 3,000. */
  domain: string[];
}

// Word frequencies follow Zipf's law, as in real text: the domain words above mixed into a
// vocabulary of 6,000 synthetic words per language, the n-th most frequent word used about 1/n as
// often as the first. The 20 most frequent types of real French or Arabic text are function words
// (de, la, et, في, من, على…) that the analyzer drops, so the vocabulary starts at rank 21.
function vocabulary(domain: string[], syllables: string[], random: () => number): Vocabulary {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const synthetic = Array.from({ length: 6000 }, () => Array.from({ length: 3 }, () => pick(syllables)).join(''));
  const words = [...synthetic];
  domain.forEach((word, i) => words.splice(3 + Math.floor((i * i * 3000) / (domain.length * domain.length)), 0, word));
  const weights = words.map((_, rank) => 1 / (rank + 21));
  const cumulative: number[] = [];
  weights.reduce((sum, w) => (cumulative.push(sum + w), sum + w), 0);
  return { words, cumulative, domain };
}

/** The vocabularies; the same for every run (they come from a fixed seed). */
export function vocabularies(): Record<Lang, Vocabulary> {
  const random = prng(42);
  return {
    fr: vocabulary(FR, ['ra', 'pé', 'lo', 'tion', 'mi', 'sa', 'ver', 'cu', 'té', 'no', 'di', 'ban'], random),
    ar: vocabulary(AR, ['ما', 'لي', 'سر', 'تب', 'قو', 'نا', 'حم', 'دي', 'كا', 'ري', 'جو', 'فت'], random),
  };
}

/** A word drawn by frequency. */
export function zipf(vocabulary: Vocabulary, random: () => number): string {
  const { words, cumulative } = vocabulary;
  const target = random() * cumulative.at(-1)!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return words[lo]!;
}

/** Writes the benchmark's config directory (portal.yaml and 19 partners) and loads it. */
export function writeBenchConfig(dir: string): PortalSettings {
  fs.mkdirSync(path.join(dir, 'partners'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'portal.yaml'), stringify({ site: { name: { ar: 'البوابة', fr: 'Portail', en: 'Portal' }, base_url: 'https://portal.example' } }));
  for (let p = 0; p < PARTNERS; p++) {
    fs.writeFileSync(
      path.join(dir, 'partners', `p${p}.yaml`),
      stringify({
        id: `p${p}`,
        name: { fr: `Institution ${p}`, ar: `مؤسسة ${p}`, en: `Institution ${p}` },
        kind: 'constitutional',
        commitment: { update_every: '30d' },
        sources: SECTIONS.map((section) => ({ id: section, type: 'feed', url: `https://p${p}.example/${section}.xml`, section })),
      }),
    );
  }
  const loaded = loadConfig(dir);
  if (!loaded.config) throw new Error(`bench config in ${dir} is invalid: ${JSON.stringify(loaded.errors)}`);
  return loaded.config;
}

/**
 * Seeds `items` items into the database (items already there count: a database seeded earlier is
 * topped up, not rebuilt). Returns how many were written and how long it took.
 */
export function seedCatalogue(configDir: string, dbFile: string, items: number, log: (line: string) => void = () => {}): { written: number; ms: number } {
  const settings = writeBenchConfig(configDir);
  const store = openStore(dbFile);
  try {
    store.syncConfig(settings, new Date().toISOString());
    const sources = store.listSources();
    const have = store.items.count();
    const random = prng(42 + have);
    const vocab = vocabularies();
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const words = (lang: Lang, n: number) => Array.from({ length: n }, () => zipf(vocab[lang], random)).join(' ');
    const started = performance.now();
    const now = new Date().toISOString();
    const CHUNK = 500;
    for (let start = have; start < items; start += CHUNK) {
      const bySource = new Map<number, HarvestedItem[]>();
      for (let i = start; i < Math.min(items, start + CHUNK); i++) {
        const source = sources[i % sources.length]!;
        const lang: Lang = random() < 0.5 ? 'ar' : 'fr';
        const section = source.config.section as Section;
        const docType = pick(SECTION_DOC_TYPES[section]);
        const url = `https://${source.partnerId}.example/${section}/${i}`;
        const title = words(lang, 8);
        const summary = `<p>${words(lang, 30)}</p>`;
        // Three pages of 100 words, as a PDF's text is kept (page map): search results show "p. N".
        const pages = [words(lang, 100), words(lang, 100), words(lang, 100)];
        const text = pages.join('\n\n');
        const publishedAt = new Date(Date.UTC(2021, 0, 1) + Math.floor(random() * 5 * 365) * 86_400_000).toISOString().slice(0, 10);
        const snapshot = { title, url, summary, published_at: publishedAt, doc_type: docType, language: lang, text_hash: String(i), document_url: null };
        const item: HarvestedItem = {
          id: itemId(source.partnerId, source.sourceId, `u:${url}`),
          identity: `u:${url}`,
          guid: null,
          url,
          title,
          summary,
          summaryText: summary.slice(3, -4),
          language: lang,
          section,
          docType,
          publishedAt,
          author: null,
          text,
          pageSpans: pageSpans(pages, text),
          document: null,
          contentHash: String(i),
          snapshot,
        };
        bySource.set(source.pk, [...(bySource.get(source.pk) ?? []), item]);
      }
      for (const [pk, inserts] of bySource) {
        const source = sources.find((s) => s.pk === pk)!;
        const plan: ChangePlan = { inserts, updates: [], seenAgain: [], missing: [], gone: [], offListing: [], documentRefresh: [] };
        const runPk = store.startRun('test', now);
        store.commitHarvest({
          runPk,
          source,
          plan,
          outcome: { status: 'ok', startedAt: now, durationMs: 0, itemsFound: inserts.length, itemsNew: inserts.length, itemsChanged: 0, itemsGone: 0, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] },
          state: { attemptAt: now, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
          now,
        });
        store.finishRun(runPk, now);
      }
      if ((start / CHUNK) % 40 === 39) log(`  seeded ${Math.min(items, start + CHUNK)} of ${items} items`);
    }
    return { written: Math.max(0, items - have), ms: performance.now() - started };
  } finally {
    store.close();
  }
}
