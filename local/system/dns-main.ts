// The stand-ins' DNS process: the authoritative server for the private zones, the cluster's internal
// names and the Traffic Manager names, answering from the stand-ins' state in DATA_DIR as it changes.
import { DnsServer } from '../azure/dns/server';
import { CompositeView } from '../azure/dns/traffic-view';
import { localServices } from '../azure/local-services';

async function main(): Promise<void> {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) throw new Error('DATA_DIR is required');
  const port = Number(process.env.DNS_PORT ?? 5353);
  const local = await localServices(dataDir);
  const server = new DnsServer({ port, host: '127.0.0.1', view: new CompositeView([local.privateDns, local.trafficManager.view]) });
  await server.start();
  console.log(`answering on udp+tcp 127.0.0.1:${server.port} for ${local.privateDns.zones().map((z) => z.name).join(', ')}, trafficmanager.net`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(`dns: ${(err as Error).message}`);
  process.exit(1);
});
