import path from 'node:path';
import { DocStore } from '../../local/azure/doc-store';
import { FaultPlan, withFaults } from '../../local/azure/faults';
import { LocalPrivateDns } from '../../local/azure/private-dns';
import { isThrottled, type PortError } from '../../shared/ports/errors';
import type { DnsZone } from '../../shared/ports/dns-zone';
import { tempDir } from '../support/host-process';

const ZONE = 'privatelink.westeurope.dicom.example.com';

function setup(plan: FaultPlan): DnsZone {
  const dns = new LocalPrivateDns(new DocStore(path.join(tempDir('faults'), 'azure.db')));
  dns.createZone(ZONE);
  return withFaults<DnsZone>(dns, plan, 'dnsZone');
}

test('with 30% of calls answering 429, callers see Throttled with the delay, and a caller that honours it never retries early', async () => {
  const plan = new FaultPlan([{ operation: '*', throttleRate: 0.3, retryAfterMs: 40 }], 7);
  const dns = setup(plan);
  const seen: number[] = [];
  // A caller that waits exactly what the service asked for before trying again.
  const honouring = async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (!isThrottled(err)) throw err;
        seen.push((err as PortError).retryAfterMs!);
        await new Promise((r) => setTimeout(r, (err as PortError).retryAfterMs));
      }
    }
  };
  for (let i = 0; i < 20; i++) await honouring(() => dns.put({ zone: ZONE, name: `r${i}`, type: 'A', values: ['10.0.0.1'] }));
  const throttledCalls = plan.calls.filter((c) => c.outcome === 'throttled').length;
  expect(throttledCalls).toBeGreaterThan(3);
  expect(throttledCalls / plan.calls.length).toBeGreaterThan(0.15);
  expect(throttledCalls / plan.calls.length).toBeLessThan(0.5);
  expect(new Set(seen)).toEqual(new Set([40]));
  expect(plan.earlyCalls).toBe(0);
  expect((await dns.list(ZONE, { maxPageSize: 100 })).items).toHaveLength(20);
});

test('a caller that retries at once is caught retrying early', async () => {
  const plan = new FaultPlan([{ operation: 'get', throttleRate: 1, retryAfterMs: 60_000 }]);
  const dns = setup(plan);
  await expect(dns.get({ zone: ZONE, name: 'x', type: 'A' })).rejects.toMatchObject({ kind: 'Throttled', retryAfterMs: 60_000 });
  await expect(dns.get({ zone: ZONE, name: 'x', type: 'A' })).rejects.toMatchObject({ kind: 'Throttled' });
  expect(plan.earlyCalls).toBe(1);
});

test('5xx faults are Transient; a concurrent writer makes the next conditional write 412', async () => {
  const plan = new FaultPlan([{ operation: 'list', errorRate: 1 }]);
  const dns = setup(plan);
  await expect(dns.list(ZONE)).rejects.toMatchObject({ kind: 'Transient' });
  const created = await dns.put({ zone: ZONE, name: 'c', type: 'A', values: ['10.0.0.1'] });
  plan.conflictNext('put');
  await expect(dns.put({ zone: ZONE, name: 'c', type: 'A', values: ['10.0.0.2'] }, { ifMatch: created.etag })).rejects.toMatchObject({
    kind: 'PreconditionFailed',
  });
  await dns.put({ zone: ZONE, name: 'c', type: 'A', values: ['10.0.0.2'] }, { ifMatch: created.etag });
});
