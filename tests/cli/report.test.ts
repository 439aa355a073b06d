// `npx portal report freshness` as operators run it: an unusable config or a missing database fails
// like the other commands (non-zero, one clear line, nothing created), and the CSV is safe to open
// in a spreadsheet whatever the partners' names hold.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import t from 'tap';
import { openStore } from '../../store/index.ts';
import { loadTestConfig, writeConfig } from '../helpers/config.ts';

const root = path.join(import.meta.dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-report-'));
t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));

function portal(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/portal.js'), ...args], { cwd: work, encoding: 'utf8' });
}

t.test('a config directory that does not exist: exit 2, a clear message, no database created', async (t) => {
  const db = path.join(work, 'none/portal.db');
  const result = portal('report', 'freshness', '--config', path.join(work, 'MISSING_DIR'), '--db', db);
  t.equal(result.status, 2);
  t.equal(result.stdout, '', 'no empty table');
  t.match(result.stderr, /MISSING_DIR:1:1: \(file\): config directory not found/);
  t.match(result.stderr, /is unusable: fix it, then check it with `npx portal check`/);
  t.notOk(fs.existsSync(db), 'no database file');
  t.notOk(fs.existsSync(path.join(work, 'none')), 'not even its folder');
});

t.test('a database that does not exist: exit 1 and a hint, nothing created', async (t) => {
  const config = writeConfig({ partners: [{ id: 'alpha', sources: [] }] });
  const db = path.join(work, 'typo.db');
  const result = portal('report', 'freshness', '--config', config, '--db', db);
  t.equal(result.status, 1);
  t.equal(result.stdout, '');
  t.match(result.stderr, /no catalogue at .*typo\.db: harvest first/);
  t.notOk(fs.existsSync(db));
});

t.test('--format csv: every field quoted, a partner name that looks like a formula neutralised', async (t) => {
  const config = writeConfig({
    partners: [
      { id: 'alpha', name: { fr: '=HYPERLINK("https://evil.example";"Cliquez")', ar: '@SUM(1+1)' }, commitment: { update_every: '30d' }, sources: [] },
      { id: 'beta', name: { fr: 'Ministère, "Beta"', ar: 'وزارة بيتا' }, sources: [] },
    ],
  });
  const db = path.join(work, 'portal.db');
  const store = openStore(db);
  store.syncConfig(loadTestConfig(config), new Date().toISOString());
  store.close();
  const result = portal('report', 'freshness', '--format', 'csv', '--config', config, '--db', db);
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /^(?:"(?:[^"]|"")*"(?:,|\r\n))*$/, 'every field is a quoted string');
  const rows = parseCsv(result.stdout, { columns: true }) as Array<Record<string, string>>;
  const alpha = rows.find((r) => r.partner === 'alpha')!;
  t.equal(alpha.name_fr, '\'=HYPERLINK("https://evil.example";"Cliquez")');
  t.equal(alpha.name_ar, "'@SUM(1+1)");
  t.equal(rows.find((r) => r.partner === 'beta')!.name_fr, 'Ministère, "Beta"');
});
