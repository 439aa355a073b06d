// Harvests started by the server (schedule, "harvest now") run in a child process: parsing is
// CPU-bound and must not stall the web server, and a crash of a parser cannot take the portal
// down. The child is `portal harvest`; its progress lines on stderr are passed on. Past its
// deadline it is stopped (SIGTERM, then SIGKILL if it lingers); `done` says whether that happened.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const CLI_MAIN = path.join(import.meta.dirname, 'main.ts');
const TSX = import.meta.resolve('tsx');

export interface HarvestProcessOptions {
  configDir: string;
  dbFile: string;
  partners?: string[];
  sources?: string[];
  trigger: 'schedule' | 'admin' | 'demo';
  onLine?: (line: string) => void;
  /** Stopped after this long (harvest.run_time_limit). */
  deadlineMs?: number;
}

export interface HarvestProcess {
  pid: number | undefined;
  /** Exit code (null when killed by a signal). */
  done: Promise<number | null>;
  /** True once the process was stopped for passing its deadline. */
  readonly overDeadline: boolean;
  /** Stops it: SIGTERM, then SIGKILL after `graceMs` if it is still there. Resolves when it is gone. */
  stop(graceMs?: number): Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

const GRACE_MS = 5_000;

export function spawnHarvest(options: HarvestProcessOptions): HarvestProcess {
  const args = ['harvest', '--config', options.configDir, '--db', options.dbFile, '--trigger', options.trigger];
  for (const partner of options.partners ?? []) args.push('--partner', partner);
  for (const source of options.sources ?? []) args.push('--source', source);
  return spawnCommand(args, options);
}

/**
 * The OCR queue read by `portal ocr` in a child process: Tesseract and poppler run in processes of
 * their own anyway, but saving and indexing what they read is work the web server must not do.
 */
export function spawnOcr(options: Pick<HarvestProcessOptions, 'configDir' | 'dbFile' | 'onLine'>): HarvestProcess {
  return spawnCommand(['ocr', '--config', options.configDir, '--db', options.dbFile], options);
}

/** V8's heap sizes, which a service sets for the web server (deploy/portal.service), not for its harvests. */
const HEAP_FLAG = /^--max[-_](old|semi)[-_]space[-_]size(=|$)/;

/**
 * NODE_OPTIONS for a harvest or OCR child: the parent's without its heap sizes. A harvest's memory
 * is its own (a large feed, a page of PDFs) and a heap cut for the web server would fail it.
 */
export function childNodeOptions(nodeOptions: string | undefined): string | undefined {
  if (!nodeOptions) return nodeOptions;
  const words = nodeOptions.split(/\s+/).filter(Boolean);
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!HEAP_FLAG.test(words[i]!)) kept.push(words[i]!);
    else if (!words[i]!.includes('=')) i++; // "--max-old-space-size 160": its value goes too
  }
  return kept.length ? kept.join(' ') : undefined;
}

/** A harvest or OCR child's environment: the parent's, with childNodeOptions. */
export function childEnvironment(parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...parent };
  const nodeOptions = childNodeOptions(env.NODE_OPTIONS);
  if (nodeOptions === undefined) delete env.NODE_OPTIONS;
  else env.NODE_OPTIONS = nodeOptions;
  return env;
}

function spawnCommand(command: string[], options: Pick<HarvestProcessOptions, 'onLine' | 'deadlineMs'>): HarvestProcess {
  const args = ['--import', TSX, CLI_MAIN, ...command];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: childEnvironment(process.env) });
  const lines = readline.createInterface({ input: child.stderr });
  lines.on('line', (line) => options.onLine?.(line));
  let exited = false;
  const done = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => {
      exited = true;
      clearTimeout(deadline);
      resolve(code);
    });
  });
  const stop = (graceMs = GRACE_MS) => {
    if (!exited) {
      child.kill('SIGTERM');
      const hard = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, graceMs);
      void done.then(() => clearTimeout(hard));
    }
    return done;
  };
  let overDeadline = false;
  const deadline = options.deadlineMs
    ? setTimeout(() => {
        overDeadline = true;
        void stop();
      }, options.deadlineMs)
    : undefined;
  deadline?.unref();
  return {
    pid: child.pid,
    done,
    get overDeadline() {
      return overDeadline;
    },
    stop,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}
