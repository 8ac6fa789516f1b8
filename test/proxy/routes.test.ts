// The route table over any RouteStore: snapshot, incremental polling, point read on a miss,
// negative cache, PLS filter, generation ordering; and the file source's validation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route, RouteKey } from '../../shared/domain/route';
import { routeKeyString } from '../../shared/domain/route';
import type { RouteChange, RouteStore } from '../../shared/ports/route-store';
import type { Versioned } from '../../shared/ports/versioned';
import { parseConfig, rawConfig } from '../../proxy/config';
import { FileRouteSource, RouteTable, StoreRouteSource } from '../../proxy/routes';

const PLS_A = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/a';
const PLS_B = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/b';
const route = (linkId: number, generation = 1, pls = PLS_A): Route => ({ privateLinkServiceId: pls, linkId, workspace: `ws${linkId}`, hosts: [`WS${linkId}.dicom.test`], backend: 'be', generation });

/** A minimal in-memory RouteStore with a change log, counting reads. */
class MemoryStore implements RouteStore {
  rows = new Map<string, Versioned<Route>>();
  log: RouteChange[] = [];
  gets = 0;
  async get(key: RouteKey): Promise<Versioned<Route> | undefined> {
    this.gets++;
    return this.rows.get(routeKeyString(key));
  }
  async list(): Promise<Versioned<Route>[]> {
    return [...this.rows.values()];
  }
  async changedSince(cursor?: string): Promise<{ changes: RouteChange[]; cursor: string }> {
    const from = cursor ? Number(cursor) : 0;
    const changes = cursor ? this.log.slice(from) : [...this.rows.values()].map((r) => ({ key: r.value, route: r, deleted: false }));
    return { changes, cursor: String(this.log.length) };
  }
  async put(r: Route): Promise<Versioned<Route>> {
    const v = { value: r, etag: `e${r.generation}` };
    this.rows.set(routeKeyString(r), v);
    this.log.push({ key: { privateLinkServiceId: r.privateLinkServiceId, linkId: r.linkId }, route: v, deleted: false });
    return v;
  }
  async delete(key: RouteKey): Promise<void> {
    this.rows.delete(routeKeyString(key));
    this.log.push({ key, deleted: true });
  }
  /** Writes a row without a change-log entry (as if the change feed had not delivered it yet). */
  sneak(r: Route): void {
    this.rows.set(routeKeyString(r), { value: r, etag: 'x' });
  }
}

describe('RouteTable over a RouteStore', () => {
  let store: MemoryStore;
  let table: RouteTable;
  beforeEach(async () => {
    store = new MemoryStore();
    await store.put(route(1));
    await store.put(route(2, 1, PLS_B));
    table = new RouteTable(new StoreRouteSource(store), { privateLinkServiceIds: [PLS_A.toUpperCase()], pollIntervalMs: 60_000, negativeCacheMs: 60_000 });
    await table.start();
  });
  afterEach(() => table.stop());

  it('loads the snapshot, keeping only the configured Private Link Services (case-insensitive), hosts lowercased', () => {
    expect(table.size).toBe(1);
    expect(table.loaded).toBe(true);
    const r = table.peek(routeKeyString({ privateLinkServiceId: PLS_A, linkId: 1 }));
    expect(r?.hosts.has('ws1.dicom.test')).toBe(true);
    expect(table.lookup({ privateLinkServiceId: PLS_B, linkId: 2 })).toBeUndefined();
  });

  it('applies incremental changes: add, update, delete', async () => {
    await store.put(route(3));
    await store.put({ ...route(1, 2), hosts: ['new.dicom.test'] });
    await table.poll();
    expect(table.size).toBe(2);
    expect(table.peek(routeKeyString({ privateLinkServiceId: PLS_A, linkId: 1 }))?.hosts.has('new.dicom.test')).toBe(true);
    await store.delete({ privateLinkServiceId: PLS_A, linkId: 3 });
    await table.poll();
    expect(table.size).toBe(1);
  });

  it('an older generation never replaces a newer one', async () => {
    await store.put(route(1, 5));
    await table.poll();
    await store.put({ ...route(1, 4), hosts: ['stale.dicom.test'] });
    await table.poll();
    expect(table.peek(routeKeyString({ privateLinkServiceId: PLS_A, linkId: 1 }))?.route.generation).toBe(5);
  });

  it('a miss does one point read (concurrent lookups share it), then is negatively cached', async () => {
    store.sneak(route(9));
    const [a, b] = await Promise.all([table.lookup({ privateLinkServiceId: PLS_A, linkId: 9 }), table.lookup({ privateLinkServiceId: PLS_A, linkId: 9 })]);
    expect(a?.route.workspace).toBe('ws9');
    expect(b).toBe(a);
    expect(store.gets).toBe(1);
    // Now a hit without any read.
    expect(table.lookup({ privateLinkServiceId: PLS_A, linkId: 9 })).toBe(a);
    const missing = { privateLinkServiceId: PLS_A, linkId: 404 };
    expect(await table.lookup(missing)).toBeUndefined();
    expect(table.lookup(missing)).toBeUndefined(); // synchronous: negative cache, no read
    expect(store.gets).toBe(2);
  });
});

describe('FileRouteSource', () => {
  it('accepts an array or {routes}, rejects an invalid file and keeps the previous table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-routes-'));
    try {
      const file = join(dir, 'routes.json');
      writeFileSync(file, JSON.stringify({ routes: [route(1)] }));
      const errors: string[] = [];
      const src = new FileRouteSource(file, (e) => errors.push(e.message));
      const snap = await src.snapshot();
      expect(snap.routes).toHaveLength(1);
      writeFileSync(file, JSON.stringify([{ ...route(2), linkId: -1 }]) + ' ');
      const bad = await src.changedSince(snap.cursor);
      expect(bad.changes).toEqual([]);
      expect(errors[0]).toMatch(/rejected/);
      expect(await src.get({ privateLinkServiceId: PLS_A, linkId: 1 })).toBeDefined();
      writeFileSync(file, JSON.stringify([route(2)]));
      const good = await src.changedSince(bad.cursor);
      expect(good.changes.map((c) => [c.key.linkId, c.deleted])).toEqual([
        [2, false],
        [1, true],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config', () => {
  it('env overrides build listeners per PLS id and validate', () => {
    const c = parseConfig(
      rawConfig({
        PROXY_PORT: '9000',
        PROXY_PLS_IDS: `${PLS_A},${PLS_B}`,
        PROXY_ROUTES_FILE: '/r.json',
        PROXY_TLS_CERTS: '/c.pem:/k.pem',
        PROXY_UPSTREAM_CA: '/ca',
        PROXY_UPSTREAM_CERT: '/uc',
        PROXY_UPSTREAM_KEY: '/uk',
        PROXY_TRUSTED_SOURCES: '10.0.0.0/28',
        PROXY_DNS_SERVERS: '127.0.0.1:5353',
      }),
    );
    expect(c.listeners.map((l) => [l.port, l.privateLinkServiceId])).toEqual([
      [9000, PLS_A],
      [9001, PLS_B],
    ]);
    expect(c.proxyProtocol).toMatchObject({ mode: 'required', trustedSources: ['10.0.0.0/28'] });
    expect(c.upstream.dns.servers).toEqual(['127.0.0.1:5353']);
    expect(() => parseConfig(rawConfig({ PROXY_PORT: '1', PROXY_PLS_IDS: 'x', PROXY_TRUSTED_SOURCES: '10.0.0.0/33' }))).toThrow(/trustedSources/);
  });
});

describe('RouteTable over the SQLite route store the local control plane writes', () => {
  it('loads, tails changes and deletions through the same port', async () => {
    const { routeSourceFor } = await import('../../proxy/route-source');
    const { DocStore } = await import('../../local/azure/doc-store');
    const { SqliteRouteStore } = await import('../../local/azure/route-store');
    const dir = mkdtempSync(join(tmpdir(), 'dpl-proxy-sqlite-'));
    try {
      const file = join(dir, 'azure.db');
      const writer = new SqliteRouteStore(new DocStore(file));
      await writer.put(route(1));
      const table = new RouteTable(routeSourceFor({ kind: 'sqlite', path: file }, () => undefined), { privateLinkServiceIds: [PLS_A], pollIntervalMs: 60_000, negativeCacheMs: 0 });
      await table.start();
      expect(table.size).toBe(1);
      await writer.put(route(4));
      await writer.delete({ privateLinkServiceId: PLS_A, linkId: 1 });
      await table.poll();
      expect(table.peek(routeKeyString({ privateLinkServiceId: PLS_A, linkId: 4 }))).toBeDefined();
      expect(table.peek(routeKeyString({ privateLinkServiceId: PLS_A, linkId: 1 }))).toBeUndefined();
      table.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
