// The contract suites run against the single-machine stand-ins. The SDK adapters join here, over
// HTTPS to the fake-Azure mode, when they land (issue: adapters and stand-ins).
import path from 'node:path';
import { DocStore } from '../../local/azure/doc-store';
import { LocalPrivateDns } from '../../local/azure/private-dns';
import { SqliteRouteStore } from '../../local/azure/route-store';
import { tempDir } from '../support/host-process';
import { dnsZoneContract } from './dns-zone.contract';
import { routeStoreContract } from './route-store.contract';
import { trafficRouterContract } from './traffic-router.contract';
import { linkServiceContract } from './link-service.contract';
import { LocalTrafficManager } from '../../local/azure/traffic-manager';
import { LocalPrivateLinkService } from '../../local/azure/private-link-service';
import { LocalCa } from '../../local/azure/vault/local-ca';
import { LocalVault } from '../../local/azure/vault/vault';
import { CONTRACT_CERTIFICATE, certificateStoreContract } from './certificate-store.contract';
import { eventSinkContract } from './event-sink.contract';
import { workspaceStoreContract } from './workspace-store.contract';
import { SqliteWorkspaceStore } from '../../local/azure/workspace-store';
import { EventLogSink } from '../../local/azure/event-log';

const store = () => new DocStore(path.join(tempDir('contract'), 'azure.db'));

dnsZoneContract('stand-in', async () => {
  const dns = new LocalPrivateDns(store());
  dns.createZone('privatelink.westeurope.dicom.example.com');
  return { port: dns, zone: 'privatelink.westeurope.dicom.example.com' };
});

routeStoreContract('SQLite', async () => new SqliteRouteStore(store()));

trafficRouterContract('stand-in', async () => {
  const tm = new LocalTrafficManager(store());
  tm.defineProfile({ name: 'dicom-private-weu', relativeName: 'dicom-private-weu', ttlSeconds: 10 }, [
    { endpoint: 'zone1', target: 'zone1-weu-aks.internal.example.com', priority: 1, status: 'Enabled' },
    { endpoint: 'zone2', target: 'zone2-weu-aks.internal.example.com', priority: 2, status: 'Enabled' },
  ]);
  return { port: tm, profile: 'dicom-private-weu' };
});

linkServiceContract('stand-in', async () => {
  const pls = new LocalPrivateLinkService({ store: store(), events: 'none' });
  const id = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-weu';
  pls.defineService({ id });
  const connections = ['a', 'b', 'c'].map((n, i) =>
    pls.createEndpoint({ privateLinkServiceId: id, endpointName: `pe-${n}`, requestingSubscription: `11111111-0000-0000-0000-00000000000${i}`, workspace: `ws-${n}` }),
  );
  return { port: pls, privateLinkServiceId: id, connectionIds: connections.map((c) => c.value.id) };
});

certificateStoreContract('stand-in vault', async () => {
  const dir = tempDir('contract-vault');
  const vault = new LocalVault({
    store: new DocStore(path.join(dir, 'azure.db')),
    ca: await LocalCa.loadOrCreate(path.join(dir, 'ca')),
    vaultName: 'dpl-local',
    resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.KeyVault/vaults/dpl-local',
    issueDelayMs: 1000,
  });
  await vault.create(CONTRACT_CERTIFICATE.name, 'private-tls', CONTRACT_CERTIFICATE.policy);
  return { port: vault, name: 'private-tls' };
});

eventSinkContract('local event log', async () => {
  const sink = new EventLogSink(path.join(tempDir('events'), 'events.jsonl'));
  return { port: sink, received: () => sink.read() };
});

workspaceStoreContract('SQLite', async () => new SqliteWorkspaceStore(store()));
