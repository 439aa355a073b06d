// Deterministic content for the simulated partner sites: titles, summaries, dates and PDF text in
// Arabic, French, some English and a little Tifinagh. Every item of a source is a function of the
// source's seed and its index, and is published at a fixed absolute time, so the sites look the
// same on every run and new items appear as time passes.

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const pickFrom = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

export const TOPICS = [
  { fr: 'la prévention de la corruption', ar: 'الوقاية من الرشوة', en: 'preventing corruption' },
  { fr: 'la transparence des marchés publics', ar: 'شفافية الصفقات العمومية', en: 'transparency in public procurement' },
  { fr: "le droit d'accès à l'information", ar: 'الحق في الحصول على المعلومات', en: 'the right of access to information' },
  { fr: "l'intégrité dans le secteur de la santé", ar: 'النزاهة في قطاع الصحة', en: 'integrity in the health sector' },
  { fr: 'la protection des lanceurs d’alerte', ar: 'حماية المبلغين عن الفساد', en: 'protecting whistleblowers' },
  { fr: 'la déclaration obligatoire du patrimoine', ar: 'التصريح الإجباري بالممتلكات', en: 'mandatory asset declarations' },
  { fr: 'la gouvernance des collectivités territoriales', ar: 'حكامة الجماعات الترابية', en: 'local government governance' },
  { fr: 'la moralisation de la vie publique', ar: 'تخليق الحياة العامة', en: 'ethics in public life' },
  { fr: "les conflits d'intérêts", ar: 'تضارب المصالح', en: 'conflicts of interest' },
  { fr: "la lutte contre le blanchiment d'argent", ar: 'مكافحة غسل الأموال', en: 'fighting money laundering' },
  { fr: 'la numérisation des services publics', ar: 'رقمنة الخدمات العمومية', en: 'digital public services' },
  { fr: "l'éthique dans l'administration", ar: 'الأخلاقيات في الإدارة العمومية', en: 'ethics in the administration' },
] as const;

const NEWS_FR = [
  (inst: string, topic: string) => `${inst} organise un atelier régional sur ${topic}`,
  (inst: string, topic: string) => `Signature d'une convention de partenariat entre ${inst} et la société civile sur ${topic}`,
  (_inst: string, topic: string) => `Lancement de la campagne nationale de sensibilisation sur ${topic}`,
  (inst: string, topic: string) => `${inst} participe au forum international consacré à ${topic}`,
  (inst: string, topic: string) => `Rencontre de ${inst} avec les acteurs locaux autour de ${topic}`,
  (_inst: string, topic: string) => `Journée d'étude à Rabat sur ${topic}`,
];
const NEWS_AR = [
  (inst: string, topic: string) => `${inst} تنظم ورشة جهوية حول ${topic}`,
  (inst: string, topic: string) => `توقيع اتفاقية شراكة بين ${inst} وهيئات المجتمع المدني في مجال ${topic}`,
  (_inst: string, topic: string) => `إطلاق الحملة الوطنية للتحسيس حول ${topic}`,
  (inst: string, topic: string) => `مشاركة ${inst} في المنتدى الدولي حول ${topic}`,
  (inst: string, topic: string) => `لقاء تواصلي لـ${inst} مع الفاعلين المحليين حول ${topic}`,
  (_inst: string, topic: string) => `يوم دراسي بالرباط حول ${topic}`,
];
const NEWS_EN = [
  (inst: string, topic: string) => `${inst} holds a workshop on ${topic}`,
  (_inst: string, topic: string) => `National awareness campaign on ${topic} launched`,
];
/** A few Tifinagh titles (sample text; have it reviewed before any real use). */
const TIFINAGH = ['ⵜⴰⵏⵣⴰⵀⴰ ⴷ ⵓⵙⵎⵓⵙⵙⵓ ⵏ ⵓⵎⵓⵔ', 'ⴰⵙⵉⵡⵍ ⵅⴼ ⵜⵏⵣⴰⵀⴰ ⴳ ⵜⵏⴱⴰⴹⵜ', 'ⴰⵎⵙⵙⵓⴷⵙ ⵏ ⵜⵏⵣⴰⵀⴰ ⴷ ⵜⴼⵔⵉⵙⵜ'];

const DOC_TITLES: Record<string, { fr: (t: string, y: number) => string; ar: (t: string, y: number) => string }> = {
  report: { fr: (t, y) => `Rapport ${y} sur ${t}`, ar: (t, y) => `تقرير ${y} حول ${t}` },
  study: { fr: (t) => `Étude sur ${t}`, ar: (t) => `دراسة حول ${t}` },
  guide: { fr: (t) => `Guide pratique sur ${t}`, ar: (t) => `دليل عملي حول ${t}` },
  memorandum: { fr: (t) => `Avis du Conseil sur ${t}`, ar: (t) => `رأي المجلس حول ${t}` },
  legal_text: { fr: (t) => `Décret relatif à ${t}`, ar: (t) => `مرسوم يتعلق بـ${t}` },
  national_statistics: { fr: (_t, y) => `Bulletin statistique ${y}`, ar: (_t, y) => `النشرة الإحصائية ${y}` },
  international_statistics: { fr: (_t, y) => `Indice de perception de la corruption ${y} : le Maroc`, ar: (_t, y) => `مؤشر إدراك الفساد ${y}: المغرب` },
  press_release: { fr: (t) => `Communiqué de presse relatif à ${t}`, ar: (t) => `بلاغ صحفي حول ${t}` },
  event: { fr: (t) => `Conférence sur ${t}`, ar: (t) => `ندوة حول ${t}` },
  video: { fr: (t) => `Vidéo : comprendre ${t}`, ar: (t) => `فيديو: فهم ${t}` },
  audio: { fr: (t) => `Podcast : ${t}`, ar: (t) => `بودكاست: ${t}` },
  photo: { fr: (t) => `Galerie photos : ${t}`, ar: (t) => `معرض صور: ${t}` },
  press_kit: { fr: (t) => `Dossier de presse : ${t}`, ar: (t) => `ملف صحفي: ${t}` },
  interview: { fr: (t) => `Entretien sur ${t}`, ar: (t) => `حوار حول ${t}` },
  library: { fr: (t) => `Ouvrage de référence : ${t}`, ar: (t) => `مرجع: ${t}` },
  training: { fr: (t) => `Formation : ${t}`, ar: (t) => `دورة تكوينية: ${t}` },
  news: { fr: (t) => `Actualité : ${t}`, ar: (t) => `خبر: ${t}` },
};

export interface DemoItem {
  index: number;
  /** Absolute publication time. */
  at: Date;
  title: string;
  summary: string;
  language: 'ar' | 'fr' | 'en' | 'zgh';
  docType: string;
  /** PDF pages of the linked document, when the source links PDFs. */
  pdfPages?: string[];
  scanned?: boolean;
  /** Training items: the session, 2 to 10 weeks after the announcement. */
  course?: DemoCourse;
}

export interface DemoCourse {
  starts: Date;
  ends: Date;
  format: 'online' | 'in_person' | 'hybrid';
  audience: string;
  city: string;
}

const AUDIENCES = [
  'Fonctionnaires des administrations publiques',
  'Élus et cadres des collectivités territoriales',
  'Acheteurs publics',
  'Magistrats et greffiers',
  'Associations de la société civile',
  'Journalistes',
];
const CITIES = ['Rabat', 'Casablanca', 'Fès', 'Marrakech', 'Tanger', 'Agadir', 'Oujda', 'Laâyoune'];

export interface SourceSpec {
  /** Seed and identity of the item sequence. */
  key: string;
  language: 'ar' | 'fr' | 'mixed' | 'en-fr';
  docTypes: string[];
  /** Items are published every `periodDays` (with jitter) from `start`. */
  start: string;
  periodDays: number;
  /** Nothing is published after this date (a partner gone silent). */
  stop?: string;
  /** The listing or feed shows the latest `window` items. */
  window: number;
  institution: { fr: string; ar: string; en: string };
  pdf?: boolean;
  /** Index of an item whose PDF is a scan without text. */
  scannedIndex?: number;
}

/** The paragraphs of a generated document, with phrases the tests search for. */
function pdfPages(random: () => number, lang: 'ar' | 'fr', title: string, topic: (typeof TOPICS)[number], year: number): string[] {
  if (lang === 'ar') {
    return [
      `${title}\n\nيتناول هذا التقرير ${topic.ar} في المغرب، ويقدم حصيلة سنة ${year}.\nتعتمد المنهجية على خريطة المخاطر وعلى مقابلات مع المرتفقين.\nيوصي التقرير بتعزيز الشفافية وتخليق الحياة العامة وتبسيط المساطر الإدارية.`,
      `الفصل الأول: الإطار القانوني\nالقانون رقم 46.19 المتعلق بالهيئة الوطنية للنزاهة والوقاية من الرشوة ومحاربتها.\nالقانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات.\nالمرسوم رقم 2.17.265 المتعلق بتنظيم الإدارة.`,
      `الفصل الثاني: التوصيات\n1. نشر المعطيات المفتوحة حول ${topic.ar}.\n2. تقوية آليات التبليغ وحماية المبلغين.\n3. تتبع تنفيذ التوصيات بمؤشرات قابلة للقياس (${Math.round(random() * 90 + 10)} مؤشرا).`,
    ];
  }
  return [
    `${title}\n\nCe document traite de ${topic.fr} au Maroc et présente le bilan de l'année ${year}.\nLa méthode repose sur une cartographie des risques de corruption et sur des entretiens avec les usagers.\nIl recommande de renforcer la transparence, la probité et la simplification des procédures.`,
    `Chapitre premier : le cadre juridique\nLa loi n° 46-19 relative à l'Instance nationale de la probité, de la prévention et de la lutte contre la corruption.\nLa loi n° 31-13 relative au droit d'accès à l'information.\nLe décret n° 2.17.265 relatif à l'organisation de l'administration.`,
    `Chapitre 2 : recommandations\n1. Publier des données ouvertes sur ${topic.fr}.\n2. Renforcer les mécanismes de signalement et la protection des lanceurs d'alerte.\n3. Suivre la mise en œuvre avec des indicateurs mesurables (${Math.round(random() * 90 + 10)} indicateurs).`,
  ];
}

const DAY = 86_400_000;

/** The items of a source published by `now`, newest first, at most `window` of them. */
export function itemsOf(spec: SourceSpec, now: Date): DemoItem[] {
  const start = Date.parse(`${spec.start}T09:00:00Z`);
  const end = Math.min(now.getTime(), spec.stop ? Date.parse(`${spec.stop}T23:59:59Z`) : Infinity);
  const period = spec.periodDays * DAY;
  const last = Math.floor((end - start) / period);
  const items: DemoItem[] = [];
  for (let index = last; index >= 0 && items.length < spec.window; index--) {
    const random = prng(seedOf(`${spec.key}#${index}`));
    // Jitter within the period; an item whose moment has not come yet is not published.
    const at = new Date(start + index * period + Math.floor(random() * period * 0.6));
    if (at.getTime() > end) continue;
    items.push(makeItem(spec, index, at, random));
  }
  return items;
}

function makeItem(spec: SourceSpec, index: number, at: Date, random: () => number): DemoItem {
  const topic = pickFrom(random, TOPICS);
  const docType = pickFrom(random, spec.docTypes);
  const year = at.getUTCFullYear();
  let language: DemoItem['language'];
  if (spec.language === 'mixed') language = index % 11 === 5 ? 'zgh' : random() < 0.5 ? 'ar' : 'fr';
  else if (spec.language === 'en-fr') language = random() < 0.35 ? 'en' : 'fr';
  else language = spec.language;
  let title: string;
  let summary: string;
  if (language === 'zgh') {
    title = pickFrom(random, TIFINAGH);
    summary = `${title}. ${spec.institution.ar}`;
  } else if (docType === 'news' || docType === 'event' && random() < 0.3) {
    const inst = spec.institution[language];
    const templates = language === 'ar' ? NEWS_AR : language === 'en' ? NEWS_EN : NEWS_FR;
    title = pickFrom(random, templates)(inst, topic[language]);
    summary =
      language === 'ar'
        ? `<p>في إطار ${topic.ar}، نظمت ${inst} لقاء بمشاركة ممثلي الإدارات والمجتمع المدني، خصص لتقديم حصيلة ${year} وآفاق العمل.</p>`
        : language === 'en'
          ? `<p>As part of its work on ${topic.en}, ${inst} met representatives of administrations and civil society to review ${year}.</p>`
          : `<p>Dans le cadre de ${topic.fr}, ${inst} a réuni des représentants des administrations et de la société civile pour dresser le bilan de ${year}.</p>`;
  } else {
    const make = DOC_TITLES[docType] ?? DOC_TITLES.report!;
    const lang = language === 'ar' ? 'ar' : 'fr';
    title = make[lang](topic[lang], year);
    if (language === 'en') title = `${docType === 'report' ? 'Report' : 'Publication'} on ${topic.en} (${year})`;
    summary = lang === 'ar' ? `<p>${title}. ${spec.institution.ar}.</p>` : `<p>${title}. ${spec.institution.fr}.</p>`;
  }
  const item: DemoItem = { index, at, title, summary, language, docType };
  if (docType === 'training') {
    const starts = new Date(at.getTime() + Math.floor(14 + random() * 56) * DAY);
    const formats = ['online', 'in_person', 'hybrid'] as const;
    item.course = {
      starts,
      ends: new Date(starts.getTime() + Math.floor(random() * 3) * DAY),
      format: pickFrom(random, formats),
      audience: pickFrom(random, AUDIENCES),
      city: pickFrom(random, CITIES),
    };
  }
  if (spec.pdf) {
    const lang = language === 'ar' ? 'ar' : 'fr';
    item.pdfPages = pdfPages(random, lang, title, topic, year);
    item.scanned = spec.scannedIndex !== undefined && index % 17 === spec.scannedIndex;
  }
  return item;
}

// ---------------------------------------------------------------- date formats of the sites

const FR_MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const MA_MONTHS = ['يناير', 'فبراير', 'مارس', 'أبريل', 'ماي', 'يونيو', 'يوليوز', 'غشت', 'شتنبر', 'أكتوبر', 'نونبر', 'دجنبر'];
const EAST_MONTHS = ['يناير', 'فبراير', 'مارس', 'أبريل', 'مايو', 'يونيو', 'يوليو', 'أغسطس', 'سبتمبر', 'أكتوبر', 'نوفمبر', 'ديسمبر'];
const pad = (n: number) => String(n).padStart(2, '0');
const arabicDigits = (text: string) => text.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));

export type DateStyle = 'fr-long' | 'fr-published' | 'fr-time' | 'ar-ma' | 'ar-ma-indic' | 'ar-east' | 'dmy' | 'mdy' | 'dot' | 'iso' | 'month-year' | 'hijri-ar' | 'hijri-fr';

export function formatDemoDate(date: Date, style: DateStyle): string {
  const d = date.getUTCDate();
  const m = date.getUTCMonth();
  const y = date.getUTCFullYear();
  switch (style) {
    case 'fr-long':
      return `${d === 1 ? '1er' : d} ${FR_MONTHS[m]} ${y}`;
    case 'fr-published':
      return `Publié le ${d} ${FR_MONTHS[m]} ${y}`;
    case 'fr-time':
      return `Le ${pad(d)}/${pad(m + 1)}/${y} à ${pad(9 + (d % 8))}h${pad((d * 7) % 60)}`;
    case 'ar-ma':
      return `${d} ${MA_MONTHS[m]} ${y}`;
    case 'ar-ma-indic':
      return arabicDigits(`${d} ${MA_MONTHS[m]} ${y}`);
    case 'ar-east':
      return `${d} ${EAST_MONTHS[m]} ${y}`;
    case 'dmy':
      return `${pad(d)}/${pad(m + 1)}/${y}`;
    case 'mdy':
      return `${pad(m + 1)}/${pad(d)}/${y}`;
    case 'dot':
      return `${pad(d)}.${pad(m + 1)}.${y}`;
    case 'iso':
      return date.toISOString().slice(0, 10);
    case 'month-year':
      return `${FR_MONTHS[m]![0]!.toUpperCase()}${FR_MONTHS[m]!.slice(1)} ${y}`;
    case 'hijri-ar':
    case 'hijri-fr': {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-u-ca-islamic-umalqura-nu-latn', { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' })
          .formatToParts(date)
          .map((p) => [p.type, p.value]),
      );
      const hijriAr = ['محرم', 'صفر', 'ربيع الأول', 'ربيع الآخر', 'جمادى الأولى', 'جمادى الآخرة', 'رجب', 'شعبان', 'رمضان', 'شوال', 'ذو القعدة', 'ذو الحجة'];
      const hijriFr = ['moharram', 'safar', 'rabii I', 'rabii II', 'joumada I', 'joumada II', 'rajab', 'chaabane', 'ramadan', 'chaoual', 'kaada', 'hija'];
      const hm = Number(parts.month) - 1;
      return style === 'hijri-ar'
        ? `صادر في ${parts.day} ${hijriAr[hm]} ${parts.year} (${d} ${MA_MONTHS[m]} ${y})`
        : `du ${parts.day} ${hijriFr[hm]} ${parts.year} (${d} ${FR_MONTHS[m]} ${y})`;
    }
  }
}
