import { normaliseDnsName } from '../dns-name';
import type { KeyPart } from './key-table';
import type { Kind, ResourceByKind } from './types';
import {
  connectionKey,
  endpointKey,
  normaliseConnection,
  normaliseEndpoint,
  normaliseRecord,
  normaliseRoute,
  recordKey,
  recordMatches,
  routeKey,
  sameConnection,
  sameEndpoint,
  sameRecord,
  sameRoute,
} from './normalise';

/** What the planner needs to know about one kind of resource; the diff itself is kind-agnostic. */
export interface KindSpec<K extends Kind> {
  kind: K;
  /** Identity of a normalised value, as text for plans and logs. */
  key(v: ResourceByKind[K]): string;
  /** The same identity as up to three parts, for lookups without building strings (see KeyTable). */
  part1(v: ResourceByKind[K]): KeyPart;
  part2(v: ResourceByKind[K]): KeyPart;
  part3(v: ResourceByKind[K]): KeyPart;
  normalise(v: ResourceByKind[K]): ResourceByKind[K];
  same(a: ResourceByKind[K], b: ResourceByKind[K]): boolean;
  /** `same(normalise(actual), desired)` for a normalised `desired`, possibly without normalising `actual`. */
  matches(actual: ResourceByKind[K], desired: ResourceByKind[K]): boolean;
  /** The value to write, given what is there; lets a kind change only the fields it owns. */
  merge(actual: ResourceByKind[K], desired: ResourceByKind[K]): ResourceByKind[K];
  owner(v: ResourceByKind[K], ownerId: string): boolean;
  workspace(v: ResourceByKind[K]): string | undefined;
  /** Whether the control plane creates and deletes this kind, or only changes existing ones. */
  lifecycle: 'managed' | 'update-only';
  /** A desired value older than the actual one (by generation) must not overwrite it. */
  stale?(actual: ResourceByKind[K], desired: ResourceByKind[K]): boolean;
}

const none = (): KeyPart => '';

export function specs(defaultTtl: number): { [K in Kind]: KindSpec<K> } {
  return {
    connection: {
      kind: 'connection',
      key: connectionKey,
      part1: connectionKey,
      part2: none,
      part3: none,
      normalise: normaliseConnection,
      same: sameConnection,
      matches: (actual, desired) => sameConnection(normaliseConnection(actual), desired),
      merge: (actual, desired) => ({ ...actual, state: desired.state }),
      // Every connection on our Private Link Services is ours to decide; there is no other approver.
      owner: () => true,
      workspace: (c) => c.workspace,
      lifecycle: 'update-only',
    },
    route: {
      kind: 'route',
      key: routeKey,
      part1: (r) => r.linkId,
      part2: (r) => r.privateLinkServiceId.toLowerCase(),
      part3: none,
      normalise: normaliseRoute,
      same: sameRoute,
      matches: (actual, desired) => sameRoute(normaliseRoute(actual), desired),
      merge: (_actual, desired) => desired,
      owner: (r, ownerId) => r.owner === ownerId,
      workspace: (r) => r.workspace,
      lifecycle: 'managed',
      stale: (actual, desired) => desired.generation < actual.generation,
    },
    dns: {
      kind: 'dns',
      key: recordKey,
      part1: (r) => normaliseDnsName(r.zone),
      part2: (r) => r.type,
      part3: (r) => normaliseDnsName(r.name),
      normalise: (r) => normaliseRecord(r, defaultTtl),
      same: sameRecord,
      matches: (actual, desired) => recordMatches(actual, desired, defaultTtl),
      merge: (_actual, desired) => desired,
      owner: (r, ownerId) => r.owner === ownerId,
      workspace: (r) => r.workspace,
      lifecycle: 'managed',
    },
    traffic: {
      kind: 'traffic',
      key: endpointKey,
      part1: (e) => e.profile.toLowerCase(),
      part2: (e) => e.endpoint.toLowerCase(),
      part3: none,
      normalise: normaliseEndpoint,
      same: sameEndpoint,
      matches: (actual, desired) => sameEndpoint(normaliseEndpoint(actual), desired),
      // Infrastructure owns an endpoint's existence and target; we only switch its status.
      merge: (actual, desired) => ({ ...actual, status: desired.status }),
      owner: () => true,
      workspace: () => undefined,
      lifecycle: 'update-only',
    },
  };
}
