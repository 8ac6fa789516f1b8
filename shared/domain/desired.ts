import { privateZoneOf, type Cluster, type Configuration, type Region } from './config';
import { normaliseArmId, type ConnectionDecision, type ConnectionState, type PrivateEndpointConnection } from './connection';
import type { DnsRecordSet } from './dns-record';
import { settledExposure, wantedPaths, type Exposure } from './flip';
import type { Route } from './route';
import type { TrafficEndpoint } from './traffic';
import type { Workspace } from './workspace';

/** Everything the control plane wants to exist, derived from the facts; the planner compares it with what does. */
export interface DesiredState {
  connections: ConnectionDecision[];
  routes: Route[];
  records: DnsRecordSet[];
  endpoints: TrafficEndpoint[];
  /** Why a connection is left as it is; shown by the admin API. */
  notes: ConnectionNote[];
}

export interface ConnectionNote {
  connectionId: string;
  workspace: string | undefined;
  reason: 'unknown-workspace' | 'other-region' | 'awaiting-approval' | 'auto-approved' | 'auto-rejected';
}

export interface DesiredInput {
  config: Configuration;
  workspaces: ReadonlyArray<Workspace>;
  connections: ReadonlyArray<PrivateEndpointConnection>;
  /** Exposure per workspace while a flip is in progress; a workspace not listed is exposed as it asks. */
  exposures?: ReadonlyMap<string, Exposure>;
}

/** Public and privatelink names of every service; the proxy admits exactly these for the workspace. */
export function workspaceHosts(config: Configuration, workspace: Workspace): string[] {
  const hosts: string[] = [];
  for (const service of workspace.services) {
    hosts.push(`${workspace.name}-${service.name}.${config.domain}`);
    hosts.push(`${workspace.name}-${service.name}.privatelink.${config.domain}`);
  }
  return hosts.sort();
}

/** The per-workspace private record: proxy backend for every route of the workspace, and what moves it between clusters. */
export const backendName = (config: Configuration, region: Region, workspace: Workspace): string =>
  `${workspace.name}.${privateZoneOf(config, region)}`;

/** How a Pending connection should be decided under the workspace's approval rules; other states are kept. */
export function decideConnection(
  connection: PrivateEndpointConnection,
  workspace: Workspace | undefined,
  regionServices: ReadonlySet<string> | undefined,
): { state: ConnectionState; reason: ConnectionNote['reason'] | undefined } {
  if (!workspace) return { state: connection.state, reason: connection.state === 'Pending' ? 'unknown-workspace' : undefined };
  if (!regionServices || !regionServices.has(normaliseArmId(connection.privateLinkServiceId))) {
    return { state: connection.state, reason: connection.state === 'Pending' ? 'other-region' : undefined };
  }
  if (connection.state !== 'Pending') return { state: connection.state, reason: undefined };
  const subscription = connection.requestingSubscription.toLowerCase();
  if (workspace.approval.rejectSubscriptions.includes(subscription)) return { state: 'Rejected', reason: 'auto-rejected' };
  if (workspace.approval.autoApproveSubscriptions.includes(subscription)) return { state: 'Approved', reason: 'auto-approved' };
  return { state: 'Pending', reason: 'awaiting-approval' };
}

export function desiredState(input: DesiredInput): DesiredState {
  const { config } = input;
  const regions = new Map(config.regions.map((r) => [r.name, r]));
  const servicesOf = new Map(config.regions.map((r) => [r.name, new Set(r.privateLinkServices.map(normaliseArmId))]));
  const workspaces = new Map(input.workspaces.map((w) => [w.name, w]));

  const connections: ConnectionDecision[] = [];
  const notes: ConnectionNote[] = [];
  const approved = new Map<string, PrivateEndpointConnection[]>();
  for (const c of input.connections) {
    const workspace = c.workspace === undefined ? undefined : workspaces.get(c.workspace);
    const region = workspace && regions.get(workspace.region);
    const decision = decideConnection(c, workspace, workspace && servicesOf.get(workspace.region));
    connections.push({
      id: c.id,
      privateLinkServiceId: c.privateLinkServiceId,
      workspace: workspace?.name,
      state: decision.state,
      ...(c.description === undefined ? {} : { description: c.description }),
    });
    if (decision.reason) notes.push({ connectionId: c.id, workspace: c.workspace, reason: decision.reason });
    if (workspace && decision.state === 'Approved' && region) {
      const list = approved.get(workspace.name);
      if (list) list.push(c);
      else approved.set(workspace.name, [c]);
    }
  }

  const routes: Route[] = [];
  const records: DnsRecordSet[] = [];
  // Per region and cluster once, not per workspace: one zone string shared by all its records, one usage slot.
  const zones = new Map(config.regions.map((r) => [r.name, privateZoneOf(config, r)]));
  const usage = new Map<Cluster, { public: boolean; private: boolean }>();
  for (const workspace of input.workspaces) {
    const region = regions.get(workspace.region);
    if (!region) continue;
    const cluster = region.clusters.find((c) => c.name === workspace.cluster);
    if (!cluster) continue;
    const mine = approved.get(workspace.name) ?? [];
    const exposure =
      input.exposures?.get(workspace.name) ??
      settledExposure(wantedPaths(workspace.publicNetworkAccess === 'Enabled', mine.length > 0));
    const zone = zones.get(region.name) as string;
    const owner = config.ownerId;
    const ttl = config.defaultTtl;
    const ws = workspace.name;

    if (exposure.resolveTo) {
      const target = region.trafficManager[exposure.resolveTo].fqdn;
      for (const service of workspace.services) {
        records.push({ zone, name: `${ws}-${service.name}`, type: 'CNAME', values: [target], ttl, owner, workspace: ws });
      }
    }
    if (exposure.privateReady) {
      records.push({ zone, name: ws, type: 'CNAME', values: [cluster.privateIngress], ttl, owner, workspace: ws });
      const hosts = workspaceHosts(config, workspace);
      const backend = backendName(config, region, workspace);
      for (const c of mine) {
        routes.push({
          privateLinkServiceId: c.privateLinkServiceId,
          linkId: c.linkId,
          workspace: workspace.name,
          hosts,
          backend,
          generation: workspace.generation,
          owner: config.ownerId,
        });
      }
    }
    const used = usage.get(cluster) ?? { public: false, private: false };
    used.public ||= exposure.public;
    used.private ||= exposure.private;
    usage.set(cluster, used);
  }

  const endpoints: TrafficEndpoint[] = [];
  for (const region of config.regions) {
    for (const cluster of region.clusters) {
      const used = usage.get(cluster) ?? { public: false, private: false };
      endpoints.push(endpoint(region.trafficManager.public.name, cluster, cluster.publicIngress, used.public));
      endpoints.push(endpoint(region.trafficManager.private.name, cluster, cluster.privateIngress, used.private));
    }
  }
  return { connections, routes, records, endpoints, notes };
}

// An ingress is served by its profile only while some workspace uses that path and the cluster is not drained.
const endpoint = (profile: string, cluster: Cluster, target: string, used: boolean): TrafficEndpoint => ({
  profile,
  endpoint: cluster.name,
  target,
  status: used && !cluster.maintenance ? 'Enabled' : 'Disabled',
});
