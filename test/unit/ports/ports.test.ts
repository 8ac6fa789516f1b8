import * as ports from '../../../shared/ports';
import { collectAll, manualClock, type Page, type PageRequest, type Route, type RouteKey, type RouteStore, type Versioned } from '../../../shared/ports';

/** The route shape other packages were promised; the port's types must stay interchangeable with it. */
interface PromisedRouteKey {
  privateLinkServiceId: string;
  linkId: number;
}
interface PromisedRoute extends PromisedRouteKey {
  workspace: string;
  hosts: string[];
  backend: string;
  generation: number;
}
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const routeKeyMatches: Mutual<RouteKey, PromisedRouteKey> = true;
const routeAccepted: [PromisedRoute] extends [Route] ? true : false = true;
const routeReadable: [Route] extends [PromisedRoute] ? true : false = true;

describe('ports', () => {
  it('keeps the promised route shapes', () => {
    expect([routeKeyMatches, routeAccepted, routeReadable]).toEqual([true, true, true]);
  });

  // A change to the runtime surface of shared/ports shows up here in review.
  it('exports this runtime surface', () => {
    expect(Object.keys(ports).sort()).toEqual(
      [
        'PORT_ERROR_KINDS',
        'PortError',
        'collectAll',
        'fatal',
        'isFatal',
        'isNotFound',
        'isPortError',
        'isPreconditionFailed',
        'isRetryable',
        'isThrottled',
        'isTransient',
        'kindFromStatus',
        'manualClock',
        'notFound',
        'portErrorFromJSON',
        'preconditionFailed',
        'retryAfterMsFrom',
        'throttled',
        'transient',
      ].sort(),
    );
  });

  it('collectAll follows continuation tokens to the end', async () => {
    const pages: Record<string, Page<number>> = {
      start: { items: [1, 2], continuationToken: 'p2' },
      p2: { items: [3], continuationToken: 'p3' },
      p3: { items: [] },
    };
    const requests: PageRequest[] = [];
    const all = await collectAll(async (r) => {
      requests.push(r);
      return pages[r.continuationToken ?? 'start'] as Page<number>;
    }, 2);
    expect(all).toEqual([1, 2, 3]);
    expect(requests).toEqual([{ maxPageSize: 2 }, { continuationToken: 'p2', maxPageSize: 2 }, { continuationToken: 'p3', maxPageSize: 2 }]);
  });

  it('a manual clock moves only when told', () => {
    const clock = manualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(500);
    expect(clock.now()).toBe(1_500);
    clock.set(10);
    expect(clock.now()).toBe(10);
  });

  it('a route store can be written against the port alone', async () => {
    // The smallest faithful store: conditional writes and etags, as every adapter must honour them.
    const rows = new Map<string, Versioned<Route>>();
    let version = 0;
    const k = (key: RouteKey) => `${key.privateLinkServiceId.toLowerCase()}#${key.linkId}`;
    const store: RouteStore = {
      get: async (key) => rows.get(k(key)),
      list: async () => [...rows.values()],
      changedSince: async () => ({ changes: [...rows.values()].map((r) => ({ key: r.value, route: r, deleted: false })), cursor: String(version) }),
      put: async (route, condition) => {
        const current = rows.get(k(route));
        if (condition?.ifNoneMatch === '*' && current) throw ports.preconditionFailed('exists');
        if (condition?.ifMatch !== undefined && current?.etag !== condition.ifMatch) throw ports.preconditionFailed('etag mismatch');
        const stored = { value: route, etag: `"${++version}"` };
        rows.set(k(route), stored);
        return stored;
      },
      delete: async (key, condition) => {
        const current = rows.get(k(key));
        if (condition?.ifMatch !== undefined && current?.etag !== condition.ifMatch) throw ports.preconditionFailed('etag mismatch');
        rows.delete(k(key));
      },
    };
    const route: Route = { privateLinkServiceId: '/subscriptions/s/pls', linkId: 305419896, workspace: 'ws1', hosts: ['a.example.com'], backend: 'b.example.com', generation: 1 };
    const first = await store.put(route, { ifNoneMatch: '*' });
    await expect(store.put(route, { ifNoneMatch: '*' })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    await expect(store.put({ ...route, generation: 2 }, { ifMatch: '"stale"' })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    await store.put({ ...route, generation: 2 }, { ifMatch: first.etag });
    expect((await store.get(route))?.value.generation).toBe(2);
  });
});
