// The DnsZone contract: every implementation (the ARM adapter over HTTPS, the stand-in) must pass it.
import type { DnsZone } from '../../shared/ports/dns-zone';

export interface DnsZoneSubject {
  port: DnsZone;
  /** A zone that exists and is empty at the start of the suite. */
  zone: string;
}

export function dnsZoneContract(name: string, setup: () => Promise<DnsZoneSubject>): void {
  describe(`DnsZone contract: ${name}`, () => {
    let s: DnsZoneSubject;
    beforeAll(async () => {
      s = await setup();
    });
    const rec = (n: string, values = ['10.0.0.4']) => ({ zone: s.zone, name: n, type: 'A' as const, values, ttl: 10, owner: 'dpl-test', workspace: 'ws1' });

    test('create-only put, get with ownership, and a second create-only put fails', async () => {
      const created = await s.port.put(rec('ws1-dicom'), { ifNoneMatch: '*' });
      expect(created.etag).toBeTruthy();
      const got = await s.port.get({ zone: s.zone, name: 'ws1-dicom', type: 'A' });
      expect(got?.value).toMatchObject({ name: 'ws1-dicom', type: 'A', values: ['10.0.0.4'], ttl: 10, owner: 'dpl-test', workspace: 'ws1' });
      expect(got?.etag).toBe(created.etag);
      await expect(s.port.put(rec('ws1-dicom'), { ifNoneMatch: '*' })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    });

    test('If-Match replaces exactly what was read; a stale etag is PreconditionFailed', async () => {
      const current = (await s.port.get({ zone: s.zone, name: 'ws1-dicom', type: 'A' }))!;
      const next = await s.port.put(rec('ws1-dicom', ['10.0.0.5']), { ifMatch: current.etag });
      expect(next.etag).not.toBe(current.etag);
      await expect(s.port.put(rec('ws1-dicom', ['10.0.0.6']), { ifMatch: current.etag })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      expect((await s.port.get({ zone: s.zone, name: 'ws1-dicom', type: 'A' }))?.value.values).toEqual(['10.0.0.5']);
    });

    test('lists page by page until there is no continuation token', async () => {
      for (const n of ['p1', 'p2', 'p3', 'p4']) await s.port.put(rec(n));
      const names: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s.port.list(s.zone, { maxPageSize: 2, ...(token ? { continuationToken: token } : {}) });
        names.push(...page.items.map((i) => i.value.name));
        token = page.continuationToken;
        pages++;
      } while (token);
      expect(names.sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'ws1-dicom']);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    test('delete with a stale etag fails; unconditional delete is idempotent; get of a missing set is undefined', async () => {
      const p1 = (await s.port.get({ zone: s.zone, name: 'p1', type: 'A' }))!;
      await s.port.put(rec('p1', ['10.9.9.9']));
      await expect(s.port.delete({ zone: s.zone, name: 'p1', type: 'A' }, { ifMatch: p1.etag })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      await s.port.delete({ zone: s.zone, name: 'p1', type: 'A' });
      await s.port.delete({ zone: s.zone, name: 'p1', type: 'A' });
      expect(await s.port.get({ zone: s.zone, name: 'p1', type: 'A' })).toBeUndefined();
    });

    test('an unknown zone is NotFound', async () => {
      await expect(s.port.list('privatelink.nowhere.example.com')).rejects.toMatchObject({ kind: 'NotFound' });
    });
  });
}
