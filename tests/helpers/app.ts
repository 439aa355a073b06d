// A publisher over a real migrated SQLite seeded with items in Arabic, French and English through
// the harvester's own write path (change plans), for app.inject() tests.
import { createHash } from 'node:crypto';
import { type FastifyInstance } from 'fastify';
import { type DocType, type Language, type PortalSettings, type Section } from '../../config/index.ts';
import { analyze, itemId, planChanges, type CourseFacts, type HarvestedItem } from '../../harvester/index.ts';
import { buildApp, I18n, type BuildOptions, type HarvestControl, type MailSender, type PortalContext } from '../../publisher/index.ts';
import { type Reads } from '../../publisher/reads.ts';
import { openStore, type Store } from '../../store/index.ts';
import { loadTestConfig, writeConfig, type TestConfig } from './config.ts';

export interface SeedItem {
  partner: string;
  source: string;
  title: string;
  section: Section;
  docType: DocType;
  language: Language | null;
  publishedAt: string | null;
  summary?: string;
  text?: string;
  url?: string;
  pages?: number;
  scanned?: boolean;
  /** Training items: course facts, as the harvester would have found them. */
  course?: CourseFacts;
}

export const SEED_CONFIG: TestConfig = {
  partners: [
    {
      id: 'alpha',
      name: { fr: 'Instance Alpha', ar: 'هيئة ألفا', en: 'Alpha Authority' },
      kind: 'constitutional',
      website: 'https://alpha.example',
      commitment: { update_every: '30d' },
      sources: [
        { id: 'news', type: 'feed', url: 'https://alpha.example/feed/', section: 'news' },
        { id: 'reports', type: 'html', url: 'https://alpha.example/publications', section: 'publications', select: { item: '.row' } },
      ],
    },
    {
      id: 'beta',
      name: { fr: 'Ministère Beta', ar: 'وزارة بيتا', en: 'Beta Ministry' },
      kind: 'government',
      sources: [
        { id: 'stats', type: 'html', url: 'https://beta.example/stats', section: 'statistics', select: { item: '.row' } },
        { id: 'media', type: 'feed', url: 'https://beta.example/media.xml', section: 'media' },
        { id: 'services', type: 'feed', url: 'https://beta.example/services.xml', section: 'services' },
      ],
    },
    { id: 'gamma', name: { fr: 'Association Gamma', ar: 'جمعية غاما', en: 'Gamma Association' }, kind: 'civil_society', commitment: {}, sources: [] },
  ],
  directory: {
    channels: [
      {
        id: 'tabligh-fassad',
        name: { fr: 'Plateforme de signalement', ar: 'منصة التبليغ', en: 'Reporting platform' },
        description: { fr: 'Signaler la corruption', ar: 'التبليغ عن الفساد', en: 'Report corruption' },
        kind: 'online_form',
        url: 'https://tabligh-fassad.example',
        operator: 'alpha',
        topics: ['corruption'],
      },
      {
        id: 'hotline',
        name: { fr: 'Ligne directe', ar: 'الخط المباشر', en: 'Hotline' },
        description: { fr: 'Appeler', ar: 'اتصل', en: 'Call' },
        kind: 'hotline',
        phone: '+212 5 37 71 88 88',
        operator: 'beta',
        topics: ['corruption'],
      },
    ],
    platforms: [
      {
        id: 'chafafiya',
        name: { fr: "Droit d'accès à l'information", ar: 'الحق في الحصول على المعلومات', en: 'Access to information' },
        description: { fr: 'Demander une information', ar: 'طلب معلومة', en: 'Request information' },
        url: 'https://chafafiya.example',
        operator: 'gamma',
        topics: ['access_to_information'],
      },
    ],
    guidance: [
      {
        topic: 'corruption',
        question: { fr: 'On me demande un pot-de-vin', ar: 'طلبت مني رشوة', en: 'I was asked for a bribe' },
        channels: ['tabligh-fassad', 'hotline'],
      },
    ],
  },
};

export const SEED_ITEMS: SeedItem[] = [
  { partner: 'alpha', source: 'reports', title: 'التقرير السنوي للهيئة الوطنية للنزاهة 2023', section: 'publications', docType: 'report', language: 'ar', publishedAt: '2024-03-12', text: 'يتناول التقرير الرشوة في الصفقات العمومية وتخليق الحياة العامة.', pages: 120 },
  { partner: 'alpha', source: 'reports', title: 'القانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات', section: 'publications', docType: 'legal_text', language: 'ar', publishedAt: '2015-07-07' },
  { partner: 'alpha', source: 'news', title: 'ندوة حول الرَّشْوَة في الإدارة العمومية', section: 'news', docType: 'event', language: 'ar', publishedAt: '2025-05-15' },
  { partner: 'alpha', source: 'news', title: 'أنشطة الهيئة خلال شهر ماي', section: 'news', docType: 'news', language: 'ar', publishedAt: '2025-06-01' },
  { partner: 'alpha', source: 'reports', title: 'Rapport annuel sur la transparence des marchés publics', section: 'publications', docType: 'report', language: 'fr', publishedAt: '2024-06-30', text: "Le rapport analyse l'évaluation des risques." },
  { partner: 'alpha', source: 'reports', title: "L'évaluation des politiques publiques d'intégrité", section: 'publications', docType: 'study', language: 'fr', publishedAt: '2023-11-02' },
  { partner: 'alpha', source: 'news', title: 'Communiqué : la transparence au cœur de la réforme', section: 'news', docType: 'press_release', language: 'fr', publishedAt: '2025-02-01', summary: '<p>Un texte sur la <b>réforme</b>.</p>' },
  { partner: 'beta', source: 'stats', title: 'Statistiques de la corruption 2024', section: 'statistics', docType: 'national_statistics', language: 'fr', publishedAt: '2024-12-31' },
  { partner: 'beta', source: 'stats', title: 'Corruption Perceptions Index 2024: Morocco', section: 'statistics', docType: 'international_statistics', language: 'en', publishedAt: '2025-02-11' },
  { partner: 'beta', source: 'media', title: 'Vidéo : la probité expliquée', section: 'media', docType: 'video', language: 'fr', publishedAt: '2025-01-20' },
  { partner: 'beta', source: 'services', title: "Formation à distance sur l'éthique", section: 'services', docType: 'training', language: 'fr', publishedAt: '2025-03-03' },
  { partner: 'beta', source: 'services', title: 'Bibliothèque : recueil des textes', section: 'services', docType: 'library', language: 'fr', publishedAt: null, scanned: true },
  { partner: 'beta', source: 'stats', title: 'ⵜⴰⵏⵣⴰⵀⴰ ⴷ ⵓⵙⵎⵓⵙⵙⵓ', section: 'statistics', docType: 'national_statistics', language: 'zgh', publishedAt: '2025-04-04' },
];

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

export function harvestedItem(seed: SeedItem, index: number): HarvestedItem {
  const url = seed.url ?? `https://${seed.partner}.example/${seed.source}/${index}`;
  const identity = `u:${url}`;
  const summary = seed.summary ?? '';
  const snapshot = {
    title: seed.title,
    url,
    summary,
    published_at: seed.publishedAt,
    doc_type: seed.docType,
    language: seed.language,
    text_hash: seed.text ? sha(seed.text) : null,
    document_url: null,
    ...(seed.course ? { course: seed.course } : {}),
  };
  return {
    id: itemId(seed.partner, seed.source, identity),
    identity,
    guid: null,
    url,
    title: seed.title,
    summary,
    summaryText: summary.replace(/<[^>]*>/g, ' '),
    language: seed.language,
    section: seed.section,
    docType: seed.docType,
    publishedAt: seed.publishedAt,
    author: null,
    text: seed.text ?? '',
    document: seed.pages || seed.scanned ? { url: `${url}.pdf`, etag: null, lastModified: null, hash: sha(seed.text ?? ''), pages: seed.pages ?? 1, scanned: seed.scanned ?? false, fetchedAt: '2025-01-01T00:00:00.000Z' } : null,
    contentHash: sha(JSON.stringify(snapshot)),
    snapshot,
    ...(seed.course ? { course: seed.course } : {}),
  };
}

/** Writes items through the store's harvest path, one run per source. */
export function seed(store: Store, items: SeedItem[], now = new Date().toISOString()): void {
  const bySource = new Map<string, HarvestedItem[]>();
  items.forEach((item, index) => {
    const key = `${item.partner}/${item.source}`;
    bySource.set(key, [...(bySource.get(key) ?? []), harvestedItem(item, index)]);
  });
  for (const [key, found] of bySource) {
    const source = store.listSources({ sources: [key] })[0];
    if (!source) throw new Error(`no source ${key}`);
    const runPk = store.startRun('test', now);
    const planned = planChanges(store.existingItems(source.pk), found, { goneAfter: 3 });
    store.commitHarvest({
      runPk,
      source,
      plan: planned.plan,
      outcome: { status: 'ok', startedAt: now, durationMs: 1, itemsFound: found.length, itemsNew: planned.counts.new, itemsChanged: 0, itemsGone: 0, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] },
      state: { attemptAt: now, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
      now,
    });
    store.finishRun(runPk, now);
  }
}

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  settings: PortalSettings;
  ctx: PortalContext;
  close(): Promise<void>;
}

/**
 * The search time budget of test apps: production's 150 ms cut a search short on a machine busy
 * with other work, and a test counting results then failed for a reason that is not the portal's.
 * Tests of the budget itself pass `build: { searchBudgetMs }` (0 cuts every search that ranks).
 */
export const TEST_SEARCH_BUDGET_MS = 10_000;

export interface AppOptions {
  harvest?: HarvestControl;
  mail?: MailSender;
  now?: () => Date;
  /** Instead of waiting (the sign-in's per-name delay): e.g. record the delays asked for. */
  sleep?: (ms: number) => Promise<void>;
  /** The catalogue reads (a pool of read workers over a file database); in process by default. */
  reads?: Reads;
  build?: BuildOptions;
}

export async function makeApp(options: AppOptions & { items?: SeedItem[]; config?: TestConfig } = {}): Promise<TestApp> {
  const settings = loadTestConfig(writeConfig(options.config ?? SEED_CONFIG));
  const store = openStore(':memory:');
  store.syncConfig(settings, new Date().toISOString());
  seed(store, options.items ?? SEED_ITEMS);
  return appOver(store, settings, options);
}

/** A publisher over an existing store (for instance a file database a harvest is writing). */
export async function appOver(store: Store, settings: PortalSettings, options: AppOptions = {}): Promise<TestApp> {
  const ctx: PortalContext = {
    store,
    settings: () => settings,
    configErrors: () => [],
    i18n: new I18n(),
    now: options.now ?? (() => new Date()),
    sleep: options.sleep,
    secret: Buffer.from('test secret of the portal, 32 bytes!'),
    harvest: options.harvest,
    mail: options.mail,
    reads: options.reads,
  };
  const app = await buildApp(ctx, { flushEveryMs: 0, searchBudgetMs: TEST_SEARCH_BUDGET_MS, ...options.build });
  return {
    app,
    store,
    settings,
    ctx,
    close: async () => {
      await app.close();
      await options.reads?.close();
      store.close();
    },
  };
}

/** The analysed form of a word, for building expectations. */
export const term = (word: string) => analyze(word)[0];

export const BROWSER = { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36' };
