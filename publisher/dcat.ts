// The portal as a DCAT-AP catalogue (/catalog.ttl, /catalog.jsonld), the endpoints ckanext-dcat
// reads, so data.gov.ma's CKAN can harvest it: a dcat:Catalog published by the authority, one
// dcat:Dataset per partner and section (the document collections) with their Atom feed and JSON
// API as distributions, the statistics series as datasets with JSON and CSV distributions, and
// the OAI-PMH repository and the JSON API as dcat:DataService.
//
// One list of triples is written two ways: Turtle, and JSON-LD (a flat @graph whose keys are
// prefixed names of the @context). Every node has an IRI under {base}/catalog (no blank nodes),
// so the two read back to the same graph.
import { type Language, type Multilingual } from '../config/index.ts';
import { type CollectionRow } from '../store/index.ts';
import { type PortalContext } from './context.ts';
import { adminEmail, siteBase } from './links.ts';
import { pick } from './views.ts';

export const PREFIXES = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
} as const;
type Prefixed = `${keyof typeof PREFIXES}:${string}`;

export type RdfObject = { iri: string } | { value: string; language?: string; datatype?: Prefixed };
export interface Triple {
  subject: string;
  predicate: Prefixed;
  object: RdfObject;
}

/** A statistics series as `GET /api/statistics` lists it (docs/contract.md, "Datasets"). */
export interface StatisticsSeries {
  id: string;
  partner: string;
  name: Multilingual;
  unit?: Multilingual | null;
  updated_at?: string | null;
  latest?: { period: string; value: number } | null;
}

/** The statistics series the catalogue lists: every active series, with its latest headline figure. */
export function catalogSeries(ctx: PortalContext): StatisticsSeries[] {
  return ctx.store.datasets.list().map((row) => {
    const latest = [...row.headline].reverse().find(([, value]) => value !== null);
    return {
      id: row.id,
      partner: row.partner,
      name: row.name,
      unit: row.unit,
      updated_at: row.updatedAt,
      latest: latest ? { period: latest[0], value: latest[1]! } : null,
    };
  });
}

const EU = {
  language: 'http://publications.europa.eu/resource/authority/language/',
  theme: 'http://publications.europa.eu/resource/authority/data-theme/',
  country: 'http://publications.europa.eu/resource/authority/country/',
  access: 'http://publications.europa.eu/resource/authority/access-right/',
  frequency: 'http://publications.europa.eu/resource/authority/frequency/',
};
/** Languages as the EU Publications Office's authority table names them (DCAT-AP); Tamazight by ISO 639-3. */
const LANGUAGE_IRI: Record<Language, string> = {
  ar: `${EU.language}ARA`,
  fr: `${EU.language}FRA`,
  en: `${EU.language}ENG`,
  zgh: 'http://lexvo.org/id/iso639-3/zgh',
};
const MEDIA = (type: string) => `http://www.iana.org/assignments/media-types/${type}`;

const iri = (value: string): RdfObject => ({ iri: value });
const text = (value: string, language?: string): RdfObject => ({ value, language });
const typed = (value: string, datatype: Prefixed): RdfObject => ({ value, datatype });

/** The catalogue's triples. */
export function catalogTriples(ctx: PortalContext, collections: CollectionRow[], series: StatisticsSeries[]): Triple[] {
  const settings = ctx.settings().portal;
  const languages = settings.languages as Language[];
  const first = languages[0]!;
  const base = siteBase(ctx);
  const node = (fragment: string) => `${base}/catalog#${fragment}`;
  const catalog = `${base}/catalog`;
  const triples: Triple[] = [];
  const add = (subject: string, predicate: Prefixed, object: RdfObject) => triples.push({ subject, predicate, object });
  const inEvery = (subject: string, predicate: Prefixed, make: (lang: Language) => string) => {
    for (const lang of languages) add(subject, predicate, text(make(lang), lang));
  };
  const multilingual = (subject: string, predicate: Prefixed, value: Multilingual) => {
    for (const lang of [...languages, ...(['ar', 'fr', 'en', 'zgh'] as Language[]).filter((l) => !languages.includes(l))]) {
      const v = value[lang];
      if (v) add(subject, predicate, text(v, lang));
    }
  };
  const partners = new Map(ctx.store.partners.list().map((p) => [p.id, p]));
  const t = (lang: string, key: string, vars?: Record<string, unknown>) => ctx.i18n.t(lang, key, vars);

  // The authority publishing the portal, its contact point, and each partner as a publisher.
  const authority = node('publisher');
  add(authority, 'rdf:type', iri(`${PREFIXES.foaf}Organization`));
  multilingual(authority, 'foaf:name', settings.privacy.controller ?? settings.site.name);
  add(authority, 'foaf:homepage', iri(`${base}/`));
  const contact = node('contact');
  add(contact, 'rdf:type', iri(`${PREFIXES.vcard}Organization`));
  add(contact, 'vcard:fn', text(pick(settings.site.name, first)));
  add(contact, 'vcard:hasEmail', iri(`mailto:${adminEmail(ctx)}`));
  add(contact, 'vcard:hasURL', iri(`${base}/${first}/suggestions`));
  const described = new Set<string>();
  const publisherOf = (partnerId: string): string => {
    const subject = node(`publisher-${partnerId}`);
    if (!described.has(subject)) {
      described.add(subject);
      const partner = partners.get(partnerId);
      add(subject, 'rdf:type', iri(`${PREFIXES.foaf}Organization`));
      if (partner) multilingual(subject, 'foaf:name', partner.name);
      else add(subject, 'foaf:name', text(partnerId));
      if (partner?.website) add(subject, 'foaf:homepage', iri(partner.website));
    }
    return subject;
  };

  add(catalog, 'rdf:type', iri(`${PREFIXES.dcat}Catalog`));
  multilingual(catalog, 'dct:title', settings.site.name);
  inEvery(catalog, 'dct:description', (lang) => t(lang, 'library.catalog_description'));
  add(catalog, 'dct:publisher', iri(authority));
  add(catalog, 'dcat:contactPoint', iri(contact));
  add(catalog, 'foaf:homepage', iri(`${base}/`));
  for (const lang of languages) add(catalog, 'dct:language', iri(LANGUAGE_IRI[lang]));
  add(catalog, 'dct:spatial', iri(`${EU.country}MAR`));
  const modified = collections.reduce((max, c) => (c.modified > max ? c.modified : max), '');
  if (modified) add(catalog, 'dct:modified', typed(modified, 'xsd:dateTime'));

  const dataset = (subject: string, identifier: string) => {
    add(catalog, 'dcat:dataset', iri(subject));
    add(subject, 'rdf:type', iri(`${PREFIXES.dcat}Dataset`));
    add(subject, 'dct:identifier', text(identifier));
    add(subject, 'dcat:contactPoint', iri(contact));
    add(subject, 'dct:accessRights', iri(`${EU.access}PUBLIC`));
    add(subject, 'dcat:theme', iri(`${EU.theme}GOVE`));
    add(subject, 'dct:spatial', iri(`${EU.country}MAR`));
  };
  const distribution = (datasetIri: string, subject: string, fields: { title: string; access: string; download?: string; media: string; conformsTo?: string }) => {
    add(datasetIri, 'dcat:distribution', iri(subject));
    add(subject, 'rdf:type', iri(`${PREFIXES.dcat}Distribution`));
    add(subject, 'dct:title', text(fields.title));
    add(subject, 'dcat:accessURL', iri(fields.access));
    if (fields.download) add(subject, 'dcat:downloadURL', iri(fields.download));
    add(subject, 'dcat:mediaType', iri(MEDIA(fields.media)));
    if (fields.conformsTo) add(subject, 'dct:conformsTo', iri(fields.conformsTo));
  };

  // Document collections: what one partner publishes in one section.
  const collectionIris: string[] = [];
  for (const c of collections) {
    const subject = node(`collection-${c.partner}-${c.section}`);
    collectionIris.push(subject);
    const partner = partners.get(c.partner);
    const partnerName = (lang: string) => (partner ? pick(partner.name, lang) : c.partner);
    dataset(subject, `${c.partner}/${c.section}`);
    inEvery(subject, 'dct:title', (lang) => t(lang, 'library.collection_title', { section: t(lang, `sections.${c.section}`), partner: partnerName(lang) }));
    inEvery(subject, 'dct:description', (lang) =>
      t(lang, c.items === 1 ? 'library.collection_description_one' : 'library.collection_description', { count: c.items, partner: partnerName(lang), section: t(lang, `sections.${c.section}`) }),
    );
    inEvery(subject, 'dcat:keyword', (lang) => t(lang, `sections.${c.section}`));
    add(subject, 'dct:publisher', iri(publisherOf(c.partner)));
    add(subject, 'dct:modified', typed(c.modified, 'xsd:dateTime'));
    for (const lang of c.languages) if (LANGUAGE_IRI[lang]) add(subject, 'dct:language', iri(LANGUAGE_IRI[lang]));
    const period = `${subject}-period`;
    add(subject, 'dct:temporal', iri(period));
    add(period, 'rdf:type', iri(`${PREFIXES.dct}PeriodOfTime`));
    add(period, 'dcat:startDate', typed(c.first, 'xsd:date'));
    add(period, 'dcat:endDate', typed(c.last, 'xsd:date'));
    const filter = `section=${c.section}&partner=${encodeURIComponent(c.partner)}`;
    add(subject, 'dcat:landingPage', iri(`${base}/${first}/${c.section}?partner=${encodeURIComponent(c.partner)}`));
    for (const lang of languages) {
      distribution(subject, `${subject}-atom-${lang}`, {
        title: t(lang, 'library.distribution_atom'),
        access: `${base}/${lang}/feed.atom?${filter}`,
        download: `${base}/${lang}/feed.atom?${filter}`,
        media: 'application/atom+xml',
      });
    }
    distribution(subject, `${subject}-json`, {
      title: t(first, 'library.distribution_json'),
      access: `${base}/api/items?${filter}`,
      media: 'application/json',
      conformsTo: `${base}/api/openapi.json`,
    });
  }

  // Statistics series (issue 16): one dataset each, as data.
  const seriesIris: string[] = [];
  for (const s of series) {
    const subject = node(`series-${s.id}`);
    seriesIris.push(subject);
    dataset(subject, s.id);
    multilingual(subject, 'dct:title', s.name);
    inEvery(subject, 'dct:description', (lang) => t(lang, 'library.series_description', { name: pick(s.name, lang), partner: partners.has(s.partner) ? pick(partners.get(s.partner)!.name, lang) : s.partner }));
    inEvery(subject, 'dcat:keyword', (lang) => t(lang, 'sections.statistics'));
    add(subject, 'dct:publisher', iri(publisherOf(s.partner)));
    if (s.updated_at) add(subject, 'dct:modified', typed(s.updated_at, 'xsd:dateTime'));
    add(subject, 'dcat:landingPage', iri(`${base}/${first}/statistics/${encodeURIComponent(s.id)}`));
    distribution(subject, `${subject}-json`, { title: 'JSON', access: `${base}/api/statistics/${encodeURIComponent(s.id)}`, download: `${base}/api/statistics/${encodeURIComponent(s.id)}`, media: 'application/json' });
    distribution(subject, `${subject}-csv`, { title: 'CSV', access: `${base}/api/statistics/${encodeURIComponent(s.id)}.csv`, download: `${base}/api/statistics/${encodeURIComponent(s.id)}.csv`, media: 'text/csv' });
  }

  // The machine interfaces serving the collections.
  const services: Array<{ fragment: string; key: string; endpoint: string; description?: string; conformsTo: string; serves: string[] }> = [
    { fragment: 'service-oai', key: 'library.service_oai', endpoint: `${base}/oai`, conformsTo: 'http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm', serves: collectionIris },
    { fragment: 'service-api', key: 'library.service_api', endpoint: `${base}/api/`, description: `${base}/api/openapi.json`, conformsTo: 'https://spec.openapis.org/oas/v3.0.3', serves: [...collectionIris, ...seriesIris] },
  ];
  for (const service of services) {
    const subject = node(service.fragment);
    add(catalog, 'dcat:service', iri(subject));
    add(subject, 'rdf:type', iri(`${PREFIXES.dcat}DataService`));
    inEvery(subject, 'dct:title', (lang) => t(lang, service.key));
    add(subject, 'dcat:endpointURL', iri(service.endpoint));
    if (service.description) add(subject, 'dcat:endpointDescription', iri(service.description));
    add(subject, 'dct:conformsTo', iri(service.conformsTo));
    add(subject, 'dct:publisher', iri(authority));
    for (const served of service.serves) add(subject, 'dcat:servesDataset', iri(served));
  }
  return triples;
}

// ------------------------------------------------------------------ Turtle

function turtleIri(value: string): string {
  // IRIREF excludes these characters; they are percent-encoded (they cannot occur in our URLs).
  return `<${value.replace(/[\u0000-\u0020<>"{}|^`\\]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`)}>`;
}

function turtleString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** dcat:Dataset rather than <http://www.w3.org/ns/dcat#Dataset> where a prefix covers the IRI. */
function prefixedOrIri(value: string): string {
  for (const [prefix, ns] of Object.entries(PREFIXES)) {
    if (value.startsWith(ns) && /^[A-Za-z][A-Za-z0-9_-]*$/.test(value.slice(ns.length))) return `${prefix}:${value.slice(ns.length)}`;
  }
  return turtleIri(value);
}

function turtleObject(object: RdfObject): string {
  if ('iri' in object) return prefixedOrIri(object.iri);
  if (object.language) return `${turtleString(object.value)}@${object.language}`;
  if (object.datatype) return `${turtleString(object.value)}^^${object.datatype}`;
  return turtleString(object.value);
}

const bySubject = (triples: Triple[]) => {
  const subjects = new Map<string, Triple[]>();
  for (const triple of triples) subjects.set(triple.subject, [...(subjects.get(triple.subject) ?? []), triple]);
  return subjects;
};

export function toTurtle(triples: Triple[]): string {
  const lines = Object.entries(PREFIXES).map(([prefix, ns]) => `@prefix ${prefix}: <${ns}> .`);
  for (const [subject, list] of bySubject(triples)) {
    const predicates = new Map<string, string[]>();
    for (const t of list) predicates.set(t.predicate === 'rdf:type' ? 'a' : t.predicate, [...(predicates.get(t.predicate === 'rdf:type' ? 'a' : t.predicate) ?? []), turtleObject(t.object)]);
    const body = [...predicates].map(([p, objects]) => `    ${p} ${objects.join(',\n        ')}`).join(' ;\n');
    lines.push('', `${turtleIri(subject)}\n${body} .`);
  }
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------ JSON-LD

export function toJsonLd(triples: Triple[]): string {
  const graph = [...bySubject(triples)].map(([subject, list]) => {
    const nodeObject: Record<string, unknown> = { '@id': subject };
    for (const t of list) {
      if (t.predicate === 'rdf:type' && 'iri' in t.object) {
        nodeObject['@type'] = [...((nodeObject['@type'] as string[] | undefined) ?? []), t.object.iri];
        continue;
      }
      const value =
        'iri' in t.object
          ? { '@id': t.object.iri }
          : t.object.language
            ? { '@value': t.object.value, '@language': t.object.language }
            : t.object.datatype
              ? { '@value': t.object.value, '@type': t.object.datatype }
              : { '@value': t.object.value };
      nodeObject[t.predicate] = [...((nodeObject[t.predicate] as unknown[] | undefined) ?? []), value];
    }
    return nodeObject;
  });
  return `${JSON.stringify({ '@context': PREFIXES, '@graph': graph }, null, 1)}\n`;
}

