// What a connector takes and gives back. A connector fetches and parses one source into raw items;
// the harvester normalises them (dates, language, sanitising, identity) and writes them.
import { type ErrorCode, type HarvestSettings, type SourceConfig } from '../config/index.ts';
import { createHash } from 'node:crypto';
import { type DatasetFormat } from '../config/index.ts';
import { type ParsedSeries } from './dataset-parse.ts';
import { type FetchResult, type HttpClient, type Validators } from './http.ts';

/** A linked document (a PDF) as the connector obtained it. */
export type DocumentOutcome =
  | {
      kind: 'fetched';
      url: string;
      finalUrl: string;
      etag: string | null;
      lastModified: string | null;
      fetchedAt: string;
      text: string;
      /** The text page by page (what `text` joins, a blank line apart): the catalogue's page map. */
      pageTexts: string[];
      pages: number;
      scanned: boolean;
      /** sha256 of the file's bytes: OCR results are kept by it, and redone only when it changes. */
      fileHash: string;
      /** 1-based pages read that have no text layer (scanned pages): what OCR should read. */
      ocrPages: number[];
      /** The file itself, only when `ocrPages` is not empty: the harvester keeps it for OCR, then drops it. */
      scan?: Buffer;
      title: string | null;
      author: string | null;
      created: Date | null;
      modified: Date | null;
    }
  /** Not fetched again, or answered 304: the stored text stands. */
  | { kind: 'unchanged'; url: string; etag: string | null; lastModified: string | null; fetchedAt: string }
  /** `code` when the document itself was at fault (timeout, too_large, parse…), for the warning. */
  | { kind: 'failed'; url: string; message: string; code?: ErrorCode };

/**
 * Course facts of a training item as the page wrote them (selectors, schema.org microdata or
 * JSON-LD Event/Course): dates, format and language are read by the harvester.
 */
export interface RawCourse {
  starts?: string;
  ends?: string;
  format?: string;
  audience?: string;
  /** Absolute URL (resolved by the connector). */
  registration?: string;
  organiser?: string;
  location?: string;
  language?: string;
}

export interface RawItem {
  title?: string;
  /** The title is not the item's own: the text of its link (listing pages without a title). */
  titleFallback?: 'link_text';
  /** Absolute URL of the item (resolved by the connector). */
  link?: string;
  guid?: string;
  /** The date as the source wrote it; parsed by the harvester. */
  date?: string;
  /** Untrusted HTML; sanitised by the harvester. */
  summaryHtml?: string;
  /** Plain text (PDF text, a page's text). */
  text?: string;
  author?: string;
  /** A media file the item carries (RSS enclosure, Atom rel="enclosure"): tells podcast episodes apart. */
  enclosure?: string;
  document?: DocumentOutcome;
  course?: RawCourse;
}

export interface DroppedItem {
  index: number;
  reason: string;
}

export type ConnectorResult =
  /** HTTP 304, or a 200 whose body is byte for byte the one read last time (no parsing either way). */
  | { status: 'not_modified'; httpStatus: number; fetchedAt: string; finalUrl: string }
  | {
      status: 'ok';
      /** sha256 of the body, kept to recognise an identical answer next time. */
      bodyHash: string;
      items: RawItem[];
      dropped: DroppedItem[];
      warnings: string[];
      httpStatus: number;
      etag: string | null;
      lastModified: string | null;
      finalUrl: string;
      fetchedAt: string;
      /** For html sources: the item selector matched nothing at all. */
      selectorMatchedNothing?: boolean;
      /** For dataset sources: the series read from the file (items stay empty). */
      dataset?: DatasetPayload;
    };

/** What a dataset source's file gave, with the provenance each observation keeps. */
export interface DatasetPayload {
  format: DatasetFormat;
  /** Rows (records) of the file read. */
  rows: number;
  series: ParsedSeries[];
  /** Rows skipped (unreadable period or value), each named in the warnings. */
  dropped: number;
  /** The file's final URL (after redirects). */
  fileUrl: string;
  fetchedAt: string;
  /** sha256 of the file. */
  contentHash: string;
}

/** Fetches a linked PDF unless the stored copy is still fresh (see connectors/documents.ts). */
export type DocumentFetcher = (url: string) => Promise<DocumentOutcome>;

export interface ConnectorContext {
  client: HttpClient;
  settings: HarvestSettings;
  /** Validators of the source URL from the last successful fetch, for a conditional GET. */
  validators?: Validators;
  documents: DocumentFetcher;
}

export interface Connector<S extends SourceConfig = SourceConfig> {
  harvest(source: S, context: ConnectorContext): Promise<ConnectorResult>;
}

export function bodyHashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The not-modified result for a 304, or for a body identical to the last one read: many partner
 * servers send no ETag or Last-Modified, and this keeps an unchanged re-harvest free of parsing.
 */
export function unchanged(response: FetchResult, validators: Validators | undefined): (ConnectorResult & { status: 'not_modified' }) | undefined {
  if (response.status === 304 || (validators?.bodyHash && validators.bodyHash === bodyHashOf(response.body))) {
    return { status: 'not_modified', httpStatus: response.status, fetchedAt: response.fetchedAt, finalUrl: response.url };
  }
  return undefined;
}
