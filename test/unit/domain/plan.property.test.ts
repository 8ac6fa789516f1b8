import fc from 'fast-check';
import type { DnsRecordSet } from '../../../shared/domain/dns-record';
import { applyPlan } from '../../../shared/domain/plan/apply';
import { normaliseRecord, normaliseRoute, recordKey, routeKey } from '../../../shared/domain/plan/normalise';
import { plan, type PlanOptions } from '../../../shared/domain/plan/plan';
import { ALLOWED_ACTIONS } from '../../../shared/domain/plan/policy';
import type { ActualResources, DesiredResources, Observed } from '../../../shared/domain/plan/types';
import type { Route } from '../../../shared/domain/route';
import type { TrafficEndpoint } from '../../../shared/domain/traffic';
import { POLICIES, type Policy } from '../../../shared/domain/workspace';

const OWNER = 'me';
const TTL = 60;
const ZONE = 'privatelink.eastus.dicom.example.com';
const WORKSPACES = ['ws1', 'ws2', 'ws3'];
const NAMES = ['ws1-a', 'ws1-b', 'ws2-a', 'ws2-b', 'ws3-a', 'ws1', 'ws2'];
const TARGETS = ['pub.trafficmanager.net', 'priv.trafficmanager.net', 'z1.internal.example.com'];
const PLS = ['/subscriptions/s/providers/pls1', '/subscriptions/s/providers/pls2'];

/** Spellings Azure may hand back for the same name: case and the root dot are not drift. */
const cosmetic = (name: string) => fc.constantFrom(name, name.toUpperCase(), `${name}.`);

const recordArb = (owner: fc.Arbitrary<string | undefined>) =>
  fc.record({
    name: fc.constantFrom(...NAMES),
    type: fc.constantFrom('CNAME' as const, 'A' as const),
    target: fc.constantFrom(...TARGETS),
    ips: fc.uniqueArray(fc.constantFrom('10.0.0.4', '10.0.0.5', '10.0.0.6'), { minLength: 1, maxLength: 3 }),
    ttl: fc.constantFrom(undefined, 60, 300),
    owner,
  }).map(({ name, type, target, ips, ttl, owner: o }): DnsRecordSet => ({
    zone: ZONE,
    name,
    type,
    values: type === 'CNAME' ? [target] : ips,
    ...(ttl === undefined ? {} : { ttl }),
    ...(o === undefined ? {} : { owner: o }),
    workspace: name.split('-')[0] as string,
  }));

const routeArb = (owner: fc.Arbitrary<string | undefined>, generation: fc.Arbitrary<number>) =>
  fc.record({
    pls: fc.constantFrom(...PLS),
    linkId: fc.integer({ min: 0, max: 5 }),
    workspace: fc.constantFrom(...WORKSPACES),
    backend: fc.constantFrom(...TARGETS),
    hosts: fc.uniqueArray(fc.constantFrom('a.example.com', 'b.example.com', 'c.example.com'), { minLength: 1, maxLength: 3 }),
    generation,
    owner,
  }).map(({ pls, linkId, workspace, backend, hosts, generation: g, owner: o }): Route => ({
    privateLinkServiceId: pls,
    linkId,
    workspace,
    hosts,
    backend,
    generation: g,
    ...(o === undefined ? {} : { owner: o }),
  }));

const ENDPOINTS = ['z1', 'z2', 'z3'];
const endpointsArb = fc.tuple(
  fc.array(fc.constantFrom<'Enabled' | 'Disabled'>('Enabled', 'Disabled'), { minLength: 3, maxLength: 3 }),
  fc.array(fc.constantFrom<'Enabled' | 'Disabled'>('Enabled', 'Disabled'), { minLength: 3, maxLength: 3 }),
).map(([want, have]) => ({
  desired: ENDPOINTS.map((e, i): TrafficEndpoint => ({ profile: 'p', endpoint: e, target: `${e}.example.com`, status: want[i] ?? 'Enabled' })),
  // Infrastructure may have pointed an endpoint elsewhere; that must never become a change.
  actual: ENDPOINTS.map((e, i): Observed<TrafficEndpoint> => ({ value: { profile: 'P', endpoint: e.toUpperCase(), target: i === 0 ? 'moved.example.com' : `${e}.example.com`, status: have[i] ?? 'Enabled' }, etag: `e${i}` })),
}));

interface World {
  desired: DesiredResources;
  actual: ActualResources;
  policies: Map<string, Policy>;
}

const worldArb: fc.Arbitrary<World> = fc
  .record({
    desiredRecords: fc.uniqueArray(recordArb(fc.constant(OWNER)), { selector: recordKey, maxLength: 10 }),
    actualRecords: fc.uniqueArray(recordArb(fc.constantFrom<string | undefined>(OWNER, OWNER, 'other', undefined)), { selector: recordKey, maxLength: 10 }),
    // Desired routes never go back in generation here; the stale guard has its own table test.
    desiredRoutes: fc.uniqueArray(routeArb(fc.constant(OWNER), fc.constant(5)), { selector: routeKey, maxLength: 6 }),
    actualRoutes: fc.uniqueArray(routeArb(fc.constantFrom<string | undefined>(OWNER, 'other', undefined), fc.integer({ min: 0, max: 5 })), { selector: routeKey, maxLength: 6 }),
    endpoints: endpointsArb,
    policies: fc.array(fc.constantFrom(...POLICIES), { minLength: WORKSPACES.length, maxLength: WORKSPACES.length }),
  })
  .map((w) => ({
    desired: { connections: [], routes: w.desiredRoutes, records: w.desiredRecords, endpoints: w.endpoints.desired },
    actual: {
      connections: [],
      routes: w.actualRoutes.map((value, i) => ({ value, etag: `r${i}` })),
      records: w.actualRecords.map((value, i) => ({ value, etag: `d${i}` })),
      endpoints: w.endpoints.actual,
    },
    policies: new Map(WORKSPACES.map((ws, i) => [ws, w.policies[i] ?? 'sync'])),
  }));

const options = (policies: Map<string, Policy>): PlanOptions => ({ ownerId: OWNER, defaultTtl: TTL, policies, defaultPolicy: 'sync' });
const allSync = new Map(WORKSPACES.map((w) => [w, 'sync' as Policy]));
const RUNS = { numRuns: 300 };

const recordsByKey = (rows: Observed<DnsRecordSet>[]) => new Map(rows.map((r) => [recordKey(r.value), normaliseRecord(r.value, TTL)]));
const routesByKey = (rows: Observed<Route>[]) => new Map(rows.map((r) => [routeKey(r.value), r.value]));

describe('planner: properties', () => {
  it('applying a sync plan yields the desired state for every key not held by another owner', () => {
    fc.assert(
      fc.property(worldArb, ({ desired, actual }) => {
        const after = applyPlan(plan(desired, actual, options(allSync)), actual, TTL);
        const before = recordsByKey(actual.records);
        const now = recordsByKey(after.records);
        for (const d of desired.records) {
          const k = recordKey(d);
          const held = before.get(k);
          if (held && held.owner !== OWNER) expect(now.get(k)).toEqual(held);
          else expect(now.get(k)).toEqual(normaliseRecord(d, TTL));
        }
        const wanted = new Set(desired.records.map(recordKey));
        for (const [k, r] of now) if (!wanted.has(k)) expect(r.owner).not.toBe(OWNER);
        const routesNow = routesByKey(after.routes);
        for (const d of desired.routes) {
          const r = routesNow.get(routeKey(d));
          const was = routesByKey(actual.routes).get(routeKey(d));
          if (was && was.owner !== OWNER) expect(r).toEqual(was);
          else expect(normaliseRoute(r as Route)).toMatchObject({ ...normaliseRoute(d), generation: expect.any(Number) });
        }
        for (const e of after.endpoints) expect(e.value.status).toBe(desired.endpoints.find((x) => x.endpoint === e.value.endpoint.toLowerCase())?.status);
      }),
      RUNS,
    );
  });

  it('a second plan after applying the first is empty, under any policy', () => {
    fc.assert(
      fc.property(worldArb, ({ desired, actual, policies }) => {
        const first = plan(desired, actual, options(allSync));
        const again = plan(desired, applyPlan(first, actual, TTL), options(policies));
        expect(again.changes).toEqual([]);
      }),
      RUNS,
    );
  });

  it('never changes a record or route it does not own', () => {
    fc.assert(
      fc.property(worldArb, ({ desired, actual, policies }) => {
        const p = plan(desired, actual, options(policies));
        for (const c of p.changes) {
          if (c.action === 'create') continue;
          if (c.kind === 'dns' || c.kind === 'route') expect(c.old.value.owner).toBe(OWNER);
        }
        const after = applyPlan(p, actual, TTL);
        const foreign = actual.records.filter((r) => r.value.owner !== OWNER);
        for (const f of foreign) expect(after.records).toContainEqual(f);
        const foreignRoutes = actual.routes.filter((r) => r.value.owner !== OWNER);
        for (const f of foreignRoutes) expect(after.routes).toContainEqual(f);
      }),
      RUNS,
    );
  });

  it('is deterministic: input order does not change the plan', () => {
    fc.assert(
      fc.property(worldArb, fc.integer(), ({ desired, actual, policies }, seed) => {
        const shuffle = <T>(xs: T[]): T[] => {
          const out = [...xs];
          let s = seed;
          for (let i = out.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) | 0;
            const j = Math.abs(s) % (i + 1);
            [out[i], out[j]] = [out[j] as T, out[i] as T];
          }
          return out;
        };
        const reordered = plan(
          { ...desired, records: shuffle(desired.records), routes: shuffle(desired.routes), endpoints: shuffle(desired.endpoints) },
          { ...actual, records: shuffle(actual.records), routes: shuffle(actual.routes), endpoints: shuffle(actual.endpoints) },
          options(policies),
        );
        expect(reordered).toEqual(plan(desired, actual, options(policies)));
      }),
      RUNS,
    );
  });

  it('every change is allowed by its workspace policy and every policy hold is one it forbids', () => {
    fc.assert(
      fc.property(worldArb, ({ desired, actual, policies }) => {
        const p = plan(desired, actual, options(policies));
        const policyOf = (ws: string | undefined) => (ws === undefined ? 'sync' : (policies.get(ws) ?? 'sync'));
        for (const c of p.changes) expect(ALLOWED_ACTIONS[policyOf(c.workspace)].has(c.action)).toBe(true);
        for (const s of p.skipped.filter((x) => x.reason === 'policy')) expect(ALLOWED_ACTIONS[policyOf(s.change.workspace)].has(s.change.action)).toBe(false);
        // A restrictive policy only removes changes from the sync plan, it never invents any.
        const sync = plan(desired, actual, options(allSync));
        const keys = new Set(sync.changes.map((c) => `${c.kind}|${c.key}|${c.action}`));
        for (const c of p.changes) expect(keys.has(`${c.kind}|${c.key}|${c.action}`)).toBe(true);
      }),
      RUNS,
    );
  });

  it('cosmetic differences (case, trailing dot, value order, default TTL) are never drift', () => {
    const spelledDifferently = (r: DnsRecordSet) =>
      fc.record({ zone: cosmetic(r.zone), name: cosmetic(r.name), reversed: fc.boolean(), dropTtl: fc.boolean() }).map(
        (v): DnsRecordSet => {
          const values = (v.reversed ? [...r.values].reverse() : r.values).map((x) => (r.type === 'CNAME' ? `${x.toUpperCase()}.` : x));
          const { ttl, ...rest } = r;
          const keepTtl = !(v.dropTtl && (ttl ?? TTL) === TTL) && ttl !== undefined;
          return { ...rest, zone: v.zone, name: v.name, values, ...(keepTtl ? { ttl } : {}) };
        },
      );
    const pairs = fc
      .uniqueArray(recordArb(fc.constant(OWNER)), { selector: recordKey, maxLength: 8 })
      .chain((records) => fc.tuple(fc.constant(records), fc.tuple(...records.map(spelledDifferently))));
    fc.assert(
      fc.property(pairs, ([records, actual]) => {
        const p = plan(
          { connections: [], routes: [], records, endpoints: [] },
          { connections: [], routes: [], records: actual.map((value) => ({ value })), endpoints: [] },
          options(allSync),
        );
        expect(p.changes).toEqual([]);
      }),
      RUNS,
    );
  });

  it('the generated worlds do exercise every action and skip reason (guards against vacuous properties)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(worldArb, ({ desired, actual, policies }) => {
        const p = plan(desired, actual, options(policies));
        for (const c of p.changes) seen.add(`${c.kind}:${c.action}`);
        for (const s of p.skipped) seen.add(`skip:${s.reason}`);
      }),
      RUNS,
    );
    for (const expected of ['dns:create', 'dns:update', 'dns:delete', 'route:create', 'route:update', 'route:delete', 'traffic:update', 'skip:policy', 'skip:not-owned']) {
      expect(seen).toContain(expected);
    }
  });
});
