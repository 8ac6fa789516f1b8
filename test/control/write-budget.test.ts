// The shared ARM write budget: with a tiny budget the control plane still converges, waiting on
// durable timers rather than writing faster than the budget allows.
import { promises as dns } from 'node:dns';
import { DnsServer } from '../../local/azure/dns/server';
import { CompositeView } from '../../local/azure/dns/traffic-view';
import { localServices, type LocalServices } from '../../local/azure/local-services';
import { WorkspaceSchema } from '../../shared/domain/workspace';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';

let host: HostProcess;
let local: LocalServices;
let server: DnsServer;
const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });

beforeAll(async () => {
  const dataDir = tempDir('budget');
  local = await localServices(dataDir, {});
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *', DPL_WRITE_BUDGET: '1/2' } });
  server = new DnsServer({ port: 0, view: new CompositeView([local.privateDns, local.trafficManager.view]) });
  await server.start();
  resolver.setServers([`127.0.0.1:${server.port}`]);
});
afterAll(async () => {
  await host?.stop();
  await server?.stop();
});

test('six record writes on a budget of one burst and two per second converge, paced by durable timers', async () => {
  const services = ['dicom', 'fhir', 'medtech', 'iot', 'web', 'api'].map((name) => ({ name }));
  await local.workspaces.put(WorkspaceSchema.parse({ name: 'paced', region: 'local', cluster: 'local-1', services }));
  const started = Date.now();
  const res = await fetch(`${host.url}/admin/functions/sweepTimer`, { method: 'POST', body: '{}', headers: { 'x-functions-key': host.keys.masterKey } });
  expect(res.status).toBe(202);
  for (const s of services) {
    await waitFor(async () => (await resolver.resolveCname(`paced-${s.name}.privatelink.local.dicom.localtest`).catch(() => []))[0] === 'dicom-public-local.trafficmanager.net', {
      timeoutMs: 40_000,
      what: `the ${s.name} record`,
    });
  }
  // One token at once and two per second: the sixth ARM write cannot land before 2.5 s have passed
  // (a lower bound, so a slow machine cannot make this fail; a missing budget would).
  expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
  const refused = host.logs().filter((l) => String(l.category) === 'Function.applyChange').length;
  expect(refused).toBeGreaterThan(services.length);
});
