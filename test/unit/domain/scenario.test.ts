import { desiredState, type DesiredInput } from '../../../shared/domain/desired';
import { complete, exposuresOf, next, request, settled, wantedPaths, type FlipState } from '../../../shared/domain/flip';
import { applyPlan } from '../../../shared/domain/plan/apply';
import { plan, policiesOf } from '../../../shared/domain/plan/plan';
import { renderText } from '../../../shared/domain/plan/render';
import type { ActualResources } from '../../../shared/domain/plan/types';
import type { DnsRecordSet } from '../../../shared/domain/dns-record';
import { config, connection, SUB_CONTOSO, workspace } from './builders';

/*
 * One workspace's life through the whole pure core: desired state → plan → (pretend) apply, the way
 * the workspace orchestration drives it. Each stage asserts what the plan did, then that a second
 * plan is empty.
 */
const TTL = config.defaultTtl;
const T0 = Date.UTC(2026, 2, 1);
const ZONE = 'privatelink.eastus.dicom.example.com';
const foreign: DnsRecordSet = { zone: ZONE, name: 'hand-made', type: 'A', values: ['10.9.9.9'], ttl: 300, owner: 'ops-team' };

function infrastructure(): ActualResources {
  // Infrastructure created every ingress endpoint (disabled) and someone hand-made a record in our zone.
  const endpoints = desiredState({ config, workspaces: [], connections: [] }).endpoints.map((value) => ({ value, etag: 'e0' }));
  return { connections: [], routes: [], records: [{ value: foreign, etag: 'x' }], endpoints };
}

function converge(input: DesiredInput, actual: ActualResources): { actual: ActualResources; text: string } {
  const options = { ownerId: config.ownerId, defaultTtl: TTL, policies: policiesOf(input.workspaces) };
  const p = plan(desiredState(input), actual, options);
  const after = applyPlan(p, actual, TTL);
  expect(plan(desiredState(input), after, options).changes).toEqual([]);
  expect(after.records).toContainEqual({ value: foreign, etag: 'x' });
  return { actual: after, text: renderText(p) };
}

const cnameOf = (actual: ActualResources, name: string) => actual.records.find((r) => r.value.name === name)?.value.values[0];
const statusOf = (actual: ActualResources, profile: string) => actual.endpoints.find((e) => e.value.profile === profile && e.value.endpoint === 'z1')?.value.status;

describe('a workspace goes private and then drops public access', () => {
  it('converges at every step and never leaves it unreachable', () => {
    const ws = workspace('ws1', { approval: { autoApproveSubscriptions: [SUB_CONTOSO], rejectSubscriptions: [] }, generation: 1 });

    // 1. A public workspace.
    let { actual, text } = converge({ config, workspaces: [ws], connections: [] }, infrastructure());
    expect(text).toContain('+ dns privatelink.eastus.dicom.example.com|ws1-svc1|CNAME');
    expect(cnameOf(actual, 'ws1-svc1')).toBe('dpl-eastus-public.trafficmanager.net');
    expect(statusOf(actual, 'dpl-eastus-public')).toBe('Enabled');

    // 2. A consumer from an auto-approved subscription connects: approval, route and private path in one plan.
    const pending = connection('ws1', { state: 'Pending', linkId: 305419896 });
    ({ actual, text } = converge({ config, workspaces: [ws], connections: [pending] }, { ...actual, connections: [{ value: { id: pending.id, privateLinkServiceId: pending.privateLinkServiceId, workspace: 'ws1', state: 'Pending' }, etag: 'c0' }] }));
    expect(text).toMatch(/~ connection .*: Pending ⇒ Approved/);
    expect(actual.routes.map((r) => r.value.linkId)).toEqual([305419896]);
    expect(cnameOf(actual, 'ws1')).toBe('z1-eastus-aks.internal.dicom.example.com');
    expect(statusOf(actual, 'dpl-eastus-private')).toBe('Enabled');
    expect(cnameOf(actual, 'ws1-svc1')).toBe('dpl-eastus-public.trafficmanager.net');

    // 3. Public access is disabled (generation 2): a staged flip from both paths to private only.
    const approved = { ...pending, state: 'Approved' as const };
    const closed = { ...ws, publicNetworkAccess: 'Disabled' as const, generation: 2 };
    let flip: FlipState = request(settled('ws1', wantedPaths(true, true), 1, TTL), wantedPaths(false, true), 2);
    let now = T0;
    const seen: string[] = [];
    for (let guard = 0; guard < 10 && flip.stage !== 'settled'; guard++) {
      const step = next(flip, now);
      seen.push(step.type);
      if (step.type === 'wait') {
        now = step.until;
        continue;
      }
      flip = complete(flip, step, now);
      ({ actual } = converge({ config, workspaces: [closed], connections: [approved], exposures: exposuresOf([flip]) }, actual));
      // Reachable throughout: the names resolve to a profile whose ingress is enabled.
      const target = cnameOf(actual, 'ws1-svc1');
      expect(target).toBeDefined();
      expect(statusOf(actual, target === 'dpl-eastus-public.trafficmanager.net' ? 'dpl-eastus-public' : 'dpl-eastus-private')).toBe('Enabled');
    }
    expect(seen).toEqual(['prepare', 'enable', 'wait', 'disable', 'wait', 'finish']);
    expect(cnameOf(actual, 'ws1-svc1')).toBe('dpl-eastus-private.trafficmanager.net');
    expect(statusOf(actual, 'dpl-eastus-public')).toBe('Disabled');
    expect(actual.routes).toHaveLength(1);

    // 4. Settled: the flip is over and plain desired state agrees with what the flip left behind.
    ({ actual } = converge({ config, workspaces: [closed], connections: [approved] }, actual));
    expect(statusOf(actual, 'dpl-eastus-private')).toBe('Enabled');
  });
});
