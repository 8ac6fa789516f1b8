// `npm start`: the whole system on one machine with embedded defaults. Today: the control plane's
// Functions host (with the embedded Durable engine) on the stand-ins for Azure, and the
// authoritative DNS server answering for the private zones and the Traffic Manager names. The proxy
// and a backend join as supervised processes with the one-command system. Prints one `ready` line
// once everything listens.
import path from 'node:path';
import { HostStartError } from '../host/app-folder';
import { parseCli, runHost } from '../host/cli';
import { DnsServer } from '../azure/dns/server';
import { CompositeView } from '../azure/dns/traffic-view';
import { localServices } from '../azure/local-services';

const REPO = path.resolve(__dirname, '../../..');

function port(name: string, fallback: number): number {
  const text = process.env[name] ?? String(fallback);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new HostStartError(`${name} must be a TCP/UDP port number, got '${text}'`);
  return n;
}

async function main(): Promise<void> {
  const opts = parseCli(['--app', REPO], process.env);
  if (opts === 'help') return;
  const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(REPO, '.data'));
  // The control plane runs on its stand-ins here, sweeping every five minutes unless told otherwise.
  process.env.DATA_DIR = dataDir;
  process.env.DPL_MODE ??= 'local';
  process.env.SWEEP_SCHEDULE ??= '0 */5 * * * *';

  const local = await localServices(dataDir);
  const dns = new DnsServer({ port: port('DNS_PORT', 5353), view: new CompositeView([local.privateDns, local.trafficManager.view]) });
  try {
    await dns.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HostStartError(code === 'EADDRINUSE' ? `DNS port ${process.env.DNS_PORT ?? 5353} is already in use (set DNS_PORT)` : (err as Error).message);
  }
  const host = await runHost({ ...opts, dataDir });
  process.on('SIGTERM', () => void dns.stop());
  process.on('SIGINT', () => void dns.stop());
  process.stdout.write(`ready functions=${host.baseUrl} admin-api=${host.baseUrl}/api dns=127.0.0.1:${dns.port} data=${dataDir}\n`);
}

main().catch((err) => {
  process.stderr.write(`npm start: ${err instanceof HostStartError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
