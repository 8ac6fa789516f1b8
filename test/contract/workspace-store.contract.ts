import type { WorkspaceStore } from '../../shared/ports/workspace-store';
import { WorkspaceSchema } from '../../shared/domain/workspace';
import { collectAll } from '../../shared/ports/paging';

export function workspaceStoreContract(name: string, setup: () => Promise<WorkspaceStore>): void {
  describe(`WorkspaceStore contract: ${name}`, () => {
    let store: WorkspaceStore;
    beforeAll(async () => {
      store = await setup();
    });
    const ws = (n: string, over: Record<string, unknown> = {}) =>
      WorkspaceSchema.parse({ name: n, region: 'westeurope', cluster: 'weu-1', services: [{ name: 'dicom' }], ...over });

    test('create-only put bumps the generation; a second create-only put fails', async () => {
      const a = await store.put(ws('radiology'), { ifNoneMatch: '*' });
      expect(a.value.generation).toBe(1);
      await expect(store.put(ws('radiology'), { ifNoneMatch: '*' })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      expect((await store.get('radiology'))?.value).toEqual(a.value);
      expect(await store.get('nobody')).toBeUndefined();
    });

    test('updates are guarded by If-Match and bump the generation', async () => {
      const before = (await store.get('radiology'))!;
      const after = await store.put(ws('radiology', { publicNetworkAccess: 'Disabled' }), { ifMatch: before.etag });
      expect(after.value).toMatchObject({ publicNetworkAccess: 'Disabled', generation: 2 });
      await expect(store.put(ws('radiology'), { ifMatch: before.etag })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    });

    test('lists every workspace across pages', async () => {
      for (const n of ['cardio', 'oncology', 'pathology']) await store.put(ws(n));
      const all = await collectAll((r) => store.list(r), 2);
      expect(all.map((w) => w.value.name).sort()).toEqual(['cardio', 'oncology', 'pathology', 'radiology']);
    });

    test('flip state is stored per workspace with its own etag, and goes with the workspace', async () => {
      const flip = { workspace: 'radiology', generation: 1, stage: 'settled' as const, from: { public: true, private: false }, target: { public: true, private: false }, ttlSeconds: 60 };
      const f = await store.putFlip(flip, { ifNoneMatch: '*' });
      await expect(store.putFlip({ ...flip, generation: 2 }, { ifMatch: 'stale' })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      await store.putFlip({ ...flip, generation: 2 }, { ifMatch: f.etag });
      expect((await store.getFlip('radiology'))?.value.generation).toBe(2);
      const w = (await store.get('radiology'))!;
      await expect(store.delete('radiology', { ifMatch: 'stale' })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      await store.delete('radiology', { ifMatch: w.etag });
      expect(await store.get('radiology')).toBeUndefined();
      expect(await store.getFlip('radiology')).toBeUndefined();
      await store.delete('radiology');
    });
  });
}
