// OAI-PMH 2.0 (http://www.openarchives.org/OAI/openarchivesprotocol.html) over the catalogue, so
// libraries and data portals can harvest the portal: every verb, `oai_dc` records, sets
// `partner:{id}` and `section:{name}` (and their parents `partner` and `section`), selective
// harvesting by datestamp, the protocol's errors, and resumption tokens.
//
// Datestamps are the time a change was committed (store/library.ts, item_stamps), to the second.
// Lists are read in (datestamp, rowid) order from a cursor, and a resumption token is that cursor
// with the request's arguments, signed with the portal's secret and valid for 24 hours: stateless
// (nothing kept per harvester), tamper-proof, and stable while harvests run: a record changed
// during a list moves after the cursor and is sent again later; none is skipped.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SECTIONS, type DocType, type Language, type Section } from '../config/index.ts';
import { type OaiCursor, type OaiFilter, type OaiRecordRow } from '../store/index.ts';
import { type PortalContext } from './context.ts';
import { adminEmail, itemPageUrl, siteBase, siteHost, xmlEscape as x } from './links.ts';

export const OAI_DC = {
  prefix: 'oai_dc',
  schema: 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd',
  namespace: 'http://www.openarchives.org/OAI/2.0/oai_dc/',
} as const;

export const TOKEN_LIFETIME_MS = 24 * 3_600_000;

const VERBS = ['Identify', 'ListMetadataFormats', 'ListSets', 'ListIdentifiers', 'ListRecords', 'GetRecord'] as const;
type Verb = (typeof VERBS)[number];

/** Each verb's arguments (spec 3.1.1, 4): required, optional, and the exclusive resumptionToken. */
const ARGUMENTS: Record<Verb, { required: string[]; optional: string[]; exclusive?: 'resumptionToken' }> = {
  Identify: { required: [], optional: [] },
  ListMetadataFormats: { required: [], optional: ['identifier'] },
  ListSets: { required: [], optional: [], exclusive: 'resumptionToken' },
  ListIdentifiers: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], exclusive: 'resumptionToken' },
  ListRecords: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], exclusive: 'resumptionToken' },
  GetRecord: { required: ['identifier', 'metadataPrefix'], optional: [] },
};

type ErrorCode = 'badArgument' | 'badResumptionToken' | 'badVerb' | 'cannotDisseminateFormat' | 'idDoesNotExist' | 'noRecordsMatch' | 'noSetHierarchy';

class OaiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface OaiOptions {
  /** Records (ListRecords) per answer; ListIdentifiers sends twice as many headers. */
  pageSize: number;
}

/** What a resumption token carries (signed): the list's arguments and where it stopped. */
interface TokenState {
  v: 1;
  verb: 'ListIdentifiers' | 'ListRecords';
  from?: string;
  until?: string;
  set?: string;
  /** The last record sent: datestamp (full precision) and rowid. */
  at: [string, number];
  /** Records sent before the next answer. */
  sent: number;
  /** Expiry, ms since the epoch. */
  exp: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SET_SPEC = /^[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*$/;

/** A datestamp as OAI-PMH writes it: UTC to the second. */
export function oaiDatestamp(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

/** The [from, until) bounds in the stored datestamps' form, or a badArgument. */
function bounds(from: string | undefined, until: string | undefined): { from?: string; until?: string } {
  const parse = (name: string, value: string): { start: string; next: string; day: boolean } => {
    const day = DAY.test(value);
    if (!day && !SECOND.test(value)) throw new OaiError('badArgument', `${name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (the repository's granularity), got "${value.slice(0, 40)}"`);
    const start = new Date(day ? `${value}T00:00:00Z` : value);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, day ? 10 : 19) !== value.slice(0, day ? 10 : 19)) {
      throw new OaiError('badArgument', `${name} is not a real date: "${value.slice(0, 40)}"`);
    }
    const next = new Date(start.getTime() + (day ? 86_400_000 : 1000));
    return { start: start.toISOString(), next: next.toISOString(), day };
  };
  const f = from !== undefined ? parse('from', from) : undefined;
  const u = until !== undefined ? parse('until', until) : undefined;
  if (f && u) {
    if (f.day !== u.day) throw new OaiError('badArgument', 'from and until must have the same granularity');
    if (f.start > u.start) throw new OaiError('badArgument', 'from is later than until');
  }
  return { from: f?.start, until: u?.next };
}

export class OaiRepository {
  private readonly key: Buffer;

  constructor(
    private readonly ctx: PortalContext,
    private readonly options: OaiOptions,
  ) {
    // A key of its own, derived from the portal's secret: a token is no CSRF token and vice versa.
    this.key = createHmac('sha256', ctx.secret).update('oai-pmh resumption token v1').digest();
  }

  /** The XML answer to one request's arguments (query string or form body). */
  answer(raw: Record<string, unknown>): string {
    const now = this.ctx.now();
    let args: Record<string, string> = {};
    let verb: Verb | undefined;
    try {
      ({ args, verb } = this.parse(raw));
      const body = this.dispatch(verb, args, now);
      return this.envelope(now, args, body);
    } catch (error) {
      if (!(error instanceof OaiError)) throw error;
      // badVerb and badArgument echo no arguments: they may be what is wrong (spec 3.2).
      const echo = error.code === 'badVerb' || error.code === 'badArgument' ? {} : args;
      return this.envelope(now, echo, `  <error code="${error.code}">${x(error.message)}</error>\n`);
    }
  }

  private parse(raw: Record<string, unknown>): { args: Record<string, string>; verb: Verb } {
    const args: Record<string, string> = {};
    const repeated: string[] = [];
    for (const [name, value] of Object.entries(raw)) {
      if (Array.isArray(value)) repeated.push(name);
      else if (typeof value === 'string') args[name] = value;
      else throw new OaiError('badArgument', `${name.slice(0, 40)} has no usable value`);
    }
    if (repeated.includes('verb')) throw new OaiError('badVerb', 'the verb is given more than once');
    const verb = args.verb;
    if (verb === undefined) throw new OaiError('badVerb', `no verb: use one of ${VERBS.join(', ')}`);
    if (!(VERBS as readonly string[]).includes(verb)) throw new OaiError('badVerb', `"${verb.slice(0, 40)}" is not an OAI-PMH verb: use one of ${VERBS.join(', ')}`);
    if (repeated.length > 0) throw new OaiError('badArgument', `${repeated.map((n) => n.slice(0, 40)).join(', ')} given more than once`);
    const spec = ARGUMENTS[verb as Verb];
    const allowed = new Set(['verb', ...spec.required, ...spec.optional, ...(spec.exclusive ? [spec.exclusive] : [])]);
    const unknown = Object.keys(args).filter((n) => !allowed.has(n));
    if (unknown.length > 0) throw new OaiError('badArgument', `${verb} does not take ${unknown.map((n) => `"${n.slice(0, 40)}"`).join(', ')}`);
    if (spec.exclusive && args[spec.exclusive] !== undefined) {
      const others = Object.keys(args).filter((n) => n !== 'verb' && n !== spec.exclusive);
      if (others.length > 0) throw new OaiError('badArgument', `resumptionToken is an exclusive argument: drop ${others.join(', ')}`);
      return { args, verb: verb as Verb };
    }
    const missing = spec.required.filter((n) => args[n] === undefined);
    if (missing.length > 0) throw new OaiError('badArgument', `${verb} needs ${missing.join(' and ')}`);
    // Values are echoed in the answer's <request>: each must be of its type in the schema.
    if (args.set !== undefined && !SET_SPEC.test(args.set)) throw new OaiError('badArgument', `"${args.set.slice(0, 40)}" is not a setSpec`);
    if (args.metadataPrefix !== undefined && !/^[A-Za-z0-9\-_.!~*'()]+$/.test(args.metadataPrefix)) {
      throw new OaiError('badArgument', `"${args.metadataPrefix.slice(0, 40)}" is not a metadataPrefix`);
    }
    if (args.identifier !== undefined && !/^[!-~]{1,300}$/.test(args.identifier)) {
      throw new OaiError('badArgument', `"${args.identifier.slice(0, 40)}" is not an identifier of this repository (oai:${siteHost(this.ctx)}:…)`);
    }
    bounds(args.from, args.until);
    return { args, verb: verb as Verb };
  }

  private dispatch(verb: Verb, args: Record<string, string>, now: Date): string {
    switch (verb) {
      case 'Identify':
        return this.identify();
      case 'ListMetadataFormats':
        if (args.identifier !== undefined) this.record(args.identifier);
        return `  <ListMetadataFormats>\n    <metadataFormat><metadataPrefix>${OAI_DC.prefix}</metadataPrefix><schema>${OAI_DC.schema}</schema><metadataNamespace>${OAI_DC.namespace}</metadataNamespace></metadataFormat>\n  </ListMetadataFormats>\n`;
      case 'ListSets':
        if (args.resumptionToken !== undefined) throw new OaiError('badResumptionToken', 'ListSets answers in one part: this repository issued no token for it');
        return this.listSets();
      case 'GetRecord': {
        this.checkPrefix(args.metadataPrefix!);
        const row = this.record(args.identifier!);
        return `  <GetRecord>\n${this.recordXml(row)}  </GetRecord>\n`;
      }
      case 'ListIdentifiers':
      case 'ListRecords':
        return this.list(verb, args, now);
    }
  }

  private checkPrefix(prefix: string): void {
    if (prefix !== OAI_DC.prefix) throw new OaiError('cannotDisseminateFormat', `"${prefix.slice(0, 40)}" is not a format of this repository: use ${OAI_DC.prefix}`);
  }

  private identifierOf(id: string): string {
    return `oai:${siteHost(this.ctx)}:${id}`;
  }

  private record(identifier: string): OaiRecordRow {
    const prefix = `oai:${siteHost(this.ctx)}:`;
    const id = identifier.startsWith(prefix) ? identifier.slice(prefix.length) : '';
    const row = /^[0-9a-f]{16}$/.test(id) ? this.ctx.store.library.oaiRecord(id) : undefined;
    if (!row) throw new OaiError('idDoesNotExist', `no record "${identifier.slice(0, 100)}" in this repository (identifiers look like ${prefix}0123456789abcdef)`);
    return row;
  }

  // ------------------------------------------------------------------ verbs

  private identify(): string {
    const ctx = this.ctx;
    const portal = ctx.settings().portal;
    const name = portal.site.name[portal.languages[0] as Language] ?? Object.values(portal.site.name)[0]!;
    const earliest = ctx.store.library.earliestDatestamp() ?? ctx.now().toISOString();
    const host = siteHost(ctx);
    // The oai-identifier description needs a domain name (a dot, letters first): not a bare address.
    const described = /^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$/.test(host);
    const sample = this.identifierOf('0123456789abcdef');
    return `  <Identify>
    <repositoryName>${x(name)}</repositoryName>
    <baseURL>${x(`${siteBase(ctx)}/oai`)}</baseURL>
    <protocolVersion>2.0</protocolVersion>
    <adminEmail>${x(adminEmail(ctx))}</adminEmail>
    <earliestDatestamp>${oaiDatestamp(earliest)}</earliestDatestamp>
    <deletedRecord>persistent</deletedRecord>
    <granularity>YYYY-MM-DDThh:mm:ssZ</granularity>
${
  described
    ? `    <description>
      <oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">
        <scheme>oai</scheme>
        <repositoryIdentifier>${x(host)}</repositoryIdentifier>
        <delimiter>:</delimiter>
        <sampleIdentifier>${x(sample)}</sampleIdentifier>
      </oai-identifier>
    </description>
`
    : ''
}  </Identify>
`;
  }

  /** A setName in the first language, and a setDescription with the name in every language. */
  private setXml(spec: string, names: Partial<Record<string, string>>): string {
    const languages = this.ctx.settings().portal.languages;
    const first = languages.map((l) => names[l]).find(Boolean) ?? spec;
    const titles = languages
      .filter((l) => names[l])
      .map((l) => `<dc:title xml:lang="${l}">${x(names[l]!)}</dc:title>`)
      .join('');
    return `    <set><setSpec>${x(spec)}</setSpec><setName>${x(first)}</setName><setDescription><oai_dc:dc xmlns:oai_dc="${OAI_DC.namespace}" xmlns:dc="http://purl.org/dc/elements/1.1/">${titles}</oai_dc:dc></setDescription></set>\n`;
  }

  private listSets(): string {
    const { i18n } = this.ctx;
    const languages = this.ctx.settings().portal.languages;
    const inEvery = (key: string) => Object.fromEntries(languages.map((l) => [l, i18n.t(l, key)]));
    let body = this.setXml('partner', inEvery('library.set_partners'));
    for (const partner of this.ctx.store.partners.list()) body += this.setXml(`partner:${partner.id}`, partner.name as Record<string, string>);
    body += this.setXml('section', inEvery('library.set_sections'));
    for (const section of SECTIONS) body += this.setXml(`section:${section}`, inEvery(`sections.${section}`));
    return `  <ListSets>\n${body}  </ListSets>\n`;
  }

  private list(verb: 'ListIdentifiers' | 'ListRecords', args: Record<string, string>, now: Date): string {
    let state: Omit<TokenState, 'at' | 'exp'> & { at?: [string, number] };
    if (args.resumptionToken !== undefined) {
      state = this.readToken(args.resumptionToken, verb, now);
    } else {
      this.checkPrefix(args.metadataPrefix!);
      state = { v: 1, verb, from: args.from, until: args.until, set: args.set, sent: 0 };
    }
    const filter: OaiFilter = bounds(state.from, state.until);
    if (state.set) {
      const [kind, value, ...rest] = state.set.split(':');
      const known =
        rest.length === 0 &&
        ((kind === 'partner' && (value === undefined || this.ctx.store.partners.get(value) !== undefined)) ||
          (kind === 'section' && (value === undefined || SECTIONS.includes(value as Section))));
      if (!known) throw new OaiError('noRecordsMatch', `no set "${state.set.slice(0, 60)}": ListSets names them (partner:{id}, section:{name})`);
      if (kind === 'partner' && value) filter.partner = value;
      if (kind === 'section' && value) filter.section = value;
    }
    const size = verb === 'ListIdentifiers' ? this.options.pageSize * 2 : this.options.pageSize;
    const cursor: OaiCursor | null = state.at ? { datestamp: state.at[0], pk: state.at[1] } : null;
    const rows = this.ctx.store.library.oaiRecords(filter, cursor, size + 1);
    const page = rows.slice(0, size);
    if (page.length === 0) {
      throw new OaiError('noRecordsMatch', state.sent > 0 ? 'no records are left in this list' : 'no record matches these arguments');
    }
    const more = rows.length > size;
    const split = more || state.sent > 0;
    let token = '';
    if (split) {
      const total = this.ctx.store.library.oaiCount(filter);
      const attributes = `completeListSize="${Math.max(total, state.sent + page.length)}" cursor="${state.sent}"`;
      if (more) {
        const last = page.at(-1)!;
        const expires = now.getTime() + TOKEN_LIFETIME_MS;
        const next: TokenState = { v: 1, verb, from: state.from, until: state.until, set: state.set, at: [last.datestamp, last.pk], sent: state.sent + page.length, exp: expires };
        token = `    <resumptionToken expirationDate="${oaiDatestamp(new Date(expires).toISOString())}" ${attributes}>${this.writeToken(next)}</resumptionToken>\n`;
      } else {
        // The last part of a list carries an empty token (spec 3.5).
        token = `    <resumptionToken ${attributes}/>\n`;
      }
    }
    const entries = page.map((row) => (verb === 'ListRecords' ? this.recordXml(row) : this.headerXml(row))).join('');
    return `  <${verb}>\n${entries}${token}  </${verb}>\n`;
  }

  // ------------------------------------------------------------------ tokens

  private writeToken(state: TokenState): string {
    const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
    const signature = createHmac('sha256', this.key).update(payload).digest('base64url');
    return `${payload}.${signature}`;
  }

  private readToken(token: string, verb: 'ListIdentifiers' | 'ListRecords', now: Date): TokenState {
    const bad = (why: string) => new OaiError('badResumptionToken', `${why}: start the list again without a resumptionToken`);
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0 || token.length > 2000) throw bad('the resumption token is malformed');
    const expected = createHmac('sha256', this.key).update(payload).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw bad('the resumption token was not issued by this repository, or was altered');
    let state: TokenState;
    try {
      state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenState;
    } catch {
      throw bad('the resumption token is malformed');
    }
    if (state.v !== 1 || !Array.isArray(state.at) || typeof state.exp !== 'number') throw bad('the resumption token is of another version');
    if (state.verb !== verb) throw bad(`the resumption token continues ${state.verb}, not ${verb}`);
    if (state.exp < now.getTime()) throw bad(`the resumption token expired at ${oaiDatestamp(new Date(state.exp).toISOString())}`);
    return state;
  }

  // ------------------------------------------------------------------ records

  private headerXml(row: OaiRecordRow): string {
    return `    <header${row.deleted ? ' status="deleted"' : ''}><identifier>${x(this.identifierOf(row.id))}</identifier><datestamp>${oaiDatestamp(row.datestamp)}</datestamp><setSpec>partner:${x(row.partner)}</setSpec><setSpec>section:${x(row.section)}</setSpec></header>\n`;
  }

  private recordXml(row: OaiRecordRow): string {
    const header = this.headerXml(row);
    if (row.deleted) return `    <record>\n  ${header}    </record>\n`;
    return `    <record>\n  ${header}      <metadata>\n${this.dublinCore(row)}      </metadata>\n    </record>\n`;
  }

  /** The record as unqualified Dublin Core. */
  private dublinCore(row: OaiRecordRow): string {
    const { i18n } = this.ctx;
    const languages = this.ctx.settings().portal.languages;
    const lang = row.language ? ` xml:lang="${row.language}"` : '';
    const partner = this.ctx.store.partners.get(row.partner);
    const names = (partner?.name ?? {}) as Record<string, string | undefined>;
    const order = (l: string) => (languages.includes(l as Language) ? languages.indexOf(l as Language) : languages.length);
    const publishers = Object.entries(names)
      .filter(([, v]) => v)
      .sort(([a], [b]) => order(a) - order(b));
    const summary = row.summary.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();
    const lines = [
      `<dc:title${lang}>${x(row.title)}</dc:title>`,
      row.author ? `<dc:creator>${x(row.author)}</dc:creator>` : '',
      ...languages.map((l) => `<dc:subject xml:lang="${l}">${x(i18n.t(l, `sections.${row.section}`))}</dc:subject>`),
      summary ? `<dc:description${lang}>${x(summary)}</dc:description>` : '',
      ...(publishers.length ? publishers.map(([l, name]) => `<dc:publisher xml:lang="${l}">${x(name!)}</dc:publisher>`) : [`<dc:publisher>${x(row.partner)}</dc:publisher>`]),
      row.published_at ? `<dc:date>${row.published_at}</dc:date>` : '',
      `<dc:type>${dcmiType(row.doc_type)}</dc:type>`,
      row.doc_type ? `<dc:type>${row.doc_type}</dc:type>` : '',
      row.document_url ? '<dc:format>application/pdf</dc:format>' : '<dc:format>text/html</dc:format>',
      `<dc:identifier>${x(itemPageUrl(this.ctx, row.id, row.language))}</dc:identifier>`,
      `<dc:identifier>${x(row.url)}</dc:identifier>`,
      row.document_url && row.document_url !== row.url ? `<dc:relation>${x(row.document_url)}</dc:relation>` : '',
      row.language ? `<dc:language>${row.language}</dc:language>` : '',
    ].filter(Boolean);
    return `        <oai_dc:dc xmlns:oai_dc="${OAI_DC.namespace}" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${OAI_DC.namespace} ${OAI_DC.schema}">\n${lines.map((l) => `          ${l}\n`).join('')}        </oai_dc:dc>\n`;
  }

  private envelope(now: Date, args: Record<string, string>, body: string): string {
    const attributes = Object.entries(args)
      .map(([name, value]) => ` ${name}="${x(value)}"`)
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
  <responseDate>${oaiDatestamp(now.toISOString())}</responseDate>
  <request${attributes}>${x(`${siteBase(this.ctx)}/oai`)}</request>
${body}</OAI-PMH>
`;
  }
}

/** The DCMI Type Vocabulary term of a document type. */
export function dcmiType(docType: DocType | null): string {
  switch (docType) {
    case 'video':
      return 'MovingImage';
    case 'audio':
      return 'Sound';
    case 'photo':
      return 'StillImage';
    case 'event':
    case 'training':
      return 'Event';
    default:
      return 'Text';
  }
}
