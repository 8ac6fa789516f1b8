// `dpl`: the operator CLI. Today it mints local admin tokens; the other commands arrive with the
// operator CLI (they answer with a clear "not yet" rather than pretending).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintLocalToken } from '../admin-token';

const HELP = `Usage: dpl <command> [options]

Commands:
  token [--role reader|admin] [--subject <name>] [--ttl <seconds>] [--data-dir <dir>]
        print a bearer token for the local admin API (signed with the key in DATA_DIR)

Coming with the operator CLI: status, workspaces, workspace, plan, reconcile, connections,
approve, reject, certificates, rotate, sweep, dev.

Options:
  -h, --help   show this help`;

const ROLES = { reader: 'PrivateLink.Reader', admin: 'PrivateLink.Admin' } as const;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (command === 'token') {
    const { values } = parseArgs({
      args: rest,
      options: { role: { type: 'string', default: 'admin' }, subject: { type: 'string' }, ttl: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write('Usage: dpl token [--role reader|admin] [--subject <name>] [--ttl <seconds>] [--data-dir <dir>]\n');
      return 0;
    }
    const role = ROLES[values.role as keyof typeof ROLES];
    if (!role) {
      process.stderr.write(`dpl token: --role must be reader or admin, got '${values.role}'\n`);
      return 2;
    }
    const ttl = Number(values.ttl ?? 8 * 3600);
    if (!Number.isInteger(ttl) || ttl <= 0) {
      process.stderr.write('dpl token: --ttl must be a positive number of seconds\n');
      return 2;
    }
    const dataDir = path.resolve(values['data-dir'] ?? process.env.DATA_DIR ?? '.data');
    process.stdout.write((await mintLocalToken(dataDir, [role], values.subject ?? `local-${values.role}`, ttl)) + '\n');
    return 0;
  }
  process.stderr.write(`dpl: '${command}' is not available yet (it arrives with the operator CLI). Run 'dpl --help'.\n`);
  return 2;
}
