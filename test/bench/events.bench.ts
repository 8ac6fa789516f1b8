// Event delivery → DNS answer: a workspace event posted to the Event Grid webhook until the
// workspace's name resolves through the authoritative DNS server. Run: npm run bench:events [-- N]
import { promises as dns } from 'node:dns';
import { DnsServer } from '../../local/azure/dns/server';
import { CompositeView } from '../../local/azure/dns/traffic-view';
import { localServices } from '../../local/azure/local-services';
import { WorkspaceSchema } from '../../shared/domain/workspace';
import { REPO, startHost, tempDir } from '../support/host-process';

const N = Number(process.argv[2] ?? 30);

async function main() {
  const dataDir = tempDir('bench-events');
  const local = await localServices(dataDir, {});
  const host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *' } });
  const server = new DnsServer({ port: 0, view: new CompositeView([local.privateDns, local.trafficManager.view]) });
  await server.start();
  const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
  const hook = `${host.url}/runtime/webhooks/eventgrid?functionName=onWorkspaceEvent&code=${host.keys.systemKeys.eventgrid_extension}`;
  const times: number[] = [];
  try {
    for (let i = 0; i < N; i++) {
      const name = `bench${i}`;
      await local.workspaces.put(WorkspaceSchema.parse({ name, region: 'local', cluster: 'local-1', services: [{ name: 'dicom' }] }));
      const subject = `/subscriptions/0/resourceGroups/dicom/providers/Microsoft.HealthcareApis/workspaces/${name}`;
      const event = [{ id: `e${i}`, topic: '/subscriptions/0', subject, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: new Date().toISOString(), data: { operationName: 'Microsoft.HealthcareApis/workspaces/write', status: 'Succeeded', resourceUri: subject }, dataVersion: '2', metadataVersion: '1' }];
      const t0 = performance.now();
      const res = await fetch(hook, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify(event) });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      for (;;) {
        const answer = await resolver.resolveCname(`${name}-dicom.privatelink.local.dicom.localtest`).catch(() => []);
        if (answer.length) break;
        if (performance.now() - t0 > 30_000) throw new Error(`${name} did not resolve within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      times.push(performance.now() - t0);
    }
  } finally {
    await host.stop();
    await server.stop();
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(0);
  console.log(`event delivery → DNS answer over ${N} workspace events: p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms`);
}

void main();
