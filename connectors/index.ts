// The connector registry: a source's `type` names its connector. Adding a type is one file
// exporting a Connector plus one line here (and the type's schema in config/schema.ts).
import { type SourceConfig, type SourceType } from '../config/index.ts';
import { feedConnector } from './feed.ts';
import { htmlConnector } from './html.ts';
import { pdfConnector } from './pdf.ts';
import { type Connector } from './types.ts';

export const connectors: { [T in SourceType]: Connector<Extract<SourceConfig, { type: T }>> } = {
  feed: feedConnector,
  html: htmlConnector,
  pdf: pdfConnector,
};

export function connectorFor(source: SourceConfig): Connector {
  return connectors[source.type] as Connector;
}

export * from './types.ts';
export { HttpClient, formatBytes, type FetchResult, type HttpClientOptions, type Validators } from './http.ts';
export { HarvestError, classifyNetworkError } from './errors.ts';
export { makeDocumentFetcher, fetchPdfDocument, isPdfUrl, type KnownDocument } from './documents.ts';
export { extractPdf, looksLikePdf, pdfLimits, warmPdfExtractor, closePdfExtractor, pdfSandbox, type PdfExtract, type PdfLimits } from './pdf-text.ts';
export { Sandbox, SandboxError, type SandboxLimits, type SandboxOptions, type SandboxTask } from './sandbox.ts';
export { decodeBody, detectEncoding, canonicalEncoding, declaredEncoding, headerCharset } from './charset.ts';
export { isPrivateAddress, guardedLookup } from './netguard.ts';
export { sniff } from './sniff.ts';
export { resolveUrl } from './feed.ts';
