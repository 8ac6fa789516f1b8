// A 429 storm at the stand-in reaches the SDK adapter as Throttled with the server's delay, and a
// caller that honours it never comes back early.
import path from 'node:path';
import { DocStore } from '../../local/azure/doc-store';
import { startFakeAzure } from '../../local/azure/fake-azure';
import type { FakeAzureServer } from '../../local/azure/fake-azure/server';
import { FaultPlan, withFaults } from '../../local/azure/faults';
import { LocalPrivateDns } from '../../local/azure/private-dns';
import { LocalCa } from '../../local/azure/vault/local-ca';
import { staticCredential } from '../../shared/azure/client-options';
import { AzurePrivateDnsZone } from '../../shared/azure/private-dns-zone';
import { isThrottled, type PortError } from '../../shared/ports/errors';
import { tempDir } from '../support/host-process';

const ZONE = 'privatelink.westeurope.dicom.example.com';
let server: FakeAzureServer;
let ca: LocalCa;
const plan = new FaultPlan([{ operation: 'put', throttleRate: 0.3, retryAfterMs: 1000 }], 11);

beforeAll(async () => {
  ca = await LocalCa.loadOrCreate(tempDir('throttle-ca'));
  const dns = new LocalPrivateDns(new DocStore(path.join(tempDir('throttle'), 'azure.db')));
  dns.createZone(ZONE);
  server = await startFakeAzure({ ca, privateDns: withFaults(dns, plan, 'dnsZone') });
});
afterAll(() => server.stop());

test('with 30% of writes answering 429, the adapter reports Throttled with Retry-After, and nothing is retried early', async () => {
  const adapter = new AzurePrivateDnsZone({ credential: staticCredential(), endpoint: server.url, caPem: ca.certificatePem, subscriptionId: '0', resourceGroup: 'rg' });
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    for (;;) {
      try {
        await adapter.put({ zone: ZONE, name: `r${i}`, type: 'A', values: ['10.0.0.1'] });
        break;
      } catch (err) {
        if (!isThrottled(err)) throw err;
        delays.push((err as PortError).retryAfterMs!);
        await new Promise((r) => setTimeout(r, (err as PortError).retryAfterMs));
      }
    }
  }
  expect(delays.length).toBeGreaterThan(0);
  expect(new Set(delays)).toEqual(new Set([1000]));
  expect(plan.calls.filter((c) => c.outcome === 'throttled').length).toBe(delays.length);
  expect(plan.earlyCalls).toBe(0);
});
