// The lock-out attack, against a real `portal serve` process over HTTP: wrong passwords for a known
// administrator from rotating addresses (behind the trusted proxy, as in production), while the
// real operator signs in; then a guesser on one address; then known and unknown names side by side.
// Before issue 13, five wrong passwords locked the account for everyone, doubling each time, and
// the 429 page said when to strike again. Now: the guesses are answered "wrong", the operator gets
// in, a single address is throttled, and the answers do not tell names apart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { openStore } from '../../store/index.ts';
import { PASSWORD } from '../helpers/admin-browser.ts';
import { loadTestConfig, writeConfig } from '../helpers/config.ts';
import { record } from '../helpers/faults.ts';
import { ROOT, startServe } from '../helpers/serve-process.ts';

const AREA = 'Attackers at the sign-in';

let url = '';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-attackers-'));

t.before(async () => {
  const config = writeConfig({ portal: { trust_proxy: ['127.0.0.1'] }, partners: [{ id: 'alpha', sources: [] }] });
  const db = path.join(work, 'portal.db');
  const store = openStore(db);
  store.syncConfig(loadTestConfig(config), new Date().toISOString());
  // The real cost of a password check (scrypt N=2^15): it bounds how fast anyone can guess.
  const hash = await hashPassword(PASSWORD);
  // One operator per case, so that what one case does to a name does not slow the next.
  for (const name of ['amina', 'karim', 'samira']) store.users.add(name, 'admin', hash, new Date().toISOString());
  store.close();
  const portal = await startServe([path.join(ROOT, 'bin/portal.js'), 'serve', '--no-harvest', '--port', '0', '--config', config, '--db', db]);
  t.teardown(async () => {
    portal.child.kill('SIGTERM');
    await portal.exited;
    fs.rmSync(work, { recursive: true, force: true });
  });
  url = portal.url;
});

interface Attempt {
  status: number;
  ms: number;
  body: string;
}

/** One sign-in as a browser does it: the form (its pre-session cookie and token), then the post. */
async function attempt(from: string, name: string, password: string): Promise<Attempt> {
  const headers = { 'x-forwarded-for': from, 'user-agent': 'Mozilla/5.0 attacker' };
  const form = await fetch(`${url}/admin/login`, { headers });
  const cookie = form.headers.getSetCookie()[0]!.split(';')[0]!;
  const token = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const started = performance.now();
  const response = await fetch(`${url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: token, name, password, next: '' }).toString(),
  });
  const body = await response.text();
  return { status: response.status, ms: performance.now() - started, body };
}

const count = (attempts: Attempt[]) => {
  const by = new Map<number, number>();
  for (const a of attempts) by.set(a.status, (by.get(a.status) ?? 0) + 1);
  return [...by].map(([status, n]) => `${n} × ${status}`).join(', ');
};
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

t.test('rotating addresses cannot lock the administrator out', async (t) => {
  const ATTEMPTS = 30;
  const CONCURRENCY = 15;
  const guesses: Attempt[] = [];
  let operator: Attempt | undefined;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < ATTEMPTS) {
      const i = next++;
      guesses.push(await attempt(`203.0.${113 + (i >> 8)}.${i & 255}`, 'amina', `guess number ${i}`));
      // Halfway through the attack, the real operator signs in from the office.
      if (i === ATTEMPTS / 2) operator = await attempt('198.51.100.10', 'amina', PASSWORD);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const duration = performance.now() - started;
  t.equal(guesses.length, ATTEMPTS);
  t.same(count(guesses), `${ATTEMPTS} × 401`, 'every guess is answered "wrong"; nothing is locked');
  t.equal(operator?.status, 303, 'the operator signs in with the right password during the attack');
  const after = await attempt('198.51.100.11', 'amina', PASSWORD);
  t.equal(after.status, 303, 'and after it');
  const latencies = guesses.map((g) => g.ms);
  record({
    area: AREA,
    case: 'lock-out attack: wrong passwords for a known administrator from rotating addresses',
    how: `a real \`portal serve\` (scrypt N=2^15) behind a trusted proxy; ${ATTEMPTS} wrong passwords for "amina", each from its own X-Forwarded-For address, ${CONCURRENCY} at a time, each through the login form with its pre-session cookie; the operator signs in halfway through and again after`,
    result: `guesses: ${count(guesses)}; operator during the attack: ${operator?.status} in ${s(operator!.ms)}; after: ${after.status} in ${s(after.ms)} (before issue 13: 429 for everyone after 5 failures, doubling, until \`portal user passwd\`)`,
    figures: {
      'attack duration': s(duration),
      'guesses per second': (ATTEMPTS / (duration / 1000)).toFixed(1),
      'answer to a guess, p50': s(percentile(latencies, 50)),
      'answer to a guess, max': s(Math.max(...latencies)),
      'operator sign-in during the attack': s(operator!.ms),
      'operator sign-in after the attack': s(after.ms),
    },
  });
});

t.test('a guesser on one address is throttled after ten failures, whatever the name', async (t) => {
  const answers: Attempt[] = [];
  for (let i = 0; i < 12; i++) answers.push(await attempt('192.0.2.66', i % 2 ? 'karim' : 'nobody', `wrong ${i}`));
  const other = await attempt('192.0.2.67', 'karim', PASSWORD);
  t.same(answers.map((a) => a.status), [...Array(10).fill(401), 429, 429]);
  t.notMatch(answers.at(-1)!.body.match(/role="alert"[^>]*>([^<]*)/)?.[1] ?? '', /\d/, 'the 429 does not say when to try again');
  t.equal(other.status, 303, 'the operator on another address is not affected');
  const throttled = answers.filter((a) => a.status === 429).map((a) => a.ms);
  record({
    area: AREA,
    case: 'one address guessing',
    how: '12 wrong passwords from one address, alternating a real and an unknown name; then the right password from another address',
    result: `${answers.map((a) => a.status).join(' ')}; the other address: ${other.status}`,
    figures: {
      'answer to a failure': s(percentile(answers.slice(0, 10).map((a) => a.ms), 50)),
      'answer once throttled (no password check)': s(Math.max(...throttled)),
      'attempts allowed after that': 'one every 6 minutes',
    },
  });
});

t.test('a name that exists and one that does not cannot be told apart', async (t) => {
  const known: Attempt[] = [];
  const unknown: Attempt[] = [];
  for (let i = 0; i < 6; i++) {
    known.push(await attempt(`192.0.2.${100 + i}`, 'samira', `nope ${i}`));
    unknown.push(await attempt(`192.0.2.${150 + i}`, 'samir', `nope ${i}`));
  }
  const normalise = (a: Attempt, name: string) => `${a.status} ${a.body.replace(/name="csrf" value="[^"]*"/g, '').replaceAll(`value="${name}"`, 'value=""')}`;
  t.same(
    unknown.map((a) => normalise(a, 'samir')),
    known.map((a) => normalise(a, 'samira')),
    'same statuses and pages',
  );
  const p50 = (list: Attempt[]) => percentile(list.map((a) => a.ms), 50);
  record({
    area: AREA,
    case: 'telling names apart',
    how: '6 wrong passwords for an existing name and 6 for a name that does not exist, each from its own address',
    result: `statuses ${count(known)} and ${count(unknown)}; the pages are identical but for the form's token`,
    figures: { 'existing name, p50': s(p50(known)), 'unknown name, p50': s(p50(unknown)) },
  });
});
