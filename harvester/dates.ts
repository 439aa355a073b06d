// Publication dates as partners write them: RFC 822 and ISO 8601; French
// ("15 mai 2024", "Le 27/09/2021 à 17h25"); Arabic with Moroccan, Eastern, Levantine and Maghreb
// month names and Arabic-Indic digits; Hijri dates followed by the Gregorian one in parentheses
// (the Gregorian wins; a Hijri date alone is converted); numeric dates in the source's order;
// "il y a 3 jours", "منذ يومين". A date that cannot be valid in the source's order is not
// guessed into another order: the result is null.
import { type DateOrder } from '../config/index.ts';

export interface DateOptions {
  order?: DateOrder;
  /** For relative dates ("hier", "منذ 3 أيام"). */
  now?: Date;
}

const MONTH_NAMES: Array<[number, string[]]> = [
  [1, ['janvier', 'janv', 'jan', 'january', 'يناير', 'جانفي', 'كانون الثاني']],
  [2, ['février', 'fevrier', 'févr', 'fevr', 'fév', 'fev', 'february', 'feb', 'فبراير', 'فيفري', 'شباط']],
  [3, ['mars', 'march', 'mar', 'مارس', 'اذار']],
  [4, ['avril', 'avr', 'april', 'apr', 'ابريل', 'افريل', 'نيسان']],
  [5, ['mai', 'may', 'ماي', 'مايو', 'ايار']],
  [6, ['juin', 'june', 'jun', 'يونيو', 'يونيه', 'جوان', 'حزيران']],
  [7, ['juillet', 'juil', 'july', 'jul', 'يوليوز', 'يوليو', 'يوليه', 'جويليه', 'تموز']],
  [8, ['août', 'aout', 'aoû', 'august', 'aug', 'غشت', 'اغسطس', 'اوت', 'اب']],
  [9, ['septembre', 'sept', 'september', 'sep', 'شتنبر', 'سبتمبر', 'ايلول']],
  [10, ['octobre', 'october', 'oct', 'اكتوبر', 'تشرين الاول']],
  [11, ['novembre', 'november', 'nov', 'نونبر', 'نوفمبر', 'تشرين الثاني']],
  [12, ['décembre', 'decembre', 'déc', 'dec', 'december', 'دجنبر', 'ديسمبر', 'كانون الاول']],
];

const HIJRI_MONTHS: Array<[number, string[]]> = [
  [1, ['محرم', 'muharram', 'moharram', 'mouharram']],
  [2, ['صفر', 'safar', 'safar']],
  [3, ['ربيع الاول', 'ربيع الأول', 'rabia i', 'rabii al awal', 'rabi al awal', 'rabia al awal', 'rabiaa al awal', 'rabii i']],
  [4, ['ربيع الثاني', 'ربيع الاخر', 'ربيع الآخر', 'rabia ii', 'rabii al akhir', 'rabi al akhir', 'rabia al akhir', 'rabii al thani', 'rabii ii']],
  [5, ['جمادى الاولى', 'جمادي الاولي', 'جمادى الأولى', 'joumada i', 'joumada al oula', 'jumada al awal', 'joumada al oula']],
  [6, ['جمادى الاخرة', 'جمادى الآخرة', 'جمادي الاخره', 'جمادى الثانية', 'جمادي الثانيه', 'joumada ii', 'joumada al akhira', 'jumada al akhir', 'joumada al oukhra']],
  [7, ['رجب', 'rajab', 'rejeb']],
  [8, ['شعبان', 'chaabane', 'chaaban', 'shaaban', "cha'bane"]],
  [9, ['رمضان', 'ramadan', 'ramadane']],
  [10, ['شوال', 'chaoual', 'chawwal', 'shawwal', 'chaouwal']],
  [11, ['ذو القعدة', 'ذي القعدة', 'ذو القعده', 'ذي القعده', 'dou al qiida', 'dhou al qiida', 'dhu al qadah', 'kaada']],
  [12, ['ذو الحجة', 'ذي الحجة', 'ذو الحجه', 'ذي الحجه', 'dou al hijja', 'dhou al hijja', 'dhu al hijjah', 'hijja']],
];

/** Folds the text the way month names are written in the tables above. */
function prepare(input: string): string {
  let s = input.normalize('NFKC').toLowerCase();
  s = s.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
  s = s.replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
  s = s.replace(/[\u064b-\u065f\u0670\u0640]/g, ''); // harakat, tatweel
  s = s.replace(/[\u0622\u0623\u0625\u0671]/g, '\u0627').replace(/\u0649/g, '\u064a').replace(/\u0629/g, '\u0647');
  s = s.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ''); // bidi controls
  s = s.replace(/(\d)(er|ère|re)\b/g, '$1'); // "1er janvier"
  return s;
}

const foldName = (name: string) => prepare(name).replace(/\./g, '');

function alternation(table: Array<[number, string[]]>): { pattern: string; lookup: Map<string, number> } {
  const lookup = new Map<string, number>();
  for (const [month, names] of table) for (const name of names) lookup.set(foldName(name), month);
  const names = [...lookup.keys()].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
  return { pattern: names.join('|'), lookup };
}

const GREGORIAN = alternation(MONTH_NAMES);
const HIJRI = alternation(HIJRI_MONTHS);
const NOT_LETTER_BEFORE = '(?<![\\p{L}])';
const NOT_LETTER_AFTER = '(?![\\p{L}])';

const DAY_MONTH_YEAR = new RegExp(
  `(?<!\\d)(\\d{1,2})\\s*(?:de\\s+|[-./]\\s*)?${NOT_LETTER_BEFORE}(${GREGORIAN.pattern})${NOT_LETTER_AFTER}\\.?\\s*(?:de\\s+|[-,./]\\s*)?(\\d{4}|\\d{2})(?!\\d)`,
  'gu',
);
const MONTH_DAY_YEAR = new RegExp(`${NOT_LETTER_BEFORE}(${GREGORIAN.pattern})${NOT_LETTER_AFTER}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?!\\d)`, 'gu');
const MONTH_YEAR = new RegExp(`(?<!\\d[\\s.,/-]*)${NOT_LETTER_BEFORE}(${GREGORIAN.pattern})${NOT_LETTER_AFTER}\\.?\\s*,?\\s*(\\d{4})(?!\\d)`, 'gu');
const ISO = /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/g;
const ISO_COMPACT = /(?<!\d)(\d{4})(\d{2})(\d{2})T\d{2}/g;
const NUMERIC = /(?<![\d.])(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})(?![\d])/g;
const HIJRI_TEXT = new RegExp(`(?<!\\d)(\\d{1,2})\\s*${NOT_LETTER_BEFORE}(${HIJRI.pattern})${NOT_LETTER_AFTER}\\s*(\\d{4})(?!\\d)`, 'gu');
const HIJRI_MARK = /(\d{3,4})\s*(ه|h|هجري)(?![\p{L}])/u;

const MIN_YEAR = 1900;
const MAX_YEAR = 2100;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function makeDate(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function fullYear(text: string): number {
  const year = Number(text);
  if (text.length === 2) return year >= 70 ? 1900 + year : 2000 + year;
  return year;
}

interface Candidate {
  index: number;
  date: string;
}

function collect(regex: RegExp, text: string, build: (m: RegExpExecArray) => string | null, out: Candidate[]): void {
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m; m = regex.exec(text)) {
    const date = build(m);
    if (date) out.push({ index: m.index, date });
  }
}

/** Gregorian date of a day in the Islamic calendar (Umm al-Qura as ICU knows it, else tabular). */
export function hijriToGregorian(year: number, month: number, day: number): string | null {
  if (year < 1300 || year > 1600 || month < 1 || month > 12 || day < 1 || day > 30) return null;
  // Tabular Islamic calendar (civil epoch) as the first estimate.
  const jd = Math.floor((11 * year + 3) / 30) + 354 * year + 30 * month - Math.floor((month - 1) / 2) + day + 1948440 - 385;
  const estimate = new Date(Date.UTC(1970, 0, 1) + (jd - 2440588) * 86_400_000);
  // Refine against ICU's Umm al-Qura calendar: look around the estimate for the exact day.
  try {
    const format = new Intl.DateTimeFormat('en-u-ca-islamic-umalqura-nu-latn', { year: 'numeric', month: 'numeric', day: 'numeric', timeZone: 'UTC' });
    for (const shift of [0, -1, 1, -2, 2, -3, 3]) {
      const candidate = new Date(estimate.getTime() + shift * 86_400_000);
      const parts = Object.fromEntries(format.formatToParts(candidate).map((p) => [p.type, p.value]));
      if (Number(parts.year) === year && Number(parts.month) === month && Number(parts.day) === day) {
        return candidate.toISOString().slice(0, 10);
      }
    }
  } catch {
    // No ICU calendar data: keep the tabular estimate.
  }
  return estimate.toISOString().slice(0, 10);
}

function relative(text: string, now: Date | undefined): string | null {
  if (!now) return null;
  const day = (offset: number) => new Date(now.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
  if (/(^|\s)(aujourd'hui|aujourd’hui|today|اليوم)(\s|$)/.test(text)) return day(0);
  if (/avant-hier|قبل امس/.test(text)) return day(2);
  if (/(^|\s)(hier|yesterday|امس|البارحه)(\s|$)/.test(text)) return day(1);
  const fr = /il y a\s+(\d+|un|une)\s+(minute|min|heure|h|jour|semaine|mois|an)s?/.exec(text);
  const en = /(\d+|an|a)\s+(minute|hour|day|week|month|year)s?\s+ago/.exec(text);
  const ar = /منذ\s+(\d+)?\s*(دقيقتين|دقيقه|دقائق|ساعتين|ساعه|ساعات|يومين|يوم|ايام|اسبوعين|اسبوع|اسابيع|شهرين|شهر|اشهر|سنتين|سنه|سنوات)/.exec(text);
  let amount: number | undefined;
  let unit: string | undefined;
  if (fr) {
    amount = /^\d+$/.test(fr[1]!) ? Number(fr[1]) : 1;
    unit = { minute: 'm', min: 'm', heure: 'h', h: 'h', jour: 'd', semaine: 'w', mois: 'M', an: 'y' }[fr[2]!];
  } else if (en) {
    amount = /^\d+$/.test(en[1]!) ? Number(en[1]) : 1;
    unit = { minute: 'm', hour: 'h', day: 'd', week: 'w', month: 'M', year: 'y' }[en[2]!];
  } else if (ar) {
    const word = ar[2]!;
    const dual = /ين$/.test(word);
    amount = ar[1] ? Number(ar[1]) : dual ? 2 : 1;
    unit = /^دق/.test(word) ? 'm' : /^ساع/.test(word) ? 'h' : /^(يوم|ايام)/.test(word) ? 'd' : /^(اسبوع|اسابيع)/.test(word) ? 'w' : /^(شهر|اشهر)/.test(word) ? 'M' : 'y';
  }
  if (amount === undefined || !unit) return null;
  const days = { m: amount / 1440, h: amount / 24, d: amount, w: amount * 7, M: amount * 30, y: amount * 365 }[unit]!;
  return day(Math.floor(days));
}

/**
 * The publication date ("YYYY-MM-DD") written in `input`, or null. The earliest valid Gregorian
 * date in the text wins, so "20 رمضان 1436 (7 يوليوز 2015)" gives 2015-07-07.
 */
export function parseDate(input: string | undefined | null, options: DateOptions = {}): string | null {
  if (!input) return null;
  const raw = input.length > 300 ? input.slice(0, 300) : input;
  const text = prepare(raw);
  const order = options.order ?? 'dmy';
  const candidates: Candidate[] = [];

  collect(ISO, text, (m) => makeDate(Number(m[1]), Number(m[2]), Number(m[3])), candidates);
  collect(ISO_COMPACT, text, (m) => makeDate(Number(m[1]), Number(m[2]), Number(m[3])), candidates);
  collect(
    DAY_MONTH_YEAR,
    text,
    (m) => makeDate(fullYear(m[3]!), GREGORIAN.lookup.get(m[2]!.replace(/\s+/g, ' '))!, Number(m[1])),
    candidates,
  );
  collect(MONTH_DAY_YEAR, text, (m) => makeDate(Number(m[3]), GREGORIAN.lookup.get(m[1]!.replace(/\s+/g, ' '))!, Number(m[2])), candidates);
  collect(
    NUMERIC,
    text,
    (m) => {
      const [a, b, c] = [m[1]!, m[3]!, m[4]!];
      if (a.length === 4) return makeDate(Number(a), Number(b), Number(c));
      if (a.length === 3 || c.length === 3) return null;
      switch (order) {
        case 'mdy':
          return makeDate(fullYear(c), Number(a), Number(b));
        case 'ymd':
          return makeDate(fullYear(a), Number(b), Number(c));
        default:
          return makeDate(fullYear(c), Number(b), Number(a));
      }
    },
    candidates,
  );
  if (candidates.length === 0) {
    collect(MONTH_YEAR, text, (m) => makeDate(Number(m[2]), GREGORIAN.lookup.get(m[1]!.replace(/\s+/g, ' '))!, 1), candidates);
  }
  if (candidates.length > 0) {
    candidates.sort((x, y) => x.index - y.index);
    return candidates[0]!.date;
  }

  // No Gregorian date: a Hijri one, converted.
  const hijri: Candidate[] = [];
  collect(HIJRI_TEXT, text, (m) => hijriToGregorian(Number(m[3]), HIJRI.lookup.get(m[2]!.replace(/\s+/g, ' '))!, Number(m[1])), hijri);
  if (hijri.length === 0 && HIJRI_MARK.test(text)) {
    const numeric = /(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)/.exec(text) ?? null;
    const reversed = /(?<!\d)(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)/.exec(text) ?? null;
    if (numeric) {
      const date = hijriToGregorian(Number(numeric[3]), Number(numeric[2]), Number(numeric[1]));
      if (date) hijri.push({ index: numeric.index, date });
    } else if (reversed) {
      const date = hijriToGregorian(Number(reversed[1]), Number(reversed[2]), Number(reversed[3]));
      if (date) hijri.push({ index: reversed.index, date });
    }
  }
  if (hijri.length > 0) return hijri[0]!.date;

  return relative(text, options.now);
}
