import { ConfigurationSchema } from '../../../shared/domain/config';
import { desiredState, workspaceHosts } from '../../../shared/domain/desired';
import type { Exposure } from '../../../shared/domain/flip';
import { config, connection, PLS_WESTUS_1, SUB_CONTOSO, SUB_FABRIKAM, SUB_MALLORY, workspace } from './builders';

const ZONE = 'privatelink.eastus.dicom.example.com';
const PUBLIC_TM = 'dpl-eastus-public.trafficmanager.net';
const PRIVATE_TM = 'dpl-eastus-private.trafficmanager.net';

const endpointStatus = (d: ReturnType<typeof desiredState>, profile: string, endpoint: string) =>
  d.endpoints.find((e) => e.profile === profile && e.endpoint === endpoint)?.status;

describe('desired state', () => {
  const ws1 = workspace('ws1', { services: [{ name: 'svc1' }, { name: 'svc2' }] });

  it("names a workspace's hosts after its services, in the public and the privatelink zone", () => {
    expect(workspaceHosts(config, ws1)).toEqual([
      'ws1-svc1.dicom.example.com',
      'ws1-svc1.privatelink.dicom.example.com',
      'ws1-svc2.dicom.example.com',
      'ws1-svc2.privatelink.dicom.example.com',
    ]);
  });

  it('routes only Approved connections', () => {
    const states = ['Approved', 'Pending', 'Rejected', 'Disconnected'] as const;
    const conns = states.map((state, i) => connection('ws1', { state, linkId: 10 + i }));
    const d = desiredState({ config, workspaces: [ws1], connections: conns });
    expect(d.routes.map((r) => r.linkId)).toEqual([10]);
    expect(d.routes[0]).toEqual({
      privateLinkServiceId: conns[0]!.privateLinkServiceId,
      linkId: 10,
      workspace: 'ws1',
      hosts: workspaceHosts(config, ws1),
      backend: `ws1.${ZONE}`,
      generation: 0,
      owner: 'dpl-test',
    });
  });

  it('a public workspace without connections resolves to the public profile and has no private record', () => {
    const d = desiredState({ config, workspaces: [ws1], connections: [] });
    expect(d.routes).toEqual([]);
    expect(d.records).toEqual([
      { zone: ZONE, name: 'ws1-svc1', type: 'CNAME', values: [PUBLIC_TM], ttl: 60, owner: 'dpl-test', workspace: 'ws1' },
      { zone: ZONE, name: 'ws1-svc2', type: 'CNAME', values: [PUBLIC_TM], ttl: 60, owner: 'dpl-test', workspace: 'ws1' },
    ]);
    expect(endpointStatus(d, 'dpl-eastus-public', 'z1')).toBe('Enabled');
    expect(endpointStatus(d, 'dpl-eastus-private', 'z1')).toBe('Disabled');
  });

  it('one approved connection enables the private path: backend record, route, private endpoint', () => {
    const d = desiredState({ config, workspaces: [ws1], connections: [connection('ws1')] });
    expect(d.records).toContainEqual({
      zone: ZONE,
      name: 'ws1',
      type: 'CNAME',
      values: ['z1-eastus-aks.internal.dicom.example.com'],
      ttl: 60,
      owner: 'dpl-test',
      workspace: 'ws1',
    });
    expect(d.routes).toHaveLength(1);
    expect(endpointStatus(d, 'dpl-eastus-private', 'z1')).toBe('Enabled');
    // Public access is still on, so the names keep resolving publicly.
    expect(d.records.find((r) => r.name === 'ws1-svc1')?.values).toEqual([PUBLIC_TM]);
  });

  it('publicNetworkAccess Disabled takes the public path away and resolves privately', () => {
    const ws = workspace('ws1', { publicNetworkAccess: 'Disabled' });
    const d = desiredState({ config, workspaces: [ws], connections: [connection('ws1')] });
    expect(d.records.find((r) => r.name === 'ws1-svc1')?.values).toEqual([PRIVATE_TM]);
    expect(endpointStatus(d, 'dpl-eastus-public', 'z1')).toBe('Disabled');
    expect(endpointStatus(d, 'dpl-eastus-private', 'z1')).toBe('Enabled');
  });

  it('a workspace with neither path has no records and no routes', () => {
    const ws = workspace('ws1', { publicNetworkAccess: 'Disabled' });
    const d = desiredState({ config, workspaces: [ws], connections: [connection('ws1', { state: 'Pending' })] });
    expect(d.records).toEqual([]);
    expect(d.routes).toEqual([]);
  });

  it('an ingress stays enabled while any workspace on its cluster uses that path', () => {
    const pub = workspace('pubws');
    const priv = workspace('privws', { publicNetworkAccess: 'Disabled' });
    const d = desiredState({ config, workspaces: [pub, priv], connections: [connection('privws')] });
    expect(endpointStatus(d, 'dpl-eastus-public', 'z1')).toBe('Enabled');
    expect(endpointStatus(d, 'dpl-eastus-private', 'z1')).toBe('Enabled');
    expect(endpointStatus(d, 'dpl-eastus-public', 'z2')).toBe('Disabled');
  });

  it('a cluster in maintenance has both endpoints disabled', () => {
    const drained = ConfigurationSchema.parse({
      ...config,
      regions: config.regions.map((r) => ({ ...r, clusters: r.clusters.map((c) => ({ ...c, maintenance: c.name === 'z1' })) })),
    });
    const d = desiredState({ config: drained, workspaces: [ws1], connections: [connection('ws1')] });
    expect(endpointStatus(d, 'dpl-eastus-public', 'z1')).toBe('Disabled');
    expect(endpointStatus(d, 'dpl-eastus-private', 'z1')).toBe('Disabled');
  });

  describe('approval rules decide Pending connections', () => {
    const ruled = workspace('ws1', { approval: { autoApproveSubscriptions: [SUB_CONTOSO], rejectSubscriptions: [SUB_MALLORY] } });
    // null: the consumer named no workspace at all.
    const decide = (sub: string, ws: string | null = 'ws1', extra = {}) => {
      const c = connection(ws ?? undefined, { state: 'Pending', requestingSubscription: sub, ...extra });
      const d = desiredState({ config, workspaces: [ruled], connections: [c] });
      return { decision: d.connections[0], note: d.notes[0], routes: d.routes };
    };

    it('approves an auto-approved subscription and routes it in the same pass', () => {
      const { decision, note, routes } = decide(SUB_CONTOSO);
      expect(decision?.state).toBe('Approved');
      expect(note?.reason).toBe('auto-approved');
      expect(routes).toHaveLength(1);
    });

    it('rejects a denied subscription', () => {
      expect(decide(SUB_MALLORY).decision?.state).toBe('Rejected');
    });

    it('leaves anyone else Pending for a human', () => {
      const { decision, note, routes } = decide(SUB_FABRIKAM);
      expect(decision?.state).toBe('Pending');
      expect(note?.reason).toBe('awaiting-approval');
      expect(routes).toEqual([]);
    });

    it('leaves a connection naming no known workspace Pending, with a note', () => {
      expect(decide(SUB_CONTOSO, 'nosuchws')).toMatchObject({ decision: { state: 'Pending' }, note: { reason: 'unknown-workspace' } });
      expect(decide(SUB_CONTOSO, null)).toMatchObject({ decision: { state: 'Pending' }, note: { reason: 'unknown-workspace' } });
    });

    it("does not approve a connection on another region's Private Link Service", () => {
      expect(decide(SUB_CONTOSO, 'ws1', { privateLinkServiceId: PLS_WESTUS_1 })).toMatchObject({
        decision: { state: 'Pending' },
        note: { reason: 'other-region' },
        routes: [],
      });
    });

    it('never changes a connection that is no longer Pending', () => {
      const c = connection('ws1', { state: 'Rejected', requestingSubscription: SUB_CONTOSO });
      expect(desiredState({ config, workspaces: [ruled], connections: [c] }).connections[0]?.state).toBe('Rejected');
    });
  });

  it('follows the exposure of a flip in progress rather than the wanted paths', () => {
    const ws = workspace('ws1', { publicNetworkAccess: 'Disabled' });
    const preparing: Exposure = { public: true, private: false, privateReady: true, resolveTo: 'public' };
    const d = desiredState({ config, workspaces: [ws], connections: [connection('ws1')], exposures: new Map([['ws1', preparing]]) });
    expect(d.records.find((r) => r.name === 'ws1-svc1')?.values).toEqual([PUBLIC_TM]);
    expect(d.routes).toHaveLength(1);
    expect(endpointStatus(d, 'dpl-eastus-private', 'z1')).toBe('Disabled');
    expect(endpointStatus(d, 'dpl-eastus-public', 'z1')).toBe('Enabled');
  });

  it('derives nothing for a workspace in an unknown region or cluster', () => {
    const lost = workspace('lost', { region: 'mars' });
    const d = desiredState({ config, workspaces: [lost], connections: [connection('lost')] });
    expect(d.records).toEqual([]);
    expect(d.routes).toEqual([]);
  });
});
