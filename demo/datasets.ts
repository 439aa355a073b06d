// The demo partners' statistics files (issue 16), as partners publish them: INPPLC's CSV of
// reports received per year and channel (semicolons, French numbers, "n.d.", a note under the
// table), its JSON of processing times per quarter (percentages), the Public Prosecutor's XLSX of
// corruption cases per region (a merged title, a header merged over two rows, formulas with cached
// values), Transparency Maroc's international index in the World Bank's [meta, rows] layout, and
// one malformed file (a workbook cut short) at the Court of Accounts. Every figure is simulated
// and says so, in the file and in the series' names and notes. Generated from a seed: the same
// on every run, and the latest period follows the clock.
import type ExcelJS from 'exceljs';
import { prng, seedOf } from './content.ts';

export interface DemoDataset {
  partner: string;
  /** The source's id in the config. */
  id: string;
  path: string;
  contentType: string;
  /** The source's config besides id, type and url, as an operator writes it. */
  config: Record<string, unknown>;
  body(now: Date): Promise<Buffer>;
}

const SIMULATED = {
  fr: 'Chiffres simulés pour la démonstration du portail : ils ne décrivent pas la réalité.',
  ar: 'أرقام افتراضية لأغراض عرض البوابة، ولا تعكس الواقع.',
  en: 'Simulated figures for the portal demonstration: they do not describe reality.',
};

const CHANNELS = ['Plateforme électronique', 'Ligne téléphonique', 'Courrier', 'Accueil physique'];

export const REGIONS = [
  'Tanger-Tétouan-Al Hoceïma',
  "L'Oriental",
  'Fès-Meknès',
  'Rabat-Salé-Kénitra',
  'Béni Mellal-Khénifra',
  'Casablanca-Settat',
  'Marrakech-Safi',
  'Drâa-Tafilalet',
  'Souss-Massa',
  'Guelmim-Oued Noun',
  'Laâyoune-Sakia El Hamra',
  'Dakhla-Oued Ed-Dahab',
];

const COUNTRIES = [
  { id: 'MA', iso3: 'MAR', name: 'Morocco', base: 39 },
  { id: 'TN', iso3: 'TUN', name: 'Tunisia', base: 42 },
  { id: 'DZ', iso3: 'DZA', name: 'Algeria', base: 34 },
  { id: 'EG', iso3: 'EGY', name: 'Egypt', base: 33 },
  { id: 'JO', iso3: 'JOR', name: 'Jordan', base: 48 },
  { id: 'SN', iso3: 'SEN', name: 'Senegal', base: 43 },
  { id: 'ES', iso3: 'ESP', name: 'Spain', base: 59 },
  { id: 'FR', iso3: 'FRA', name: 'France', base: 70 },
];

/** The files' values as visitors read them in each language (value_labels). */
const CHANNEL_LABELS = {
  Canal: {
    'Plateforme électronique': { ar: 'المنصة الإلكترونية', fr: 'Plateforme électronique', en: 'Online platform' },
    'Ligne téléphonique': { ar: 'الخط الهاتفي', fr: 'Ligne téléphonique', en: 'Telephone line' },
    Courrier: { ar: 'البريد', fr: 'Courrier', en: 'Mail' },
    'Accueil physique': { ar: 'الاستقبال المباشر', fr: 'Accueil physique', en: 'In person' },
  },
};
const REGION_NAMES_AR = [
  'طنجة-تطوان-الحسيمة',
  'الشرق',
  'فاس-مكناس',
  'الرباط-سلا-القنيطرة',
  'بني ملال-خنيفرة',
  'الدار البيضاء-سطات',
  'مراكش-آسفي',
  'درعة-تافيلالت',
  'سوس-ماسة',
  'كلميم-واد نون',
  'العيون-الساقية الحمراء',
  'الداخلة-وادي الذهب',
];
const COUNTRY_NAMES: Record<string, { ar: string; fr: string }> = {
  Morocco: { ar: 'المغرب', fr: 'Maroc' },
  Tunisia: { ar: 'تونس', fr: 'Tunisie' },
  Algeria: { ar: 'الجزائر', fr: 'Algérie' },
  Egypt: { ar: 'مصر', fr: 'Égypte' },
  Jordan: { ar: 'الأردن', fr: 'Jordanie' },
  Senegal: { ar: 'السنغال', fr: 'Sénégal' },
  Spain: { ar: 'إسبانيا', fr: 'Espagne' },
  France: { ar: 'فرنسا', fr: 'France' },
};

/** "1 234" with a narrow no-break space, as French tables write thousands. */
const frenchNumber = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');

/** The last complete year: annual statistics come out the year after. */
const lastYear = (now: Date) => now.getUTCFullYear() - 1;

async function reportsCsv(now: Date): Promise<Buffer> {
  const random = prng(seedOf('inpplc/reports-by-channel'));
  const rows = ['Année;Canal;Signalements reçus;Dont recevables'];
  for (let year = 2019; year <= lastYear(now); year++) {
    const growth = 1 + (year - 2019) * 0.18;
    CHANNELS.forEach((channel, c) => {
      const base = [1800, 950, 420, 300][c]! * growth * (0.9 + random() * 0.2);
      // The reception desk opened in 2020: the 2019 figure is not available.
      if (c === 3 && year === 2019) {
        rows.push(`${year};${channel};n.d.;n.d.`);
        return;
      }
      rows.push(`${year};${channel};${frenchNumber(base)};${frenchNumber(base * (0.35 + random() * 0.1))}`);
    });
  }
  rows.push(';;;', 'Source : INPPLC. Chiffres simulés pour la démonstration du portail.;;;', 'n.d. : non disponible (accueil physique ouvert en 2020).;;;');
  // Excel's "CSV UTF-8": a byte order mark and CRLF.
  return Buffer.from(`\ufeff${rows.join('\r\n')}\r\n`);
}

async function delaysJson(now: Date): Promise<Buffer> {
  const random = prng(seedOf('inpplc/processing-times'));
  const records: Array<Record<string, unknown>> = [];
  const quarterNow = Math.floor(now.getUTCMonth() / 3); // the current quarter is not over
  for (let year = 2022; year <= now.getUTCFullYear(); year++) {
    for (let q = 1; q <= 4; q++) {
      if (year === now.getUTCFullYear() && q > quarterNow) break;
      const rate = 52 + (year - 2022) * 6 + q * 1.2 + random() * 4;
      records.push({ trimestre: `T${q} ${year}`, indicateur: 'Signalements traités en moins de 60 jours', taux: `${rate.toFixed(1).replace('.', ',')} %` });
    }
  }
  return Buffer.from(JSON.stringify({ source: 'INPPLC', note: SIMULATED.fr, donnees: records }, null, 1));
}

/** exceljs, loaded when a workbook is first built (it takes most of a second to load). */
async function excel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

async function casesXlsx(now: Date): Promise<Buffer> {
  const random = prng(seedOf('pmp/cases-by-region'));
  const workbook = new (await excel()).Workbook();
  workbook.creator = 'Présidence du Ministère Public (démonstration)';
  workbook.addWorksheet('Notes').getCell('A1').value = SIMULATED.fr;
  const ws = workbook.addWorksheet('Par région');
  ws.mergeCells('A1:E1');
  ws.getCell('A1').value = 'Affaires de corruption par région (chiffres simulés)';
  ws.getCell('A3').value = 'Région';
  ws.mergeCells('A3:A4');
  ws.getCell('B3').value = 'Année';
  ws.mergeCells('B3:B4');
  ws.getCell('C3').value = 'Affaires de corruption';
  ws.mergeCells('C3:E3');
  ws.getCell('C4').value = 'enregistrées';
  ws.getCell('D4').value = 'jugées';
  ws.getCell('E4').value = 'taux de jugement';
  let row = 5;
  for (const year of [lastYear(now) - 1, lastYear(now)]) {
    for (const [i, region] of REGIONS.entries()) {
      const weight = [9, 6, 8, 12, 5, 18, 10, 3, 6, 2, 2, 1][i]!;
      const registered = Math.round(weight * (30 + random() * 12) * (year === lastYear(now) ? 1.08 : 1));
      const judged = Math.round(registered * (0.55 + random() * 0.2));
      ws.getCell(`A${row}`).value = region;
      ws.getCell(`B${row}`).value = year;
      ws.getCell(`C${row}`).value = registered;
      ws.getCell(`D${row}`).value = judged;
      // A formula, read from its cached value (the portal never evaluates formulas).
      ws.getCell(`E${row}`).value = { formula: `D${row}/C${row}`, result: judged / registered } as ExcelJS.CellFormulaValue;
      ws.getCell(`E${row}`).numFmt = '0.0%';
      row++;
    }
    row++; // an empty row between the years
  }
  ws.getCell(`A${row + 1}`).value = 'Source : Présidence du Ministère Public. Chiffres simulés pour la démonstration.';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function cpiJson(now: Date): Promise<Buffer> {
  const rows: Array<Record<string, unknown>> = [];
  for (const country of COUNTRIES) {
    const random = prng(seedOf(`cpi/${country.id}`));
    for (let year = lastYear(now); year >= 2012; year--) {
      const value = Math.round(country.base + Math.sin(year * 0.9 + country.base) * 3 + (random() - 0.5) * 2);
      rows.push({
        indicator: { id: 'CPI.SCORE.SIM', value: 'Corruption Perceptions Index (simulated)' },
        country: { id: country.id, value: country.name },
        countryiso3code: country.iso3,
        date: String(year),
        value,
        unit: '',
        obs_status: '',
        decimal: 0,
      });
    }
  }
  const meta = { page: 1, pages: 1, per_page: 1000, total: rows.length, sourceid: 'demo', lastupdated: `${now.getUTCFullYear()}-01-31` };
  return Buffer.from(JSON.stringify([meta, rows]));
}

async function brokenXlsx(now: Date): Promise<Buffer> {
  // A workbook whose upload was cut short: the zip has no central directory.
  const workbook = new (await excel()).Workbook();
  const sheet = workbook.addWorksheet('Suivi');
  sheet.addRow(['Année', 'Recommandations suivies']);
  sheet.addRow([lastYear(now), 120]);
  const full = Buffer.from(await workbook.xlsx.writeBuffer());
  return full.subarray(0, Math.floor(full.length * 0.6));
}

/**
 * A dataset's file as served: built once per quarter (its content changes no more often). Building
 * a workbook takes exceljs a fraction of a second of the event loop, which the harvest sharing the
 * process (the demo, the tests) would otherwise pay on every request.
 */
const built = new Map<string, Promise<Buffer>>();
export function datasetBody(dataset: DemoDataset, now: Date): Promise<Buffer> {
  const key = `${dataset.partner}/${dataset.id}/${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
  let body = built.get(key);
  if (!body) {
    body = dataset.body(now);
    built.set(key, body);
    if (built.size > 50) built.delete(built.keys().next().value!);
  }
  return body;
}

export const DEMO_DATASETS: DemoDataset[] = [
  {
    partner: 'inpplc',
    id: 'reports-by-channel',
    path: '/sites/default/files/statistiques/signalements-par-canal.csv',
    contentType: 'text/csv; charset=utf-8',
    body: reportsCsv,
    config: {
      section: 'statistics',
      doc_type: 'national_statistics',
      series: [
        {
          id: 'reports-received',
          name: { fr: 'Signalements reçus par canal (chiffres simulés)', ar: 'التبليغات المتوصل بها حسب القناة (أرقام افتراضية)', en: 'Reports received by channel (simulated figures)' },
          unit: { fr: 'signalements', ar: 'تبليغ', en: 'reports' },
          theme: { fr: 'Signalements et plaintes', ar: 'التبليغات والشكايات', en: 'Reports and complaints' },
          definition: {
            fr: "Signalements d'actes de corruption reçus par l'Instance au cours de l'année, par canal de réception.",
            ar: 'التبليغات عن أفعال الفساد التي توصلت بها الهيئة خلال السنة، حسب قناة التوصل.',
            en: 'Reports of corruption received by the Authority during the year, by channel.',
          },
          notes: SIMULATED,
          period: 'Année',
          value: 'Signalements reçus',
          dimensions: ['Canal'],
          dimension_labels: { Canal: { fr: 'Canal', ar: 'القناة', en: 'Channel' } },
          value_labels: CHANNEL_LABELS,
          headline: 'sum',
        },
        {
          id: 'reports-admissible',
          name: { fr: 'Signalements recevables par canal (chiffres simulés)', ar: 'التبليغات المقبولة حسب القناة (أرقام افتراضية)', en: 'Admissible reports by channel (simulated figures)' },
          unit: { fr: 'signalements', ar: 'تبليغ', en: 'reports' },
          theme: { fr: 'Signalements et plaintes', ar: 'التبليغات والشكايات', en: 'Reports and complaints' },
          definition: {
            fr: "Signalements jugés recevables après examen (faits précis relevant de la compétence de l'Instance).",
            ar: 'التبليغات التي اعتُبرت مقبولة بعد دراستها (وقائع محددة تدخل في اختصاص الهيئة).',
            en: "Reports found admissible after review (precise facts within the Authority's remit).",
          },
          notes: SIMULATED,
          period: 'Année',
          value: 'Dont recevables',
          dimensions: ['Canal'],
          headline: 'sum',
        },
      ],
    },
  },
  {
    partner: 'inpplc',
    id: 'processing-times',
    path: '/api/statistiques/delais-traitement.json',
    contentType: 'application/json',
    body: delaysJson,
    config: {
      section: 'statistics',
      doc_type: 'national_statistics',
      records: 'donnees',
      series: [
        {
          id: 'processed-within-60-days',
          name: { fr: 'Signalements traités en moins de 60 jours (chiffres simulés)', ar: 'التبليغات المعالجة في أقل من 60 يوما (أرقام افتراضية)', en: 'Reports processed within 60 days (simulated figures)' },
          unit: { fr: 'des signalements', ar: 'من التبليغات', en: 'of reports' },
          theme: { fr: 'Signalements et plaintes', ar: 'التبليغات والشكايات', en: 'Reports and complaints' },
          definition: { fr: 'Part des signalements clos moins de 60 jours après leur réception, par trimestre.', ar: 'نسبة التبليغات التي أُغلقت في أقل من 60 يوما بعد التوصل بها، حسب الفصل.', en: 'Share of reports closed within 60 days of receipt, by quarter.' },
          notes: SIMULATED,
          period: 'trimestre',
          value: 'taux',
          filter: { indicateur: 'Signalements traités en moins de 60 jours' },
          decimals: 1,
        },
      ],
    },
  },
  {
    partner: 'pmp',
    id: 'cases-by-region',
    path: '/statistiques/affaires-corruption-regions.xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body: casesXlsx,
    config: {
      section: 'statistics',
      doc_type: 'national_statistics',
      sheet: 'Par région',
      header_row: [3, 4],
      series: [
        {
          id: 'corruption-cases-registered',
          name: { fr: 'Affaires de corruption enregistrées par région (chiffres simulés)', ar: 'قضايا الفساد المسجلة حسب الجهة (أرقام افتراضية)', en: 'Corruption cases registered by region (simulated figures)' },
          unit: { fr: 'affaires', ar: 'قضية', en: 'cases' },
          theme: { fr: 'Justice', ar: 'العدالة', en: 'Justice' },
          definition: { fr: 'Affaires de corruption enregistrées par les parquets, par région.', ar: 'قضايا الفساد المسجلة لدى النيابات العامة، حسب الجهة.', en: 'Corruption cases registered by the prosecution offices, by region.' },
          notes: SIMULATED,
          period: 'Année',
          value: 'Affaires de corruption / enregistrées',
          dimensions: ['Région'],
          dimension_labels: { Région: { fr: 'Région', ar: 'الجهة', en: 'Region' } },
          value_labels: { Région: Object.fromEntries(REGIONS.map((name, i) => [name, { ar: REGION_NAMES_AR[i]!, fr: name }])) },
          chart: 'bar',
          headline: 'sum',
        },
        {
          id: 'corruption-cases-judged-rate',
          name: { fr: 'Taux de jugement des affaires de corruption (chiffres simulés)', ar: 'نسبة البت في قضايا الفساد (أرقام افتراضية)', en: 'Share of corruption cases judged (simulated figures)' },
          unit: { fr: 'des affaires enregistrées', ar: 'من القضايا المسجلة', en: 'of registered cases' },
          theme: { fr: 'Justice', ar: 'العدالة', en: 'Justice' },
          notes: SIMULATED,
          period: 'Année',
          value: 'Affaires de corruption / taux de jugement',
          dimensions: ['Région'],
          chart: 'bar',
          headline: { Région: 'Rabat-Salé-Kénitra' },
          decimals: 1,
        },
      ],
    },
  },
  {
    partner: 'transparency-maroc',
    id: 'cpi-countries',
    path: '/api/v2/country/all/indicator/CPI.SCORE.SIM',
    contentType: 'application/json;charset=utf-8',
    body: cpiJson,
    config: {
      section: 'statistics',
      doc_type: 'international_statistics',
      format: 'json',
      layout: 'worldbank',
      series: [
        {
          id: 'cpi-score',
          name: { fr: 'Indice de perception de la corruption, par pays (chiffres simulés)', ar: 'مؤشر إدراك الفساد حسب البلد (أرقام افتراضية)', en: 'Corruption Perceptions Index by country (simulated figures)' },
          unit: { fr: 'score sur 100', ar: 'نقطة من 100', en: 'score out of 100' },
          theme: { fr: 'Indicateurs internationaux', ar: 'المؤشرات الدولية', en: 'International indicators' },
          definition: {
            fr: 'Score de 0 (très corrompu) à 100 (très intègre) attribué à chaque pays. Série simulée au format de l’API de la Banque mondiale.',
            ar: 'نقطة من 0 (فساد مرتفع جدا) إلى 100 (نزاهة عالية جدا) تُمنح لكل بلد. سلسلة افتراضية بصيغة واجهة البنك الدولي.',
            en: 'Score from 0 (highly corrupt) to 100 (very clean) given to each country. A simulated series in the World Bank API format.',
          },
          notes: SIMULATED,
          period: 'date',
          value: 'value',
          dimensions: ['country'],
          dimension_labels: { country: { fr: 'Pays', ar: 'البلد', en: 'Country' } },
          value_labels: { country: Object.fromEntries(COUNTRIES.map((c) => [c.name, { ...COUNTRY_NAMES[c.name]!, en: c.name }])) },
          compare: 'country',
          headline: { country: 'Morocco' },
        },
      ],
    },
  },
  {
    partner: 'cour-des-comptes',
    id: 'recommendations-followup',
    path: '/sites/default/files/donnees/suivi-recommandations.xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body: brokenXlsx,
    config: {
      section: 'statistics',
      doc_type: 'national_statistics',
      series: [
        {
          id: 'recommendations-followed',
          name: { fr: 'Recommandations suivies (chiffres simulés)', ar: 'التوصيات المتبعة (أرقام افتراضية)', en: 'Recommendations followed up (simulated figures)' },
          notes: SIMULATED,
          period: 'Année',
          value: 'Recommandations suivies',
        },
      ],
    },
  },
];
