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

export function detectLanguage(text: string): Language | null {
  const sample = text.slice(0, 4000);
  const arabic = sample.match(ARABIC)?.length ?? 0;
  const tifinagh = sample.match(TIFINAGH)?.length ?? 0;
  const latin = sample.match(LATIN)?.length ?? 0;
  const letters = arabic + tifinagh + latin;
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
