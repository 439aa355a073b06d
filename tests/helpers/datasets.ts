// Statistical series for the publisher's tests: the demo partners' data files (demo/datasets.ts)
// read by the real parser and written through the harvester's port (Store.commitDataset), over
// the seeded catalogue of tests/helpers/app.ts.
import { datasetLimits, parseDataset, type DatasetMapping } from '../../connectors/index.ts';
import { DEMO_DATASETS } from '../../demo/datasets.ts';
import { type DatasetSourceConfig } from '../../config/index.ts';
import { type Store } from '../../store/index.ts';
import { makeApp, SEED_CONFIG, type TestApp } from './app.ts';
import { type TestConfig, type TestPartner } from './config.ts';

/** The datasets that parse (the demo's malformed one is left out). */
export const GOOD_DATASETS = DEMO_DATASETS.filter((d) => d.id !== 'recommendations-followup');

export const DATASET_PARTNERS: TestPartner[] = [...new Set(GOOD_DATASETS.map((d) => d.partner))].map((partner) => ({
  id: partner,
  name: { fr: `Partenaire ${partner}`, ar: `الشريك ${partner}`, en: `Partner ${partner}` },
  kind: 'constitutional',
  commitment: { update_every: '90d' },
  sources: GOOD_DATASETS.filter((d) => d.partner === partner).map((d) => ({ id: d.id, type: 'dataset', url: `https://${partner}.example${d.path}`, ...d.config })),
}));

export const DATASET_CONFIG: TestConfig = { ...SEED_CONFIG, partners: [...SEED_CONFIG.partners, ...DATASET_PARTNERS] };

/** Reads each dataset's file (or the replacement given) and commits it as a harvest would. */
export async function seedDatasets(store: Store, now: Date, replace: Record<string, Buffer> = {}): Promise<void> {
  for (const dataset of GOOD_DATASETS) {
    const key = `${dataset.partner}/${dataset.id}`;
    const source = store.listSources({ sources: [key] })[0];
    if (!source) throw new Error(`no source ${key}`);
    const bytes = replace[key] ?? (await dataset.body(now));
    const settings = { max_dataset_bytes: 20e6, max_dataset_unzipped: 100e6, max_dataset_rows: 200_000, max_dataset_cells: 1e6, dataset_time_limit: 30_000 };
    const parsed = await parseDataset(bytes, source.config as DatasetSourceConfig as DatasetMapping, datasetLimits(settings as never), { contentType: dataset.contentType, url: source.config.url });
    if (!parsed.ok) throw new Error(`${key}: ${parsed.message}`);
    const at = now.toISOString();
    const runPk = store.startRun('test', at);
    const contentHash = `sha-${key}-${bytes.length}`;
    store.commitDataset({
      runPk,
      source,
      dataset: { format: parsed.format, rows: parsed.rows, series: parsed.series, dropped: parsed.dropped, fileUrl: source.config.url, fetchedAt: at, contentHash },
      outcome: (c) => ({ status: 'ok', startedAt: at, durationMs: 1, itemsFound: c.observations, itemsNew: c.new, itemsChanged: c.revised, itemsGone: 0, itemsDropped: parsed.dropped, httpStatus: 200, error: null, warnings: parsed.warnings }),
      state: (c) => ({ attemptAt: at, success: true, changed: c.new + c.revised > 0, consecutiveFailures: 0, nextAttemptAt: null }),
      now: at,
    });
    store.finishRun(runPk, at);
  }
}

/** The seeded catalogue plus the demo's statistical series. */
export async function statsApp(now = new Date()): Promise<TestApp> {
  const bed = await makeApp({ config: DATASET_CONFIG, now: () => now });
  await seedDatasets(bed.store, now);
  return bed;
}
