// The environment deploy/portal.service gives `portal serve` (its `Environment=` lines), so that
// bench:load measures the portal as it is deployed. Only the settings of the process itself are
// taken (NODE_OPTIONS, MALLOC_ARENA_MAX…): the paths (PORTAL_CONFIG, PORTAL_DB) are the bench's own.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICE_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'portal.service');

/** The `Environment=` assignments of a systemd unit, in order (quoted ones unquoted). */
export function unitEnvironment(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*Environment\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    // One assignment a line here: `NAME=value` or `"NAME=value with spaces"`.
    const assignment = m[1]!.trim().replace(/^"(.*)"$/, '$1');
    const eq = assignment.indexOf('=');
    if (eq > 0) env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  return env;
}

/** The unit's settings of the Node process (not its paths). */
export function serviceProcessEnvironment(file = SERVICE_FILE): Record<string, string> {
  const env = unitEnvironment(fs.readFileSync(file, 'utf8'));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('PORTAL_')));
}
