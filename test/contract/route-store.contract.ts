import type { RouteStore } from '../../shared/ports/route-store';

export function routeStoreContract(name: string, setup: () => Promise<RouteStore>): void {
  describe(`RouteStore contract: ${name}`, () => {
    let store: RouteStore;
    beforeAll(async () => {
      store = await setup();
    });
    const PLS = '/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg/providers/microsoft.network/privatelinkservices/pls-weu';
    const route = (linkId: number, generation = 1) => ({
      privateLinkServiceId: PLS,
      linkId,
      workspace: `ws${linkId}`,
      hosts: [`ws${linkId}-dicom.privatelink.dicom.example.com`],
      backend: 'zone1-weu-aks.internal.example.com',
      generation,
      owner: 'dpl-test',
    });

    test('create-only put, point read, conditional update', async () => {
      const a = await store.put(route(1), { ifNoneMatch: '*' });
      await expect(store.put(route(1), { ifNoneMatch: '*' })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      expect((await store.get({ privateLinkServiceId: PLS, linkId: 1 }))?.value).toEqual(route(1));
      const b = await store.put(route(1, 2), { ifMatch: a.etag });
      await expect(store.put(route(1, 3), { ifMatch: a.etag })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      expect((await store.get({ privateLinkServiceId: PLS, linkId: 1 }))?.etag).toBe(b.etag);
      expect(await store.get({ privateLinkServiceId: PLS, linkId: 999 })).toBeUndefined();
    });

    test('changedSince tails puts and deletes after a cursor', async () => {
      const start = await store.changedSince();
      expect(start.changes.map((c) => c.key.linkId)).toContain(1);
      await store.put(route(2));
      await store.delete({ privateLinkServiceId: PLS, linkId: 1 });
      const next = await store.changedSince(start.cursor);
      // Order is promised per key only (as Cosmos' change feed orders per partition key).
      const seen = next.changes.map((c) => [c.key.linkId, c.deleted]).sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(seen).toEqual([
        [1, true],
        [2, false],
      ]);
      expect((await store.changedSince(next.cursor)).changes).toEqual([]);
      expect((await store.list()).map((r) => r.value.linkId)).toEqual([2]);
    });

    test('delete: conditional on a missing row is NotFound, unconditional is idempotent', async () => {
      await expect(store.delete({ privateLinkServiceId: PLS, linkId: 1 }, { ifMatch: 'x' })).rejects.toMatchObject({ kind: 'NotFound' });
      await store.delete({ privateLinkServiceId: PLS, linkId: 1 });
    });
  });
}
