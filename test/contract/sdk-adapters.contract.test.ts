// The same contract suites, run against the production adapters: the real Azure SDK clients over
// HTTPS to the fake-Azure endpoints (local CA trusted per client). Every exchange is recorded for oav.
import fs from 'node:fs';
import path from 'node:path';
import { DocStore } from '../../local/azure/doc-store';
import { startFakeAzure } from '../../local/azure/fake-azure';
import type { FakeAzureServer } from '../../local/azure/fake-azure/server';
import { LocalPrivateDns } from '../../local/azure/private-dns';
import { LocalTrafficManager } from '../../local/azure/traffic-manager';
import { LocalCa } from '../../local/azure/vault/local-ca';
import { staticCredential } from '../../shared/azure/client-options';
import { AzurePrivateDnsZone } from '../../shared/azure/private-dns-zone';
import { AzureTrafficRouter } from '../../shared/azure/traffic-router';
import { tempDir } from '../support/host-process';
import { LocalVault } from '../../local/azure/vault/vault';
import { KeyVaultCertificateStore } from '../../shared/azure/certificate-store';
import { CONTRACT_CERTIFICATE, certificateStoreContract } from './certificate-store.contract';
import { LocalPrivateLinkService } from '../../local/azure/private-link-service';
import { AzureLinkService } from '../../shared/azure/link-service';
import { linkServiceContract } from './link-service.contract';
import { PublishedEvents } from '../../local/azure/fake-azure/event-grid-api';
import { EventGridSink } from '../../shared/azure/event-sink';
import { eventSinkContract } from './event-sink.contract';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import type { Server } from 'node:https';
import { CosmosRouteStore } from '../../shared/azure/route-store';
import { routeStoreContract } from './route-store.contract';
import { CosmosWorkspaceStore } from '../../shared/azure/workspace-store';
import { workspaceStoreContract } from './workspace-store.contract';
import { dnsZoneContract } from './dns-zone.contract';
import { trafficRouterContract } from './traffic-router.contract';
import { checkCloudEventTraffic, checkPrivateLinkTraffic, validateTraffic } from './oav';

export const TRAFFIC_LOG = process.env.KEEP_TRAFFIC_LOG ?? path.join(tempDir('traffic'), 'azure-traffic.jsonl');
const SUB = '00000000-0000-0000-0000-000000000001';
const RG = 'dicom-privatelink';
const ZONE = 'privatelink.westeurope.dicom.example.com';

let server: FakeAzureServer;
let ca: LocalCa;
let vault: LocalVault;
const store = new DocStore(path.join(tempDir('sdk'), 'azure.db'));
const privateDns = new LocalPrivateDns(store);
const trafficManager = new LocalTrafficManager(store);
const privateLinkService = new LocalPrivateLinkService({ store, events: 'none' });
const PLS_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateLinkServices/pls-weu`;
let connectionIds: string[] = [];
const topic = new PublishedEvents();
let cosmos: Server;

beforeAll(async () => {
  ca = await LocalCa.loadOrCreate(tempDir('sdk-ca'));
  privateDns.createZone(ZONE);
  trafficManager.defineProfile({ name: 'dicom-private-weu', relativeName: 'dicom-private-weu', ttlSeconds: 10 }, [
    { endpoint: 'zone1', target: 'zone1-weu-aks.internal.example.com', priority: 1, status: 'Enabled' },
    { endpoint: 'zone2', target: 'zone2-weu-aks.internal.example.com', priority: 2, status: 'Enabled' },
  ]);
  vault = new LocalVault({
    store,
    ca,
    vaultName: 'dpl-local',
    resourceId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/dpl-local`,
    issueDelayMs: 1000,
  });
  await vault.create(CONTRACT_CERTIFICATE.name, 'private-tls', CONTRACT_CERTIFICATE.policy);
  privateLinkService.defineService({ id: PLS_ID });
  connectionIds = ['a', 'b', 'c'].map(
    (n, i) =>
      privateLinkService.createEndpoint({
        privateLinkServiceId: PLS_ID,
        endpointName: `pe-${n}`,
        requestingSubscription: `11111111-0000-0000-0000-00000000000${i}`,
        workspace: `ws-${n}`,
      }).value.id,
  );
  server = await startFakeAzure({ ca, privateDns, trafficManager, vault, privateLinkService, eventGridTopic: topic, eventGridKey: 'topic-key', trafficLogFile: TRAFFIC_LOG });
  const tls = await ca.issue({ subject: 'CN=localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
  cosmos = createHttpsServer({ cert: tls.certificatePem, key: tls.privateKeyPem });
  await new Promise<void>((resolve) => cosmos.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await server.stop();
  cosmos.closeAllConnections?.();
  await new Promise((resolve) => cosmos.close(resolve));
});

const endpointOptions = () => ({ credential: staticCredential(), endpoint: server.url, caPem: ca.certificatePem, subscriptionId: SUB, resourceGroup: RG });

dnsZoneContract('@azure/arm-privatedns adapter over HTTPS', async () => ({ port: new AzurePrivateDnsZone(endpointOptions()), zone: ZONE }));
trafficRouterContract('@azure/arm-trafficmanager adapter over HTTPS', async () => ({
  port: new AzureTrafficRouter(endpointOptions()),
  profile: 'dicom-private-weu',
}));

certificateStoreContract('@azure/keyvault-certificates adapter over HTTPS', async () => ({
  port: new KeyVaultCertificateStore({ credential: staticCredential(), vaultUrl: 'https://dpl-local.vault.azure.net', endpoint: server.url, caPem: ca.certificatePem }),
  name: 'private-tls',
}));

linkServiceContract('@azure/arm-network adapter over HTTPS', async () => ({
  port: new AzureLinkService({ credential: staticCredential(), endpoint: server.url, caPem: ca.certificatePem }),
  privateLinkServiceId: PLS_ID,
  connectionIds,
}));

eventSinkContract('@azure/eventgrid adapter over HTTPS', async () => ({
  port: new EventGridSink({ topicEndpoint: `${server.url}/api/events`, key: 'topic-key', caPem: ca.certificatePem }),
  received: () => topic.events,
}));

routeStoreContract('@azure/cosmos adapter against a Cosmos-compatible server', async () => {
  const port = (cosmos.address() as { port: number }).port;
  const store = new CosmosRouteStore({ endpoint: `https://127.0.0.1:${port}`, key: 'local', database: 'privatelink', container: 'routes', caPem: ca.certificatePem });
  await store.ensureContainer();
  return store;
});

workspaceStoreContract('@azure/cosmos adapter against a Cosmos-compatible server', async () => {
  const port = (cosmos.address() as { port: number }).port;
  const store = new CosmosWorkspaceStore({ endpoint: `https://127.0.0.1:${port}`, key: 'local', database: 'privatelink', container: 'workspaces', caPem: ca.certificatePem });
  await store.ensureContainer();
  return store;
});

test('the connection adapter reads the workspace from the request message and the requesting subscription from the endpoint', async () => {
  const adapter = new AzureLinkService({ credential: staticCredential(), endpoint: server.url, caPem: ca.certificatePem });
  const c = privateLinkService.createEndpoint({ privateLinkServiceId: PLS_ID, endpointName: 'pe-d', requestingSubscription: '22222222-0000-0000-0000-000000000000', workspace: 'Radiology' });
  const read = await adapter.getConnection(c.value.id);
  expect(read?.value).toMatchObject({ workspace: 'radiology', requestingSubscription: '22222222-0000-0000-0000-000000000000', linkId: c.value.linkId, state: 'Pending' });
});

test('the adapters sent what Azure expects: api-versions, bearer tokens, conditional headers, properties nesting', () => {
  const lines = fs.readFileSync(TRAFFIC_LOG, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const dnsWrites = lines.filter((l) => l.liveRequest.method === 'PUT' && /privateDnsZones/.test(l.liveRequest.url));
  expect(dnsWrites.length).toBeGreaterThan(3);
  for (const w of dnsWrites) {
    expect(w.liveRequest.url).toMatch(/api-version=2020-06-01/);
    expect(w.liveRequest.headers.authorization).toBe('<redacted>');
    expect(w.liveRequest.body.properties).toBeDefined();
  }
  expect(dnsWrites.some((w) => w.liveRequest.headers['if-none-match'] === '*')).toBe(true);
  expect(dnsWrites.some((w) => w.liveRequest.headers['if-match'])).toBe(true);
  const patch = lines.find((l) => l.liveRequest.method === 'PATCH');
  expect(patch.liveRequest.url).toMatch(/trafficmanagerprofiles\/dicom-private-weu\/ExternalEndpoints\/zone1\?api-version=2022-04-01/);
  expect(patch.liveRequest.body).toEqual({ properties: { endpointStatus: 'Disabled' } });
});

test('every recorded exchange validates against the official Azure REST specs (oav), zero errors', async () => {
  const { checked, issues } = await validateTraffic(TRAFFIC_LOG);
  expect(checked).toBeGreaterThan(10);
  expect(issues).toEqual([]);
});

test('private endpoint connection traffic matches the official definitions (structural check)', () => {
  const { checked, issues } = checkPrivateLinkTraffic(TRAFFIC_LOG);
  expect(checked).toBeGreaterThan(5);
  expect(issues).toEqual([]);
});

test('CloudEvents publishes match the Event Grid spec (structural check)', () => {
  const { checked, issues } = checkCloudEventTraffic(TRAFFIC_LOG);
  expect(checked).toBeGreaterThan(0);
  expect(issues).toEqual([]);
});

test('the oav gate does fail on traffic that breaks the spec', async () => {
  const good = fs.readFileSync(TRAFFIC_LOG, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const put = good.find((l) => l.liveRequest.method === 'PUT' && /privateDnsZones/.test(l.liveRequest.url));
  const broken = structuredClone(put);
  broken.liveRequest.body.properties.ttl = 'ten seconds';
  broken.liveResponse.body.properties.aRecords = 'not-an-array';
  const file = path.join(tempDir('broken'), 'traffic.jsonl');
  fs.writeFileSync(file, JSON.stringify(broken) + '\n');
  const { issues } = await validateTraffic(file);
  expect(issues.map((i) => `${i.where}:${i.code}`)).toEqual(expect.arrayContaining(['request:INVALID_TYPE', 'response:INVALID_TYPE']));
});
