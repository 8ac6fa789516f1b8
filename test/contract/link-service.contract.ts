import type { LinkService } from '../../shared/ports/link-service';
import { collectAll } from '../../shared/ports/paging';

export interface LinkServiceSubject {
  port: LinkService;
  privateLinkServiceId: string;
  /** Three Pending connections created for the suite. */
  connectionIds: string[];
}

export function linkServiceContract(name: string, setup: () => Promise<LinkServiceSubject>): void {
  describe(`LinkService contract: ${name}`, () => {
    let s: LinkServiceSubject;
    beforeAll(async () => {
      s = await setup();
    });

    test('lists every connection across pages, with LinkIDs and states', async () => {
      const all = await collectAll((r) => s.port.listConnections(s.privateLinkServiceId, r), 2);
      expect(all.map((c) => c.value.id).sort()).toEqual([...s.connectionIds].sort());
      for (const c of all) {
        expect(c.value.state).toBe('Pending');
        expect(Number.isInteger(c.value.linkId) && c.value.linkId >= 0 && c.value.linkId < 2 ** 32).toBe(true);
      }
    });

    test('approve and reject, guarded by If-Match', async () => {
      const [a, b] = s.connectionIds;
      const before = (await s.port.getConnection(a!))!;
      const approved = await s.port.setConnectionState(a!, 'Approved', 'auto-approved by policy', { ifMatch: before.etag });
      expect(approved.value).toMatchObject({ state: 'Approved', description: 'auto-approved by policy', linkId: before.value.linkId });
      await expect(s.port.setConnectionState(a!, 'Rejected', undefined, { ifMatch: before.etag })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      const rejected = await s.port.setConnectionState(b!, 'Rejected');
      expect(rejected.value.state).toBe('Rejected');
      expect((await s.port.getConnection(b!))?.value.state).toBe('Rejected');
    });

    test('delete removes a connection; unknown ids are NotFound', async () => {
      const c = s.connectionIds[2]!;
      await s.port.deleteConnection(c);
      expect(await s.port.getConnection(c)).toBeUndefined();
      await expect(s.port.setConnectionState(c, 'Approved')).rejects.toMatchObject({ kind: 'NotFound' });
      await expect(s.port.listConnections('/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/nope')).rejects.toMatchObject({
        kind: 'NotFound',
      });
    });
  });
}
