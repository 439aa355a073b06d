// The shared third-party corpora (feeds, PDFs, XSS vectors, dates, charsets, robots.txt) live
// beside the repository, in ../shared/corpus, and are never copied into it. A clone without them
// must still pass: tests read them through here, and when they are absent a file's corpus cases
// become one skipped test, "corpus not found: N cases skipped", instead of failing or hanging.
// The project's own fixtures (tests/fixtures/) cover the same classes in every run.
//
// PORTAL_CORPUS=DIR reads the corpora elsewhere (PORTAL_CORPUS=none behaves as a clone without
// them); PORTAL_REQUIRE_CORPUS=1 turns their absence into a failure.
import fs from 'node:fs';
import path from 'node:path';
import { type Test } from 'tap';
import { ROOT } from './root.ts';

const configured = process.env.PORTAL_CORPUS;
export const CORPUS_DIR = configured && configured !== 'none' ? path.resolve(configured) : path.resolve(ROOT, '../shared/corpus');

/** Whether the corpus folders (e.g. 'pdfs', 'sanitizer-xss') are all there. */
export function corpusAvailable(...folders: string[]): boolean {
  if (configured === 'none') return false;
  return folders.every((folder) => fs.existsSync(path.join(CORPUS_DIR, folder)));
}

/** A path inside the corpus. */
export function corpusPath(...parts: string[]): string {
  return path.join(CORPUS_DIR, ...parts);
}

export type CorpusCase = (t: Test) => Promise<void> | void;

/**
 * Registers `cases` as subtests of `t` when the corpus folders are there; otherwise one skipped
 * test names how many cases were left out and why (or one failure under PORTAL_REQUIRE_CORPUS).
 */
export function corpusTests(t: Test, folders: string[], cases: Record<string, CorpusCase>): void {
  if (corpusAvailable(...folders)) {
    for (const [name, fn] of Object.entries(cases)) t.test(name, async (t) => fn(t));
    return;
  }
  const count = Object.keys(cases).length;
  corpusSkipped(t, folders, `${count} case${count === 1 ? '' : 's'}`);
}

/**
 * For a file that runs with its own fixtures and adds the corpus's when present: the one line
 * saying what was left out ("corpus not found: 1,092 vectors skipped"), or a failure under
 * PORTAL_REQUIRE_CORPUS.
 */
export function corpusSkipped(t: Test, folders: string[], what: string): void {
  const where = folders.length === 1 ? `${path.relative(ROOT, CORPUS_DIR)}/${folders[0]}` : `${path.relative(ROOT, CORPUS_DIR)}/{${folders.join(',')}}`;
  const message = `corpus not found: ${what} skipped`;
  const why = `${where} is not beside this clone; the project's own fixtures ran`;
  if (process.env.PORTAL_REQUIRE_CORPUS) t.fail(`${message}: ${why} (PORTAL_REQUIRE_CORPUS is set)`);
  else t.test(message, { skip: why }, () => undefined);
}
