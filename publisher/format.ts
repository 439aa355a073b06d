// Dates and numbers in the visitor's language (Latin digits, as Moroccan administrations write
// them), and the text direction of harvested content.
import { RTL_LANGUAGES, type Language } from '../config/index.ts';

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();
const monthFormats = new Map<string, Intl.DateTimeFormat>();
const longFormats = new Map<string, Intl.DateTimeFormat>();
const listFormats = new Map<string, Intl.ListFormat>();
const percentFormats = new Map<string, Intl.NumberFormat>();

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (!value) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function toDate(value: string | Date | null | undefined): Date | undefined {
  if (!value) return undefined;
  const date = value instanceof Date ? value : new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatDate(locale: string, value: string | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return '';
  return cached(dateFormats, locale, () => new Intl.DateTimeFormat(`${locale}-u-nu-latn`, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Africa/Casablanca' })).format(date);
}

export function formatDateTime(locale: string, value: string | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return '';
  return cached(
    dateTimeFormats,
    locale,
    () => new Intl.DateTimeFormat(`${locale}-u-nu-latn`, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Africa/Casablanca' }),
  ).format(date);
}

/** A date and time in words: "30 novembre 2026 à 16:34", "30 نونبر 2026 في 16:34". */
export function formatDateTimeLong(locale: string, value: string | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return '';
  return cached(longFormats, locale, () => new Intl.DateTimeFormat(`${locale}-u-nu-latn`, { dateStyle: 'long', timeStyle: 'short', timeZone: 'Africa/Casablanca' })).format(date);
}

/** "le titre, le résumé et la date", in the visitor's language. */
export function formatList(locale: string, parts: string[]): string {
  return cached(listFormats, locale, () => new Intl.ListFormat(locale, { type: 'conjunction' })).format(parts);
}

/** "juin 2026", "يونيو 2026": months in full (fr-MA abbreviates June to "jui.", too close to "juil."). */
export function formatMonth(locale: string, month: string): string {
  const date = toDate(`${month}-15`);
  if (!date) return month;
  return cached(monthFormats, locale, () => new Intl.DateTimeFormat(`${locale}-u-nu-latn`, { month: 'long', year: 'numeric', timeZone: 'UTC' })).format(date);
}

/** 64 → "64 %" (fr), "64%" (en), "64‎%‎" (ar, with the marks that keep it in order in Arabic text). */
export function formatPercent(locale: string, value: number): string {
  return cached(percentFormats, locale, () => new Intl.NumberFormat(`${locale}-u-nu-latn`, { style: 'percent', maximumFractionDigits: 0 })).format(value / 100);
}

export function formatNumber(locale: string, value: number): string {
  return cached(numberFormats, locale, () => new Intl.NumberFormat(`${locale}-u-nu-latn`)).format(value);
}

/** `dir` for harvested text in `language`: its own direction, or "auto" when unknown. */
export function dirOf(language: string | null | undefined): 'rtl' | 'ltr' | 'auto' {
  if (!language) return 'auto';
  return RTL_LANGUAGES.includes(language as Language) ? 'rtl' : 'ltr';
}
