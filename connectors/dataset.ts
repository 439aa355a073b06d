// `type: dataset`: one CSV, XLSX or JSON file read into series (docs/contract.md, "Datasets"). The fetch
// goes through the one HTTP client (size cap, conditional GET, robots, politeness); the reading is
// `parseDataset`, a pure function bounded by its own limits, so it can be moved into a killable
// worker or child process without change.
import { type DatasetSourceConfig, type HarvestSettings } from '../config/index.ts';
import { parseDataset, type DatasetLimits, type ParsedSeries } from './dataset-parse.ts';
import { HarvestError } from './errors.ts';
import { bodyHashOf, unchanged, type Connector, type ConnectorResult } from './types.ts';

/** Entries of an XLSX read at most (a workbook has a few dozen). */
export const MAX_ZIP_ENTRIES = 2000;

export function datasetLimits(settings: HarvestSettings): DatasetLimits {
  return {
    maxBytes: settings.max_dataset_bytes,
    maxUnzippedBytes: settings.max_dataset_unzipped,
    maxZipEntries: MAX_ZIP_ENTRIES,
    maxRows: settings.max_dataset_rows,
    maxCells: settings.max_dataset_cells,
    timeMs: settings.dataset_time_limit,
  };
}

export const datasetConnector: Connector<DatasetSourceConfig> = {
  async harvest(source, context): Promise<ConnectorResult> {
    const response = await context.client.fetch(source.url, {
      maxBytes: context.settings.max_dataset_bytes,
      accept: 'text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/json;q=0.9, */*;q=0.5',
      validators: context.validators,
    });
    const same = unchanged(response, context.validators);
    if (same) return same;
    const parsed = await parseDataset(
      response.body,
      source,
      datasetLimits(context.settings),
      { contentType: response.contentType, url: response.url },
    );
    if (!parsed.ok) throw new HarvestError(parsed.code, parsed.message, { httpStatus: response.status });
    const bodyHash = bodyHashOf(response.body);
    return {
      status: 'ok',
      bodyHash,
      items: [],
      dropped: [],
      warnings: parsed.warnings,
      httpStatus: response.status,
      etag: response.etag,
      lastModified: response.lastModified,
      finalUrl: response.url,
      fetchedAt: response.fetchedAt,
      dataset: { format: parsed.format, rows: parsed.rows, series: parsed.series, dropped: parsed.dropped, fileUrl: response.url, fetchedAt: response.fetchedAt, contentHash: bodyHash },
    };
  },
};

export type { ParsedSeries };
