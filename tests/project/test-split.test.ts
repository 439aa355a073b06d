// `npm test` runs the fast files and `npm run test:slow` the slow suites it leaves out (CI runs
// both): every test file must be in exactly one of the two, or a new file could run nowhere.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ROOT as root, testFiles } from '../helpers/test-files.ts';

const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * The files tap would run for a script `[sh tools/tap-plugins.sh && ]tap --include=… --exclude=…`:
 * the same words through the same shell as npm, as `tap list`.
 */
function listed(t: Test, script: string): string[] {
  script = script.replace(/^sh tools\/tap-plugins\.sh && /, '');
  t.match(script, /^tap /, `"${script}" runs tap`);
  // Without the variables tap sets for the file running this (a nested tap reads them as its own run's).
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(_?TAP|NODE_OPTIONS$)/i.test(name)));
  env.PATH = `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`;
  const out = execFileSync('sh', ['-c', script.replace(/^tap /, 'tap list ')], { cwd: root, encoding: 'utf8', env });
  return out.split('\n').filter(Boolean).sort();
}

t.test('every test file runs in npm test or in npm run test:slow, never both, never neither', async (t) => {
  t.equal(scripts.test, 'sh tools/check.sh && npm run test:unit');
  const fast = listed(t, scripts['test:unit']!);
  const slow = listed(t, scripts['test:slow']!);
  const all = testFiles();
  t.ok(fast.length > 30 && slow.length >= 5, `${fast.length} files in npm test, ${slow.length} in test:slow`);
  t.same(fast.filter((f) => slow.includes(f)), [], 'no file in both');
  t.same(all.filter((f) => !fast.includes(f) && !slow.includes(f)), [], 'no file in neither');
  t.same([...fast, ...slow].filter((f) => !all.includes(f)), [], 'nothing else (no fixture) run as a test');
  t.ok(fast.some((f) => f.startsWith('tests/browser/')), 'the browser files (axe on every page type) stay in npm test');
  t.ok(slow.includes('tests/reliability/crash.test.ts'), 'the crash tests are in test:slow');
});
