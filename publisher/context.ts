// What every part of the web app shares: the store, the live config, the catalogues, the clock.
// Declared once here; app.ts decorates the Fastify instance with it.
import { type ConfigError, type PortalSettings } from '../config/index.ts';
import { type Store } from '../store/index.ts';
import { type I18n } from './i18n.ts';
import { type Reads } from './reads.ts';

/** What the admin area may ask of the process that runs the harvester (wired by the CLI). */
export interface HarvestControl {
  /** Starts a harvest in the background; resolves with its run id once it has started. */
  start(scope: { partners?: string[]; sources?: string[] }, actor: string): Promise<{ jobId: string }>;
  /** Progress of a background harvest started by `start`. */
  status(jobId: string): HarvestJob | undefined;
  /** Runs a source's connector without writing: what it would extract. */
  test(partnerId: string, sourceId: string, sourceYaml?: string): Promise<SourceTestResult>;
}

export interface HarvestJob {
  id: string;
  state: 'running' | 'finished' | 'failed';
  startedAt: string;
  finishedAt?: string;
  runId?: number;
  done: number;
  total: number;
  lines: string[];
  error?: string;
}

export interface SourceTestResult {
  ok: boolean;
  error?: { code: string; message: string };
  configErrors?: string[];
  httpStatus?: number;
  items: Array<{ title: string; url: string; published_at: string | null; language: string | null; doc_type: string | null; fields: string[]; summary: string; text_chars: number }>;
  dropped: string[];
  warnings: string[];
  durationMs: number;
}

export interface MailSender {
  /** A plain-text email, with an HTML alternative when `html` is given. */
  send(message: { to: string; subject: string; text: string; html?: string }): Promise<void>;
}

export interface PortalContext {
  store: Store;
  settings(): PortalSettings;
  /** Errors of the last config reload that was refused (the running config stays). */
  configErrors(): ConfigError[];
  i18n: I18n;
  now(): Date;
  /** Waits (the sign-in's per-name delay); tests pass one that records instead of waiting. */
  sleep?(ms: number): Promise<void>;
  /** Signs CSRF tokens; stable across restarts (stored in the database). */
  secret: Buffer;
  harvest?: HarvestControl;
  mail?: MailSender;
  /** Set when the site is served over https (cookies get Secure). */
  secureCookies?: boolean;
  /** The public pages' catalogue reads (a pool of read workers); in process when absent. */
  reads?: Reads;
}
