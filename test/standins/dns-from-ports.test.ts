// Records written through the DnsZone and TrafficRouter ports answer on the very next DNS query.
import { promises as dns } from 'node:dns';
import path from 'node:path';
import { DocStore } from '../../local/azure/doc-store';
import { DnsServer } from '../../local/azure/dns/server';
import { CompositeView } from '../../local/azure/dns/traffic-view';
import { LocalPrivateDns } from '../../local/azure/private-dns';
import { LocalTrafficManager } from '../../local/azure/traffic-manager';
import { tempDir } from '../support/host-process';

const ZONE = 'privatelink.westeurope.dicom.example.com';
const store = new DocStore(path.join(tempDir('dns-ports'), 'azure.db'));
const privateDns = new LocalPrivateDns(store);
const traffic = new LocalTrafficManager(store);
const server = new DnsServer({ port: 0, view: new CompositeView([privateDns, traffic.view]) });
const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });

beforeAll(async () => {
  privateDns.createZone(ZONE);
  traffic.defineProfile({ name: 'dicom-private-weu', relativeName: 'dicom-private-weu', ttlSeconds: 5 }, [
    { endpoint: 'zone1', target: 'zone1-weu-aks.internal.example.com', priority: 1, status: 'Enabled' },
    { endpoint: 'zone2', target: 'zone2-weu-aks.internal.example.com', priority: 2, status: 'Enabled' },
  ]);
  await server.start();
  resolver.setServers([`127.0.0.1:${server.port}`]);
});
afterAll(async () => {
  await server.stop();
  store.close();
});

test('a record set put through the port resolves; a delete makes it NXDOMAIN', async () => {
  await expect(resolver.resolve4(`ws1-dicom.${ZONE}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  await privateDns.put({ zone: ZONE, name: 'ws1-dicom', type: 'A', values: ['10.1.0.4'], ttl: 10 });
  expect(await resolver.resolve4(`ws1-dicom.${ZONE}`, { ttl: true })).toEqual([{ address: '10.1.0.4', ttl: 10 }]);
  await privateDns.put({ zone: ZONE, name: 'ws1-tm', type: 'CNAME', values: ['dicom-private-weu.trafficmanager.net'] });
  expect(await resolver.resolveCname(`ws1-tm.${ZONE}`)).toEqual(['dicom-private-weu.trafficmanager.net']);
  await privateDns.delete({ zone: ZONE, name: 'ws1-dicom', type: 'A' });
  await expect(resolver.resolve4(`ws1-dicom.${ZONE}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  const soa = await resolver.resolveSoa(ZONE);
  expect(soa.serial).toBeGreaterThan(1);
});

test('disabling an endpoint through the port moves the Traffic Manager name to the next priority', async () => {
  expect(await resolver.resolveCname('dicom-private-weu.trafficmanager.net')).toEqual(['zone1-weu-aks.internal.example.com']);
  await traffic.setEndpointStatus('dicom-private-weu', 'zone1', 'Disabled');
  expect(await resolver.resolveCname('dicom-private-weu.trafficmanager.net')).toEqual(['zone2-weu-aks.internal.example.com']);
});
