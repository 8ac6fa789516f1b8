// `npm start`: the whole system on one machine with embedded defaults. Today that is the control
// plane's Functions host (with every extension the host has); the stand-ins for Azure, the DNS
// server and the proxy join here as they land. Prints one `ready` line once everything listens.
import path from 'node:path';
import { HostStartError } from '../host/app-folder';
import { parseCli, runHost } from '../host/cli';

const REPO = path.resolve(__dirname, '../../..');

async function main(): Promise<void> {
  const opts = parseCli(['--app', REPO], process.env);
  if (opts === 'help') return;
  const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(REPO, '.data'));
  // The control plane runs on its stand-ins here, sweeping every five minutes unless told otherwise.
  process.env.DATA_DIR = dataDir;
  process.env.DPL_MODE ??= 'local';
  process.env.SWEEP_SCHEDULE ??= '0 */5 * * * *';
  const host = await runHost({ ...opts, dataDir });
  process.stdout.write(`ready functions=${host.baseUrl} admin-api=${host.baseUrl}/api data=${dataDir}\n`);
}

main().catch((err) => {
  process.stderr.write(`npm start: ${err instanceof HostStartError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
