// deploy/portal.service: the systemd unit operators install. Its command and environment must start
// the real portal (Node refuses a bad NODE_OPTIONS flag, and the portal a bad option), bench:load
// runs the portal with the same environment, and the harvests the portal starts do not inherit the
// web server's heap sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { serviceProcessEnvironment, SERVICE_FILE, unitEnvironment } from '../../bench/service-env.ts';
import { childEnvironment, childNodeOptions } from '../../cli/runner.ts';
import { writeConfig } from '../helpers/config.ts';
import { ROOT as root, startServe } from '../helpers/serve-process.ts';

const unit = fs.readFileSync(SERVICE_FILE, 'utf8');

t.test('the unit says where the config and the database are, and may write only in the directory of the database', async (t) => {
  const env = unitEnvironment(unit);
  t.ok(env.PORTAL_CONFIG, 'PORTAL_CONFIG');
  t.ok(env.PORTAL_DB, 'PORTAL_DB');
  // StateDirectory=NAME is /var/lib/NAME, created for the service's user and writable under ProtectSystem=strict.
  const state = /^StateDirectory=(\S+)$/m.exec(unit)?.[1];
  t.equal(state && `/var/lib/${state}`, path.dirname(env.PORTAL_DB!), 'the database (its WAL, deposits/) is in the StateDirectory');
  t.match(unit, /^ProtectSystem=strict$/m);
  t.match(unit, /^NoNewPrivileges=true$/m);
  t.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m, 'reload is SIGHUP, which portal serve answers');
  t.same(Object.keys(serviceProcessEnvironment()).sort(), ['MALLOC_ARENA_MAX', 'NODE_OPTIONS'], 'bench:load takes the process settings, not the paths');
});

t.test('the unit command and environment start the portal, which answers /healthz', async (t) => {
  const execStart = /^ExecStart=(\S+) (.*)$/m.exec(unit);
  t.ok(execStart, 'ExecStart');
  const args = execStart![2]!.split(/\s+/);
  t.equal(args[0], 'bin/portal.js');
  t.ok(fs.existsSync(path.join(root, args[0]!)), 'ExecStart runs bin/portal.js from the WorkingDirectory');
  // The unit's own arguments, on a free port; its paths replaced by a temporary config and database.
  const port = args.indexOf('--port');
  t.ok(port > 0, '--port');
  args[port + 1] = '0';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-unit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig({ partners: [{ id: 'alpha', sources: [] }] });
  const env = { ...process.env, ...unitEnvironment(unit), PORTAL_CONFIG: config, PORTAL_DB: path.join(dir, 'portal.db') };
  const portal = await startServe(args, env);
  t.teardown(() => void portal.child.kill('SIGKILL'));
  const health = await fetch(`${portal.url}/healthz`);
  t.equal(health.status, 200, "portal serve started with the unit's environment and answers /healthz");
  portal.child.kill('SIGTERM');
  t.equal(await portal.exited, 0, 'SIGTERM (the unit KillSignal) stops it cleanly');
});

t.test("harvest and OCR children do not get the web server's heap sizes", async (t) => {
  t.equal(childNodeOptions('--max-semi-space-size=2 --max-old-space-size=160'), undefined);
  t.equal(childNodeOptions('--enable-source-maps --max-old-space-size=160 --trace-warnings'), '--enable-source-maps --trace-warnings');
  t.equal(childNodeOptions('--max-old-space-size 160 --no-warnings'), '--no-warnings', 'a value in its own word goes too');
  t.equal(childNodeOptions('--max_old_space_size=160 --max_semi_space_size=2 --no-warnings'), '--no-warnings', "V8's underscore spelling too");
  t.equal(childNodeOptions(undefined), undefined);
  const env = childEnvironment({ PATH: '/usr/bin', NODE_OPTIONS: unitEnvironment(unit).NODE_OPTIONS, MALLOC_ARENA_MAX: '2' });
  t.equal(env.NODE_OPTIONS, undefined, 'the unit NODE_OPTIONS holds only heap sizes');
  t.equal(env.MALLOC_ARENA_MAX, '2', 'the rest of the environment goes on');
  t.equal(env.PATH, '/usr/bin');
});
