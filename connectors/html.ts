// `type: html`: a listing page read through cheerio with the source's selectors. Each `item`
// match is one item; `title`, `link`, `date` and `summary` are read inside it ("SELECTOR@attr"
// reads an attribute). Links resolve against the page (or its <base href>); with `follow_pdf`
// a linked PDF is fetched through the same client and limits and its text attached.
import { load, type Cheerio, type CheerioAPI } from 'cheerio';
import { type AnyNode } from 'domhandler';
import { type HtmlSourceConfig, type Selector } from '../config/index.ts';
import { decodeBody } from './charset.ts';
import { COURSE_KEYS, matchStructured, mergeCourse, microdataCourse, readsCourses, structuredCourses } from './course.ts';
import { innerHtmlOf, textOf } from './dom.ts';
import { capNesting, MAX_HTML_DEPTH } from './html-depth.ts';
import { isPdfUrl } from './documents.ts';
import { HarvestError } from './errors.ts';
import { MAX_ITEMS_PER_SOURCE, resolveUrl } from './feed.ts';
import { describeKind, sniff } from './sniff.ts';
import { bodyHashOf, unchanged, type Connector, type ConnectorResult, type DroppedItem, type RawItem } from './types.ts';

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The elements a selector designates inside an item: the item itself for "@attr". */
function target($item: Cheerio<AnyNode>, selector: Selector): Cheerio<AnyNode> {
  return selector.css ? $item.find(selector.css).first() : $item;
}

function readText($: CheerioAPI, $item: Cheerio<AnyNode>, selector: Selector | undefined): string | undefined {
  if (!selector) return undefined;
  const $el = target($item, selector);
  if ($el.length === 0) return undefined;
  const value = selector.attr ? $el.attr(selector.attr) : textOf($el.get(0)!);
  return value ? squash(value) || undefined : undefined;
}

function readHtml($item: Cheerio<AnyNode>, selector: Selector | undefined): string | undefined {
  if (!selector) return undefined;
  const $el = target($item, selector);
  if ($el.length === 0) return undefined;
  const value = selector.attr ? $el.attr(selector.attr) : innerHtmlOf($el.get(0)!);
  return value?.trim() || undefined;
}

export const htmlConnector: Connector<HtmlSourceConfig> = {
  async harvest(source, context): Promise<ConnectorResult> {
    const response = await context.client.fetch(source.url, {
      maxBytes: context.settings.max_bytes,
      accept: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5',
      validators: context.validators,
    });
    const same = unchanged(response, context.validators);
    if (same) return same;
    const kind = sniff(response.body, response.contentType);
    if (kind === 'pdf' || kind === 'feed' || kind === 'binary' || kind === 'empty') {
      throw new HarvestError(
        'wrong_type',
        `expected an HTML listing page at ${response.url} but got ${describeKind(kind, response.contentType)}` +
          (kind === 'feed' ? '; use type: feed for it' : kind === 'pdf' ? '; use type: pdf for a single document' : ''),
        { httpStatus: response.status },
      );
    }
    const { text } = decodeBody(response.body, response.contentType);
    // Markup nested past MAX_HTML_DEPTH is flattened first: parse5 and the selectors slow down
    // with depth (40,000 nested <div>: 19 s), and no real page nests that deep.
    const capped = capNesting(text);
    let $: CheerioAPI;
    try {
      $ = load(capped.html);
    } catch (error) {
      throw new HarvestError('parse', `the page at ${response.url} cannot be read as HTML: ${(error as Error).message}`, { httpStatus: response.status });
    }
    const baseHref = $('base[href]').first().attr('href');
    const base = resolveUrl(baseHref, response.url) ?? response.url;
    const select = source.select;
    const matches = $(select.item.css || '*');
    const items: RawItem[] = [];
    const dropped: DroppedItem[] = [];
    const warnings: string[] = [];
    if (capped.dropped > 0) {
      warnings.push(`the page nests elements more than ${MAX_HTML_DEPTH} levels deep: ${capped.dropped} tags past that depth were ignored (their text is kept)`);
    }
    const elements = matches.toArray();
    // Training sessions: course facts from selectors, microdata or the page's JSON-LD.
    const courses = readsCourses(source) ? structuredCourses($, base) : undefined;
    /** Items kept without a title of their own (named after their link). */
    const untitled: number[] = [];
    const itemIndex: number[] = [];
    for (const [index, element] of elements.entries()) {
      if (index >= MAX_ITEMS_PER_SOURCE) {
        dropped.push({ index, reason: `more than ${MAX_ITEMS_PER_SOURCE} items on one page` });
        continue;
      }
      try {
        const $item = $(element);
        // Without a title selector, the item's first heading or link names it.
        const heading = select.title ? undefined : $item.find('h1, h2, h3, h4, h5, a').get(0);
        let title = select.title ? readText($, $item, select.title) : heading ? squash(textOf(heading)) || undefined : undefined;
        const $link = select.link ? undefined : $item.find('a[href]').first();
        const rawLink = select.link ? readText($, $item, select.link) : $link!.attr('href');
        const link = resolveUrl(rawLink, base);
        let titleFallback: RawItem['titleFallback'];
        if (!title && link) {
          // No title where the selector looks: the link's own text names the item (flagged).
          const anchor = select.link?.css ? $item.find(select.link.css).get(0) : ($link?.get(0) ?? $item.find('a[href]').get(0));
          const text = anchor ? squash(textOf(anchor)) : '';
          if (text) {
            title = text;
            titleFallback = 'link_text';
          }
        }
        if (!title && !link) {
          dropped.push({ index, reason: `no title and no link (selector "${select.title?.source ?? 'first heading or link'}" found nothing)` });
          continue;
        }
        if (rawLink && !link) {
          dropped.push({ index, reason: `the link "${rawLink.slice(0, 80)}" is not a web address` });
          continue;
        }
        if (!title || titleFallback) untitled.push(index);
        const item: RawItem = {
          title,
          titleFallback,
          link,
          date: readText($, $item, select.date),
          summaryHtml: readHtml($item, select.summary),
        };
        if (courses) {
          const selected = Object.fromEntries(COURSE_KEYS.map((key) => [key, readText($, $item, select[key])]));
          selected.registration = resolveUrl(selected.registration, base);
          const course = mergeCourse(selected, microdataCourse($item, base), matchStructured(courses, link, title ?? ''));
          if (course) item.course = course;
        }
        if (source.follow_pdf) {
          const pdfUrl = isPdfUrl(link) ? link : resolveUrl($item.find('a[href$=".pdf" i], a[href*=".pdf?" i]').first().attr('href'), base);
          if (pdfUrl) {
            item.document = await context.documents(pdfUrl);
            if (item.document.kind === 'failed') warnings.push(`"${(title ?? link ?? '').slice(0, 60)}": ${item.document.code ? `${item.document.code}: ` : ''}${item.document.message}`);
          }
        }
        items.push(item);
        itemIndex.push(index);
      } catch (error) {
        // One item whose markup defeats the reader is dropped; the page's other items are kept.
        dropped.push({ index, reason: `it cannot be read (${(error as Error)?.name ?? 'error'})` });
      }
    }
    if (select.title && items.length > 0 && untitled.length === items.length) {
      // The title selector finds nothing in any item: the site's layout changed, most likely. Not
      // a reason to rename every item after its link; the items are dropped (and the source
      // reports `empty` when it had some), so the operator fixes the selector.
      for (const index of itemIndex) dropped.push({ index, reason: `no title (selector "${select.title.source}" found nothing)` });
      items.length = 0;
    }
    return {
      status: 'ok',
      bodyHash: bodyHashOf(response.body),
      items,
      dropped,
      warnings,
      httpStatus: response.status,
      etag: response.etag,
      lastModified: response.lastModified,
      finalUrl: response.url,
      fetchedAt: response.fetchedAt,
      selectorMatchedNothing: elements.length === 0,
    };
  },
};
