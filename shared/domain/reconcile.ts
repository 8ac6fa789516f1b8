// What one reconciliation looks at. A workspace's orchestration owns the records, routes and
// connection decisions of that workspace; the sweep owns what is shared by the fleet (Traffic
// Manager endpoints, enabled per cluster by usage) and what no live workspace claims (orphans).
// Both cut the same desired state and the same facts, so their plans never disagree.
import type { Configuration } from './config';
import { normaliseArmId, type PrivateEndpointConnection } from './connection';
import { desiredState, type ConnectionNote } from './desired';
import type { DnsRecordSet } from './dns-record';
import { wantedPaths, type Exposure, type FlipState, type Paths } from './flip';
import { plan, policiesOf, type Plan } from './plan';
import type { ActualResources, DesiredResources, Observed } from './plan/types';
import type { Route } from './route';
import type { TrafficEndpoint } from './traffic';
import type { Workspace } from './workspace';

/** Everything read from the stores for one reconciliation, with etags. */
export interface Facts {
  config: Configuration;
  workspaces: Workspace[];
  connections: Observed<PrivateEndpointConnection>[];
  routes: Observed<Route>[];
  records: Observed<DnsRecordSet>[];
  endpoints: Observed<TrafficEndpoint>[];
  exposures?: Array<[string, Exposure]>;
  /** The flip state of the workspace a per-workspace read is about. */
  flip?: Observed<FlipState>;
}

export interface Reconciliation {
  plan: Plan;
  notes: ConnectionNote[];
}

function resources(facts: Facts): { desired: DesiredResources; actual: ActualResources; notes: ConnectionNote[] } {
  const d = desiredState({
    config: facts.config,
    workspaces: facts.workspaces,
    connections: facts.connections.map((c) => c.value),
    ...(facts.exposures ? { exposures: new Map(facts.exposures) } : {}),
  });
  const actual: ActualResources = {
    connections: facts.connections.map((c) => ({
      value: { id: c.value.id, privateLinkServiceId: c.value.privateLinkServiceId, workspace: c.value.workspace, state: c.value.state, ...(c.value.description === undefined ? {} : { description: c.value.description }) },
      ...(c.etag === undefined ? {} : { etag: c.etag }),
    })),
    routes: facts.routes,
    records: facts.records,
    endpoints: facts.endpoints,
  };
  return { desired: { connections: d.connections, routes: d.routes, records: d.records, endpoints: d.endpoints }, actual, notes: d.notes };
}

const options = (facts: Facts) => ({
  ownerId: facts.config.ownerId,
  defaultTtl: facts.config.defaultTtl,
  policies: policiesOf(facts.workspaces),
  defaultPolicy: facts.config.defaultPolicy,
});

/** The plan for one workspace: its connections, routes and records, nothing shared. `exposure` overrides the stored flip's (a flip step in progress). */
export function reconcileWorkspace(facts: Facts, workspace: string, exposure?: Exposure): Reconciliation {
  const withExposure: Facts = exposure ? { ...facts, exposures: [...(facts.exposures ?? []).filter(([w]) => w !== workspace), [workspace, exposure]] } : facts;
  const { desired, actual, notes } = resources(withExposure);
  const mine = <T extends { workspace?: string }>(x: T) => x.workspace === workspace;
  const p = plan(
    { connections: desired.connections.filter(mine), routes: desired.routes.filter(mine), records: desired.records.filter(mine), endpoints: [] },
    {
      connections: actual.connections.filter((c) => mine(c.value)),
      routes: actual.routes.filter((r) => mine(r.value)),
      records: actual.records.filter((r) => mine(r.value)),
      endpoints: [],
    },
    options(facts),
  );
  return { plan: p, notes: notes.filter((n) => n.workspace === workspace) };
}

/** The plan for what the fleet shares (endpoints) and what no live workspace claims (orphans). */
export function reconcileFleet(facts: Facts): Reconciliation {
  const { desired, actual, notes } = resources(facts);
  const live = new Set(facts.workspaces.map((w) => w.name));
  const orphan = <T extends { workspace?: string }>(x: T) => x.workspace === undefined || !live.has(x.workspace);
  const p = plan(
    { connections: [], routes: [], records: [], endpoints: desired.endpoints },
    {
      connections: [],
      routes: actual.routes.filter((r) => orphan(r.value)),
      records: actual.records.filter((r) => orphan(r.value)),
      endpoints: actual.endpoints,
    },
    options(facts),
  );
  return { plan: p, notes: notes.filter((n) => n.workspace === undefined || !live.has(n.workspace)) };
}

/** Connections of the workspace's region (its Private Link Services) that name it. */
export function connectionsOf(config: Configuration, workspace: Workspace | undefined, connections: PrivateEndpointConnection[]): PrivateEndpointConnection[] {
  if (!workspace) return [];
  const services = new Set(config.regions.find((r) => r.name === workspace.region)?.privateLinkServices.map(normaliseArmId) ?? []);
  return connections.filter((c) => c.workspace === workspace.name && services.has(normaliseArmId(c.privateLinkServiceId)));
}

/** The paths the workspace asks for now: public while public access is enabled, private once a connection is approved (or would be, by policy). */
export function wantedPathsOf(facts: Facts, workspace: string): Paths {
  const w = facts.workspaces.find((x) => x.name === workspace);
  if (!w) return { public: false, private: false };
  const d = desiredState({ config: facts.config, workspaces: [w], connections: facts.connections.map((c) => c.value) });
  const approved = d.connections.some((c) => c.workspace === workspace && c.state === 'Approved');
  return wantedPaths(w.publicNetworkAccess === 'Enabled', approved);
}
