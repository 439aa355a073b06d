// Harvests started by the server (schedule, "harvest now") run in a child process: PDF parsing is
// CPU-bound and must not stall the web server, and a crash of a parser cannot take the portal
// down. The child is `portal harvest`; its progress lines on stderr are passed on.
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
}

export interface HarvestProcess {
  pid: number | undefined;
  /** Exit code (null when killed by a signal). */
  done: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnHarvest(options: HarvestProcessOptions): HarvestProcess {
  const args = ['--import', TSX, CLI_MAIN, 'harvest', '--config', options.configDir, '--db', options.dbFile, '--trigger', options.trigger];
  for (const partner of options.partners ?? []) args.push('--partner', partner);
  for (const source of options.sources ?? []) args.push('--source', source);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
  const lines = readline.createInterface({ input: child.stderr });
  lines.on('line', (line) => options.onLine?.(line));
  const done = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code));
  });
  return { pid: child.pid, done, kill: (signal = 'SIGTERM') => child.kill(signal) };
}
