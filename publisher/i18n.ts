// UI text: one YAML catalogue per language in publisher/i18n/, with a fallback chain so a
// partial catalogue (Tamazight in Tifinagh) shows what it has and borrows the rest.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { LANGUAGES, RTL_LANGUAGES, type Language } from '../config/index.ts';

export const CATALOGUE_DIR = path.join(import.meta.dirname, 'i18n');
/** Complete catalogues: every key must exist in each (tests/publisher/i18n.test.ts). */
export const COMPLETE_LANGUAGES: Language[] = ['ar', 'fr', 'en'];

type Flat = Map<string, string>;

function flatten(value: unknown, prefix: string, out: Flat): Flat {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (typeof value === 'string' || typeof value === 'number') {
    out.set(prefix, String(value));
  }
  return out;
}

export function loadCatalogue(language: string, dir = CATALOGUE_DIR): { entries: Flat; fallback: Language[] } {
  const file = path.join(dir, `${language}.yaml`);
  if (!fs.existsSync(file)) return { entries: new Map(), fallback: [] };
  const data = parse(fs.readFileSync(file, 'utf8')) as { meta?: { fallback?: Language[] } };
  return { entries: flatten(data, '', new Map()), fallback: data?.meta?.fallback ?? [] };
}

/** Plural forms of a key are `key_zero`, `key_one`, `key_two`, `key_few`, `key_many` (CLDR categories). */
export const PLURAL_FORMS = ['zero', 'one', 'two', 'few', 'many'] as const;
export const isPluralForm = (key: string) => PLURAL_FORMS.some((form) => key.endsWith(`_${form}`));
/** The variable that chooses the plural form, in this order. */
const PLURAL_VARIABLES = ['count', 'days', 'minutes'];

export class I18n {
  private readonly catalogues = new Map<string, Flat>();
  private readonly chains = new Map<string, Array<{ language: string; entries: Flat }>>();
  private readonly plurals = new Map<string, Intl.PluralRules>();

  constructor(dir = CATALOGUE_DIR) {
    const fallbacks = new Map<string, Language[]>();
    for (const language of LANGUAGES) {
      const { entries, fallback } = loadCatalogue(language, dir);
      this.catalogues.set(language, entries);
      fallbacks.set(language, fallback);
    }
    for (const language of LANGUAGES) {
      const order = [language, ...(fallbacks.get(language) ?? []), 'fr', 'en', 'ar'];
      const unique = [...new Set(order)];
      this.chains.set(
        language,
        unique.filter((l) => this.catalogues.has(l)).map((l) => ({ language: l, entries: this.catalogues.get(l)! })),
      );
    }
  }

  /**
   * The text of `key` in `language` (or the first language of its fallback chain that has it). With
   * a numeric `count` (or `days`, `minutes`; formatted numbers too), the plural form of that
   * language's rules is used when its catalogue has one: Arabic says "3 وثائق" but "11 وثيقة".
   */
  t(language: string, key: string, vars?: Record<string, unknown>): string {
    const chain = this.chains.get(language) ?? this.chains.get('fr')!;
    let text: string | undefined;
    for (const catalogue of chain) {
      text = catalogue.entries.get(key);
      if (text === undefined) continue;
      const variable = vars && PLURAL_VARIABLES.find((name) => vars[name] !== undefined && vars[name] !== null);
      if (variable) {
        const digits = String(vars[variable]).replace(/[^\d]/g, '');
        const n = typeof vars[variable] === 'number' ? (vars[variable] as number) : digits ? Number(digits) : NaN;
        if (Number.isFinite(n)) {
          const category = this.pluralRules(catalogue.language).select(n);
          text = catalogue.entries.get(`${key}_${category}`) ?? text;
        }
      }
      break;
    }
    if (text === undefined) return key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (vars[name] === undefined || vars[name] === null ? whole : String(vars[name])));
  }

  private pluralRules(language: string): Intl.PluralRules {
    let rules = this.plurals.get(language);
    if (!rules) {
      rules = new Intl.PluralRules(language);
      this.plurals.set(language, rules);
    }
    return rules;
  }

  has(language: string, key: string): boolean {
    return this.catalogues.get(language)?.has(key) ?? false;
  }

  keys(language: string): string[] {
    return [...(this.catalogues.get(language)?.keys() ?? [])];
  }

  dir(language: string): 'rtl' | 'ltr' {
    return RTL_LANGUAGES.includes(language as Language) ? 'rtl' : 'ltr';
  }

  locale(language: string): string {
    return this.t(language, 'meta.locale');
  }
}

/** The visitor's language from Accept-Language, among the configured ones; else the first. */
export function negotiateLanguage(header: string | undefined, languages: readonly string[]): string {
  const wanted = (header ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { tag: (tag ?? '').toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((w) => w.tag && w.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of wanted) {
    const base = tag.split('-')[0]!;
    if (languages.includes(base)) return base;
    // Tamazight is also tagged "ber", "tzm" or "shi"/"rif" by some browsers.
    if (['ber', 'tzm', 'shi', 'rif'].includes(base) && languages.includes('zgh')) return 'zgh';
  }
  return languages[0] ?? 'fr';
}
