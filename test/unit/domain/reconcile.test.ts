import { reconcileFleet, reconcileWorkspace, wantedPathsOf, type Facts } from '../../../shared/domain/reconcile';
import { config, connection, SUB_CONTOSO, workspace } from './builders';

const facts = (over: Partial<Facts> = {}): Facts => ({ config, workspaces: [], connections: [], routes: [], records: [], endpoints: [], ...over });

describe('the cut of one reconciliation', () => {
  test('a workspace plan touches only that workspace and never Traffic Manager endpoints', () => {
    const a = workspace('alpha');
    const b = workspace('beta');
    const f = facts({ workspaces: [a, b], connections: [{ value: connection('alpha') }, { value: connection('beta') }] });
    const p = reconcileWorkspace(f, 'alpha').plan;
    expect(p.changes.length).toBeGreaterThan(0);
    expect(p.changes.every((c) => c.workspace === 'alpha')).toBe(true);
    expect(p.changes.some((c) => c.kind === 'traffic')).toBe(false);
  });

  test('the fleet plan holds the endpoints and the orphans, and nothing of live workspaces', () => {
    const a = workspace('alpha');
    const orphan = { zone: 'privatelink.eastus.dicom.example.com', name: 'gone-svc1', type: 'CNAME' as const, values: ['x.trafficmanager.net'], ttl: 60, owner: 'dpl-test', workspace: 'gone' };
    const live = { ...orphan, name: 'alpha-svc1', workspace: 'alpha' };
    const endpoint = { profile: 'dpl-eastus-public', endpoint: 'z1', target: 'z1-eastus-aks.public.dicom.example.com', status: 'Disabled' as const };
    const p = reconcileFleet(facts({ workspaces: [a], records: [{ value: orphan, etag: '1' }, { value: live, etag: '2' }], endpoints: [{ value: endpoint, etag: 'e' }] })).plan;
    expect(p.changes.map((c) => [c.kind, c.action, c.key.includes('gone') || c.kind === 'traffic'])).toEqual(
      expect.arrayContaining([
        ['dns', 'delete', true],
        ['traffic', 'update', true],
      ]),
    );
    expect(p.changes.some((c) => c.kind === 'dns' && c.key.includes('alpha'))).toBe(false);
  });

  test('an exposure override plans a flip step: privateReady without resolving privately', () => {
    const a = workspace('alpha');
    const f = facts({ workspaces: [a], connections: [{ value: connection('alpha') }] });
    const p = reconcileWorkspace(f, 'alpha', { public: true, private: false, privateReady: true, resolveTo: 'public' }).plan;
    const records = p.changes.filter((c) => c.kind === 'dns' && c.action === 'create').map((c) => (c.action === 'create' && c.kind === 'dns' ? c.new : undefined));
    expect(records.find((r) => r?.name === 'alpha-svc1')?.values).toEqual(['dpl-eastus-public.trafficmanager.net']);
    expect(records.find((r) => r?.name === 'alpha')).toBeDefined();
    expect(p.changes.some((c) => c.kind === 'route' && c.action === 'create')).toBe(true);
  });

  test('wanted paths follow public access and approvals, including approvals policy would grant now', () => {
    const pending = connection('alpha', { state: 'Pending', requestingSubscription: SUB_CONTOSO });
    expect(wantedPathsOf(facts({ workspaces: [workspace('alpha')], connections: [{ value: pending }] }), 'alpha')).toEqual({ public: true, private: false });
    const auto = workspace('alpha', { approval: { autoApproveSubscriptions: [SUB_CONTOSO] }, publicNetworkAccess: 'Disabled' });
    expect(wantedPathsOf(facts({ workspaces: [auto], connections: [{ value: pending }] }), 'alpha')).toEqual({ public: false, private: true });
    expect(wantedPathsOf(facts(), 'nobody')).toEqual({ public: false, private: false });
  });
});
