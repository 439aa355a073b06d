// How a search's passages are shown (issue 17): under a search result, the passage with "p. N"
// linking to that page of the text view with the words marked; on an item page reached from a
// search (`?q=`), the first passages, each with its page in the text view and in the original.
import { type Language } from '../config/index.ts';
import { detectLanguage } from '../harvester/language.ts';
import { type ItemDetail } from '../store/index.ts';
import { type PortalContext } from './context.ts';
import { formatNumber } from './format.ts';
import { findPassages, PASSAGE_SCAN_CHARS } from './passages.ts';
import { snippet, type ParsedQuery, type Passage } from './search.ts';
import { queryString } from './views.ts';

/** Passages an item page shows when reached from a search. */
export const ITEM_PASSAGES = 3;

export interface PassageLink {
  dir: 'rtl' | 'ltr';
  lang: string | null;
  /** "p. 12" in the visitor's language, and its longer title; none for a text without pages. */
  label?: string;
  title?: string;
  /** That page in the text view, the words marked. */
  href?: string;
}

/** The text view at a page, the words marked: `/{lang}/items/{id}/text?q=…&page=S#page-N`. */
export function textHref(lang: string, id: string, q: string, page: number | null, screen: number): string {
  return `/${lang}/items/${id}/text${queryString({ q: q || undefined, page: screen > 1 ? screen : undefined })}${page === null ? '' : `#page-${page}`}`;
}

/** A search result's passage: its direction and language, and "p. N" when it has a page. */
export function passageLink(ctx: PortalContext, lang: string, id: string, q: string, passage: Passage): PassageLink {
  const locale = ctx.i18n.locale(lang);
  if (passage.page === null) return { dir: passage.dir, lang: passage.lang };
  const page = formatNumber(locale, passage.page);
  return {
    dir: passage.dir,
    lang: passage.lang,
    label: ctx.i18n.t(lang, 'search.passage_page', { page }),
    title: ctx.i18n.t(lang, 'search.passage_page_title', { page }),
    href: textHref(lang, id, q, passage.page, passage.screen),
  };
}

export interface ItemPassage {
  html: string;
  dir: 'rtl' | 'ltr';
  lang: Language | null;
  /** "Page 12", or none for a text without pages. */
  label?: string;
  textHref: string;
  /** The original document at that page (`#page=N`), for a PDF. */
  originalHref?: string;
  originalLabel?: string;
}

/**
 * The first passages (ITEM_PASSAGES, one per page) of an item's text where the query's words
 * appear, within PASSAGE_SCAN_CHARS (what search matched in): read on the event loop, bounded.
 */
export function itemPassages(ctx: PortalContext, lang: string, item: ItemDetail, parsed: ParsedQuery): ItemPassage[] {
  if (parsed.terms.size === 0) return [];
  const stored = ctx.store.items.text(item.pk);
  const { spots } = findPassages(stored.text, stored.spans, parsed.terms, PASSAGE_SCAN_CHARS, ITEM_PASSAGES);
  const locale = ctx.i18n.locale(lang);
  const isPdf = Boolean(item.document_url) || item.source_type === 'pdf';
  const original = item.document_url ?? item.url;
  return spots.map((spot) => {
    const from = Math.max(spot.start, spot.at - 240);
    const raw = stored.text.slice(from, Math.min(spot.end, spot.at + 480));
    const ocrLanguage = spot.page !== null ? stored.ocrLanguages.get(spot.page) : undefined;
    const passageLang = ocrLanguage ?? detectLanguage(raw);
    const page = spot.page === null ? undefined : formatNumber(locale, spot.page);
    return {
      html: snippet(raw, parsed.terms, 240, 480),
      dir: passageLang === 'ar' ? 'rtl' : 'ltr',
      lang: passageLang,
      label: page === undefined ? undefined : ctx.i18n.t(lang, 'text.page', { page }),
      textHref: textHref(lang, item.id, parsed.text, spot.page, spot.screen),
      originalHref: isPdf && spot.page !== null ? `${original}#page=${spot.page}` : undefined,
      originalLabel: isPdf && page !== undefined ? ctx.i18n.t(lang, 'text.original_page', { page }) : undefined,
    };
  });
}
