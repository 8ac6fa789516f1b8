// The routing table on SQLite: the same port the proxy reads from Cosmos DB in production, with
// changed-since tailing (the change feed's role) over the document store's sequence numbers.
import { notFound } from '../../shared/ports/errors';
import type { Route, RouteChange, RouteKey, RouteStore } from '../../shared/ports/route-store';
import type { DeleteCondition, Versioned, WriteCondition } from '../../shared/ports/versioned';
import { routeKeyString } from '../../shared/domain/route';
import type { DocStore } from './doc-store';

const KIND = 'route';

function keyFromString(key: string): RouteKey {
  const i = key.lastIndexOf('#');
  return { privateLinkServiceId: key.slice(0, i), linkId: Number(key.slice(i + 1)) };
}

export class SqliteRouteStore implements RouteStore {
  constructor(private readonly store: DocStore) {}

  async get(key: RouteKey): Promise<Versioned<Route> | undefined> {
    const doc = this.store.get<Route>(KIND, routeKeyString(key));
    return doc && { value: doc.value, etag: doc.etag };
  }

  async list(): Promise<Versioned<Route>[]> {
    return this.store.list<Route>(KIND).map((d) => ({ value: d.value, etag: d.etag }));
  }

  async changedSince(cursor?: string): Promise<{ changes: RouteChange[]; cursor: string }> {
    const since = cursor === undefined ? 0 : Number(cursor);
    const { docs, deleted, seq } = this.store.changedSince<Route>(KIND, Number.isFinite(since) ? since : 0);
    const changes: Array<RouteChange & { seq: number }> = [
      ...docs.map((d) => ({ key: keyFromString(d.key), route: { value: d.value, etag: d.etag }, deleted: false, seq: d.seq })),
      ...(cursor === undefined ? [] : deleted.map((d) => ({ key: keyFromString(d.key), deleted: true, seq: d.seq }))),
    ].sort((a, b) => a.seq - b.seq);
    return { changes: changes.map(({ seq: _seq, ...c }) => c), cursor: String(seq) };
  }

  async put(route: Route, condition: WriteCondition = {}): Promise<Versioned<Route>> {
    const doc = this.store.put(KIND, routeKeyString(route), route, condition);
    return { value: doc.value, etag: doc.etag };
  }

  async delete(key: RouteKey, condition: DeleteCondition = {}): Promise<void> {
    const removed = this.store.delete(KIND, routeKeyString(key), condition);
    if (!removed && condition.ifMatch !== undefined) throw notFound(`route ${routeKeyString(key)} does not exist`);
  }
}
