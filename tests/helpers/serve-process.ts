// A real `portal serve` process (bin/portal.js, through the CLI) for tests that need the whole
// process: its log, its environment, its signals. Resolves once it says where it serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './root.ts';

export { ROOT };

export interface ServeProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Everything it wrote so far, standard output and error together. */
  output: () => string;
  /** Its exit code, once it exits. */
  exited: Promise<number | null>;
}

/**
 * Runs `node ARGS` from the repository's root (ARGS: bin/portal.js serve … --port 0) and waits for
 * "the portal is served on URL/"; rejects with its output if it exits first.
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /the portal is served on (http:\/\/[^/\s]+)\//.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', () => reject(new Error(`portal serve exited before serving:\n${output}`)));
  });
  return { child, url, output: () => output, exited };
}
