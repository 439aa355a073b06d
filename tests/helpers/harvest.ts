// A harvest test bed: a config written for the test's sources, a store (in memory by default),
// and helpers to run passes and read outcomes.
import { runHarvest, type HarvestOptions } from '../../harvester/index.ts';
import { openStore, type RunSourceSummary, type Store } from '../../store/index.ts';
import { loadTestConfig, writeConfig, type TestConfig } from './config.ts';

export interface Bed {
  store: Store;
  configDir: string;
  settings: ReturnType<typeof loadTestConfig>;
  harvest(options?: Partial<HarvestOptions>): Promise<RunSourceSummary[]>;
  outcome(summaries: RunSourceSummary[], source: string): RunSourceSummary;
  close(): void;
}

export function makeBed(config: TestConfig, dbFile = ':memory:'): Bed {
  const configDir = writeConfig(config);
  const settings = loadTestConfig(configDir);
  const store = openStore(dbFile);
  store.syncConfig(settings, new Date().toISOString());
  return {
    store,
    configDir,
    settings,
    async harvest(options = {}) {
      const { runPk } = await runHarvest({ settings, store, trigger: 'test', ...options });
      return store.runs.summary(runPk)!.sources;
    },
    outcome(summaries, source) {
      const found = summaries.find((s) => `${s.partner}/${s.source}` === source || s.source === source);
      if (!found) throw new Error(`no outcome for ${source}: ${summaries.map((s) => s.source).join(', ')}`);
      return found;
    },
    close: () => store.close(),
  };
}
