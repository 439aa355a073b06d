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

// ---------------------------------------------------------------- words
// The content reads as a ministry would write it: French articles contracted ("du", "au", "aux"),
// Arabic verbs agreeing with the institution, no two items of a source with the same title.

/** An institution as the demo's texts name it, with its French article and its Arabic gender. */
export interface Institution {
  fr: string;
  ar: string;
  en: string;
  /** The Arabic name is feminine (الهيئة، الوزارة…): its verbs take the feminine form. */
  arFeminine?: boolean;
  /** The official French name, as the institution writes it as an organiser (default: `fr` without its article). */
  official?: string;
}

/** "de" before a French noun phrase: "du CNDH", "des conflits", "de la Cour", "d'Agadir". */
export function de(phrase: string): string {
  if (phrase.startsWith('le ')) return `du ${phrase.slice(3)}`;
  if (phrase.startsWith('les ')) return `des ${phrase.slice(4)}`;
  if (/^[aeiouyéèêâîôûhAEIOUYÉÈÊÂÎÔÛ]/.test(phrase) && !/^l'/.test(phrase)) return `d'${phrase}`;
  return `de ${phrase}`;
}

/** "à" before a French noun phrase: "au CNDH", "aux conflits", "à la Cour". */
export function a(phrase: string): string {
  if (phrase.startsWith('le ')) return `au ${phrase.slice(3)}`;
  if (phrase.startsWith('les ')) return `aux ${phrase.slice(4)}`;
  return `à ${phrase}`;
}

const cap = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Arabic "of/for" joined to a name: ل + الهيئة → للهيئة, ل + اللجنة → للجنة, ل + وزارة → لوزارة. */
export function li(name: string): string {
  if (name.startsWith('الل')) return `لل${name.slice(3)}`;
  return name.startsWith('ال') ? `لل${name.slice(2)}` : `ل${name}`;
}

interface Topic {
  fr: string;
  ar: string;
  en: string;
  /** Sentences about the topic for a document's summary ("Le document …", "ترصد الوثيقة …"). */
  details?: { fr: string[]; ar: string[] };
}

const T = (fr: string, ar: string, en: string, details?: Topic['details']): Topic => ({ fr, ar, en, details });

/** Integrity: the default subjects of the partners' publications. */
export const TOPICS: Topic[] = [
  T('la prévention de la corruption', 'الوقاية من الرشوة', 'preventing corruption', {
    fr: ['Le document fait le point sur la mise en œuvre de la stratégie nationale de lutte contre la corruption.', 'Le document recense les mesures prises par les administrations pour réduire les risques de corruption dans leurs services.'],
    ar: ['ترصد الوثيقة حصيلة تنزيل الاستراتيجية الوطنية لمكافحة الفساد.', 'تستعرض الوثيقة التدابير التي اتخذتها الإدارات للحد من مخاطر الرشوة في مصالحها.'],
  }),
  T('la transparence des marchés publics', 'شفافية الصفقات العمومية', 'transparency in public procurement', {
    fr: ["Le document examine la publication des programmes prévisionnels d'achats et des résultats des appels d'offres.", 'Le document relève les délais de paiement des entreprises titulaires et propose des moyens de réduire ces délais.'],
    ar: ['تتناول الوثيقة نشر البرامج التوقعية للمشتريات ونتائج طلبات العروض.', 'ترصد الوثيقة آجال أداء مستحقات المقاولات نائلة الصفقات وتقترح سبل تقليصها.'],
  }),
  T("le droit d'accès à l'information", 'الحق في الحصول على المعلومات', 'the right of access to information', {
    fr: ["Le document dresse le bilan des demandes d'information reçues par les administrations en application de la loi n° 31-13.", 'Le document rappelle les délais de réponse et les voies de recours ouvertes aux demandeurs.'],
    ar: ['تقدم الوثيقة حصيلة طلبات الحصول على المعلومات التي توصلت بها الإدارات تطبيقا للقانون رقم 31.13.', 'تذكر الوثيقة بآجال الرد وبطرق الطعن المتاحة لأصحاب الطلبات.'],
  }),
  T("l'intégrité dans le secteur de la santé", 'النزاهة في قطاع الصحة', 'integrity in the health sector', {
    fr: ["Le document s'appuie sur une enquête menée auprès des patients de plusieurs hôpitaux publics.", "Le document propose de mieux encadrer l'achat des médicaments et des équipements médicaux."],
    ar: ['تعتمد الوثيقة على بحث ميداني أنجز لدى مرتفقي عدد من المستشفيات العمومية.', 'تقترح الوثيقة تأطيرا أفضل لاقتناء الأدوية والتجهيزات الطبية.'],
  }),
  T("la protection des lanceurs d'alerte", 'حماية المبلغين عن الفساد', 'protecting whistleblowers', {
    fr: ["Le document analyse l'application de la loi n° 37-10 sur la protection des victimes, des témoins, des experts et des dénonciateurs.", 'Le document recommande un canal de signalement confidentiel dans chaque administration.'],
    ar: ['تحلل الوثيقة تطبيق القانون رقم 37.10 المتعلق بحماية الضحايا والشهود والخبراء والمبلغين.', 'توصي الوثيقة بإحداث قناة سرية للتبليغ في كل إدارة.'],
  }),
  T('la déclaration obligatoire de patrimoine', 'التصريح الإجباري بالممتلكات', 'mandatory asset declarations', {
    fr: ['Le document fait le point sur le nombre de déclarations déposées et sur les retards constatés.', 'Le document propose de dématérialiser le dépôt et le contrôle des déclarations.'],
    ar: ['تقف الوثيقة عند عدد التصريحات المودعة وحالات التأخر المسجلة.', 'تقترح الوثيقة رقمنة إيداع التصريحات ومراقبتها.'],
  }),
  T('la gouvernance des collectivités territoriales', 'حكامة الجماعات الترابية', 'local government governance', {
    fr: ['Le document examine la gestion budgétaire de plusieurs communes et la publication de leurs délibérations.', 'Le document encourage la participation des habitants au suivi des projets locaux.'],
    ar: ['تدرس الوثيقة التدبير المالي لعدد من الجماعات ونشر مقررات مجالسها.', 'تشجع الوثيقة مشاركة الساكنة في تتبع المشاريع المحلية.'],
  }),
  T('la moralisation de la vie publique', 'تخليق الحياة العامة', 'ethics in public life', {
    fr: ['Le document revient sur les codes de déontologie adoptés par les administrations et les élus.', "Le document souligne le rôle de l'exemplarité des responsables publics."],
    ar: ['تتوقف الوثيقة عند مدونات الأخلاقيات التي اعتمدتها الإدارات والمنتخبون.', 'تبرز الوثيقة أهمية القدوة لدى المسؤولين العموميين.'],
  }),
  T("les conflits d'intérêts", 'تضارب المصالح', 'conflicts of interest', {
    fr: ['Le document propose des règles de déport pour les agents publics et les élus.', 'Le document compare les dispositifs de prévention adoptés dans plusieurs pays.'],
    ar: ['تقترح الوثيقة قواعد للتنحي خاصة بالموظفين العموميين والمنتخبين.', 'تقارن الوثيقة آليات الوقاية المعتمدة في عدد من الدول.'],
  }),
  T('la lutte contre le blanchiment de capitaux', 'مكافحة غسل الأموال', 'fighting money laundering', {
    fr: ['Le document présente les déclarations de soupçon transmises par les établissements assujettis.', "Le document suit la mise en œuvre des recommandations du Groupe d'action financière."],
    ar: ['تعرض الوثيقة التصريحات بالاشتباه التي أحالتها المؤسسات الخاضعة.', 'تتتبع الوثيقة تنفيذ توصيات مجموعة العمل المالي.'],
  }),
  T('la numérisation des services publics', 'رقمنة الخدمات العمومية', 'digital public services', {
    fr: ['Le document mesure la part des démarches administratives accessibles en ligne.', 'Le document montre comment la dématérialisation réduit les occasions de sollicitations indues.'],
    ar: ['تقيس الوثيقة نسبة المساطر الإدارية المتاحة عبر الإنترنت.', 'تبين الوثيقة كيف تقلص رقمنة المساطر فرص الطلبات غير المشروعة.'],
  }),
  T("l'éthique dans l'administration", 'الأخلاقيات في الإدارة العمومية', 'ethics in the administration', {
    fr: ['Le document présente la charte des services publics et les obligations qu\'elle fixe aux agents.', 'Le document propose des formations à la déontologie pour les fonctionnaires nouvellement recrutés.'],
    ar: ['تقدم الوثيقة ميثاق المرافق العمومية والالتزامات التي يحددها للموظفين.', 'تقترح الوثيقة تكوينات في الأخلاقيات لفائدة الموظفين الجدد.'],
  }),
  T('la simplification des procédures administratives', 'تبسيط المساطر الإدارية', 'simpler administrative procedures', {
    fr: ["Le document dresse le bilan de l'application de la loi n° 55-19 relative à la simplification des procédures et formalités administratives.", 'Le document recense les pièces que les administrations ne peuvent plus exiger des usagers.'],
    ar: ['تقدم الوثيقة حصيلة تطبيق القانون رقم 55.19 المتعلق بتبسيط المساطر والإجراءات الإدارية.', 'تحصي الوثيقة الوثائق التي لم يعد من حق الإدارات مطالبة المرتفقين بها.'],
  }),
  T("l'intégrité dans le secteur privé", 'النزاهة في القطاع الخاص', 'integrity in the private sector', {
    fr: ['Le document présente les programmes de conformité adoptés par les entreprises.', 'Le document recommande aux PME des procédures simples de contrôle interne.'],
    ar: ['تعرض الوثيقة برامج الامتثال التي اعتمدتها المقاولات.', 'توصي الوثيقة المقاولات الصغرى والمتوسطة بمساطر مبسطة للمراقبة الداخلية.'],
  }),
];

interface Pool {
  topics: Topic[];
  /** Summary sentences for every topic of the pool (topics may also have their own). */
  details: { fr: string[]; ar: string[] };
}

/** Subjects by partner, where the partner has a field of its own. */
const POOLS: Record<string, Pool> = {
  'conseil-concurrence': {
    topics: [
      T('la concurrence sur le marché des carburants', 'المنافسة في سوق المحروقات', 'competition in the fuel market'),
      T('le fonctionnement du marché des médicaments', 'سير سوق الأدوية', 'the medicines market'),
      T('la concurrence dans la commande publique', 'المنافسة في الطلبيات العمومية', 'competition in public procurement'),
      T('le secteur des télécommunications mobiles', 'قطاع الاتصالات المتنقلة', 'mobile telecommunications'),
      T('la distribution des produits alimentaires', 'توزيع المواد الغذائية', 'food distribution'),
      T('les concentrations dans le secteur bancaire', 'التركيزات الاقتصادية في القطاع البنكي', 'mergers in banking'),
      T('le marché du ciment', 'سوق الإسمنت', 'the cement market'),
      T('les plateformes numériques de livraison', 'المنصات الرقمية للتوصيل', 'delivery platforms'),
    ],
    details: {
      fr: ['Le document analyse la structure du marché et le comportement de ses principaux opérateurs.', "Le document formule des recommandations pour lever les barrières à l'entrée de nouveaux concurrents."],
      ar: ['تحلل الوثيقة بنية السوق وسلوك أبرز الفاعلين فيها.', 'تقدم الوثيقة توصيات لرفع الحواجز أمام دخول منافسين جدد.'],
    },
  },
  cndp: {
    topics: [
      T('la vidéosurveillance sur les lieux de travail', 'المراقبة بالكاميرات في أماكن العمل', 'CCTV at work'),
      T("les données biométriques utilisées pour le contrôle d'accès", 'المعطيات البيومترية المستعملة لمراقبة الولوج', 'biometric access control'),
      T('la prospection commerciale par SMS', 'الاستمالة التجارية عبر الرسائل القصيرة', 'marketing by text message'),
      T('la géolocalisation des véhicules de service', 'تحديد الموقع الجغرافي لسيارات المصلحة', 'tracking service vehicles'),
      T('le dossier médical électronique', 'الملف الطبي الإلكتروني', 'electronic health records'),
      T("le transfert de données personnelles vers l'étranger", 'نقل المعطيات الشخصية إلى الخارج', 'transfers of personal data abroad'),
      T("les données des candidats à l'emploi", 'معطيات المترشحين للتشغيل', "job applicants' data"),
      T('les dispositifs internes de signalement des entreprises', 'آليات التبليغ الداخلية في المقاولات', 'internal whistleblowing schemes'),
    ],
    details: {
      fr: ['Le document précise les conditions de licéité du traitement et la durée de conservation des données.', "Le document rappelle les droits d'accès, de rectification et d'opposition des personnes concernées."],
      ar: ['تحدد الوثيقة شروط مشروعية المعالجة ومدة الاحتفاظ بالمعطيات.', 'تذكر الوثيقة بحقوق الولوج والتصحيح والتعرض المخولة للأشخاص المعنيين.'],
    },
  },
  haca: {
    topics: [
      T('le respect du pluralisme pendant les périodes électorales', 'احترام التعددية خلال الفترات الانتخابية', 'pluralism during elections'),
      T('la protection du jeune public', 'حماية الجمهور الناشئ', 'protecting young audiences'),
      T('la publicité dans les services radiophoniques', 'الإشهار في الخدمات الإذاعية', 'advertising on radio'),
      T('le traitement médiatique des affaires de corruption', 'المعالجة الإعلامية لقضايا الفساد', 'media coverage of corruption cases'),
      T("l'image des femmes dans les programmes", 'صورة المرأة في البرامج', 'the image of women in programmes'),
      T("l'accès des personnes handicapées aux programmes télévisés", 'ولوج الأشخاص في وضعية إعاقة إلى البرامج التلفزية', 'television access for people with disabilities'),
      T("la diversité linguistique et culturelle à l'antenne", 'التنوع اللغوي والثقافي في البث', 'linguistic and cultural diversity on air'),
      T('les émissions interactives et le respect de la vie privée', 'البرامج التفاعلية واحترام الحياة الخاصة', 'phone-in shows and privacy'),
    ],
    details: {
      fr: ['Le document rappelle aux opérateurs les obligations fixées par leurs cahiers des charges.', "Le document s'appuie sur le suivi des programmes diffusés au cours du trimestre."],
      ar: ['تذكر الوثيقة بالالتزامات التي تحددها دفاتر التحملات للمتعهدين.', 'تعتمد الوثيقة على تتبع البرامج المبثوثة خلال الفصل.'],
    },
  },
  add: {
    topics: [
      T('la signature électronique', 'التوقيع الإلكتروني', 'electronic signatures'),
      T('la cybersécurité des administrations', 'الأمن السيبراني للإدارات', 'cybersecurity in public bodies'),
      T('les données ouvertes', 'المعطيات المفتوحة', 'open data'),
      T("l'identité numérique", 'الهوية الرقمية', 'digital identity'),
      T('la dématérialisation des marchés publics', 'رقمنة الصفقات العمومية', 'e-procurement'),
      T("l'intelligence artificielle au service de l'usager", 'الذكاء الاصطناعي في خدمة المرتفق', 'artificial intelligence for public services'),
      T("l'inclusion numérique dans le monde rural", 'الإدماج الرقمي في العالم القروي', 'digital inclusion in rural areas'),
      T('la gestion électronique des documents', 'التدبير الإلكتروني للوثائق', 'electronic records management'),
    ],
    details: {
      fr: ['Le document présente les outils mis à la disposition des administrations et les étapes de leur déploiement.', 'Le document s\'adresse aux agents chargés des projets numériques.'],
      ar: ['تقدم الوثيقة الأدوات الموضوعة رهن إشارة الإدارات ومراحل تعميمها.', 'تتوجه الوثيقة إلى الأطر المكلفين بالمشاريع الرقمية.'],
    },
  },
  bam: {
    topics: [
      T('la protection de la clientèle bancaire', 'حماية زبناء البنوك', 'protecting bank customers'),
      T("l'inclusion financière", 'الإدماج المالي', 'financial inclusion'),
      T('la lutte contre le blanchiment de capitaux', 'مكافحة غسل الأموال', 'fighting money laundering'),
      T('la stabilité financière', 'الاستقرار المالي', 'financial stability'),
      T('les paiements par mobile', 'الأداء عبر الهاتف المحمول', 'mobile payments'),
      T('la médiation bancaire', 'الوساطة البنكية', 'banking mediation'),
      T('la gouvernance des établissements de crédit', 'حكامة مؤسسات الائتمان', 'governance of credit institutions'),
      T("l'éducation financière", 'التربية المالية', 'financial education'),
    ],
    details: {
      fr: ['Le document rappelle le cadre réglementaire applicable aux établissements de crédit.', "Le document présente les chiffres clés de l'année écoulée."],
      ar: ['تذكر الوثيقة بالإطار التنظيمي المطبق على مؤسسات الائتمان.', 'تقدم الوثيقة الأرقام الرئيسية للسنة الماضية.'],
    },
  },
};

const INTEGRITY: Pool = { topics: TOPICS, details: { fr: [], ar: [] } };

interface Place {
  fr: string;
  /** With the Arabic preposition "in" attached: "بالرباط". */
  ar: string;
  en: string;
}

const CITIES: Place[] = [
  { fr: 'Rabat', ar: 'بالرباط', en: 'Rabat' },
  { fr: 'Casablanca', ar: 'بالدار البيضاء', en: 'Casablanca' },
  { fr: 'Fès', ar: 'بفاس', en: 'Fez' },
  { fr: 'Marrakech', ar: 'بمراكش', en: 'Marrakesh' },
  { fr: 'Tanger', ar: 'بطنجة', en: 'Tangier' },
  { fr: 'Agadir', ar: 'بأكادير', en: 'Agadir' },
  { fr: 'Oujda', ar: 'بوجدة', en: 'Oujda' },
  { fr: 'Laâyoune', ar: 'بالعيون', en: 'Laayoune' },
  { fr: 'Meknès', ar: 'بمكناس', en: 'Meknes' },
  { fr: 'Tétouan', ar: 'بتطوان', en: 'Tetouan' },
  { fr: 'Béni Mellal', ar: 'ببني ملال', en: 'Beni Mellal' },
  { fr: 'Dakhla', ar: 'بالداخلة', en: 'Dakhla' },
  { fr: 'Errachidia', ar: 'بالرشيدية', en: 'Errachidia' },
  { fr: 'Kénitra', ar: 'بالقنيطرة', en: 'Kenitra' },
];

const ABROAD: Place[] = [
  { fr: 'Vienne', ar: 'بفيينا', en: 'Vienna' },
  { fr: 'Paris', ar: 'بباريس', en: 'Paris' },
  { fr: 'Genève', ar: 'بجنيف', en: 'Geneva' },
  { fr: 'Addis-Abeba', ar: 'بأديس أبابا', en: 'Addis Ababa' },
  { fr: 'Doha', ar: 'بالدوحة', en: 'Doha' },
  { fr: 'Dakar', ar: 'بداكار', en: 'Dakar' },
];

const REGIONS = [
  { fr: 'la région Rabat-Salé-Kénitra', ar: 'الرباط سلا القنيطرة' },
  { fr: 'la région Casablanca-Settat', ar: 'الدار البيضاء سطات' },
  { fr: 'la région Fès-Meknès', ar: 'فاس مكناس' },
  { fr: 'la région Marrakech-Safi', ar: 'مراكش آسفي' },
  { fr: 'la région Tanger-Tétouan-Al Hoceïma', ar: 'طنجة تطوان الحسيمة' },
  { fr: 'la région Souss-Massa', ar: 'سوس ماسة' },
  { fr: "la région de l'Oriental", ar: 'الشرق' },
];

const PARTNERS_OF_EVENTS = [
  { fr: "l'Université Mohammed V de Rabat", ar: 'جامعة محمد الخامس بالرباط' },
  { fr: "l'Association marocaine des présidents des conseils communaux", ar: 'الجمعية المغربية لرؤساء مجالس الجماعات' },
  { fr: "la Fédération des chambres de commerce, d'industrie et de services", ar: 'جامعة غرف التجارة والصناعة والخدمات' },
  { fr: "l'Institut supérieur de la magistrature", ar: 'المعهد العالي للقضاء' },
  { fr: "l'École nationale supérieure de l'administration", ar: 'المدرسة الوطنية العليا للإدارة' },
  { fr: "un réseau d'associations de l'Oriental", ar: 'شبكة جمعيات جهة الشرق' },
];

const INTERVIEWEES = [
  'une magistrate de la Cour des comptes',
  'un expert en commande publique',
  'une militante associative de Tanger',
  "le coordinateur d'un observatoire local de la transparence",
  'une chercheuse en gouvernance publique',
  "un ancien inspecteur général de l'administration",
];

/** Laws the Ministry of Justice's texts apply (numbers as Moroccan official texts write them). */
const LAWS_AR = [
  'القانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات',
  'القانون رقم 46.19 المتعلق بالهيئة الوطنية للنزاهة والوقاية من الرشوة ومحاربتها',
  'القانون رقم 54.19 بمثابة ميثاق المرافق العمومية',
  'القانون رقم 55.19 المتعلق بتبسيط المساطر والإجراءات الإدارية',
  'القانون رقم 09.08 المتعلق بحماية الأشخاص الذاتيين تجاه معالجة المعطيات ذات الطابع الشخصي',
  'القانون رقم 43.05 المتعلق بمكافحة غسل الأموال',
  'القانون رقم 37.10 المتعلق بحماية الضحايا والشهود والخبراء والمبلغين',
  'القانون رقم 86.12 المتعلق بعقود الشراكة بين القطاعين العام والخاص',
];

/** A few Tifinagh titles (sample text; have it reviewed before any real use), with a place name. */
const TIFINAGH = ['ⵜⴰⵏⵣⴰⵀⴰ ⴷ ⵓⵙⵎⵓⵙⵙⵓ ⵏ ⵓⵎⵓⵔ', 'ⴰⵙⵉⵡⵍ ⵅⴼ ⵜⵏⵣⴰⵀⴰ ⴳ ⵜⵏⴱⴰⴹⵜ', 'ⴰⵎⵙⵙⵓⴷⵙ ⵏ ⵜⵏⵣⴰⵀⴰ ⴷ ⵜⴼⵔⵉⵙⵜ'];
const TIFINAGH_PLACES = ['ⵕⵕⴱⴰⵟ', 'ⴰⴳⴰⴷⵉⵔ', 'ⴼⴰⵙ', 'ⵎⵕⵕⴰⴽⵛ', 'ⵡⵊⴷⴰ', 'ⵟⵟⴰⵏⵊⴰ'];

const FR_MONTH_NAMES = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const AR_MONTH_NAMES = ['يناير', 'فبراير', 'مارس', 'أبريل', 'ماي', 'يونيو', 'يوليوز', 'غشت', 'شتنبر', 'أكتوبر', 'نونبر', 'دجنبر'];
const frMonth = (date: Date) => `${FR_MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
const frDay = (date: Date) => `${date.getUTCDate() === 1 ? '1er' : date.getUTCDate()} ${frMonth(date)}`;
const arDay = (date: Date) => `${date.getUTCDate()} ${AR_MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCFullYear()}`;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The topic and the title template of item `index` of a source: a walk through the `topics *
 * templates` pairs with a step coprime to their number (from an offset given by the source's seed),
 * so no pair comes back before every other has been used, and both change from one item to the next.
 */
function combo(key: string, index: number, topics: number, templates: number): [topic: number, template: number] {
  const n = topics * templates;
  let step = topics + 1;
  while (gcd(step, n) !== 1 || (templates > 1 && Math.floor(step / topics) % templates === 0)) step++;
  const m = (index * step + (seedOf(key) % n)) % n;
  return [m % topics, Math.floor(m / topics)];
}

/** Another choice of item `index`, from `size` options, moving by a step coprime to `size`. */
function spread(key: string, index: number, size: number): number {
  let step = 5;
  while (gcd(step, size) !== 1) step++;
  return (index * step + (seedOf(key) % size)) % size;
}

interface Words {
  topic: Topic;
  detail: (lang: 'fr' | 'ar') => string;
  city: Place;
  abroad: Place;
  region: (typeof REGIONS)[number];
  partner: (typeof PARTNERS_OF_EVENTS)[number];
  interviewee: string;
  law: string;
  variant: number;
  inst: Institution;
  at: Date;
  year: number;
  index: number;
}

type Title = (w: Words) => string;

/** French titles by document type; every one names its topic and at most one more varying part. */
const TITLES_FR: Record<string, Title[]> = {
  report: [
    (w) => `Rapport thématique ${de(w.inst.fr)} sur ${w.topic.fr}`,
    (w) => `Rapport ${de(w.inst.fr)} : évaluation ${de(w.topic.fr)}`,
    (w) => `Rapport de suivi des recommandations ${de(w.inst.fr)} sur ${w.topic.fr}`,
    (w) => `État des lieux ${de(w.topic.fr)} au Maroc : la contribution ${de(w.inst.fr)}`,
  ],
  study: [
    (w) => `Étude ${de(w.inst.fr)} sur ${w.topic.fr}`,
    (w) => `Enquête ${de(w.inst.fr)} auprès des usagers sur ${w.topic.fr}`,
    (w) => `Étude comparative sur ${w.topic.fr}`,
    (w) => `Note d'analyse ${de(w.inst.fr)} sur ${w.topic.fr}`,
  ],
  guide: [
    (w) => `Guide pratique ${de(w.inst.fr)} sur ${w.topic.fr}`,
    (w) => `Guide de l'usager : ${w.topic.fr} (édition ${de(frMonth(w.at))})`,
    (w) => `Guide méthodologique ${de(w.inst.fr)} sur ${w.topic.fr}`,
    (w) => `Questions-réponses sur ${w.topic.fr} : ce que répond ${w.inst.fr}`,
  ],
  memorandum: [
    (w) => `Avis n° A/${w.index + 7}/${String(w.year).slice(2)} relatif ${a(w.topic.fr)}`,
    (w) => `Avis du Conseil sur ${w.topic.fr}`,
    (w) => `Mémorandum sur ${w.topic.fr}`,
  ],
  press_release: [
    (w) => `Communiqué ${de(w.inst.fr)} relatif ${a(w.topic.fr)}`,
    (w) => `Communiqué : ${w.inst.fr} publie ses observations sur ${w.topic.fr}`,
    (w) => `Communiqué à l'issue de la réunion ${de(w.city.fr)} consacrée ${a(w.topic.fr)}`,
    (w) => `Communiqué de presse ${de(w.inst.fr)} sur ${w.topic.fr}`,
  ],
  event: [
    (w) => `Conférence à ${w.city.fr} sur ${w.topic.fr}`,
    (w) => `Table ronde à ${w.city.fr} : ${w.topic.fr}`,
    (w) => `Forum régional ${de(w.city.fr)} sur ${w.topic.fr}`,
    (w) => `Séminaire de formation à ${w.city.fr} sur ${w.topic.fr}`,
    (w) => `Journée portes ouvertes à ${w.city.fr} : ${w.topic.fr}`,
  ],
  video: [
    (w) => `Vidéo : trois minutes pour comprendre ${w.topic.fr}`,
    (w) => `Vidéo : retour sur la rencontre ${de(w.city.fr)} consacrée ${a(w.topic.fr)}`,
    (w) => `Capsule vidéo ${de(w.inst.fr)} sur ${w.topic.fr}`,
  ],
  audio: [
    (w) => `Podcast « Sur les ondes », épisode ${w.index + 1} : ${w.topic.fr}`,
    (w) => `Podcast : ${w.topic.fr}, épisode ${w.index + 1}`,
  ],
  photo: [
    (w) => `Galerie photos : la rencontre ${de(w.city.fr)} sur ${w.topic.fr}`,
    (w) => `En images : ${w.topic.fr} à ${w.city.fr}`,
  ],
  press_kit: [
    (w) => `Dossier de presse : ${w.topic.fr} (${frMonth(w.at)})`,
    (w) => `Dossier de presse de la rencontre ${de(w.city.fr)} sur ${w.topic.fr}`,
  ],
  interview: [
    (w) => `Entretien avec ${w.interviewee} sur ${w.topic.fr}`,
    (w) => `« ${cap(w.topic.fr)} » : entretien avec ${w.interviewee}`,
  ],
  library: [
    (w) => `Recueil de textes juridiques sur ${w.topic.fr}`,
    (w) => `Bibliographie commentée sur ${w.topic.fr}`,
    (w) => `Actes du colloque ${de(w.city.fr)} sur ${w.topic.fr}`,
    (w) => `Synthèse des travaux de recherche sur ${w.topic.fr}`,
  ],
  training: [
    (w) => `Formation en ligne sur ${w.topic.fr} (session ${de(frMonth(w.at))})`,
    (w) => `Parcours d'autoformation sur ${w.topic.fr}`,
    (w) => `Atelier pratique à distance : ${w.topic.fr}`,
    (w) => `Cours en ligne ouvert sur ${w.topic.fr}`,
  ],
};

const TITLES_AR: Record<string, Title[]> = {
  report: [
    (w) => `تقرير موضوعاتي حول ${w.topic.ar}`,
    (w) => `تقرير تقييمي حول ${w.topic.ar}`,
    (w) => `تقرير تتبع تنفيذ التوصيات المتعلقة ب${w.topic.ar}`,
    (w) => `تقرير حول واقع ${w.topic.ar} بالمغرب`,
  ],
  study: [(w) => `دراسة حول ${w.topic.ar}`, (w) => `بحث وطني حول ${w.topic.ar}`, (w) => `دراسة مقارنة حول ${w.topic.ar}`],
  guide: [
    (w) => `دليل عملي حول ${w.topic.ar}`,
    (w) => `دليل المرتفق في مجال ${w.topic.ar}`,
    (w) => `دليل منهجي حول ${w.topic.ar} لفائدة الإدارات`,
    (w) => `أسئلة وأجوبة حول ${w.topic.ar}`,
  ],
  legal_text: [
    (w) => `مرسوم رقم 2.${String(w.year).slice(2)}.${w.index + 151} بتطبيق ${w.law}`,
    (w) => `قرار لوزير العدل رقم ${w.index + 1203}.${String(w.year).slice(2)} بتحديد كيفيات تطبيق ${w.law}`,
    (w) => `منشور رقم ${w.index + 14} حول تنزيل ${w.law}`,
  ],
};

const TITLES_EN: Record<string, Title[]> = {
  library: [
    (w) => `Collected legal texts on ${w.topic.en}`,
    (w) => `Annotated bibliography on ${w.topic.en}`,
    (w) => `Proceedings of the ${w.city.en} conference on ${w.topic.en}`,
    (w) => `Research digest on ${w.topic.en}`,
  ],
  report: [(w) => `Report on ${w.topic.en}`],
};

const feminine = (inst: Institution, masculine: string, feminineForm: string) => (inst.arFeminine ? feminineForm : masculine);

/** News: each headline with the summary that goes with it. */
type News = [title: Title, summary: Title];
const NEWS_FR: News[] = [
  [(w) => `${cap(w.inst.fr)} organise à ${w.city.fr} un atelier régional sur ${w.topic.fr}`, (w) => `L'atelier, animé par ${w.inst.fr}, a réuni à ${w.city.fr} des représentants des administrations, des élus et de la société civile autour ${de(w.topic.fr)}.`],
  [(w) => `Signature d'une convention de partenariat entre ${w.inst.fr} et ${w.partner.fr} sur ${w.topic.fr}`, (w) => `La convention signée avec ${w.partner.fr} prévoit des actions communes de formation et de sensibilisation sur ${w.topic.fr}, avec un bilan chaque année.`],
  [(w) => `${cap(w.inst.fr)} lance à ${w.city.fr} une campagne de sensibilisation sur ${w.topic.fr}`, (w) => `La campagne, menée à ${w.city.fr} avec les associations locales, vise à mieux faire connaître aux citoyens ${w.topic.fr}.`],
  [(w) => `${cap(w.inst.fr)} prend part à ${w.abroad.fr} au forum international sur ${w.topic.fr}`, (w) => `La délégation ${de(w.inst.fr)} a présenté à ${w.abroad.fr} l'expérience marocaine dans le domaine ${de(w.topic.fr)}.`],
  [(w) => `Rencontre ${de(w.inst.fr)} avec les acteurs locaux ${de(w.city.fr)} autour ${de(w.topic.fr)}`, (w) => `Les échanges avec les acteurs locaux ${de(w.city.fr)} ont porté sur ${w.topic.fr} et sur les attentes des habitants.`],
  [(w) => `Journée d'étude ${de(w.inst.fr)} à ${w.city.fr} sur ${w.topic.fr}`, (w) => `Universitaires, praticiens et responsables publics ont débattu à ${w.city.fr} ${de(w.topic.fr)}.`],
  [(w) => `${cap(w.inst.fr)} forme les cadres ${de(w.region.fr)} ${a(w.topic.fr)}`, (w) => `La session, organisée à ${w.city.fr}, a réuni une trentaine de cadres ${de(w.region.fr)} autour ${de(w.topic.fr)}.`],
  [(w) => `${cap(w.inst.fr)} présente à ${w.city.fr} les conclusions de son rapport sur ${w.topic.fr}`, (w) => `${cap(w.inst.fr)} a présenté à ${w.city.fr} les principaux constats et recommandations de son rapport sur ${w.topic.fr}.`],
];
const NEWS_AR: News[] = [
  [(w) => `${w.inst.ar} ${feminine(w.inst, 'ينظم', 'تنظم')} ورشة جهوية ${w.city.ar} حول ${w.topic.ar}`, (w) => `جمعت هذه الورشة، التي ${feminine(w.inst, 'نظمها', 'نظمتها')} ${w.inst.ar} ${w.city.ar}، ممثلي الإدارات والمنتخبين وجمعيات المجتمع المدني حول ${w.topic.ar}.`],
  [(w) => `توقيع اتفاقية شراكة بين ${w.inst.ar} و${w.partner.ar} في مجال ${w.topic.ar}`, (w) => `تنص الاتفاقية الموقعة مع ${w.partner.ar} على أنشطة مشتركة في التكوين والتحسيس في مجال ${w.topic.ar}، مع حصيلة سنوية.`],
  [(w) => `${w.inst.ar} ${feminine(w.inst, 'يطلق', 'تطلق')} حملة تحسيسية ${w.city.ar} حول ${w.topic.ar}`, (w) => `تهدف الحملة، التي تنظم ${w.city.ar} بتعاون مع الجمعيات المحلية، إلى التعريف ب${w.topic.ar} لدى المواطنين.`],
  [(w) => `مشاركة ${w.inst.ar} في المنتدى الدولي حول ${w.topic.ar} ${w.abroad.ar}`, (w) => `قدم الوفد المغربي ${w.abroad.ar} التجربة الوطنية في مجال ${w.topic.ar}.`],
  [(w) => `لقاء تواصلي ${li(w.inst.ar)} مع الفاعلين المحليين ${w.city.ar} حول ${w.topic.ar}`, (w) => `تناول اللقاء ${w.city.ar} موضوع ${w.topic.ar} وانتظارات الساكنة.`],
  [(w) => `يوم دراسي ${li(w.inst.ar)} ${w.city.ar} حول ${w.topic.ar}`, (w) => `ناقش جامعيون وممارسون ومسؤولون عموميون ${w.city.ar} قضايا ${w.topic.ar}.`],
  [(w) => `${w.inst.ar} ${feminine(w.inst, 'ينظم', 'تنظم')} دورة تكوينية لفائدة أطر جهة ${w.region.ar} حول ${w.topic.ar}`, (w) => `شارك في هذه الدورة، التي نظمت ${w.city.ar}، حوالي ثلاثين إطارا من جهة ${w.region.ar}.`],
  [(w) => `${w.inst.ar} ${feminine(w.inst, 'يقدم', 'تقدم')} ${w.city.ar} خلاصات ${feminine(w.inst, 'تقريره', 'تقريرها')} حول ${w.topic.ar}`, (w) => `${feminine(w.inst, 'قدم', 'قدمت')} ${w.inst.ar} ${w.city.ar} أبرز خلاصات وتوصيات ${feminine(w.inst, 'تقريره', 'تقريرها')} حول ${w.topic.ar}.`],
];
const NEWS_EN: News[] = [
  [(w) => `${cap(w.inst.en)} holds a workshop in ${w.city.en} on ${w.topic.en}`, (w) => `The workshop in ${w.city.en} brought together public bodies, local councillors and civil society to discuss ${w.topic.en}.`],
  [(w) => `Awareness campaign on ${w.topic.en} launched in ${w.city.en}`, (w) => `The campaign, run in ${w.city.en} with local associations, aims to make ${w.topic.en} better known.`],
  [(w) => `${cap(w.inst.en)} joins the international forum on ${w.topic.en} in ${w.abroad.en}`, (w) => `The delegation presented Morocco's experience of ${w.topic.en} in ${w.abroad.en}.`],
  [(w) => `Study day in ${w.city.en} on ${w.topic.en}`, (w) => `Academics, practitioners and officials discussed ${w.topic.en} in ${w.city.en}.`],
];

const NEWS_CLOSING = {
  fr: [
    'Les recommandations issues des travaux seront publiées dans les prochaines semaines.',
    "Cette action s'inscrit dans le programme de l'année {year}.",
    "Les présentations sont disponibles sur le site de l'institution.",
    "Une deuxième session est prévue avant la fin de l'année.",
  ],
  ar: ['وستنشر التوصيات المنبثقة عن الأشغال خلال الأسابيع المقبلة.', 'ويندرج هذا النشاط ضمن برنامج عمل سنة {year}.', 'والعروض المقدمة متاحة على موقع المؤسسة.', 'ومن المرتقب تنظيم دورة ثانية قبل نهاية السنة.'],
  en: ['The recommendations will be published in the coming weeks.', 'It is part of the {year} programme of work.', "The presentations are available on the institution's website."],
};

/** The second sentence of a summary for what is not a document (a topic's details describe documents). */
const NOT_A_DOCUMENT: Record<string, string> = {
  video: 'Des spécialistes y répondent aux questions que les citoyens posent le plus souvent.',
  photo: 'Les photos montrent les temps forts de la rencontre et ses intervenants.',
  press_kit: 'Il réunit les communiqués, les chiffres clés et les contacts pour la presse.',
  audio: 'Un épisode d\'une trentaine de minutes, avec des invités du secteur.',
  interview: "L'entretien revient sur les progrès accomplis et sur les obstacles qui demeurent.",
  training: 'La formation, gratuite, est ouverte aux agents publics sur inscription.',
};

/** What each kind of document is called in a summary's first sentence. */
const DOC_NOUNS: Record<string, { fr: string; consacre: string; ar: string }> = {
  report: { fr: 'un rapport', consacre: 'consacré', ar: 'تقريرا' },
  study: { fr: 'une étude', consacre: 'consacrée', ar: 'دراسة' },
  guide: { fr: 'un guide', consacre: 'consacré', ar: 'دليلا' },
  memorandum: { fr: 'un avis', consacre: 'consacré', ar: 'رأيا' },
  press_release: { fr: 'un communiqué', consacre: 'consacré', ar: 'بلاغا' },
  event: { fr: 'une rencontre', consacre: 'consacrée', ar: 'لقاء' },
  video: { fr: 'une vidéo', consacre: 'consacrée', ar: 'شريطا' },
  audio: { fr: 'un épisode de son podcast', consacre: 'consacré', ar: 'حلقة' },
  photo: { fr: 'une galerie de photos', consacre: 'consacrée', ar: 'معرض صور' },
  press_kit: { fr: 'un dossier de presse', consacre: 'consacré', ar: 'ملفا صحفيا' },
  interview: { fr: 'un entretien', consacre: 'consacré', ar: 'حوارا' },
  library: { fr: 'un ouvrage de référence', consacre: 'consacré', ar: 'مرجعا' },
  training: { fr: 'une formation', consacre: 'consacrée', ar: 'تكوينا' },
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
const COURSE_CITIES = ['Rabat', 'Casablanca', 'Fès', 'Marrakech', 'Tanger', 'Agadir', 'Oujda', 'Laâyoune'];

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
  institution: Institution;
  pdf?: boolean;
  /** Index of an item whose PDF is a scan without text. */
  scannedIndex?: number;
}

/** The paragraphs of a generated document, with phrases the tests search for. */
function pdfPages(random: () => number, lang: 'ar' | 'fr', title: string, topic: Topic, year: number): string[] {
  if (lang === 'ar') {
    return [
      `${title}\n\nتتناول هذه الوثيقة ${topic.ar} في المغرب، وتقدم حصيلة سنة ${year}.\nتعتمد المنهجية على خريطة المخاطر وعلى مقابلات مع المرتفقين.\nتوصي الوثيقة بتعزيز الشفافية وتخليق الحياة العامة وتبسيط المساطر الإدارية.`,
      `الفصل الأول: الإطار القانوني\nالقانون رقم 46.19 المتعلق بالهيئة الوطنية للنزاهة والوقاية من الرشوة ومحاربتها.\nالقانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات.\nالمرسوم رقم 2.17.265 المتعلق بتنظيم الإدارة.`,
      `الفصل الثاني: التوصيات\n1. نشر المعطيات المفتوحة حول ${topic.ar}.\n2. تقوية آليات التبليغ وحماية المبلغين.\n3. تتبع تنفيذ التوصيات بمؤشرات قابلة للقياس (${Math.round(random() * 90 + 10)} مؤشرا).`,
    ];
  }
  return [
    `${title}\n\nCe document traite ${de(topic.fr)} au Maroc et présente le bilan de l'année ${year}.\nLa méthode repose sur une cartographie des risques de corruption et sur des entretiens avec les usagers.\nIl recommande de renforcer la transparence, la probité et la simplification des procédures.`,
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
  const partner = spec.key.split('/')[0]!;
  const pool = POOLS[partner] ?? INTEGRITY;
  const docType = pickFrom(random, spec.docTypes);
  const year = at.getUTCFullYear();
  let language: DemoItem['language'];
  if (spec.language === 'mixed') language = index % 11 === 5 ? 'zgh' : random() < 0.5 ? 'ar' : 'fr';
  else if (spec.language === 'en-fr') language = random() < 0.35 ? 'en' : 'fr';
  else language = spec.language;

  const templates =
    docType === 'news'
      ? (language === 'en' ? NEWS_EN : NEWS_FR).length
      : docType === 'legal_text' && language === 'ar'
        ? TITLES_AR.legal_text!.length
        : ((language === 'ar' ? TITLES_AR : language === 'en' ? TITLES_EN : TITLES_FR)[docType]?.length ?? 1);
  const [t, v] = combo(spec.key, index, pool.topics.length, templates);
  const c = spread(`${spec.key}#city`, index, CITIES.length);
  const x = spread(`${spec.key}#other`, index, 6);
  const topic = pool.topics[t]!;
  const details = (lang: 'fr' | 'ar') => [...(topic.details?.[lang] ?? []), ...pool.details[lang]];
  const words: Words = {
    topic,
    detail: (lang) => details(lang)[(v + c) % details(lang).length] ?? '',
    city: CITIES[c]!,
    abroad: ABROAD[x]!,
    region: REGIONS[x % REGIONS.length]!,
    partner: PARTNERS_OF_EVENTS[x]!,
    interviewee: INTERVIEWEES[x]!,
    law: LAWS_AR[(t + x) % LAWS_AR.length]!,
    variant: v,
    inst: spec.institution,
    at,
    year,
    index,
  };
  const pick = (list: Title[]) => list[v % list.length]!(words);
  let title: string;
  let summary: string;
  if (language === 'zgh') {
    title = `${TIFINAGH[v % TIFINAGH.length]} (${TIFINAGH_PLACES[c % TIFINAGH_PLACES.length]}, ${formatDemoDate(at, 'dot')})`;
    summary = `<p>${title}</p>`;
  } else if (docType === 'news') {
    const closing = (lang: 'fr' | 'ar' | 'en') => NEWS_CLOSING[lang][(c + x) % NEWS_CLOSING[lang].length]!.replace('{year}', String(year));
    const news = language === 'ar' ? NEWS_AR : language === 'en' ? NEWS_EN : NEWS_FR;
    const [makeTitle, makeSummary] = news[v % news.length]!;
    title = makeTitle(words);
    // A convention is signed, not held: no "second session" after it.
    const isConvention = language !== 'en' && v % NEWS_FR.length === 1;
    summary = `<p>${makeSummary(words)}${isConvention ? '' : ` ${closing(language)}`}</p>`;
  } else if (docType === 'legal_text') {
    ({ title, summary } = legalText(partner, language, words));
  } else if (docType === 'national_statistics' || docType === 'international_statistics') {
    ({ title, summary } = statistics(partner, docType, words));
  } else if (language === 'en') {
    title = pick(TITLES_EN[docType] ?? TITLES_EN.report!);
    summary = `<p>Published by ${spec.institution.en} in ${year}. ${cap(topic.en)} in Morocco: the texts, the figures and the debates.</p>`;
  } else {
    const noun = DOC_NOUNS[docType] ?? DOC_NOUNS.report!;
    if (language === 'ar') {
      title = pick(TITLES_AR[docType] ?? TITLES_AR.report!);
      summary = `<p>${feminine(spec.institution, 'نشر', 'نشرت')} ${spec.institution.ar} ${noun.ar} حول ${topic.ar} سنة ${year}. ${words.detail('ar')}</p>`;
    } else {
      title = pick(TITLES_FR[docType] ?? TITLES_FR.report!);
      summary =
        docType === 'event'
          ? `<p>${cap(spec.institution.fr)} organise cette rencontre le ${frDay(at)} à ${words.city.fr}. Les échanges porteront sur ${topic.fr} ; l'entrée est libre, sur inscription.</p>`
          : `<p>${cap(spec.institution.fr)} publie ${noun.fr} ${noun.consacre} ${a(topic.fr)} (${frMonth(at)}). ${NOT_A_DOCUMENT[docType] ?? words.detail('fr')}</p>`;
    }
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
      city: pickFrom(random, COURSE_CITIES),
    };
  }
  if (spec.pdf) {
    const lang = language === 'ar' ? 'ar' : 'fr';
    item.pdfPages = pdfPages(random, lang, title, topic, year);
    item.scanned = spec.scannedIndex !== undefined && index % 17 === spec.scannedIndex;
  }
  return item;
}

/** Decisions (HACA), deliberations (CNDP) and the Ministry of Justice's texts, numbered. */
function legalText(partner: string, language: DemoItem['language'], w: Words): { title: string; summary: string } {
  const yy = String(w.year).slice(2);
  if (language === 'ar') {
    const title = TITLES_AR.legal_text![w.variant % TITLES_AR.legal_text!.length]!(w);
    return { title, summary: `<p>نص منشور بتاريخ ${arDay(w.at)}، يحدد كيفيات تطبيق ${w.law}.</p>` };
  }
  if (partner === 'haca') {
    return {
      title: `Décision du CSCA n° ${w.index + 12}-${yy} relative ${a(w.topic.fr)}`,
      summary: `<p>Le Conseil supérieur de la communication audiovisuelle a adopté cette décision lors de sa séance du ${frDay(w.at)}. ${w.detail('fr')}</p>`,
    };
  }
  if (partner === 'cndp') {
    return {
      title: `Délibération n° D-${w.index + 101}-${w.year} relative ${a(w.topic.fr)}`,
      summary: `<p>La Commission a adopté cette délibération lors de sa séance du ${frDay(w.at)}. ${w.detail('fr')}</p>`,
    };
  }
  return {
    title: `Arrêté n° ${w.index + 1203}-${yy} relatif ${a(w.topic.fr)}`,
    summary: `<p>Texte publié le ${frDay(w.at)}. ${w.detail('fr')}</p>`,
  };
}

/** Monthly bulletins (Bank Al-Maghrib, the Treasury) and the yearly corruption perceptions index. */
function statistics(partner: string, docType: string, w: Words): { title: string; summary: string } {
  if (docType === 'international_statistics') {
    const edition = w.year - 1;
    return {
      title: `Indice de perception de la corruption ${edition} : les résultats du Maroc`,
      summary: `<p>Transparency Maroc présente la place du Maroc dans l'édition ${edition} de l'indice publié par Transparency International, et son évolution depuis 2012.</p>`,
    };
  }
  // A bulletin covers the month before its publication.
  const covered = new Date(Date.UTC(w.at.getUTCFullYear(), w.at.getUTCMonth() - 1, 15));
  if (partner === 'tgr') {
    return {
      title: `Bulletin mensuel de statistiques des finances publiques n° ${w.index + 101} (${frMonth(covered)})`,
      summary: `<p>Situation des charges et ressources du Trésor à fin ${frMonth(covered)} : recettes ordinaires, dépenses et solde budgétaire.</p>`,
    };
  }
  const series = [
    { title: 'Statistiques monétaires', summary: 'ses statistiques monétaires : agrégats de monnaie, crédit bancaire et contreparties' },
    { title: 'Indicateurs des taux débiteurs', summary: 'les taux débiteurs pratiqués par les banques, par objet de crédit' },
    { title: 'Statistiques des moyens de paiement', summary: 'les opérations par carte, virement et paiement mobile' },
  ][w.index % 3]!;
  return {
    title: `${series.title} (${frMonth(covered)})`,
    summary: `<p>${cap(w.inst.fr)} publie ${series.summary}, à fin ${frMonth(covered)}.</p>`,
  };
}

// ---------------------------------------------------------------- visits

/**
 * A year of simulated daily visits before `now` (the demo's indicators would otherwise chart twelve
 * empty months): more on weekdays, growing over the year, in Arabic, French and English. Counted
 * like real ones: per day, page group and language, nothing about anyone.
 */
export function demoVisits(now: Date, days = 365): Array<{ day: string; pathGroup: string; language: string; count: number }> {
  const groups: Array<[string, number]> = [['home', 0.3], ['search', 0.2], ['item', 0.2], ['publications', 0.1], ['news', 0.08], ['claims', 0.07], ['indicators', 0.05]];
  const languages: Array<[string, number]> = [['ar', 0.55], ['fr', 0.38], ['en', 0.07]];
  const visits: Array<{ day: string; pathGroup: string; language: string; count: number }> = [];
  for (let back = days; back >= 1; back--) {
    const date = new Date(now.getTime() - back * DAY);
    const day = date.toISOString().slice(0, 10);
    const random = prng(seedOf(`visits#${day}`));
    const weekday = date.getUTCDay();
    const base = (weekday === 0 || weekday === 6 ? 180 : 320) * (1 + (days - back) / days) * (0.8 + 0.4 * random());
    for (const [pathGroup, groupShare] of groups) {
      for (const [language, languageShare] of languages) {
        const count = Math.round(base * groupShare * languageShare);
        if (count > 0) visits.push({ day, pathGroup, language, count });
      }
    }
  }
  return visits;
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
