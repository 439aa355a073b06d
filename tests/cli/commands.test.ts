// The round-2 commands as an operator runs them: `user add --role partner --partner ID`, and
// `backup FILE` / `restore FILE` while a real `portal harvest` process is writing: the backup is
// one consistent snapshot with the deposited files, restore refuses while a process holds the
// database, then puts the snapshot and the files back and keeps what it replaced. The commands run
// in this process (their functions, with captured output) except where a separate process is the
// point: the harvest that writes meanwhile, and the password read from standard input.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { commands, type CommandContext } from '../../cli/commands.ts';
import { depositItem } from '../../harvester/deposit-item.ts';
import { processAlive } from '../../harvester/harvest.ts';
import { openStore } from '../../store/index.ts';
import { writeConfig } from '../helpers/config.ts';
import { rss, startServer } from '../helpers/server.ts';
import { ROOT } from '../helpers/root.ts';

const PORTAL = path.join(ROOT, 'bin/portal.js');

interface Run {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** `npx portal …` as a process; `onLine` sees each stderr line as it comes. */
function portal(args: string[], options: { input?: string; onLine?: (line: string) => void } = {}): { pid: number; done: Promise<Run> } {
  const child = spawn(process.execPath, [PORTAL, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) options.onLine?.(line);
  });
  child.stdin.end(options.input ?? '');
  return { pid: child.pid!, done: new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr, stdout }))) };
}

/** A command run in this process, as `npx portal NAME ARGS --config … --db …` would. */
async function command(name: string, args: string[], options: Record<string, string | boolean | string[]> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const context: CommandContext = {
    args,
    options,
    configDir,
    dbFile: db,
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await commands[name]!(context);
  return { code, stdout, stderr };
}

const server = await startServer();
t.teardown(() => server.close());
const feed = (prefix: string, count: number) =>
  rss(Array.from({ length: count }, (_, i) => ({ title: `${prefix} ${i}`, link: `https://alpha.example/${prefix}/${i}`, guid: `${prefix}-${i}`, date: 'Mon, 03 Mar 2025 10:00:00 GMT' })));
server.set('/a/feed', { headers: { 'content-type': 'application/rss+xml' }, body: feed('a', 30) });
// Source b answers only when the test lets it: the harvest is held in the middle of its pass.
let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (release = resolve));
server.set('/b/feed', (_req, res) => {
  void gate.then(() => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(feed('b', 20));
  });
});
const configDir = writeConfig({
  harvest: { timeout: '60s', concurrency: 1 },
  partners: [
    {
      id: 'alpha',
      sources: [
        { id: 'a', type: 'feed', url: `${server.url}/a/feed`, section: 'news' },
        { id: 'b', type: 'feed', url: `${server.url}/b/feed`, section: 'news' },
      ],
    },
  ],
});
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-commands-'));
t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
const db = path.join(work, 'data/portal.db');

t.test('user add --role partner --partner ID', async (t) => {
  const ok = await portal(['user', 'add', 'samira', '--role', 'partner', '--partner', 'alpha', '--config', configDir, '--db', db], { input: 'a long enough password\na long enough password\n' }).done;
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stderr, /operator "samira" created with the role partner for the partner alpha/);
  // The refusals happen before any password is asked.
  const unknown = await command('user', ['add', 'omar'], { role: 'partner', partner: ['nope'] });
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /unknown partner "nope": there is no .*partners\/nope\.yaml \(partners: alpha\)/);
  const missing = await command('user', ['add', 'omar'], { role: 'partner' });
  t.equal(missing.code, 1);
  t.match(missing.stderr, /--role partner --partner ID/);
  const misplaced = await command('user', ['add', 'karim'], { role: 'editor', partner: ['alpha'] });
  t.equal(misplaced.code, 1);
  t.match(misplaced.stderr, /--partner is only for --role partner/);
  const list = await command('user', ['list']);
  t.match(list.stdout, /^samira\tpartner \(alpha\)\t/m);
  t.notMatch(list.stdout, /omar|karim/);
  const store = openStore(db);
  t.match(store.users.get('samira'), { role: 'partner', partner_id: 'alpha' });
  store.close();
});

t.test('backup while a harvest is running, restore refused while the database is held, then restored', async (t) => {
  // A deposited file, so the backup has one to carry.
  const store = openStore(db);
  const settings = (await import('../helpers/config.ts')).loadTestConfig(configDir);
  store.syncConfig(settings, new Date().toISOString());
  const pdf = Buffer.from('%PDF-1.4\n% a deposited file for the backup test\n');
  const hash = await store.files.put(pdf);
  const context = { review: false, baseUrl: 'https://portal.example', maxTextChars: 1000, makeItem: depositItem };
  store.deposits.create('alpha', 'samira', { titles: { fr: 'Déposé avant la sauvegarde' }, description: '', section: 'publications', docType: 'report', language: 'fr', documentDate: '2025-01-01', kind: 'file', file: { hash, name: 'depot.pdf', size: pdf.length, text: 'texte', pages: 1, scanned: false, note: null }, linkUrl: null }, new Date().toISOString(), context);
  store.close();

  // The harvest: source a is committed, then the process waits on source b.
  let sourceADone: () => void = () => undefined;
  const aDone = new Promise<void>((resolve) => (sourceADone = resolve));
  const harvest = portal(['harvest', '--config', configDir, '--db', db], { onLine: (line) => /alpha\/a\s+ok/.test(line) && sourceADone() });
  await aDone;

  const file = path.join(work, 'backup-1.db');
  const backup = await command('backup', [file]);
  t.equal(backup.code, 0, backup.stderr);
  t.match(backup.stderr, /backup written to .*backup-1\.db: .*, 31 items, 1 deposited files/);
  const copy = new Database(file, { readonly: true });
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  t.equal(copy.prepare("SELECT count(*) FROM items i JOIN sources s ON s.pk = i.source_pk WHERE s.source_id = 'a'").pluck().get(), 30, "source a's commit is in the copy");
  t.equal(copy.prepare("SELECT count(*) FROM items i JOIN sources s ON s.pk = i.source_pk WHERE s.source_id = 'b'").pluck().get(), 0, "source b's was not made yet");
  t.equal(copy.prepare("SELECT status FROM runs ORDER BY pk DESC LIMIT 1").pluck().get(), 'running', 'a snapshot taken during the run');
  t.ok((copy.prepare('SELECT bytes FROM backup_files WHERE hash = ?').pluck().get(hash) as Buffer).equals(pdf), 'the deposited file is in the backup');
  copy.close();

  const refused = await command('restore', [file]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, new RegExp(`in use by process ${harvest.pid} \\(.*harvest.*\\).*nothing was changed`));

  release();
  const finished = await harvest.done;
  t.equal(finished.code, 0, finished.stderr);
  const after = openStore(db);
  t.equal(after.items.count(), 51, 'the harvest went on and finished: 30 + 20 items and the deposit');
  after.close();

  // The deposited files are lost too; restore puts both back.
  fs.rmSync(path.join(work, 'data/deposits'), { recursive: true, force: true });
  const restored = await command('restore', [file]);
  t.equal(restored.code, 0, restored.stderr);
  t.match(restored.stderr, /restored .*portal\.db from the backup of \d{4}-.*: 31 items, 1 deposited files written .* kept as .*portal\.db\.before-restore-/);
  const back = openStore(db);
  t.equal(back.integrityCheck(), 'ok');
  t.equal(back.items.count(), 31, 'the snapshot');
  t.ok(back.files.read(hash).equals(pdf), 'the file is back under its hash');
  t.equal(back.markInterruptedRuns(processAlive, new Date().toISOString()), 1, 'the run caught mid-way is marked interrupted at the next start');
  back.close();
  const previous = fs.readdirSync(path.join(work, 'data')).find((f) => /^portal\.db\.before-restore-[\dTZ-]+$/.test(f))!;
  const kept = new Database(path.join(work, 'data', previous), { readonly: true });
  t.equal(kept.prepare('SELECT count(*) FROM items').pluck().get(), 51, 'the database it replaced is kept, not deleted');
  kept.close();

  // A file that is not a backup is refused and changes nothing.
  const junk = path.join(work, 'junk.db');
  fs.writeFileSync(junk, 'not a database');
  const bad = await command('restore', [junk]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /is not a portal backup/);
});
