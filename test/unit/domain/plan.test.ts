import type { DnsRecordSet } from '../../../shared/domain/dns-record';
import { applyPlan } from '../../../shared/domain/plan/apply';
import { plan, summarise, type PlanOptions } from '../../../shared/domain/plan/plan';
import { renderJson, renderText } from '../../../shared/domain/plan/render';
import type { ActualResources, Change, DesiredResources, Observed } from '../../../shared/domain/plan/types';
import type { Route } from '../../../shared/domain/route';
import type { TrafficEndpoint } from '../../../shared/domain/traffic';
import type { Policy } from '../../../shared/domain/workspace';

/*
 * Named fixtures: the name says name, target and what is special about the record.
 */
const ZONE = 'privatelink.eastus.dicom.example.com';
const OWNER = 'dpl-test';
const PUBLIC_TM = 'dpl-eastus-public.trafficmanager.net';
const PRIVATE_TM = 'dpl-eastus-private.trafficmanager.net';

const cname = (name: string, target: string, extra: Partial<DnsRecordSet> = {}): DnsRecordSet => ({
  zone: ZONE,
  name,
  type: 'CNAME',
  values: [target],
  ttl: 60,
  owner: OWNER,
  workspace: name.split('-')[0],
  ...extra,
});

const ws1Svc1Public = cname('ws1-svc1', PUBLIC_TM);
const ws1Svc1Private = cname('ws1-svc1', PRIVATE_TM);
const ws1Svc1PublicShouty = cname('WS1-SVC1.', `${PUBLIC_TM.toUpperCase()}.`, { zone: `${ZONE.toUpperCase()}.`, ttl: undefined });
const ws1Svc1PublicTtl300 = cname('ws1-svc1', PUBLIC_TM, { ttl: 300 });
const ws2Svc1Public = cname('ws2-svc1', PUBLIC_TM);
const ws1Svc1Foreign = cname('ws1-svc1', 'elsewhere.example.net', { owner: 'someone-else' });
const legacyUnowned = cname('legacy', 'old.example.net', { owner: undefined, workspace: undefined });
const aTwoIps: DnsRecordSet = { zone: ZONE, name: 'ws1-a', type: 'A', values: ['10.0.0.5', '10.0.0.4'], ttl: 60, owner: OWNER, workspace: 'ws1' };
const aTwoIpsReordered: DnsRecordSet = { ...aTwoIps, values: ['10.0.0.4', '10.0.0.5'] };

const PLS = '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateLinkServices/pls1';
const route = (linkId: number, extra: Partial<Route> = {}): Route => ({
  privateLinkServiceId: PLS,
  linkId,
  workspace: 'ws1',
  hosts: ['ws1-svc1.dicom.example.com', 'ws1-svc1.privatelink.dicom.example.com'],
  backend: `ws1.${ZONE}`,
  generation: 2,
  owner: OWNER,
  ...extra,
});

const endpoint = (name: string, status: TrafficEndpoint['status']): TrafficEndpoint => ({
  profile: 'dpl-eastus-private',
  endpoint: name,
  target: `${name}-eastus-aks.internal.dicom.example.com`,
  status,
});

const seen = <T>(value: T, etag = 'e1'): Observed<T> => ({ value, etag });
const none = (): DesiredResources => ({ connections: [], routes: [], records: [], endpoints: [] });
const noneActual = (): ActualResources => ({ connections: [], routes: [], records: [], endpoints: [] });
const opts = (policies: Record<string, Policy> = {}): PlanOptions => ({ ownerId: OWNER, defaultTtl: 60, policies: new Map(Object.entries(policies)) });

const actions = (changes: Change[]) => changes.map((c) => `${c.action} ${c.kind} ${c.key}`);

describe('planner: table', () => {
  const key = (r: DnsRecordSet) => `${ZONE}|${r.name.toLowerCase().replace(/\.$/, '')}|${r.type}`;

  it.each<[string, DnsRecordSet[], DnsRecordSet[], string[]]>([
    ['creates what is missing', [ws1Svc1Public], [], [`create dns ${key(ws1Svc1Public)}`]],
    ['updates a changed target', [ws1Svc1Private], [ws1Svc1Public], [`update dns ${key(ws1Svc1Public)}`]],
    ['updates a changed TTL', [ws1Svc1Public], [ws1Svc1PublicTtl300], [`update dns ${key(ws1Svc1Public)}`]],
    ['deletes an owned record nobody wants', [], [ws2Svc1Public], [`delete dns ${key(ws2Svc1Public)}`]],
    ['does nothing when equal', [ws1Svc1Public], [ws1Svc1Public], []],
    // Azure returns names lower-cased with a root dot and values in any order: none of that is drift.
    ['ignores case, trailing dots and a missing TTL that equals the default', [ws1Svc1Public], [ws1Svc1PublicShouty], []],
    ['ignores record order', [aTwoIps], [aTwoIpsReordered], []],
    ['leaves an unowned record nobody wants alone, without reporting it', [], [legacyUnowned], []],
  ])('%s', (_name, desired, actual, expected) => {
    const p = plan({ ...none(), records: desired }, { ...noneActual(), records: actual.map((r) => seen(r)) }, opts());
    expect(actions(p.changes)).toEqual(expected);
    expect(p.skipped).toEqual([]);
  });

  it('keeps the old value and its etag in an update, for If-Match', () => {
    const p = plan({ ...none(), records: [ws1Svc1Private] }, { ...noneActual(), records: [seen(ws1Svc1Public, 'etag-7')] }, opts());
    const [change] = p.changes;
    expect(change).toMatchObject({ action: 'update', old: { value: ws1Svc1Public, etag: 'etag-7' }, new: { values: [PRIVATE_TM] } });
  });

  it('never overwrites a record owned by someone else, and says so', () => {
    const p = plan({ ...none(), records: [ws1Svc1Public] }, { ...noneActual(), records: [seen(ws1Svc1Foreign)] }, opts());
    expect(p.changes).toEqual([]);
    expect(p.skipped).toEqual([
      expect.objectContaining({ reason: 'not-owned', detail: expect.stringContaining('someone-else'), change: expect.objectContaining({ action: 'update' }) }),
    ]);
  });

  it('skips the second of two desired records with one key as a conflict', () => {
    const p = plan({ ...none(), records: [ws1Svc1Public, ws1Svc1Private] }, noneActual(), opts());
    expect(actions(p.changes)).toEqual([`create dns ${key(ws1Svc1Public)}`]);
    expect(p.skipped.map((s) => s.reason)).toEqual(['conflict']);
  });

  describe('routes', () => {
    it('does not let an older generation overwrite a newer route', () => {
      const p = plan({ ...none(), routes: [route(7, { generation: 1, backend: 'old.example.com' })] }, { ...noneActual(), routes: [seen(route(7))] }, opts());
      expect(p.changes).toEqual([]);
      expect(p.skipped).toEqual([expect.objectContaining({ reason: 'stale' })]);
    });

    it('treats host order, case and dots as equal, and a bumped generation alone as no change', () => {
      const shuffled = route(7, { hosts: ['WS1-SVC1.PRIVATELINK.DICOM.EXAMPLE.COM.', 'ws1-svc1.dicom.example.com'], generation: 1 });
      expect(plan({ ...none(), routes: [route(7)] }, { ...noneActual(), routes: [seen(shuffled)] }, opts()).changes).toEqual([]);
    });

    it('never touches a route row without our owner stamp', () => {
      const p = plan({ ...none(), routes: [route(7)] }, { ...noneActual(), routes: [seen(route(7, { owner: undefined, backend: 'manual.example.com' }))] }, opts());
      expect(p.changes).toEqual([]);
      expect(p.skipped.map((s) => s.reason)).toEqual(['not-owned']);
    });

    it('keys routes by service and LinkID, so one LinkID on two services is two routes', () => {
      const other = route(7, { privateLinkServiceId: `${PLS}-2` });
      expect(actions(plan({ ...none(), routes: [route(7), other] }, noneActual(), opts()).changes)).toHaveLength(2);
    });
  });

  describe('traffic endpoints (status only; infrastructure owns them)', () => {
    it('switches the status and keeps the target it found', () => {
      const actual = { ...endpoint('z1', 'Disabled'), target: 'set-by-infra.example.com' };
      const p = plan({ ...none(), endpoints: [endpoint('z1', 'Enabled')] }, { ...noneActual(), endpoints: [seen(actual)] }, opts());
      expect(p.changes).toEqual([expect.objectContaining({ action: 'update', new: { ...actual, status: 'Enabled' } })]);
    });

    it('plans nothing when only the target differs (infrastructure sets targets)', () => {
      const actual = { ...endpoint('z1', 'Enabled'), target: 'set-by-infra.example.com' };
      expect(plan({ ...none(), endpoints: [endpoint('z1', 'Enabled')] }, { ...noneActual(), endpoints: [seen(actual)] }, opts()).changes).toEqual([]);
    });

    it('reports a missing endpoint instead of creating it', () => {
      const p = plan({ ...none(), endpoints: [endpoint('z9', 'Enabled')] }, noneActual(), opts());
      expect(p.changes).toEqual([]);
      expect(p.skipped.map((s) => s.reason)).toEqual(['absent']);
    });

    it('never disables an endpoint it was not told about', () => {
      expect(plan(none(), { ...noneActual(), endpoints: [seen(endpoint('z1', 'Enabled'))] }, opts()).changes).toEqual([]);
    });
  });

  it('decides connection states and keeps the rest of the connection', () => {
    const actual = { id: `${PLS}/privateEndpointConnections/c1`, privateLinkServiceId: PLS, workspace: 'ws1', state: 'Pending' as const, description: 'please' };
    const p = plan({ ...none(), connections: [{ ...actual, state: 'Approved', description: 'auto' }] }, { ...noneActual(), connections: [seen(actual)] }, opts());
    expect(p.changes).toEqual([expect.objectContaining({ kind: 'connection', action: 'update', new: { ...actual, state: 'Approved' } })]);
  });

  describe('policies', () => {
    const desired = { ...none(), records: [ws1Svc1Private, cname('ws1-svc3', PUBLIC_TM)] };
    const actual = { ...noneActual(), records: [seen(ws1Svc1Public), seen(cname('ws1-svc2', PUBLIC_TM))] };
    const run = (policy: Policy) => {
      const p = plan(desired, actual, opts({ ws1: policy }));
      return { applied: p.changes.map((c) => c.action), held: p.skipped.map((s) => `${s.change.action}:${s.reason}`) };
    };

    it.each<[Policy, string[], string[]]>([
      ['sync', ['update', 'delete', 'create'].sort(), []],
      ['upsert-only', ['create', 'update'], ['delete:policy']],
      ['create-only', ['create'], ['delete:policy', 'update:policy']],
      ['observe', [], ['create:policy', 'delete:policy', 'update:policy']],
    ])('%s', (policy, applied, held) => {
      const r = run(policy);
      expect([...r.applied].sort()).toEqual(applied);
      expect([...r.held].sort()).toEqual(held);
    });

    it('uses the default policy for records whose workspace is gone', () => {
      const p = plan(none(), { ...noneActual(), records: [seen(ws2Svc1Public)] }, { ...opts(), defaultPolicy: 'upsert-only' });
      expect(p.changes).toEqual([]);
      expect(p.skipped.map((s) => s.reason)).toEqual(['policy']);
    });
  });

  it('orders changes by kind, then key, whatever the input order', () => {
    const desired: DesiredResources = {
      ...none(),
      records: [cname('zz-svc1', PUBLIC_TM), cname('aa-svc1', PUBLIC_TM)],
      routes: [route(9), route(3)],
    };
    const p = plan(desired, noneActual(), opts());
    expect(actions(p.changes)).toEqual([
      `create route ${PLS.toLowerCase()}#3`,
      `create route ${PLS.toLowerCase()}#9`,
      `create dns ${ZONE}|aa-svc1|CNAME`,
      `create dns ${ZONE}|zz-svc1|CNAME`,
    ]);
  });

  describe('rendering', () => {
    const p = plan(
      { ...none(), records: [ws1Svc1Private, cname('ws1-svc3', PUBLIC_TM)], endpoints: [endpoint('z9', 'Enabled')] },
      { ...noneActual(), records: [seen(ws1Svc1Public), seen(cname('ws1-svc2', PUBLIC_TM))] },
      opts(),
    );

    it('renders text an operator can read', () => {
      expect(renderText(p)).toBe(
        [
          'plan for dpl-test: 1 to create, 1 to update, 1 to delete, 1 skipped',
          `~ dns ${ZONE}|ws1-svc1|CNAME: CNAME ${PUBLIC_TM} ttl=60 ⇒ CNAME ${PRIVATE_TM} ttl=60 [ws1]`,
          `- dns ${ZONE}|ws1-svc2|CNAME: CNAME ${PUBLIC_TM} ttl=60 [ws1]`,
          `+ dns ${ZONE}|ws1-svc3|CNAME: CNAME ${PUBLIC_TM} ttl=60 [ws1]`,
          '! create traffic dpl-eastus-private|z9 skipped (absent): traffic dpl-eastus-private|z9 does not exist and is created by infrastructure, not the control plane',
          '',
        ].join('\n'),
      );
    });

    it('renders JSON with a summary, which round-trips', () => {
      const doc = renderJson(p);
      expect(doc.summary).toEqual({ create: 1, update: 1, delete: 1, skipped: 1 });
      expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
      expect(doc.changes).toHaveLength(3);
    });

    it('renders every kind on one line each', () => {
      const conn = { id: `${PLS}/privateEndpointConnections/c1`, privateLinkServiceId: PLS, workspace: 'ws1', state: 'Pending' as const };
      const text = renderText(
        plan(
          { ...none(), routes: [route(7)], connections: [{ ...conn, state: 'Approved' }], endpoints: [endpoint('z1', 'Enabled')] },
          { ...noneActual(), connections: [seen(conn)], endpoints: [seen(endpoint('z1', 'Disabled'))] },
          opts(),
        ),
      );
      expect(text.split('\n').slice(1, 4)).toEqual([
        `~ connection ${PLS.toLowerCase()}/privateendpointconnections/c1: Pending ⇒ Approved [ws1]`,
        `+ route ${PLS.toLowerCase()}#7: → ws1.${ZONE} hosts=ws1-svc1.dicom.example.com,ws1-svc1.privatelink.dicom.example.com gen=2 [ws1]`,
        '~ traffic dpl-eastus-private|z1: Disabled ⇒ Enabled',
      ]);
    });

    it('summarises an empty plan', () => {
      expect(summarise(plan(none(), noneActual(), opts()))).toEqual({ create: 0, update: 0, delete: 0, skipped: 0 });
    });
  });

  it('applies a plan to give the desired records', () => {
    const desired = { ...none(), records: [ws1Svc1Private] };
    const actual = { ...noneActual(), records: [seen(ws1Svc1Public), seen(ws2Svc1Public)] };
    const after = applyPlan(plan(desired, actual, opts()), actual, 60);
    expect(after.records.map((r) => r.value)).toEqual([ws1Svc1Private]);
  });
});
