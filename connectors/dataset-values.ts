// Numbers and periods as partners write them in their tables: "1 234,5", "12,3 %", "١٢٣٤٫٥",
// "n.d."; 2024, "T1 2024", "2024-Q1", "mars 2024", "31/03/2024". Pure functions, no I/O.
import { type DateOrder, type PeriodKind } from '../config/index.ts';

/** Texts meaning "no value" in every dataset (docs/contract.md), compared after trimming and lower-casing. */
export const MISSING_MARKERS = ['', '-', '–', '—', '−', 'n.d.', 'n.d', 'nd', 'n/d', 'n.a.', 'n/a', 'na', '...', '…', '..', ':', 'x', '(x)', '*', 'ـ', 'غ.م', 'غير متوفر'];

const ARABIC_INDIC = /[\u0660-\u0669]/g;
const EASTERN_ARABIC_INDIC = /[\u06f0-\u06f9]/g;

/** Arabic-Indic and Eastern Arabic-Indic digits to 0-9; Arabic decimal, thousands and percent signs to . , %. */
const NOT_LATIN = /[\u0660-\u066c\u06f0-\u06f9]/;

export function latinDigits(text: string): string {
  if (!NOT_LATIN.test(text)) return text;
  return text
    .replace(ARABIC_INDIC, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(EASTERN_ARABIC_INDIC, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\u066b/g, '.') // ARABIC DECIMAL SEPARATOR
    .replace(/\u066c/g, '\u202f') // ARABIC THOUSANDS SEPARATOR: a grouping mark like a narrow space
    .replace(/\u066a/g, '%'); // ARABIC PERCENT SIGN
}

export type NumberReading =
  | { kind: 'number'; value: number; percent: boolean }
  | { kind: 'missing'; marker: string }
  | { kind: 'unreadable' };

export interface NumberOptions {
  /** The decimal separator when a number has only one of "," and "." (default ","). */
  decimal?: ',' | '.';
  /** Lower-cased extra markers of missing values. */
  missing?: readonly string[];
}

// Grouping marks: spaces of every width (no-break, narrow no-break, thin) and the apostrophe.
const GROUPING = /[\s\u00a0\u2007\u2009\u202f'’]/g;

/**
 * Reads a number written by a person. Both "," and "." present: the last one is the decimal
 * separator ("1.234,5", "1,234.5"). One of them, repeated: grouping ("1,234,567"). One of them, once:
 * the decimal separator given (French and Moroccan tables write "12,5"). A trailing or leading "%"
 * keeps the number as written ("12,3 %" is 12.3) and marks it as a percentage.
 */
export function readNumber(input: string, options: NumberOptions = {}): NumberReading {
  // Most cells are plain integers.
  if (/^-?\d{1,15}$/.test(input)) return { kind: 'number', value: Number(input), percent: false };
  const trimmed = input.trim();
  const lowered = trimmed.toLowerCase();
  if (MISSING_MARKERS.includes(lowered) || options.missing?.includes(lowered)) return { kind: 'missing', marker: trimmed };
  let text = latinDigits(trimmed);
  let percent = false;
  if (/^%|%$/.test(text)) {
    percent = true;
    text = text.replace(/^%\s*|\s*%$/g, '');
  }
  // A sign: "-", the minus sign, or parentheses as accountants write negatives.
  let sign = 1;
  const parenthesised = /^\((.*)\)$/.exec(text);
  if (parenthesised) {
    sign = -1;
    text = parenthesised[1]!;
  }
  const signed = /^([-−+])\s*(.*)$/.exec(text);
  if (signed) {
    if (signed[1] !== '+') sign = -sign;
    text = signed[2]!;
  }
  text = text.replace(GROUPING, '');
  if (!/^[0-9.,]*[0-9][0-9.,]*$/.test(text)) {
    // Machine output: 1.2E+03.
    if (/^\d+(?:\.\d+)?e[-+]?\d+$/i.test(text)) return { kind: 'number', value: sign * Number(text), percent };
    return { kind: 'unreadable' };
  }
  const commas = text.split(',').length - 1;
  const dots = text.split('.').length - 1;
  let normal: string;
  if (commas && dots) {
    const decimal = text.lastIndexOf(',') > text.lastIndexOf('.') ? ',' : '.';
    const group = decimal === ',' ? '.' : ',';
    if ((decimal === ',' ? commas : dots) > 1) return { kind: 'unreadable' };
    normal = text.split(group).join('').replace(decimal, '.');
  } else if (commas > 1 || dots > 1) {
    const mark = commas > 1 ? ',' : '.';
    // Grouping is by threes: "1,234,567", never "1,23,4".
    if (!new RegExp(`^\\d{1,3}(?:\\${mark}\\d{3})+$`).test(text)) return { kind: 'unreadable' };
    normal = text.split(mark).join('');
  } else if (commas === 1 || dots === 1) {
    const mark = commas ? ',' : '.';
    const decimal = options.decimal ?? ',';
    // The other mark, once, before exactly three digits is grouping ("1.234" in a French table);
    // never after a leading zero ("0.123").
    normal = mark === decimal ? text.replace(mark, '.') : /^[1-9]\d{0,2}[.,]\d{3}$/.test(text) ? text.replace(mark, '') : text.replace(mark, '.');
  } else {
    normal = text;
  }
  if (normal.startsWith('.') || normal.endsWith('.')) return { kind: 'unreadable' };
  const value = Number(normal);
  if (!Number.isFinite(value)) return { kind: 'unreadable' };
  return { kind: 'number', value: sign * value, percent };
}

// ---------------------------------------------------------------- periods

export interface Period {
  /** Sortable normal form: 2024, 2024-Q1, 2024-03 or 2024-03-31. */
  key: string;
  kind: PeriodKind;
}

const MONTHS: Record<string, number> = {};
const month = (n: number, ...names: string[]) => names.forEach((name) => (MONTHS[name] = n));
// French (with the abbreviations of statistical tables), English, Arabic (Moroccan and Eastern).
month(1, 'janvier', 'janv', 'jan', 'january', 'يناير', 'كانون الثاني');
month(2, 'février', 'fevrier', 'févr', 'fevr', 'fév', 'fev', 'feb', 'february', 'فبراير', 'شباط');
month(3, 'mars', 'mar', 'march', 'مارس', 'آذار');
month(4, 'avril', 'avr', 'apr', 'april', 'أبريل', 'ابريل', 'إبريل', 'نيسان');
month(5, 'mai', 'may', 'ماي', 'مايو', 'أيار');
month(6, 'juin', 'jun', 'june', 'يونيو', 'يونيه', 'حزيران');
month(7, 'juillet', 'juil', 'jul', 'july', 'يوليوز', 'يوليو', 'تموز');
month(8, 'août', 'aout', 'aoû', 'aug', 'august', 'غشت', 'أغسطس', 'اغسطس', 'آب');
month(9, 'septembre', 'sept', 'sep', 'september', 'شتنبر', 'سبتمبر', 'أيلول');
month(10, 'octobre', 'oct', 'october', 'أكتوبر', 'اكتوبر', 'تشرين الأول');
month(11, 'novembre', 'nov', 'november', 'نونبر', 'نوفمبر', 'تشرين الثاني');
month(12, 'décembre', 'decembre', 'déc', 'dec', 'december', 'دجنبر', 'ديسمبر', 'كانون الأول');

const QUARTER_WORDS: Record<string, number> = {
  premier: 1, '1er': 1, '1': 1, 'deuxième': 2, deuxieme: 2, second: 2, '2e': 2, '2ème': 2, '2': 2,
  'troisième': 3, troisieme: 3, '3e': 3, '3ème': 3, '3': 3, 'quatrième': 4, quatrieme: 4, '4e': 4, '4ème': 4, '4': 4,
  'الأول': 1, 'الاول': 1, 'الثاني': 2, 'الثالث': 3, 'الرابع': 4,
};

const pad = (n: number) => String(n).padStart(2, '0');
const validYear = (y: number) => y >= 1800 && y <= 2200;

function dateKey(year: number, monthNumber: number, day: number): string | undefined {
  if (!validYear(year) || monthNumber < 1 || monthNumber > 12 || day < 1) return undefined;
  const date = new Date(Date.UTC(year, monthNumber - 1, day));
  if (date.getUTCMonth() !== monthNumber - 1) return undefined;
  return `${year}-${pad(monthNumber)}-${pad(day)}`;
}

/** Brings a period to the granularity asked (`period_type`): a date into its month, quarter or year. */
export function coercePeriod(period: Period, kind: PeriodKind | undefined): Period | undefined {
  if (!kind || kind === period.kind) return period;
  const year = period.key.slice(0, 4);
  const monthNumber = period.kind === 'date' || period.kind === 'month' ? Number(period.key.slice(5, 7)) : undefined;
  switch (kind) {
    case 'year':
      return { key: year, kind };
    case 'quarter':
      if (period.kind === 'year') return undefined;
      return { key: period.kind === 'quarter' ? period.key : `${year}-Q${Math.ceil(monthNumber! / 3)}`, kind };
    case 'month':
      return monthNumber ? { key: `${year}-${pad(monthNumber)}`, kind } : undefined;
    default:
      return undefined;
  }
}

/**
 * Reads a period: a year (2024, or a number cell 2024), a quarter (2024-Q1, T1 2024, Q1-2024,
 * "1er trimestre 2024", "الربع الأول 2024", SDMX 2024-Q1), a month (2024-03, 03/2024, 2024-M03,
 * "mars 2024", "مارس 2024"), or a date (2024-03-31, 31/03/2024 in the source's date order, a
 * date cell). Undefined when it is none of these.
 */
export function readPeriod(input: unknown, order: DateOrder = 'dmy'): Period | undefined {
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) return undefined;
    const key = dateKey(input.getUTCFullYear(), input.getUTCMonth() + 1, input.getUTCDate());
    return key ? { key, kind: 'date' } : undefined;
  }
  if (typeof input === 'number') {
    return Number.isInteger(input) && validYear(input) ? { key: String(input), kind: 'year' } : undefined;
  }
  if (typeof input !== 'string') return undefined;
  const text = latinDigits(input).trim().toLowerCase().replace(/\s+/g, ' ');
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})(?:\.0+)?$/.exec(text))) return validYear(Number(m[1])) ? { key: m[1]!, kind: 'year' } : undefined;
  // Quarters.
  if ((m = /^(\d{4}) ?[-/ ]? ?[qt]([1-4])$/.exec(text)) || (m = /^(\d{4})-?q([1-4])$/.exec(text))) return quarter(Number(m[1]), Number(m[2]));
  if ((m = /^[qt]([1-4]) ?[-/ ]? ?(\d{4})$/.exec(text))) return quarter(Number(m[2]), Number(m[1]));
  if ((m = /^(\S+) trimestre (?:de |de l'année )?(\d{4})$/.exec(text)) && QUARTER_WORDS[m[1]!]) return quarter(Number(m[2]), QUARTER_WORDS[m[1]!]!);
  if ((m = /^(?:الربع|الفصل|الثلاثي) (\S+) (?:من )?(?:سنة |عام )?(\d{4})$/.exec(text)) && QUARTER_WORDS[m[1]!]) return quarter(Number(m[2]), QUARTER_WORDS[m[1]!]!);
  // Months.
  if ((m = /^(\d{4})-m?(\d{1,2})$/.exec(text)) || (m = /^(\d{4})\/(\d{1,2})$/.exec(text))) return monthPeriod(Number(m[1]), Number(m[2]));
  if ((m = /^(\d{1,2})[-/.](\d{4})$/.exec(text))) return monthPeriod(Number(m[2]), Number(m[1]));
  if ((m = /^([\p{L}][\p{L} ]*?)\.?[ -](\d{4})$/u.exec(text)) && MONTHS[m[1]!]) return monthPeriod(Number(m[2]), MONTHS[m[1]!]!);
  // Dates, with or without a time.
  if ((m = /^(\d{4})-(\d{2})-(\d{2})(?:[t ][\d:.]+(?:z|[+-]\d{2}:?\d{2})?)?$/.exec(text))) {
    const key = dateKey(Number(m[1]), Number(m[2]), Number(m[3]));
    return key ? { key, kind: 'date' } : undefined;
  }
  if ((m = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$/.exec(text))) {
    const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const key = m[1]!.length === 4 ? dateKey(a, b, c) : order === 'mdy' ? dateKey(c, a, b) : dateKey(c, b, a);
    return key ? { key, kind: 'date' } : undefined;
  }
  if ((m = /^(\d{1,2}) ([\p{L}]+)\.? (\d{4})$/u.exec(text)) && MONTHS[m[2]!]) {
    const key = dateKey(Number(m[3]), MONTHS[m[2]!]!, Number(m[1]));
    return key ? { key, kind: 'date' } : undefined;
  }
  return undefined;
}

function quarter(year: number, q: number): Period | undefined {
  return validYear(year) ? { key: `${year}-Q${q}`, kind: 'quarter' } : undefined;
}

function monthPeriod(year: number, monthNumber: number): Period | undefined {
  return validYear(year) && monthNumber >= 1 && monthNumber <= 12 ? { key: `${year}-${pad(monthNumber)}`, kind: 'month' } : undefined;
}

/** The granularity of a normal period key (2024, 2024-Q1, 2024-03, 2024-03-31); undefined if malformed. */
export function periodKindOf(key: string): PeriodKind | undefined {
  if (/^\d{4}$/.test(key)) return 'year';
  if (/^\d{4}-Q[1-4]$/.test(key)) return 'quarter';
  if (/^\d{4}-(0[1-9]|1[0-2])$/.test(key)) return 'month';
  if (/^\d{4}-\d{2}-\d{2}$/.test(key)) return dateKey(Number(key.slice(0, 4)), Number(key.slice(5, 7)), Number(key.slice(8, 10))) ? 'date' : undefined;
  return undefined;
}
