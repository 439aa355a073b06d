// A test file whose subtests silently never run: once a file calls t.teardown() at the top level,
// tap ends its root test when it has been idle for two timer ticks, and a top-level assertion
// makes it idle. If the file then awaits something slow at the top level (a loaded machine) before
// creating its subtests, they are refused ("cannot create subtest after parent test ends") and the
// file still passes, with the few assertions made before. focal-boundaries.test.ts did this in a
// loaded run: 1 assertion instead of 304. This checks every test file for the pattern.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ROOT, testFiles } from '../helpers/test-files.ts';

const ASSERTION = /^(await )?t\.(equal|not|ok|notOk|same|notSame|strictSame|match|notMatch|has|throws|doesNotThrow|rejects|resolves|resolveMatch|pass|fail|error|type)\(/;

/** Top-level lines where an assertion made after a top-level teardown is followed by a top-level await before the first subtest. */
export function risky(source: string): string[] {
  const found: string[] = [];
  let teardown = false;
  let assertion: number | undefined;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^t\.(test|before|beforeEach)\(/.test(line)) break;
    if (/^t\.teardown\(/.test(line)) teardown = true;
    if (ASSERTION.test(line)) assertion = i + 1;
    else if (teardown && assertion !== undefined && /^\S.*\bawait\b/.test(line)) {
      found.push(`line ${assertion} asserts, line ${i + 1} awaits`);
      break;
    }
  }
  return found;
}

t.test('the check finds the pattern, and only it', async (t) => {
  t.same(risky("t.teardown(() => x());\nt.equal(a, 1);\nconst b = await slow();\nt.test('x', async () => {});"), ['line 2 asserts, line 3 awaits']);
  t.same(risky("t.teardown(() => x());\nconst b = await slow();\nt.equal(b, 1);\nt.test('x', async () => {});"), [], 'asserting after the last await is safe');
  t.same(risky("t.equal(a, 1);\nconst b = await slow();\nt.teardown(() => x());\nt.test('x', async () => {});"), [], 'no teardown yet: no autoend');
  t.same(risky("t.teardown(() => x());\nt.test('x', async (t) => {\n  t.equal(1, 1);\n  await slow();\n});"), [], 'inside subtests it is fine');
});

t.test('no test file asserts at the top level and then awaits before its subtests', async (t) => {
  const files = testFiles();
  t.ok(files.length > 40, `${files.length} test files`);
  const offenders = files.flatMap((file) => risky(fs.readFileSync(path.join(ROOT, file), 'utf8')).map((where) => `${file}: ${where}`));
  t.same(offenders, []);
});
