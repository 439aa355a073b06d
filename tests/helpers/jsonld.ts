// Reads the JSON-LD the portal writes back into RDF triples, following the JSON-LD 1.1 expansion
// rules for the features it uses: a @context of prefixes, a @graph of node objects with @id,
// @type, and values that are IRIs ({"@id"}) or literals ({"@value"} with @language or @type).
// Anything else is refused, so a change of form in the output fails the test instead of being
// misread. (No JSON-LD processor is installed; this covers exactly what the catalogue uses.)

const XSD_STRING = 'http://www.w3.org/2001/XMLSchema#string';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

function fail(message: string): never {
  throw new Error(`JSON-LD not understood: ${message}`);
}

/** One triple written as N-Triples (plain literals and xsd:string written the same way). */
export function ntriple(subject: string, predicate: string, object: { iri: string } | { value: string; language?: string; datatype?: string }): string {
  const o =
    'iri' in object
      ? `<${object.iri}>`
      : `${JSON.stringify(object.value)}${object.language ? `@${object.language.toLowerCase()}` : object.datatype && object.datatype !== XSD_STRING ? `^^<${object.datatype}>` : ''}`;
  return `<${subject}> <${predicate}> ${o} .`;
}

export function jsonLdToNTriples(document: unknown): string[] {
  if (!document || typeof document !== 'object' || Array.isArray(document)) fail('the document is not an object');
  const { '@context': context, '@graph': graph, ...rest } = document as Record<string, unknown>;
  if (Object.keys(rest).length > 0) fail(`top-level keys ${Object.keys(rest).join(', ')}`);
  if (!context || typeof context !== 'object' || Array.isArray(context)) fail('@context is not an object');
  const prefixes = new Map<string, string>();
  for (const [term, definition] of Object.entries(context as Record<string, unknown>)) {
    if (typeof definition !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(definition)) fail(`term definition of "${term}"`);
    prefixes.set(term, definition);
  }
  const expand = (value: unknown): string => {
    if (typeof value !== 'string') fail(`an IRI that is not a string: ${JSON.stringify(value)}`);
    const colon = value.indexOf(':');
    if (colon > 0) {
      const prefix = value.slice(0, colon);
      const suffix = value.slice(colon + 1);
      if (prefixes.has(prefix) && !suffix.startsWith('//')) return prefixes.get(prefix)! + suffix;
      if (/^[a-z][a-z0-9+.-]*$/i.test(prefix)) return value;
    }
    fail(`a relative IRI or unknown term "${value}"`);
  };
  if (!Array.isArray(graph)) fail('@graph is not an array');
  const triples: string[] = [];
  for (const node of graph) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) fail('a node that is not an object');
    const { '@id': id, '@type': type, ...properties } = node as Record<string, unknown>;
    const subject = expand(id);
    for (const t of type === undefined ? [] : Array.isArray(type) ? type : [type]) triples.push(ntriple(subject, RDF_TYPE, { iri: expand(t) }));
    for (const [key, values] of Object.entries(properties)) {
      if (key.startsWith('@')) fail(`keyword ${key} on a node`);
      const predicate = expand(key);
      for (const value of Array.isArray(values) ? values : [values]) {
        if (typeof value === 'string') {
          triples.push(ntriple(subject, predicate, { value }));
          continue;
        }
        if (!value || typeof value !== 'object' || Array.isArray(value)) fail(`a value of ${key}: ${JSON.stringify(value)}`);
        const v = value as Record<string, unknown>;
        const keys = Object.keys(v).sort().join(',');
        if (keys === '@id') triples.push(ntriple(subject, predicate, { iri: expand(v['@id']) }));
        else if (keys === '@value' && typeof v['@value'] === 'string') triples.push(ntriple(subject, predicate, { value: v['@value'] }));
        else if (keys === '@language,@value' && typeof v['@value'] === 'string' && typeof v['@language'] === 'string') triples.push(ntriple(subject, predicate, { value: v['@value'], language: v['@language'] }));
        else if (keys === '@type,@value' && typeof v['@value'] === 'string') triples.push(ntriple(subject, predicate, { value: v['@value'], datatype: expand(v['@type']) }));
        else fail(`a value object with ${keys}`);
      }
    }
  }
  return triples;
}
