// `dpl`: the operator CLI. Operators drive the control plane through its admin API; on one machine
// the `dev` commands also play the customer. Every command answers --help, and the exit code says
// what happened (docs/CLI.md).
import { mintLocalToken } from '../admin-token';
import { dataDirOf, parseRole } from './connection';
import { demoCommand } from './demo';
import { devCommands } from './dev';
import { CliError, commandHelp, EXIT, groupHelp, parseCommand, str, usageError, type Command, type Group } from './framework';
import { err, out } from './format';
import { operatorCommands } from './operator';

const ROLE_CLAIMS = { reader: 'PrivateLink.Reader', admin: 'PrivateLink.Admin' } as const;

const tokenCommand: Command = {
  path: ['token'],
  summary: 'print a bearer token for the local admin API',
  description: 'Prints a bearer token for the local admin API, signed with the key in DATA_DIR. The only command\nthat prints a token.',
  options: [
    [
      'Token',
      {
        role: { type: 'string', value: '<reader|admin>', help: 'the role it carries (default admin)' },
        subject: { type: 'string', value: '<name>', help: 'its subject (default local-<role>)' },
        ttl: { type: 'string', value: '<seconds>', help: 'lifetime (default 28800, eight hours)' },
        'data-dir': { type: 'string', value: '<dir>', help: "the local system's state (DATA_DIR; default .data)" },
      },
    ],
  ],
  examples: ['TOKEN=$(dpl token --role reader)', 'curl -H "authorization: Bearer $(dpl token)" http://127.0.0.1:7071/api/workspaces'],
  run: async ({ values }) => {
    const role = parseRole(str(values, 'role'), 'admin');
    const ttlText = str(values, 'ttl') ?? String(8 * 3600);
    const ttl = Number(ttlText);
    if (!/^\d+$/.test(ttlText) || ttl <= 0) throw usageError('dpl token: --ttl must be a positive number of seconds');
    const dataDir = dataDirOf(values);
    out(await mintLocalToken(dataDir, [ROLE_CLAIMS[role]], str(values, 'subject') ?? `local-${role}`, ttl));
    return EXIT.ok;
  },
};

export const COMMANDS: Command[] = [...operatorCommands, tokenCommand, ...devCommands, demoCommand];

export const GROUPS: Group[] = [
  { path: ['workspace'], summary: 'read, create, change and delete one workspace' },
  { path: ['dev'], summary: 'play the customer on this machine (local system only)' },
  { path: ['dev', 'private-endpoint'], summary: "a customer's private endpoints on the local Private Link Service" },
];

const TOP = ['status', 'workspaces', 'workspace', 'plan', 'reconcile', 'connections', 'approve', 'reject', 'certificates', 'rotate', 'sweep', 'operation', 'token', 'dev', 'demo'];

function topHelp(): string {
  const summaryOf = (word: string) => GROUPS.find((g) => g.path.length === 1 && g.path[0] === word)?.summary ?? COMMANDS.find((c) => c.path.length === 1 && c.path[0] === word)?.summary ?? '';
  const width = Math.max(...TOP.map((w) => w.length)) + 3;
  return [
    'Usage: dpl <command> [options]',
    '',
    'The operator CLI of dicom-privatelink: talks to the control plane\'s admin API.',
    '',
    'Commands:',
    ...TOP.map((w) => `  ${w.padEnd(width)}${summaryOf(w)}`),
    '',
    "Run 'dpl <command> --help' for a command's options. Exit codes: 0 ok, 1 operation failed or not",
    'converged, 2 usage error or invalid request, 3 not found, 4 unauthorized or forbidden, 5 cannot',
    'reach the control plane, 6 conflict (stale --if-match).',
  ].join('\n') + '\n';
}

/** The command or group named by the leading words of argv, and the arguments after them. */
function resolve(argv: string[]): { command?: Command; group?: Group; rest: string[] } {
  for (let n = Math.min(argv.length, 3); n > 0; n--) {
    const words = argv.slice(0, n);
    const command = COMMANDS.find((c) => c.path.length === n && c.path.every((w, i) => w === words[i]));
    if (command) return { command, rest: argv.slice(n) };
    const group = GROUPS.find((g) => g.path.length === n && g.path.every((w, i) => w === words[i]));
    if (group) return { group, rest: argv.slice(n) };
  }
  return { rest: argv };
}

function report(e: CliError): number {
  err(e.message.startsWith('dpl') ? e.message : `dpl: ${e.message}`);
  for (const line of e.details) err(line);
  return e.exitCode;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [first] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      // `dpl help workspace get` is `dpl workspace get --help`.
      if (first === 'help' && argv.length > 1) return main([...argv.slice(1), '--help']);
      out(topHelp());
      return EXIT.ok;
    }
    const { command, group, rest } = resolve(argv);
    if (group) {
      const asked = rest[0] === '--help' || rest[0] === '-h';
      if (rest.length > 0 && !asked) throw usageError(`dpl ${group.path.join(' ')}: unknown command '${rest[0]}'`, [`Run 'dpl ${group.path.join(' ')} --help' for the commands.`]);
      (asked ? out : err)(groupHelp(group, COMMANDS));
      return asked ? EXIT.ok : EXIT.usage;
    }
    if (!command) throw usageError(`dpl: unknown command '${first}'`, ["Run 'dpl --help' for the commands."]);
    const parsed = parseCommand(command, rest);
    if (parsed.help) {
      out(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run({ args: parsed.args, values: parsed.values });
  } catch (e) {
    if (e instanceof CliError) return report(e);
    throw e;
  }
}
