// RouteStore on @azure/cosmos. One document per route: id = LinkID, partition key = the Private
// Link Service id (lower-case), `_etag` for conditional writes. Deletes leave a short-lived
// tombstone so changedSince can report them (Cosmos' change feed does not carry deletes), and the
// changed-since cursor is `_ts` (seconds) plus the etags already seen in that second.
import type { Container } from '@azure/cosmos';
import { RouteSchema, routeKeyString } from '../domain/route';
import { notFound } from '../ports/errors';
import type { Route, RouteChange, RouteKey, RouteStore } from '../ports/route-store';
import type { DeleteCondition, Versioned, WriteCondition } from '../ports/versioned';
import { call } from './errors';
import { ensureContainer, openContainer, readDoc, writeDoc, type CosmosContainerOptions, type CosmosDoc } from './cosmos-documents';

export interface CosmosRouteStoreOptions extends CosmosContainerOptions {
  /** Seconds a tombstone lives; consumers must poll more often than this. */
  tombstoneTtlSeconds?: number;
}

interface RouteDocument extends CosmosDoc {
  route?: Route;
  ttl?: number;
}

interface Cursor {
  ts: number;
  seen: string[];
}

const pkOf = (key: RouteKey) => key.privateLinkServiceId.toLowerCase();
const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const decode = (s: string | undefined): Cursor => {
  if (!s) return { ts: 0, seen: [] };
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
  } catch {
    return { ts: 0, seen: [] };
  }
};

export class CosmosRouteStore implements RouteStore {
  readonly #container: Container;

  constructor(private readonly options: CosmosRouteStoreOptions) {
    this.#container = openContainer(options);
  }

  /** Creates the database and container if they do not exist (local and tests; infra does it on Azure). */
  ensureContainer(): Promise<void> {
    return ensureContainer(this.#container, this.options);
  }

  #read(key: RouteKey): Promise<RouteDocument | undefined> {
    return readDoc<RouteDocument>(this.#container, String(key.linkId), pkOf(key), 'routeStore.get');
  }

  async get(key: RouteKey): Promise<Versioned<Route> | undefined> {
    const doc = await this.#read(key);
    return doc && !doc.deleted && doc.route ? { value: doc.route, etag: doc._etag! } : undefined;
  }

  async list(): Promise<Versioned<Route>[]> {
    const { resources } = await call('routeStore.list', () =>
      this.#container.items.query<RouteDocument>('SELECT * FROM c WHERE NOT IS_DEFINED(c.deleted) OR c.deleted = false').fetchAll(),
    );
    return resources.filter((d) => d.route).map((d) => ({ value: d.route!, etag: d._etag! }));
  }

  async changedSince(cursor?: string): Promise<{ changes: RouteChange[]; cursor: string }> {
    const at = decode(cursor);
    const { resources } = await call('routeStore.changedSince', () =>
      this.#container.items
        .query<RouteDocument>({ query: 'SELECT * FROM c WHERE c._ts >= @ts ORDER BY c._ts', parameters: [{ name: '@ts', value: at.ts }] })
        .fetchAll(),
    );
    const fresh = resources.filter((d) => !(d._ts === at.ts && at.seen.includes(d._etag!)));
    const changes: RouteChange[] = fresh
      .filter((d) => cursor !== undefined || !d.deleted)
      .map((d) => {
        const key = { privateLinkServiceId: d.route?.privateLinkServiceId ?? d.pk, linkId: Number(d.id) };
        return d.deleted || !d.route ? { key, deleted: true } : { key, route: { value: d.route, etag: d._etag! }, deleted: false };
      });
    const maxTs = resources.reduce((m, d) => Math.max(m, d._ts ?? 0), at.ts);
    const seen = [...(maxTs === at.ts ? at.seen : []), ...resources.filter((d) => d._ts === maxTs).map((d) => d._etag!)];
    return { changes, cursor: encode({ ts: maxTs, seen: [...new Set(seen)] }) };
  }

  async put(route: Route, condition: WriteCondition = {}): Promise<Versioned<Route>> {
    const value = RouteSchema.parse(route);
    const body: RouteDocument = { id: String(value.linkId), pk: pkOf(value), route: value, deleted: false };
    const written = await writeDoc(this.#container, body, condition, 'routeStore.put', `route ${routeKeyString(value)}`);
    return { value, etag: written._etag! };
  }

  async delete(key: RouteKey, condition: DeleteCondition = {}): Promise<void> {
    const existing = await this.#read(key);
    if (!existing || existing.deleted) {
      if (condition.ifMatch !== undefined) throw notFound(`routeStore.delete: route ${routeKeyString(key)} does not exist`);
      return;
    }
    const tombstone: RouteDocument = { id: existing.id, pk: existing.pk, deleted: true, ttl: this.options.tombstoneTtlSeconds ?? 7 * 86400 };
    if (existing.route) tombstone.route = existing.route;
    await call('routeStore.delete', () =>
      this.#container.item(existing.id, existing.pk).replace<RouteDocument>(tombstone, {
        accessCondition: { type: 'IfMatch', condition: condition.ifMatch ?? existing._etag! },
      }),
    );
  }
}
