// Deposited files, content-addressed under the data directory: a file is named by the sha256 of its
// bytes (`deposits/ab/ab12…`), written once through a temporary file and a rename (never half a
// file), read-only and never executable, and never deleted (a deposit's history keeps its files).
// The web app never serves this folder as static files: downloads go through a route that checks
// the deposit and sets the PDF type, Content-Disposition, nosniff and a sandboxing CSP.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const HASH = /^[0-9a-f]{64}$/;

/** The files folder of a database: `deposits/` beside it (`data/portal.db` → `data/deposits/`). */
export function filesDirFor(dbFile: string, name = 'deposits'): string {
  // Created only when a file is stored.
  if (dbFile === ':memory:') return path.join(os.tmpdir(), `portal-${name === 'deposits' ? 'files' : name}-${process.pid}-${randomBytes(6).toString('hex')}`);
  return path.join(path.dirname(path.resolve(dbFile)), name);
}

export class FileStore {
  constructor(readonly dir: string) {}

  /** Where a file with this hash lives (the hash is checked: no path can be smuggled in). */
  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a sha256 file name: ${hash.slice(0, 80)}`);
    return path.join(this.dir, hash.slice(0, 2), hash);
  }

  has(hash: string): boolean {
    return HASH.test(hash) && fs.existsSync(this.pathOf(hash));
  }

  /** A fresh temporary path in the store's own folder, so adopting it is a rename. */
  tempPath(): string {
    const dir = path.join(this.dir, 'tmp');
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`);
  }

  /**
   * Moves a complete temporary file in under its hash (computed here from the bytes, never taken
   * from the caller). A file already stored is kept and the temporary one removed.
   */
  async adopt(tempPath: string): Promise<string> {
    const hash = await hashFile(tempPath);
    const target = this.pathOf(hash);
    if (fs.existsSync(target)) {
      fs.rmSync(tempPath, { force: true });
      return hash;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.chmodSync(tempPath, 0o440);
    fs.renameSync(tempPath, target);
    return hash;
  }

  /** Stores bytes (the demo's deposit, a restore); returns their hash. */
  async put(bytes: Buffer): Promise<string> {
    const temp = this.tempPath();
    fs.writeFileSync(temp, bytes, { mode: 0o600 });
    return this.adopt(temp);
  }

  /** Stores bytes at once (a harvested scan kept for OCR); returns their hash. */
  putSync(bytes: Buffer): string {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const target = this.pathOf(hash);
    if (fs.existsSync(target)) return hash;
    const temp = this.tempPath();
    fs.writeFileSync(temp, bytes, { mode: 0o600 });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.chmodSync(temp, 0o440);
    fs.renameSync(temp, target);
    return hash;
  }

  /** Removes a file (the OCR queue's scans, once read; deposits' files are never removed). */
  remove(hash: string): void {
    if (HASH.test(hash)) fs.rmSync(this.pathOf(hash), { force: true });
  }

  /** When a file was stored (ms since 1970); 0 when it is not there. */
  modifiedAt(hash: string): number {
    try {
      return fs.statSync(this.pathOf(hash)).mtimeMs;
    } catch {
      return 0;
    }
  }

  read(hash: string): Buffer {
    return fs.readFileSync(this.pathOf(hash));
  }

  /** Every stored file's hash. */
  list(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    const hashes: string[] = [];
    for (const prefix of fs.readdirSync(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const name of fs.readdirSync(path.join(this.dir, prefix))) if (HASH.test(name) && name.startsWith(prefix)) hashes.push(name);
    }
    return hashes.sort();
  }

  /** Removes temporary files left by uploads that never finished (older than an hour). */
  sweepTemp(now = Date.now()): number {
    const dir = path.join(this.dir, 'tmp');
    if (!fs.existsSync(dir)) return 0;
    let removed = 0;
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (now - fs.statSync(file).mtimeMs > 3_600_000) {
        fs.rmSync(file, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}
