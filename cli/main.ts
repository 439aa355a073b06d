// `npx portal <command>`: the composition root. It reads options, loads the config, opens the
// store and wires config → connectors → harvester → store → publisher together.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commands, type CommandContext } from './commands.ts';

const USAGE = `usage: npx portal <command> [options]

commands:
  serve                    serve the portal and harvest on schedule (--host, --port, --no-harvest)
  harvest                  harvest every enabled source now (--partner ID, --source PARTNER/SOURCE, --json)
  ocr                      read the scanned documents waiting for OCR now (serve does it in the background; --json)
  check                    validate the config directory
  report freshness         the freshness report (--format table|json|csv)
  user add|list|remove|passwd NAME   manage operator accounts (--role admin|editor|partner, --partner ID)
  backup FILE              a consistent copy of the database and the deposited files, while the portal runs
  restore FILE             put a backup back (refused while a portal or harvest holds the database)
  demo                     simulated partner sites, harvested and served (npx portal demo --help)

options every command takes:
  --config DIR             config directory (env PORTAL_CONFIG, default "config")
  --db FILE                SQLite database (env PORTAL_DB, default "data/portal.db")
`;

/** `npx portal COMMAND --help`, for the commands with options of their own. */
const COMMAND_HELP: Record<string, string> = {
  demo: `usage: npx portal demo [options]

Starts 19 simulated partner sites on loopback, harvests them into data/demo/portal.db, serves the
portal and harvests again every 3 minutes. The terminal keeps the links to open; each harvest adds
one status line, and its details go to a log file (data/demo/harvest.log).

options:
  --fresh                  start over with an empty database (a new year of simulated visits too)
  --port PORT              the portal's port (env PORT, default 3000; 0 picks a free one)
  --host HOST              the portal's address (env HOST, default 127.0.0.1)
  --db FILE                the demo's database (default data/demo/portal.db); its generated config
                           and the harvest log go beside it
  --config DIR             where the partners' names and commitments are read (default "config")
  --verbose                print the harvests' log on the terminal instead of the log file
  -h, --help               this help

environment:
  DEMO_PORT_BASE           first port of the simulated sites (default 48200; they use 19 ports)
`,
};

const OPTIONS = {
  config: { type: 'string' },
  db: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'no-harvest': { type: 'boolean' },
  partner: { type: 'string', multiple: true },
  source: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  format: { type: 'string' },
  role: { type: 'string' },
  fresh: { type: 'boolean' },
  verbose: { type: 'boolean' },
  trigger: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`portal: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [name, ...rest] = parsed.positionals;
  if (parsed.values.help && name && COMMAND_HELP[name]) {
    process.stdout.write(COMMAND_HELP[name]);
    return 0;
  }
  if (parsed.values.help || !name) {
    process.stdout.write(USAGE);
    return name || parsed.values.help ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`portal: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const context: CommandContext = {
    args: rest,
    options: parsed.values,
    configDir: parsed.values.config ?? process.env.PORTAL_CONFIG ?? 'config',
    dbFile: parsed.values.db ?? process.env.PORTAL_DB ?? 'data/portal.db',
    stdout: process.stdout,
    stderr: process.stderr,
  };
  return command(context);
}

let settled = false;
// Node exits with status 0 when nothing is left to wait for, even if a command never finished:
// that must not pass for success (a scheduler would believe the harvest ran).
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write(`portal: "${process.argv.slice(2).join(' ')}" stopped before finishing: it was waiting for something that can no longer happen (a bug: please report it)\n`);
  process.exitCode = 70;
});
main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands (serve, demo) resolve only when they have closed everything.
    settled = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    settled = true;
    process.stderr.write(`portal: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
