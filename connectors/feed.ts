// `type: feed`: RSS 0.9x, RSS 1.0 (RDF), RSS 2.0 and Atom (0.3 and 1.0) through rss-parser, after
// feed-xml.ts has made the XML readable (stray ampersands, markup in titles, base64, prefixed
// Atom elements in RSS). Links are resolved against xml:base, then the feed's own link, then the
// feed URL; items are checked one by one and a bad item is dropped and counted, never the whole
// feed (Karakeep feedParser.ts does the same). A well-formed feed without a channel or entries
// fails as `empty`, and no JavaScript error text ever reaches an operator.
import { load } from 'cheerio';
import Parser from 'rss-parser';
import { type FeedSourceConfig } from '../config/index.ts';
import { decodeBody } from './charset.ts';
import { repairFeedXml } from './feed-xml.ts';
import { isPdfUrl } from './documents.ts';
import { HarvestError } from './errors.ts';
import { describeKind, sniff } from './sniff.ts';
import { bodyHashOf, unchanged, type Connector, type ConnectorContext, type ConnectorResult, type DroppedItem, type RawItem } from './types.ts';

/** Items read from one feed at most; beyond, they are dropped and counted. */
export const MAX_ITEMS_PER_SOURCE = 5000;

/** An Atom link as xml2js gives it. */
type LinkElement = { $?: { href?: string; rel?: string; type?: string } } | string;

type FeedItem = Parser.Item & {
  id?: string;
  summary?: string;
  author?: string;
  dcDate?: string;
  dcCreator?: string;
  updated?: string;
  published?: string;
  /** Atom 0.3 dates. */
  issued?: string;
  modified?: string;
  created?: string;
  /** Atom elements inside RSS items (any prefix, renamed `atom:` by feed-xml.ts). */
  atomPublished?: string;
  atomUpdated?: string;
  atomLinks?: LinkElement[];
  /** Every <link> of the entry (Atom: several, with rel). */
  links?: LinkElement[];
  'content:encoded'?: string;
  description?: string;
};

const parser = new Parser<Record<string, unknown>, FeedItem>({
  defaultRSS: 2.0,
  customFields: {
    item: [
      ['dc:date', 'dcDate'],
      ['dc:creator', 'dcCreator'],
      ['published', 'published'],
      ['updated', 'updated'],
      ['issued', 'issued'],
      ['modified', 'modified'],
      ['created', 'created'],
      ['atom:published', 'atomPublished'],
      ['atom:updated', 'atomUpdated'],
      ['atom:link', 'atomLinks', { keepArray: true }],
      ['link', 'links', { keepArray: true }],
    ],
  },
});

/** The href of the link that names the entry's page (rel alternate or none), or of `rel`. */
function linkHref(links: LinkElement[] | undefined, rel?: string): string | undefined {
  for (const link of links ?? []) {
    if (typeof link === 'string' || !link?.$?.href) continue;
    const own = link.$.rel ?? 'alternate';
    if (rel ? own === rel : own === 'alternate') return link.$.href.trim() || undefined;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (value && typeof value === 'object') {
    // xml2js gives {_: 'text', $: {...}} for elements with attributes.
    const inner = (value as { _?: unknown })._;
    if (typeof inner === 'string') return inner.trim() || undefined;
  }
  return undefined;
}

export function resolveUrl(link: string | undefined, ...bases: Array<string | undefined>): string | undefined {
  if (!link) return undefined;
  for (const base of [...bases, undefined]) {
    try {
      const url = new URL(link.trim(), base);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
      return undefined;
    } catch {
      // try the next base
    }
  }
  return undefined;
}

/**
 * The base URL of each entry, in document order, from xml:base attributes (RFC 3986 resolution
 * along the ancestors), or undefined when the feed has none.
 */
function entryBases(xml: string, feedUrl: string): Array<string | undefined> | undefined {
  if (!xml.includes('xml:base')) return undefined;
  const $ = load(xml, { xml: true });
  const bases: Array<string | undefined> = [];
  $('item, entry').each((_, element) => {
    const chain = [element, ...$(element).parents().toArray()].reverse();
    let base = feedUrl;
    for (const node of chain) {
      const value = $(node).attr('xml:base');
      if (value) base = resolveUrl(value, base) ?? base;
    }
    // An Atom link element may carry its own xml:base.
    const linkBase = $(element).children('link').first().attr('xml:base');
    bases.push(linkBase ? (resolveUrl(linkBase, base) ?? base) : base);
  });
  return bases;
}

export const feedConnector: Connector<FeedSourceConfig> = {
  async harvest(source, context: ConnectorContext): Promise<ConnectorResult> {
    const response = await context.client.fetch(source.url, {
      maxBytes: context.settings.max_bytes,
      accept: 'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
      validators: context.validators,
    });
    const same = unchanged(response, context.validators);
    if (same) return same;
    const kind = sniff(response.body, response.contentType);
    if (kind === 'html' || kind === 'pdf' || kind === 'binary' || kind === 'empty' || kind === 'text') {
      throw new HarvestError(
        'wrong_type',
        `expected an RSS or Atom feed at ${response.url} but got ${describeKind(kind, response.contentType)}` +
          (kind === 'html' ? '; if it is a listing page, use type: html with selectors' : ''),
        { httpStatus: response.status },
      );
    }
    const decoded = decodeBody(response.body, response.contentType);
    const repaired = repairFeedXml(decoded.text);
    const details = { httpStatus: response.status };
    if (!repaired.root) throw new HarvestError('parse', `the feed at ${response.url} holds no XML element`, details);
    if (repaired.rootChildren === 0) {
      throw new HarvestError('empty', `the feed at ${response.url} is empty: its <${repaired.root}> element has no channel and no entries`, details);
    }
    let feed: Parser.Output<FeedItem> & { link?: string };
    try {
      feed = await finishing(parser.parseString(repaired.xml), context.settings.timeout);
    } catch (error) {
      if (error instanceof HarvestError) throw error;
      // The XML parser's own messages say what is wrong and where; a JavaScript error from
      // rss-parser on a structure it does not expect says nothing to an operator.
      const internal = error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;
      const message = internal
        ? `its <${repaired.root}> element does not hold an RSS channel or Atom entries as expected`
        : `${(error as Error).message.split('\n')[0]}`;
      throw new HarvestError('parse', `the feed at ${response.url} is not valid XML or not RSS/Atom: ${message}`, details);
    }
    const bases = entryBases(repaired.xml, response.url);
    const feedLink = resolveUrl(feed.link, response.url);
    const items: RawItem[] = [];
    const dropped: DroppedItem[] = [];
    const warnings: string[] = [];
    if (repaired.entities.count > 0) {
      const plural = repaired.entities.count === 1 ? 'a stray "&" or undefined entity' : `${repaired.entities.count} stray "&" or undefined entities`;
      warnings.push(`the feed has ${plural} (${repaired.entities.examples.map((e) => `"${e}"`).join(', ')}), which is not valid XML: read as a browser reads them`);
    }
    if (repaired.controls > 0) warnings.push(`the feed has ${repaired.controls} control character${repaired.controls === 1 ? '' : 's'} that XML forbids: dropped`);
    const entries = feed.items ?? [];
    for (const [index, entry] of entries.entries()) {
      if (index >= MAX_ITEMS_PER_SOURCE) {
        dropped.push({ index, reason: `more than ${MAX_ITEMS_PER_SOURCE} items in one feed` });
        continue;
      }
      try {
        const base = bases?.[index];
        const rawLink =
          text(entry.link) ?? linkHref(entry.atomLinks) ?? linkHref(entry.links) ?? (isUrlLike(text(entry.guid)) ? text(entry.guid) : undefined);
        const link = resolveUrl(rawLink, base, feedLink, response.url);
        const title = text(entry.title);
        const summaryHtml = text(entry['content:encoded']) ?? text(entry.content) ?? text(entry.summary) ?? text(entry.description);
        if (!title && !link) {
          dropped.push({ index, reason: 'an item with neither title nor link' });
          continue;
        }
        if (rawLink && !link) {
          dropped.push({ index, reason: `an item whose link is not a web address: ${rawLink.slice(0, 80)}` });
          continue;
        }
        const item: RawItem = {
          title,
          link,
          guid: text(entry.guid) ?? text(entry.id),
          date:
            text(entry.pubDate) ??
            text(entry.dcDate) ??
            text(entry.published) ??
            text(entry.atomPublished) ??
            text(entry.issued) ??
            text(entry.created) ??
            text(entry.updated) ??
            text(entry.atomUpdated) ??
            text(entry.modified) ??
            text(entry.isoDate),
          summaryHtml,
          author: text(entry.creator) ?? text(entry.dcCreator) ?? text(entry.author),
        };
        const enclosureHref = entry.enclosure?.url ?? linkHref(entry.links, 'enclosure') ?? linkHref(entry.atomLinks, 'enclosure');
        const enclosure = enclosureHref ? resolveUrl(enclosureHref, base, feedLink, response.url) : undefined;
        item.enclosure = enclosure;
        const pdfUrl = isPdfUrl(link) ? link : enclosure && (isPdfUrl(enclosure) || /pdf/i.test(entry.enclosure?.type ?? '')) ? enclosure : undefined;
        if (source.follow_pdf && pdfUrl) {
          item.document = await context.documents(pdfUrl);
          if (item.document.kind === 'failed') warnings.push(`item ${index + 1}: ${item.document.code ? `${item.document.code}: ` : ''}${item.document.message}`);
        }
        items.push(item);
      } catch (error) {
        dropped.push({ index, reason: `an item could not be read: ${(error as Error).message}` });
      }
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
    };
  },
};

/**
 * rss-parser's promise, or a `parse` failure if it never settles: xml2js does not call back at all
 * on some documents (one holding nothing but a comment did that), which would hold the source, and
 * the pass, for ever.
 */
function finishing<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HarvestError('parse', `the feed could not be read: the XML reader did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function isUrlLike(value: string | undefined): boolean {
  return Boolean(value && /^https?:\/\//i.test(value));
}
