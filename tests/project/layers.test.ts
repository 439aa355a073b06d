// The lint rule that keeps data flowing one way: config → connectors → harvester → store → publisher.
import path from 'node:path';
import { ESLint } from 'eslint';
import t from 'tap';

const root = path.join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'layers/direction').map((m) => m.message);
}

const CASES: Array<[string, string, boolean]> = [
  ['config/x.ts', "import { a } from '../connectors/http.ts';", false],
  ['connectors/x.ts', "import { a } from '../config/index.ts';", true],
  ['connectors/x.ts', "import { a } from '../harvester/plan.ts';", false],
  ['harvester/x.ts', "import { a } from '../connectors/index.ts';", true],
  ['harvester/sub/x.ts', "import { a } from '../../store/index.ts';", false],
  ['store/x.ts', "import { a } from '../harvester/ports.ts';", true],
  ['store/x.ts', "import { a } from '../publisher/app.ts';", false],
  ['publisher/x.ts', "import { a } from '../store/index.ts';", true],
  ['publisher/x.ts', "export { a } from '../store/index.ts';", true],
  ['config/x.ts', "export * from '../publisher/app.ts';", false],
  ['harvester/x.ts', "const m = await import('../publisher/app.ts');", false],
  ['cli/x.ts', "import { a } from '../publisher/app.ts';", true],
  ['publisher/x.ts', "import Database from 'better-sqlite3';", false],
  ['harvester/x.ts', "import { sql } from 'drizzle-orm';", false],
  ['store/x.ts', "import Database from 'better-sqlite3';", true],
];

for (const [file, code, allowed] of CASES) {
  t.test(`${file}: ${code}`, async (t) => {
    const found = await problems(file, code);
    if (allowed) t.same(found, [], 'allowed');
    else t.equal(found.length, 1, `refused: ${found[0] ?? 'no problem reported'}`);
  });
}

t.test('the message says which way data flows', async (t) => {
  const [message] = await problems('store/x.ts', "import { a } from '../publisher/app.ts';");
  t.equal(
    message,
    'store/ must not import from publisher/: data flows config → connectors → harvester → store → publisher, and a folder imports only from folders before it.',
  );
});
