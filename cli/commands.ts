// The commands of `npx portal`, one function each, returning the exit status.
import { formatConfigError, loadConfig, type LoadResult, type PortalSettings } from '../config/index.ts';
import { runHarvest, type ProgressEvent } from '../harvester/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { formatOutcome, runSummaryJson } from './output.ts';

export interface CommandContext {
  args: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  configDir: string;
  dbFile: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export type Command = (context: CommandContext) => Promise<number>;

/** `portal check`: 0 when the config directory is valid, 1 with every error on stderr. */
async function check(context: CommandContext): Promise<number> {
  const result = loadConfig(context.configDir);
  for (const error of result.errors) context.stderr.write(`${formatConfigError(error)}\n`);
  if (result.errors.length > 0) {
    context.stderr.write(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${context.configDir}\n`);
    return 1;
  }
  const config = result.config!;
  const sources = config.partners.reduce((n, p) => n + p.sources.length, 0);
  context.stdout.write(
    `${context.configDir}: valid (${config.partners.length} partners, ${sources} sources, ` +
      `${config.directory.channels.length} claim channels, ${config.directory.platforms.length} platforms)\n`,
  );
  return 0;
}

/** Loads and validates the config; prints the errors and returns undefined when it is unusable. */
export function loadValidConfig(context: CommandContext): { settings: PortalSettings; result: LoadResult } | undefined {
  const result = loadConfig(context.configDir);
  if (result.errors.length > 0 || !result.config) {
    for (const error of result.errors) context.stderr.write(`${formatConfigError(error)}\n`);
    context.stderr.write(`the config in ${context.configDir} is invalid: fix it, then check it with \`npx portal check\`\n`);
    return undefined;
  }
  return { settings: result.config, result };
}

/** Opens the database and brings partners and sources in line with the config. */
export function openSyncedStore(context: CommandContext, settings: PortalSettings, keep: string[] = []): Store {
  const store = openStore(context.dbFile);
  store.syncConfig(settings, new Date().toISOString(), keep);
  return store;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? (value as string[]) : typeof value === 'string' ? [value] : [];
}

/** `portal harvest`: one pass now; 0 when the pass ran whatever sources failed, 2 on invalid config. */
async function harvest(context: CommandContext): Promise<number> {
  const loaded = loadValidConfig(context);
  if (!loaded) return 2;
  const partners = list(context.options.partner);
  const sources = list(context.options.source);
  const known = new Set(loaded.settings.partners.map((p) => p.id));
  const knownSources = new Set(loaded.settings.partners.flatMap((p) => p.sources.map((s) => `${p.id}/${s.id}`)));
  const unknown = [...partners.filter((p) => !known.has(p)), ...sources.filter((s) => !knownSources.has(s))];
  if (unknown.length > 0) {
    context.stderr.write(`unknown partner or source: ${unknown.join(', ')} (see ${context.configDir}/partners/)\n`);
    return 2;
  }
  const store = openSyncedStore(context, loaded.settings);
  try {
    const progress = (event: ProgressEvent) => {
      if (event.type === 'start') context.stderr.write(`harvesting ${event.total} source${event.total === 1 ? '' : 's'}\n`);
      if (event.type === 'source-done') context.stderr.write(`${formatOutcome(event)}\n`);
    };
    const trigger = context.options.trigger === 'schedule' ? 'schedule' : context.options.trigger === 'admin' ? 'admin' : 'cli';
    const { runPk } = await runHarvest({
      settings: loaded.settings,
      store,
      trigger,
      partners,
      sources,
      respectBackoff: trigger === 'schedule',
      onProgress: progress,
      log: (entry) => context.stderr.write(`${JSON.stringify(entry)}\n`),
    });
    const summary = store.runs.summary(runPk)!;
    if (context.options.json) context.stdout.write(`${JSON.stringify(runSummaryJson(summary))}\n`);
    const failed = summary.sources.filter((s) => s.status === 'failed').length;
    context.stderr.write(`run ${runPk} finished: ${summary.sources.length} sources, ${failed} failed\n`);
    return 0;
  } catch (error) {
    context.stderr.write(`the harvest stopped: ${(error as Error).message}\nthe catalogue is as it was before the failing write\n`);
    return 1;
  } finally {
    store.close();
  }
}

export const commands: Record<string, Command> = {
  check,
  harvest,
};
