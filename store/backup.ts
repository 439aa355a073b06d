// Backups: `portal backup FILE` copies the catalogue with SQLite's online backup API while the
// portal runs (a harvest may be writing: the copy is one consistent snapshot, taken in a single
// read transaction, which in WAL mode blocks no writer), then adds every deposited file the
// snapshot refers to, into one self-contained SQLite file. `portal restore FILE` checks it, puts the
// files back, and swaps the database in, keeping the previous one beside it; it refuses while a
// process holds the database.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FileStore } from './files.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  items: number;
  files: number;
  durationMs: number;
}

/** Thrown with a message for the operator (the CLI prints it and exits 1). */
export class BackupError extends Error {}

const FORMAT = 'integrity-portal-backup/1';

/** Writes a consistent backup of `dbFile` and its deposited files to `target`. */
export async function backupDatabase(dbFile: string, filesDir: string, target: string): Promise<BackupResult> {
  const started = performance.now();
  if (!fs.existsSync(dbFile)) throw new BackupError(`there is no database at ${path.resolve(dbFile)}`);
  const targetDir = path.dirname(path.resolve(target));
  if (!fs.existsSync(targetDir)) throw new BackupError(`the folder ${targetDir} does not exist`);
  const partial = path.join(targetDir, `.${path.basename(target)}.partial-${process.pid}`);
  fs.rmSync(partial, { force: true });
  const source = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    // The first step only opens the backup; the second copies every page in one step, so the copy
    // is one read transaction: a harvest committing meanwhile neither waits nor restarts it.
    await source.backup(partial, { progress: () => 0x7fffffff });
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new BackupError(`the database could not be copied: ${(error as Error).message}`);
  } finally {
    source.close();
  }
  const files = new FileStore(filesDir);
  const copy = new Database(partial);
  let items = 0;
  let stored = 0;
  try {
    copy.pragma('journal_mode = DELETE');
    const hashes = tableExists(copy, 'deposit_revisions')
      ? (copy.prepare('SELECT DISTINCT file_hash FROM deposit_revisions WHERE file_hash IS NOT NULL').pluck().all() as string[])
      : [];
    copy.exec(`CREATE TABLE backup_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE backup_files (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL);`);
    const insert = copy.prepare('INSERT INTO backup_files (hash, bytes) VALUES (?, ?)');
    const missing: string[] = [];
    for (const hash of hashes) {
      if (!files.has(hash)) {
        missing.push(hash);
        continue;
      }
      insert.run(hash, files.read(hash));
      stored++;
    }
    items = tableExists(copy, 'items') ? (copy.prepare('SELECT count(*) FROM items').pluck().get() as number) : 0;
    const info = copy.prepare('INSERT INTO backup_info (key, value) VALUES (?, ?)');
    info.run('format', FORMAT);
    info.run('created_at', new Date().toISOString());
    info.run('database', path.resolve(dbFile));
    info.run('host', os.hostname());
    info.run('items', String(items));
    info.run('files', String(stored));
    if (missing.length) info.run('missing_files', JSON.stringify(missing));
    const check = String(copy.pragma('quick_check', { simple: true }));
    if (check !== 'ok') throw new BackupError(`the copy failed its integrity check (${check})`);
    copy.close();
    if (missing.length) {
      fs.rmSync(partial, { force: true });
      throw new BackupError(`${missing.length} deposited file(s) are missing from ${files.dir} (first: ${missing[0]}): restore them from an older backup first`);
    }
  } catch (error) {
    if (copy.open) copy.close();
    fs.rmSync(partial, { force: true });
    throw error instanceof BackupError ? error : new BackupError(`the backup could not be completed: ${(error as Error).message}`);
  }
  fs.renameSync(partial, target);
  return { file: path.resolve(target), bytes: fs.statSync(target).size, items, files: stored, durationMs: performance.now() - started };
}

function tableExists(db: Database.Database, name: string): boolean {
  return Boolean(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name));
}

/** A process that has the database (or its WAL) open, as seen in /proc (Linux). */
export interface Holder {
  pid: number;
  command: string;
}

/**
 * The other processes that hold the database open: every process whose open files include it
 * (Linux /proc; only this user's processes can be read), plus the processes the database itself
 * records, alive on this host: a running `portal serve` and harvest runs still running (they are
 * found even when the portal runs as another user, or where there is no /proc).
 */
export function databaseHolders(dbFile: string): Holder[] {
  const wanted = new Set(['', '-wal', '-shm'].map((suffix) => `${path.resolve(dbFile)}${suffix}`));
  const holders = new Map<number, Holder>();
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === process.pid) continue;
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue; // another user's process, or gone
      }
      for (const fd of fds) {
        let target: string;
        try {
          target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (wanted.has(target)) {
          let command = '';
          try {
            command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 8).join(' ');
          } catch {
            // gone meanwhile
          }
          holders.set(pid, { pid, command: command.slice(0, 200) });
          break;
        }
      }
    }
  } catch {
    // no /proc: the records below
  }
  if (fs.existsSync(dbFile)) {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === 'EPERM';
        }
      };
      const server = tableExists(db, 'meta') ? (db.prepare("SELECT value FROM meta WHERE key = 'server'").pluck().get() as string | undefined) : undefined;
      if (server) {
        const { pid, host } = JSON.parse(server) as { pid: number; host: string };
        if (host === os.hostname() && pid !== process.pid && alive(pid) && !holders.has(pid)) holders.set(pid, { pid, command: 'portal serve' });
      }
      if (tableExists(db, 'runs')) {
        for (const run of db.prepare("SELECT pid, host FROM runs WHERE status = 'running'").all() as Array<{ pid: number; host: string }>) {
          if (run.host === os.hostname() && run.pid !== process.pid && alive(run.pid) && !holders.has(run.pid)) holders.set(run.pid, { pid: run.pid, command: 'portal harvest' });
        }
      }
    } finally {
      db.close();
    }
  }
  return [...holders.values()];
}

export interface RestoreResult {
  items: number;
  files: number;
  filesAlreadyThere: number;
  createdAt: string | null;
  /** Where the database that was replaced was kept (null when there was none). */
  previous: string | null;
}

/** Puts a backup back as `dbFile` (and its files into `filesDir`). */
export function restoreDatabase(backupFile: string, dbFile: string, filesDir: string, now = new Date()): RestoreResult {
  if (!fs.existsSync(backupFile)) throw new BackupError(`there is no backup at ${path.resolve(backupFile)}`);
  if (path.resolve(backupFile) === path.resolve(dbFile)) throw new BackupError('the backup file is the database itself');
  let backup: Database.Database;
  try {
    backup = new Database(backupFile, { readonly: true, fileMustExist: true });
    backup.pragma('schema_version');
  } catch (error) {
    throw new BackupError(`${path.resolve(backupFile)} is not a portal backup (${(error as Error).message})`);
  }
  let createdAt: string | null = null;
  const restoredFiles: Array<{ hash: string; bytes: Buffer }> = [];
  try {
    if (!tableExists(backup, 'backup_info') || !tableExists(backup, 'items')) throw new BackupError(`${path.resolve(backupFile)} is not a portal backup (made by \`npx portal backup\`)`);
    const format = backup.prepare("SELECT value FROM backup_info WHERE key = 'format'").pluck().get() as string | undefined;
    if (format !== FORMAT) throw new BackupError(`${path.resolve(backupFile)} is a backup of another format (${format ?? 'unknown'})`);
    const check = String(backup.pragma('integrity_check', { simple: true }));
    if (check !== 'ok') throw new BackupError(`${path.resolve(backupFile)} is damaged (${check}): use another backup`);
    createdAt = (backup.prepare("SELECT value FROM backup_info WHERE key = 'created_at'").pluck().get() as string | undefined) ?? null;
    for (const row of backup.prepare('SELECT hash, bytes FROM backup_files').iterate() as Iterable<{ hash: string; bytes: Buffer }>) {
      if (createHash('sha256').update(row.bytes).digest('hex') !== row.hash) throw new BackupError(`the file ${row.hash} in the backup is damaged: use another backup`);
      restoredFiles.push(row);
    }
  } finally {
    backup.close();
  }

  const refuseIfHeld = () => {
    const holders = databaseHolders(dbFile);
    if (holders.length > 0) {
      throw new BackupError(
        `${path.resolve(dbFile)} is in use by ${holders.map((h) => `process ${h.pid}${h.command ? ` (${h.command})` : ''}`).join(', ')}: ` +
          'stop the portal (and any harvest) first, then restore; nothing was changed',
      );
    }
  };
  refuseIfHeld();

  // The files first: restoring them twice is harmless, a database without its files is not.
  const files = new FileStore(filesDir);
  let already = 0;
  for (const { hash, bytes } of restoredFiles) {
    if (files.has(hash)) {
      already++;
      continue;
    }
    const temp = files.tempPath();
    fs.writeFileSync(temp, bytes, { mode: 0o600 });
    fs.mkdirSync(path.dirname(files.pathOf(hash)), { recursive: true });
    fs.chmodSync(temp, 0o440);
    fs.renameSync(temp, files.pathOf(hash));
  }

  fs.mkdirSync(path.dirname(path.resolve(dbFile)), { recursive: true });
  const incoming = `${dbFile}.restoring-${process.pid}`;
  fs.copyFileSync(backupFile, incoming);
  let items = 0;
  try {
    const db = new Database(incoming);
    try {
      db.exec('DROP TABLE backup_files; DROP TABLE backup_info;');
      // The portal that was running when the backup was taken is not running this database.
      if (tableExists(db, 'meta')) db.prepare("DELETE FROM meta WHERE key = 'server'").run();
      db.exec('VACUUM');
      db.pragma('journal_mode = WAL');
      items = db.prepare('SELECT count(*) FROM items').pluck().get() as number;
    } finally {
      db.close();
    }
    refuseIfHeld();
    let previous: string | null = null;
    if (fs.existsSync(dbFile)) {
      previous = `${dbFile}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
      for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(`${dbFile}${suffix}`)) fs.renameSync(`${dbFile}${suffix}`, `${previous}${suffix}`);
    }
    fs.renameSync(incoming, dbFile);
    return { items, files: restoredFiles.length - already, filesAlreadyThere: already, createdAt, previous };
  } catch (error) {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${incoming}${suffix}`, { force: true });
    throw error;
  }
}
