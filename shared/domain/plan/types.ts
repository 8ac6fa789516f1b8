import type { ConnectionDecision } from '../connection';
import type { DnsRecordSet } from '../dns-record';
import type { Route } from '../route';
import type { TrafficEndpoint } from '../traffic';

/** The resource kinds the planner diffs, in the order a plan lists (and an orchestration applies) them. */
export const KINDS = ['connection', 'route', 'dns', 'traffic'] as const;
export type Kind = (typeof KINDS)[number];

export interface ResourceByKind {
  connection: ConnectionDecision;
  route: Route;
  dns: DnsRecordSet;
  traffic: TrafficEndpoint;
}

/** A resource as read from its store; the etag is what a conditional write sends back as If-Match. */
export interface Observed<T> {
  value: T;
  etag?: string;
}

export type ChangeOf<K extends Kind> =
  | { kind: K; action: 'create'; key: string; workspace?: string; new: ResourceByKind[K] }
  | { kind: K; action: 'update'; key: string; workspace?: string; old: Observed<ResourceByKind[K]>; new: ResourceByKind[K] }
  | { kind: K; action: 'delete'; key: string; workspace?: string; old: Observed<ResourceByKind[K]> };

export type Change = { [K in Kind]: ChangeOf<K> }[Kind];
export type Action = Change['action'];

export const SKIP_REASONS = ['policy', 'not-owned', 'stale', 'absent', 'conflict'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A change the planner found but will not make, with the reason a human needs to act on it. */
export interface Skipped {
  change: Change;
  reason: SkipReason;
  detail: string;
}

export interface Plan {
  ownerId: string;
  changes: Change[];
  skipped: Skipped[];
}

export interface Resources<Wrap extends 'desired' | 'actual'> {
  connections: Wrap extends 'desired' ? ConnectionDecision[] : Observed<ConnectionDecision>[];
  routes: Wrap extends 'desired' ? Route[] : Observed<Route>[];
  records: Wrap extends 'desired' ? DnsRecordSet[] : Observed<DnsRecordSet>[];
  endpoints: Wrap extends 'desired' ? TrafficEndpoint[] : Observed<TrafficEndpoint>[];
}
export type DesiredResources = Resources<'desired'>;
export type ActualResources = Resources<'actual'>;
