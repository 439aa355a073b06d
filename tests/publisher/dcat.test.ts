// The DCAT-AP catalogue: /catalog.ttl parsed back with n3 and /catalog.jsonld expanded to the
// same graph; DCAT-AP's mandatory properties on the catalogue, every dataset and distribution;
// one dataset per partner and section with items; statistics series as datasets (the function
// issue 16's series will be given to); hostile text that stays a literal; links from base_url.
import { Parser, type Quad } from 'n3';
import t from 'tap';
import { catalogTriples, toJsonLd, toTurtle, type StatisticsSeries } from '../../publisher/dcat.ts';
import { jsonLdToNTriples, ntriple } from '../helpers/jsonld.ts';
import { makeApp, SEED_ITEMS } from '../helpers/app.ts';

const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const FOAF = 'http://xmlns.com/foaf/0.1/';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

const bed = await makeApp();
t.teardown(() => bed.close());

function parseTurtle(text: string): Quad[] {
  return new Parser({ format: 'text/turtle' }).parse(text);
}

function quadToNTriple(q: Quad): string {
  if (q.subject.termType !== 'NamedNode') throw new Error(`a blank node subject: ${q.subject.value}`);
  const object =
    q.object.termType === 'NamedNode'
      ? { iri: q.object.value }
      : q.object.termType === 'Literal'
        ? { value: q.object.value, language: q.object.language || undefined, datatype: q.object.datatype?.value }
        : (() => {
            throw new Error(`a ${q.object.termType} object`);
          })();
  return ntriple(q.subject.value, q.predicate.value, object);
}

/** A tiny graph query helper over parsed quads. */
function graph(quads: Quad[]) {
  const objects = (subject: string, predicate: string) => quads.filter((q) => q.subject.value === subject && q.predicate.value === predicate).map((q) => q.object);
  const subjectsOfType = (type: string) => quads.filter((q) => q.predicate.value === RDF_TYPE && q.object.value === type).map((q) => q.subject.value);
  return { objects, subjectsOfType };
}

async function fetchBoth() {
  const ttl = await bed.app.inject({ url: '/catalog.ttl', headers: { host: 'evil.example' } });
  const jsonld = await bed.app.inject({ url: '/catalog.jsonld', headers: { host: 'evil.example' } });
  return { ttl, jsonld };
}

t.test('Turtle and JSON-LD read back to the same graph', async (t) => {
  const { ttl, jsonld } = await fetchBoth();
  t.equal(ttl.statusCode, 200);
  t.match(ttl.headers['content-type'], /^text\/turtle; charset=utf-8/);
  t.match(jsonld.headers['content-type'], /^application\/ld\+json; charset=utf-8/);
  const fromTurtle = parseTurtle(ttl.body).map(quadToNTriple).sort();
  const fromJsonLd = jsonLdToNTriples(JSON.parse(jsonld.body)).sort();
  t.ok(fromTurtle.length > 100, `${fromTurtle.length} triples`);
  t.same(fromJsonLd, fromTurtle, 'the same triples, no blank nodes');
  t.notMatch(ttl.body + jsonld.body, /evil\.example/, 'links from base_url, not the Host header');
});

t.test('DCAT-AP: the catalogue, its datasets and distributions carry what is mandatory', async (t) => {
  const quads = parseTurtle((await fetchBoth()).ttl.body);
  const { objects, subjectsOfType } = graph(quads);
  const catalogs = subjectsOfType(`${DCAT}Catalog`);
  t.same(catalogs, ['https://portal.example/catalog']);
  const catalog = catalogs[0]!;
  t.same(objects(catalog, `${DCT}title`).map((o) => `${(o as { language: string }).language}:${o.value}`), ['ar:البوابة الوطنية للنزاهة', "fr:Portail national de l'intégrité", 'en:National Integrity Portal']);
  t.equal(objects(catalog, `${DCT}description`).length, 3, 'described in each language');
  const publisher = objects(catalog, `${DCT}publisher`)[0]!.value;
  t.ok(objects(publisher, `${FOAF}name`).length > 0, 'the publisher has a name');
  t.same(objects(catalog, `${DCT}spatial`).map((o) => o.value), ['http://publications.europa.eu/resource/authority/country/MAR']);

  const datasets = objects(catalog, `${DCAT}dataset`).map((o) => o.value);
  const pairs = [...new Set(SEED_ITEMS.map((i) => `${i.partner}-${i.section}`))].sort();
  t.same(datasets.map((d) => d.split('#collection-')[1]).sort(), pairs, 'one collection per partner and section with items');
  t.same(subjectsOfType(`${DCAT}Dataset`).sort(), [...datasets].sort(), 'each listed dataset is typed');
  for (const dataset of datasets) {
    t.equal(objects(dataset, `${DCT}title`).length, 3, `${dataset}: a title per language`);
    t.equal(objects(dataset, `${DCT}description`).length, 3, `${dataset}: a description per language`);
    const partner = objects(dataset, `${DCT}publisher`)[0]!.value;
    t.ok(objects(partner, `${FOAF}name`).length >= 1, `${dataset}: its publisher is named`);
    const period = objects(dataset, `${DCT}temporal`)[0]!.value;
    t.match(objects(period, `${DCAT}startDate`)[0], { value: /^\d{4}-\d{2}-\d{2}$/, datatype: { value: 'http://www.w3.org/2001/XMLSchema#date' } });
    const distributions = objects(dataset, `${DCAT}distribution`).map((o) => o.value);
    t.equal(distributions.length, 4, `${dataset}: Atom in three languages and the JSON API`);
    for (const distribution of distributions) {
      const access = objects(distribution, `${DCAT}accessURL`)[0]?.value;
      t.match(access, /^https:\/\/portal\.example\/(ar|fr|en)\/feed\.atom\?section=|^https:\/\/portal\.example\/api\/items\?section=/, `${distribution}: an access URL`);
      t.equal(objects(distribution, `${DCAT}mediaType`).length, 1);
    }
  }
  const alphaPublications = 'https://portal.example/catalog#collection-alpha-publications';
  t.match(objects(alphaPublications, `${DCT}description`).find((o) => (o as { language: string }).language === 'fr')?.value, /Les 4 documents de la rubrique « Publications » que Instance Alpha publie/);
  t.same(objects(alphaPublications, `${DCT}language`).map((o) => o.value).sort(), ['http://publications.europa.eu/resource/authority/language/ARA', 'http://publications.europa.eu/resource/authority/language/FRA']);
  const services = objects(catalog, `${DCAT}service`).map((o) => o.value);
  t.same(services.map((s) => objects(s, `${DCAT}endpointURL`)[0]!.value), ['https://portal.example/oai', 'https://portal.example/api/']);
  t.equal(objects(services[0]!, `${DCAT}servesDataset`).length, datasets.length, 'OAI-PMH serves every collection');
});

t.test('statistics series become datasets with JSON and CSV (the list issue 16 will give)', async (t) => {
  const series: StatisticsSeries[] = [
    { id: 'alpha-reports-received', partner: 'alpha', name: { fr: 'Signalements reçus "par canal" \\ 2024\nsuite', ar: 'التبليغات الواردة' }, updated_at: '2025-01-31T10:00:00.000Z', latest: { period: '2024', value: 1234 } },
  ];
  const triples = catalogTriples(bed.ctx, bed.store.library.collections(), series);
  const turtle = parseTurtle(toTurtle(triples));
  t.same(jsonLdToNTriples(JSON.parse(toJsonLd(triples))).sort(), turtle.map(quadToNTriple).sort(), 'the two forms agree');
  const { objects } = graph(turtle);
  const dataset = 'https://portal.example/catalog#series-alpha-reports-received';
  t.ok(objects('https://portal.example/catalog', `${DCAT}dataset`).some((o) => o.value === dataset), 'listed in the catalogue');
  t.same(objects(dataset, `${DCT}title`).map((o) => o.value), ['التبليغات الواردة', 'Signalements reçus "par canal" \\ 2024\nsuite'], 'quotes, backslashes and new lines stay in the literal');
  const formats = objects(dataset, `${DCAT}distribution`).map((d) => objects(d.value, `${DCAT}mediaType`)[0]!.value);
  t.same(formats, ['http://www.iana.org/assignments/media-types/application/json', 'http://www.iana.org/assignments/media-types/text/csv']);
  t.same(objects(dataset, `${DCAT}landingPage`).map((o) => o.value), ['https://portal.example/ar/statistics/alpha-reports-received']);
  t.ok(objects('https://portal.example/catalog#service-api', `${DCAT}servesDataset`).some((o) => o.value === dataset), 'served by the API');
  t.notOk(objects('https://portal.example/catalog#service-oai', `${DCAT}servesDataset`).some((o) => o.value === dataset), 'not by OAI-PMH (documents only)');
});

t.test('/catalog sends clients to the format they accept', async (t) => {
  const turtle = await bed.app.inject({ url: '/catalog', headers: { accept: 'text/turtle' } });
  t.equal(turtle.statusCode, 303);
  t.equal(turtle.headers.location, '/catalog.ttl');
  t.equal((await bed.app.inject({ url: '/catalog', headers: { accept: 'application/ld+json' } })).headers.location, '/catalog.jsonld');
  t.equal((await bed.app.inject({ url: '/catalog' })).headers.location, '/catalog.jsonld');
});
