// Stable identity of an item within its source (Miniflux storage/entry.go): the guid (with the
// link, so two items sharing a guid but not a link stay two), else the canonical URL, else the
// title and date. Items of one fetch that would share an identity (podcast episodes that all link
// to the show's page, without guids) are told apart by a discriminator: their enclosure, else
// their title and date (harvest.ts decides when). The public id is a hash of partner, source and
// identity.
import { createHash } from 'node:crypto';

/** Query parameters that track visitors and say nothing about the document. */
const TRACKING = /^(utm_[a-z]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_ga|_gl|yclid|igshid|ref_src|spm|ocid|mkt_tok|_hsenc|_hsmi|hsctatracking)$/i;

/** The URL without fragment and tracking parameters; scheme and host lower-cased. */
export function canonicalUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    for (const key of [...parsed.searchParams.keys()]) if (TRACKING.test(key)) parsed.searchParams.delete(key);
    if ([...parsed.searchParams.keys()].length === 0) parsed.search = '';
    return parsed.href;
  } catch {
    return url.trim();
  }
}

export function itemIdentity(fields: { guid?: string | null; url?: string | null; title: string; publishedAt?: string | null; discriminator?: string }): string {
  const base = baseIdentity(fields);
  return fields.discriminator ? `${base}\nd:${fields.discriminator}` : base;
}

function baseIdentity(fields: { guid?: string | null; url?: string | null; title: string; publishedAt?: string | null }): string {
  const url = fields.url ? canonicalUrl(fields.url) : '';
  if (fields.guid) return `g:${fields.guid.trim()}\n${url}`;
  if (url) return `u:${url}`;
  return `t:${fields.title.trim().toLowerCase()}\n${fields.publishedAt ?? ''}`;
}

/** What tells apart items that share a link and guid: the enclosure, else title and date; `ordinal` > 1 for exact namesakes. */
export function discriminatorOf(fields: { enclosure?: string; title: string; publishedAt?: string | null }, ordinal = 1): string {
  const own = fields.enclosure ? `e:${canonicalUrl(fields.enclosure)}` : `t:${fields.title.trim().toLowerCase()}\n${fields.publishedAt ?? ''}`;
  return ordinal > 1 ? `${own}\n#${ordinal}` : own;
}

export function itemId(partnerId: string, sourceId: string, identity: string): string {
  return createHash('sha256').update(`${partnerId}/${sourceId}\n${identity}`).digest('hex').slice(0, 16);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
