// The control plane on the single-machine system: the real Functions app in dpl-host with the
// embedded Durable engine, every port on its stand-in in a shared DATA_DIR. No fakes of our ports.
import { promises as dns } from 'node:dns';
import { DnsServer } from '../../local/azure/dns/server';
import { CompositeView } from '../../local/azure/dns/traffic-view';
import { LOCAL_PLS_ID, localServices, type LocalServices } from '../../local/azure/local-services';
import { WorkspaceSchema } from '../../shared/domain/workspace';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';

const NEVER = '0 0 0 1 1 *';
const ZONE = 'privatelink.local.dicom.localtest';
const CUSTOMER = '11111111-2222-3333-4444-555555555555';

let host: HostProcess;
let local: LocalServices;
let dnsServer: DnsServer;
const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });

beforeAll(async () => {
  const dataDir = tempDir('control');
  local = await localServices(dataDir, {});
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: NEVER } });
  dnsServer = new DnsServer({ port: 0, view: new CompositeView([local.privateDns, local.trafficManager.view]) });
  await dnsServer.start();
  resolver.setServers([`127.0.0.1:${dnsServer.port}`]);
});
afterAll(async () => {
  await host?.stop();
  await dnsServer?.stop();
});

const sweepNow = () => fetch(`${host.url}/admin/functions/sweepTimer`, { method: 'POST', body: '{}', headers: { 'x-functions-key': host.keys.masterKey } });
const status = async (id: string) =>
  (await fetch(`${host.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?code=${host.keys.systemKeys.durabletask_extension}`)).json() as Promise<{
    runtimeStatus: string;
    customStatus?: { stage?: string };
  }>;

test('a sweep finds a private endpoint that produced no event, approves it per policy, and converges routes, DNS and Traffic Manager', async () => {
  await local.workspaces.put(
    WorkspaceSchema.parse({ name: 'radiology', region: 'local', cluster: 'local-1', services: [{ name: 'dicom' }], approval: { autoApproveSubscriptions: [CUSTOMER] } }),
  );
  const pe = local.privateLinkService.createEndpoint({ privateLinkServiceId: LOCAL_PLS_ID, endpointName: 'pe-radiology', requestingSubscription: CUSTOMER, workspace: 'radiology' });
  expect(pe.value.state).toBe('Pending');

  expect((await sweepNow()).status).toBe(202);
  const route = await waitFor(async () => (await local.routes.get({ privateLinkServiceId: LOCAL_PLS_ID, linkId: pe.value.linkId }))?.value, {
    timeoutMs: 30_000,
    what: 'the route',
  });
  expect(route).toMatchObject({ workspace: 'radiology', backend: `radiology.${ZONE}`, hosts: ['radiology-dicom.dicom.localtest', 'radiology-dicom.privatelink.dicom.localtest'] });
  expect((await local.links.getConnection(pe.value.id))?.value).toMatchObject({ state: 'Approved', workspace: 'radiology' });

  // DNS answers from the records the control plane wrote, through a real resolver.
  // DNS answers from the records the control plane wrote, through a real resolver (routes are
  // written before records, so poll for each).
  const cname = (name: string) => resolver.resolveCname(name).catch(() => [] as string[]);
  await waitFor(async () => (await cname(`radiology.${ZONE}`))[0] === 'private-local-1.internal.dicom.localtest', { what: 'the backend record' });
  await waitFor(async () => (await cname(`radiology-dicom.${ZONE}`))[0] === 'dicom-public-local.trafficmanager.net', { what: 'the service record' });
  await waitFor(async () => (await cname('dicom-private-local.trafficmanager.net'))[0] === 'private-local-1.internal.dicom.localtest', {
    timeoutMs: 30_000,
    what: 'the private Traffic Manager endpoint enabled by the sweep',
  });
  await waitFor(async () => (await status('sweep')).runtimeStatus === 'Completed', { timeoutMs: 30_000, what: 'the sweep to complete' });
});

test('a workspace event reconciles that workspace at once: public network access disabled moves its names to the private profile', async () => {
  const current = (await local.workspaces.get('radiology'))!;
  await local.workspaces.put({ ...current.value, publicNetworkAccess: 'Disabled' }, { ifMatch: current.etag });
  const event = {
    id: 'ws-event-1',
    topic: `/subscriptions/${CUSTOMER}/resourceGroups/dicom`,
    subject: `/subscriptions/${CUSTOMER}/resourceGroups/dicom/providers/Microsoft.HealthcareApis/workspaces/radiology`,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString(),
    data: { operationName: 'Microsoft.HealthcareApis/workspaces/write', status: 'Succeeded', resourceUri: `/subscriptions/${CUSTOMER}/resourceGroups/dicom/providers/Microsoft.HealthcareApis/workspaces/radiology` },
    dataVersion: '2',
    metadataVersion: '1',
  };
  const hook = `${host.url}/runtime/webhooks/eventgrid?functionName=onWorkspaceEvent&code=${host.keys.systemKeys.eventgrid_extension}`;
  // Delivered three times, as Event Grid may: one owner, one converged result.
  for (let i = 0; i < 3; i++) {
    const res = await fetch(hook, { method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' }, body: JSON.stringify([event]) });
    expect(res.status).toBe(202);
  }
  await waitFor(async () => (await resolver.resolveCname(`radiology-dicom.${ZONE}`).catch(() => []))[0] === 'dicom-private-local.trafficmanager.net', {
    timeoutMs: 30_000,
    what: 'the service record to point at the private profile',
  });
  // The flip is staged: names move to the target (enable), the old path goes only after a full TTL
  // (disable), and the flip settles only after another TTL.
  const draining = await waitFor(async () => {
    const f = (await local.workspaces.getFlip('radiology'))?.value;
    return f?.stage === 'draining' && f;
  }, { what: 'the flip to drain' });
  const settling = await waitFor(async () => {
    const f = (await local.workspaces.getFlip('radiology'))?.value;
    return f?.stage === 'settling' && f;
  }, { timeoutMs: 30_000, what: 'the flip to disable the public path' });
  expect(settling.since! - draining.since!).toBeGreaterThanOrEqual(draining.ttlSeconds * 1000);
  expect(settling.target).toEqual({ public: false, private: true });
  await waitFor(async () => (await local.workspaces.getFlip('radiology'))?.value.stage === 'settled', { timeoutMs: 30_000, what: 'the flip to settle' });

  // With no workspace on the cluster using the public path any more, the sweep disables its endpoint.
  expect((await sweepNow()).status).toBe(202);
  await waitFor(async () => (await resolver.resolveCname('dicom-public-local.trafficmanager.net').catch((e: { code: string }) => e.code)) === 'ENOTFOUND', {
    timeoutMs: 30_000,
    what: 'the public Traffic Manager endpoint to be disabled',
  });
  expect(await resolver.resolveCname('dicom-private-local.trafficmanager.net')).toEqual(['private-local-1.internal.dicom.localtest']);
});

test('a malformed event is rejected without blocking the others in its batch', async () => {
  const hook = `${host.url}/runtime/webhooks/eventgrid?functionName=onKeyVaultCertificateEvent&code=${host.keys.systemKeys.eventgrid_extension}`;
  const bad = { id: 'kv-bad', topic: '/x', subject: 'c', eventType: 'Microsoft.KeyVault.CertificateNewVersionCreated', eventTime: new Date().toISOString(), data: { Id: 1 }, dataVersion: '1', metadataVersion: '1' };
  const unknown = { ...bad, id: 'other', eventType: 'Contoso.Something.Happened', data: {} };
  const res = await fetch(hook, { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify([bad, unknown]) });
  expect(res.status).toBe(202);
  await waitFor(() => host.logs().some((l) => l.function === 'onKeyVaultCertificateEvent' && /rejected a malformed event: \$\.data/.test(String(l.message))), { what: 'the rejection log' });
  expect(host.logs().some((l) => l.function === 'onKeyVaultCertificateEvent' && /ignored event other/.test(String(l.message)))).toBe(true);
});

test('the customer deletes the endpoint: the next sweep removes its route and backend record', async () => {
  const [route] = await local.routes.list();
  const connectionId = (await local.links.listConnections(LOCAL_PLS_ID)).items[0]!.value.id;
  local.privateLinkService.deleteEndpoint(connectionId);
  expect((await sweepNow()).status).toBe(202);
  await waitFor(async () => !(await local.routes.get(route!.value)), { timeoutMs: 30_000, what: 'the route to go' });
  // The backend record outlives the private path by the flip's two TTL waits.
  await waitFor(async () => (await resolver.resolveCname(`radiology.${ZONE}`).catch((e: { code: string }) => e.code)) === 'ENOTFOUND', {
    timeoutMs: 40_000,
    what: 'the backend record to go',
  });
});
