// The language of an item when its source does not say: the script first (Arabic, Tifinagh),
// then common words to tell French from English. Sources in one language should set `language`.
import { type Language } from '../config/index.ts';

const ARABIC = /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/gu;
const TIFINAGH = /[\u2d30-\u2d7f]/gu;
const LATIN = /[a-zà-ÿœæ]/giu;

const FRENCH = new Set(
  'le la les des du de et est pour dans sur une un par au aux avec qui que ce cette ces sont été il elle ils nous vous son sa ses leur leurs plus entre lors selon afin ainsi'.split(' '),
);
const ENGLISH = new Set('the and of to in is for on with that by this are from was were be has have an its as at which their or'.split(' '));

/** Letters of each script in the first 4,000 characters of `text`. */
function scripts(text: string): { sample: string; arabic: number; tifinagh: number; latin: number; letters: number } {
  const sample = text.slice(0, 4000);
  const arabic = sample.match(ARABIC)?.length ?? 0;
  const tifinagh = sample.match(TIFINAGH)?.length ?? 0;
  const latin = sample.match(LATIN)?.length ?? 0;
  return { sample, arabic, tifinagh, latin, letters: arabic + tifinagh + latin };
}

export function detectLanguage(text: string): Language | null {
  const { sample, arabic, tifinagh, latin, letters } = scripts(text);
  if (letters === 0) return null;
  if (tifinagh >= arabic && tifinagh >= latin) return 'zgh';
  if (arabic >= latin) return 'ar';
  let fr = 0;
  let en = 0;
  for (const word of sample.toLowerCase().split(/[^a-zà-ÿœæ']+/u)) {
    if (FRENCH.has(word)) fr++;
    if (ENGLISH.has(word)) en++;
  }
  if (/[éèêàçùâîôûëï]/i.test(sample)) fr += 2;
  return en > fr ? 'en' : 'fr';
}

/** The script a declared language is written in (Tamazight has several: none overrules it). */
const SCRIPT_OF: Partial<Record<Language, 'arabic' | 'latin'>> = { ar: 'arabic', fr: 'latin', en: 'latin' };
/** Letters a text needs before its script may overrule the source's declared language. */
const MIN_LETTERS = 12;
/** The declared language's script must hold at least this share of the letters. */
const MIN_SHARE = 0.2;

/**
 * An item's language: the source's declared one, unless the item's own title and summary are
 * written in another script. A listing declared Arabic that carries French or Tifinagh news (the
 * authority's own site does) showed them right to left, labelled Arabic, and counted them under
 * the Arabic filter. French against English (one script) stays as declared, and so does a declared
 * Tamazight, which is also written in Latin or Arabic letters.
 */
export function itemLanguage(declared: Language | null | undefined, seen: string, sample: string): Language | null {
  if (!declared) return detectLanguage(sample);
  const script = SCRIPT_OF[declared];
  if (!script) return declared;
  const counts = scripts(seen);
  if (counts.letters < MIN_LETTERS) return declared;
  return counts[script] / counts.letters >= MIN_SHARE ? declared : (detectLanguage(seen) ?? declared);
}
