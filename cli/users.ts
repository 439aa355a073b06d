// `portal user add|list|remove|passwd`: operator accounts from the server's terminal. Passwords
// are asked twice without echo on a terminal, or read as two lines from standard input.
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { loadConfig } from '../config/index.ts';
import { hashPassword, passwordProblem } from '../publisher/admin/passwords.ts';
import { openStore, ROLES, type Role } from '../store/index.ts';
import { type CommandContext } from './commands.ts';

async function readPasswords(context: CommandContext): Promise<[string, string] | undefined> {
  const input = process.stdin;
  if (input.isTTY) {
    let muted = false;
    const output = new Writable({
      write(chunk, _encoding, callback) {
        if (!muted) process.stderr.write(chunk);
        callback();
      },
    });
    const rl = readline.createInterface({ input, output, terminal: true });
    const ask = (prompt: string) =>
      new Promise<string>((resolve) => {
        process.stderr.write(prompt);
        muted = true;
        rl.question('', (answer) => {
          muted = false;
          process.stderr.write('\n');
          resolve(answer);
        });
      });
    const first = await ask('Password: ');
    const second = await ask('Password again: ');
    rl.close();
    return [first, second];
  }
  const lines: string[] = [];
  const rl = readline.createInterface({ input });
  for await (const line of rl) {
    lines.push(line);
    if (lines.length === 2) break;
  }
  rl.close();
  if (lines.length < 2) {
    context.stderr.write('expected the password twice, on two lines of standard input\n');
    return undefined;
  }
  return [lines[0]!, lines[1]!];
}

const NAME = /^[A-Za-z0-9._@-]{2,64}$/;

export async function user(context: CommandContext): Promise<number> {
  const [action, name] = context.args;
  const store = openStore(context.dbFile);
  try {
    switch (action) {
      case 'list': {
        const users = store.users.list();
        if (users.length === 0) context.stdout.write('no operator yet: npx portal user add NAME\n');
        for (const u of users) {
          context.stdout.write(`${u.name}\t${u.role}${u.partner_id ? ` (${u.partner_id})` : ''}\tcreated ${u.created_at}\tlast login ${u.last_login_at ?? 'never'}${u.failed_logins ? `\t${u.failed_logins} failed sign-in${u.failed_logins === 1 ? '' : 's'} since the last one` : ''}\n`);
        }
        return 0;
      }
      case 'add':
      case 'passwd': {
        if (!name || !NAME.test(name)) {
          context.stderr.write('give a user name of 2 to 64 letters, digits, ".", "_", "@" or "-"\n');
          return 1;
        }
        const role = (context.options.role as string | undefined) ?? 'admin';
        if (action === 'add' && !ROLES.includes(role as Role)) {
          context.stderr.write(`unknown role "${role}": use admin, editor or partner\n`);
          return 1;
        }
        const partners = [context.options.partner ?? []].flat() as string[];
        let partnerId: string | null = null;
        if (action === 'add' && role === 'partner') {
          if (partners.length !== 1) {
            context.stderr.write('a partner\'s focal point needs its partner: --role partner --partner ID (one id, e.g. cour-des-comptes)\n');
            return 1;
          }
          partnerId = partners[0]!;
          // The partner must be one the portal knows: a file in the config directory.
          const config = loadConfig(context.configDir);
          const known = [...(config.config?.partners.map((p) => p.id) ?? []), ...config.invalidPartnerIds];
          if (!known.includes(partnerId)) {
            context.stderr.write(`unknown partner "${partnerId}": there is no ${context.configDir}/partners/${partnerId}.yaml${known.length ? ` (partners: ${known.join(', ')})` : ''}\n`);
            return 1;
          }
        } else if (action === 'add' && partners.length > 0) {
          context.stderr.write(`--partner is only for --role partner (a partner's focal point), not for ${role}\n`);
          return 1;
        }
        const existing = store.users.get(name);
        if (action === 'add' && existing) {
          context.stderr.write(`the user "${name}" already exists (use: npx portal user passwd ${name})\n`);
          return 1;
        }
        if (action === 'passwd' && !existing) {
          context.stderr.write(`no user "${name}"\n`);
          return 1;
        }
        const passwords = await readPasswords(context);
        if (!passwords) return 1;
        if (passwords[0] !== passwords[1]) {
          context.stderr.write('the two passwords differ: nothing was changed\n');
          return 1;
        }
        const problem = passwordProblem(passwords[0]);
        if (problem) {
          context.stderr.write(`${problem}: nothing was changed\n`);
          return 1;
        }
        const hash = await hashPassword(passwords[0]);
        const now = new Date().toISOString();
        if (action === 'add') {
          if (!store.users.add(name, role as Role, hash, now, partnerId)) {
            context.stderr.write(`the user "${name}" already exists\n`);
            return 1;
          }
          store.users.audit('(command line)', 'user_add', name, JSON.stringify(partnerId ? { role, partner: partnerId } : { role }), now);
          context.stderr.write(`operator "${name}" created with the role ${role}${partnerId ? ` for the partner ${partnerId}` : ''}\n`);
        } else {
          store.users.setPassword(name, hash);
          store.users.audit('(command line)', 'user_passwd', name, null, now);
          context.stderr.write(`password of "${name}" changed; its sessions were ended\n`);
        }
        return 0;
      }
      case 'remove': {
        if (!name || !store.users.remove(name)) {
          context.stderr.write(`no user "${name ?? ''}"\n`);
          return 1;
        }
        store.users.audit('(command line)', 'user_remove', name, null, new Date().toISOString());
        context.stderr.write(`operator "${name}" removed\n`);
        return 0;
      }
      default:
        context.stderr.write('usage: npx portal user add NAME [--role admin|editor|partner] [--partner ID] | list | remove NAME | passwd NAME\n');
        return 2;
    }
  } finally {
    store.close();
  }
}
