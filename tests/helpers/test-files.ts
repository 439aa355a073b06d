// The project's test files, for the checks about the tests themselves (tests/project/).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './root.ts';

export { ROOT };

/** Every `*.test.ts` under tests/ (fixtures aside), as paths from the repository's root, sorted. */
export function testFiles(dir = 'tests'): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(rel);
      return entry.name.endsWith('.test.ts') ? [rel] : [];
    })
    .sort();
}
