// What `npm ci` will say to a newcomer, checked from the committed lock file without installing:
// no package that declares a Node version the project's `engines` does not promise (npm's
// EBADENGINE warning), and every package with an install script approved in `allowScripts` (npm's
// warning about unapproved scripts). A dependency bump that brings either back fails here.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import t from 'tap';

const root = path.join(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string }; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; hasInstallScript?: boolean; optional?: boolean }>;
};

// semver is what npm itself compares engines with; it is in the tree through several dependencies.
let semver: { minVersion(range: string): { version: string } | null; satisfies(version: string, range: string): boolean } | undefined;
try {
  semver = createRequire(import.meta.url)('semver');
} catch {
  semver = undefined;
}

const nameOf = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

t.test('every locked package runs on the oldest Node the project promises (no EBADENGINE)', { skip: semver ? false : 'semver is not installed: cannot compare engine ranges' }, async (t) => {
  const oldest = semver!.minVersion(pkg.engines.node)!.version;
  t.equal(oldest, '20.19.0', `package.json promises Node ${pkg.engines.node}`);
  const refusing = Object.entries(lock.packages)
    .filter(([key, entry]) => key && entry.engines && !Array.isArray(entry.engines) && entry.engines.node && !semver!.satisfies(oldest, entry.engines.node))
    .map(([key, entry]) => `${nameOf(key)} wants node ${(entry.engines as { node: string }).node}`);
  t.same(refusing, [], `${Object.keys(lock.packages).length - 1} packages in the lock`);
});

t.test('every install script in the lock is approved in allowScripts', async (t) => {
  const withScripts = Object.entries(lock.packages)
    .filter(([key, entry]) => key && entry.hasInstallScript)
    .map(([key]) => nameOf(key));
  t.ok(withScripts.includes('better-sqlite3'), 'better-sqlite3 builds on install');
  t.same(
    withScripts.filter((name) => pkg.allowScripts?.[name] !== true),
    [],
    `approved: ${Object.keys(pkg.allowScripts ?? {}).join(', ')}`,
  );
});
