// Validates XML answers against the schemas in tests/fixtures/oai with Debian's xmllint, offline
// (--nonet: every import is a local file). Many documents go to one xmllint run.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const OAI_SCHEMA = path.join(import.meta.dirname, '../fixtures/oai/all.xsd');

export function xmllintAvailable(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Validation {
  ok: boolean;
  /** xmllint's messages for the documents that failed, named by their label. */
  errors: string[];
}

/** Validates each document (label → XML) against the schema; ok only when every one is valid. */
export function validateXml(documents: Map<string, string>, schema = OAI_SCHEMA): Validation {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-xmllint-'));
  try {
    const files = new Map<string, string>();
    let index = 0;
    for (const [label, xml] of documents) {
      const file = path.join(dir, `${index++}.xml`);
      fs.writeFileSync(file, xml);
      files.set(file, label);
    }
    const run = spawnSync('xmllint', ['--nonet', '--noout', '--schema', schema, ...files.keys()], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const errors = run.stderr
      .split('\n')
      .filter((line) => line && !/ validates$/.test(line))
      .map((line) => {
        const file = [...files.keys()].find((f) => line.startsWith(f));
        return file ? line.replace(file, `[${files.get(file)}]`) : line;
      });
    return { ok: run.status === 0, errors };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
