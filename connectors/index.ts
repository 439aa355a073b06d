// The connector registry: a source's `type` names its connector. Adding a type is one file
// exporting a Connector plus one line here (and the type's schema in config/schema.ts).
import { type SourceConfig, type SourceType } from '../config/index.ts';
import { datasetConnector } from './dataset.ts';
import { feedConnector } from './feed.ts';
import { htmlConnector } from './html.ts';
import { pdfConnector } from './pdf.ts';
import { type Connector } from './types.ts';

export const connectors: { [T in SourceType]: Connector<Extract<SourceConfig, { type: T }>> } = {
  feed: feedConnector,
  html: htmlConnector,
  pdf: pdfConnector,
  dataset: datasetConnector,
};

export function connectorFor(source: SourceConfig): Connector {
  return connectors[source.type] as Connector;
}

export * from './types.ts';
export { HttpClient, formatBytes, type FetchResult, type HttpClientOptions, type Validators } from './http.ts';
export { HarvestError, classifyNetworkError } from './errors.ts';
export { makeDocumentFetcher, fetchPdfDocument, isPdfUrl, type KnownDocument } from './documents.ts';
export { extractPdf, looksLikePdf, pdfLimits, warmPdfExtractor, closePdfExtractor, pdfSandbox, hasTextLayer, pagesWithoutLayer, MIN_LAYER_CHARS, type PdfExtract, type PdfLimits } from './pdf-text.ts';
export { Sandbox, SandboxError, type SandboxLimits, type SandboxOptions, type SandboxTask } from './sandbox.ts';
export { decodeBody, detectEncoding, canonicalEncoding, declaredEncoding, headerCharset } from './charset.ts';
export { isPrivateAddress, guardedLookup } from './netguard.ts';
export { sniff } from './sniff.ts';
export { resolveUrl } from './feed.ts';
export { OcrEngine, ocrOptionsFrom, OCR_DPI, OCR_MAX_PIXELS, type OcrOptions, type OcrRequest, type OcrResult, type OcrPage, type OcrPageFailure, type OcrAvailability } from './ocr.ts';
export { datasetLimits, MAX_ZIP_ENTRIES } from './dataset.ts';
export { parseDataset, loadExcel, detectFormat, detectDelimiter, type DatasetLimits, type DatasetMapping, type DatasetParse, type ParsedObservation, type ParsedSeries } from './dataset-parse.ts';
export { readNumber, readPeriod, periodKindOf, latinDigits, MISSING_MARKERS, type Period } from './dataset-values.ts';
export { listZip, readZipEntry, looksLikeZip } from './zip.ts';
