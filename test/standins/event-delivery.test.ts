// Stand-in events reach a real dpl-host's Event Grid webhook in their real shape, with retries.
import path from 'node:path';
import { DocStore } from '../../local/azure/doc-store';
import { EventGridDelivery } from '../../local/azure/event-grid/delivery';
import { LocalCa } from '../../local/azure/vault/local-ca';
import { LocalVault } from '../../local/azure/vault/vault';
import { LocalPrivateLinkService } from '../../local/azure/private-link-service';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';

let host: HostProcess;
beforeAll(async () => {
  host = await startHost({ app: path.join(REPO, 'test/fixtures/apps/basic'), env: { TICK_SCHEDULE: '0 0 0 1 1 *' } });
});
afterAll(() => host.stop());

const webhook = () => `${host.url}/runtime/webhooks/eventgrid?functionName=onEvent&code=${host.keys.systemKeys.eventgrid_extension}`;

test('the vault’s and the Private Link Service’s events are delivered to the webhook, once each, in their real shape', async () => {
  const delivery = new EventGridDelivery();
  delivery.subscribe({ name: 'kv', endpoint: webhook(), includedEventTypes: ['Microsoft.KeyVault.CertificateNewVersionCreated'] });
  delivery.subscribe({ name: 'arm', endpoint: webhook(), includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'], cloudEvents: true });
  const dir = tempDir('delivery');
  const store = new DocStore(path.join(dir, 'azure.db'));
  const vault = new LocalVault({
    store,
    ca: await LocalCa.loadOrCreate(path.join(dir, 'ca')),
    vaultName: 'dpl-local',
    resourceId: '/subscriptions/0/resourceGroups/local/providers/Microsoft.KeyVault/vaults/dpl-local',
    publish: (e) => delivery.publish(e),
  });
  await vault.create('private-tls', 'private-tls', {
    subject: 'CN=x',
    dnsNames: ['x.example.com'],
    validityInMonths: 1,
    keyType: 'EC',
    exportable: true,
    extendedUsages: ['serverAuth'],
    lifetimeActions: [],
  });
  const pls = new LocalPrivateLinkService({ store, publish: (e) => delivery.publish(e) });
  const plsId = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls';
  pls.defineService({ id: plsId });
  pls.createEndpoint({ privateLinkServiceId: plsId, endpointName: 'pe1', requestingSubscription: '11111111-0000-0000-0000-000000000000' });
  await delivery.idle();
  expect(delivery.deadLettered).toEqual([]);
  const received = await waitFor(() => host.recorded('events').length >= 2 && host.recorded('events'));
  expect(received.map((e) => e.type).sort()).toEqual(['Microsoft.KeyVault.CertificateNewVersionCreated', 'Microsoft.Resources.ResourceWriteSuccess']);
});

test('a failing endpoint is retried on a schedule; 400 is dead-lettered without retry', async () => {
  const attempts: string[] = [];
  let failFirst = 2;
  const delivery = new EventGridDelivery({
    retryDelaysMs: [10, 10, 10],
    fetch: (async (url: string, init: RequestInit) => {
      attempts.push(String((init.headers as Record<string, string>)['aeg-delivery-count']));
      if (String(url).includes('bad')) return new Response('', { status: 400 });
      return new Response('', { status: failFirst-- > 0 ? 503 : 202 });
    }) as unknown as typeof fetch,
  });
  delivery.subscribe({ name: 'flaky', endpoint: 'http://127.0.0.1:9/ok' });
  delivery.publish({ id: 'e1', topic: 't', subject: 's', eventType: 'T', eventTime: new Date(0).toISOString(), data: {}, dataVersion: '1', metadataVersion: '1' });
  await delivery.idle();
  expect(attempts).toEqual(['0', '1', '2']);
  expect(delivery.deadLettered).toEqual([]);

  const bad = new EventGridDelivery({ retryDelaysMs: [10], fetch: (async () => new Response('', { status: 400 })) as unknown as typeof fetch });
  bad.subscribe({ name: 'bad', endpoint: 'http://127.0.0.1:9/bad' });
  bad.publish({ id: 'e2', topic: 't', subject: 's', eventType: 'T', eventTime: new Date(0).toISOString(), data: {}, dataVersion: '1', metadataVersion: '1' });
  await bad.idle();
  expect(bad.deadLettered.map((d) => d.reason)).toEqual(['HTTP 400']);
});
