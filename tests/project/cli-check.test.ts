// `npx portal check` as operators run it: exit status and the FILE:LINE:COL: PATH: MESSAGE lines.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';

const root = path.join(import.meta.dirname, '../..');
const fixtures = path.join(root, 'tests/fixtures/config');

function portal(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/portal.js'), ...args], { cwd: root, encoding: 'utf8' });
}

t.test('check passes on the shipped config', async (t) => {
  const result = portal('check');
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /config: valid \(19 partners, \d+ sources, \d+ claim channels, \d+ platforms\)/);
});

t.test('check reports every error and exits 1', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-check-'));
  fs.cpSync(path.join(fixtures, 'base'), dir, { recursive: true });
  fs.cpSync(path.join(fixtures, 'defects/bad-cron'), dir, { recursive: true });
  fs.cpSync(path.join(fixtures, 'defects/unknown-key'), dir, { recursive: true });
  const result = portal('check', '--config', dir);
  t.equal(result.status, 1);
  t.same(result.stderr.trim().split('\n'), [
    `${dir}/portal.yaml:6:3: harvest.shedule: unknown key "shedule" (did you mean "schedule"?)`,
    `${dir}/partners/alpha.yaml:9:15: sources[0].schedule: invalid cron expression "0 */6 * *": expected 5 fields (minute hour day month weekday), got 4`,
    `2 errors in ${dir}`,
  ]);
});

t.test('check refuses a config without site.base_url (links are never built from the Host header)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-check-'));
  fs.cpSync(path.join(fixtures, 'base'), dir, { recursive: true });
  fs.cpSync(path.join(fixtures, 'defects/missing-base-url'), dir, { recursive: true });
  const result = portal('check', '--config', dir);
  t.equal(result.status, 1);
  t.same(result.stderr.trim().split('\n'), [
    `${dir}/portal.yaml:1:1: site.base_url: required: the address where the portal is published, such as https://integrite.inpplc.ma (links in feeds, the sitemap and emails are built from it)`,
    `1 error in ${dir}`,
  ]);
});

t.test('PORTAL_CONFIG is honoured, and an unknown command is refused', async (t) => {
  const env = spawnSync(process.execPath, [path.join(root, 'bin/portal.js'), 'check'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PORTAL_CONFIG: '/nonexistent' },
  });
  t.equal(env.status, 1);
  t.match(env.stderr, /^\/nonexistent:1:1: \(file\): config directory not found/);
  const unknown = portal('frobnicate');
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /unknown command "frobnicate"/);
});
