import { normaliseArmId, type ConnectionDecision } from '../connection';
import { isNormalDnsName, normaliseDnsName } from '../dns-name';
import type { DnsRecordSet } from '../dns-record';
import { routeKeyString, type Route } from '../route';
import type { TrafficEndpoint } from '../traffic';

/*
 * One spelling per resource, so that "equal modulo normalisation" is plain equality:
 * names are lower-case without the root dot, value lists are sorted (Azure returns them in any
 * order), and a missing TTL is the configured default.
 */

/** Sorted, without repeats; the input array itself when it already is (values are never mutated). */
const sortedUnique = (values: string[]): string[] => {
  if (isStrictlySorted(values)) return values;
  const sorted = [...values].sort();
  return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
};

const isStrictlySorted = (values: string[]): boolean => {
  for (let i = 1; i < values.length; i++) if ((values[i - 1] as string) >= (values[i] as string)) return false;
  return true;
};

const isSorted = (values: string[]): boolean => {
  for (let i = 1; i < values.length; i++) if ((values[i - 1] as string) > (values[i] as string)) return false;
  return true;
};

/** Maps names to their normal spelling, reusing the array when nothing changes. */
const normaliseNames = (names: string[]): string[] => {
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (normaliseDnsName(name) !== name) return names.map(normaliseDnsName);
  }
  return names;
};

export function normaliseRecord(r: DnsRecordSet, defaultTtl: number): DnsRecordSet {
  // Already normal (what desired state and our own writes produce): no copy, which keeps a 10,000-workspace plan fast.
  if (r.ttl !== undefined && isNormalDnsName(r.zone) && isNormalDnsName(r.name) && (r.workspace === undefined || isNormalDnsName(r.workspace))) {
    const normalValues = r.type === 'CNAME' ? normaliseNames(r.values) : r.type === 'A' ? sortedUnique(r.values) : isSorted(r.values) ? r.values : undefined;
    if (normalValues === r.values && (r.type !== 'A' || r.values.every((v) => v === v.trim()))) return r;
  }
  const values =
    r.type === 'CNAME'
      ? normaliseNames(r.values)
      : r.type === 'A'
        ? sortedUnique(r.values.map((v) => v.trim()))
        : // TXT strings are case-sensitive and may repeat; only their order is not significant.
          isSorted(r.values)
          ? r.values
          : [...r.values].sort();
  const out: DnsRecordSet = {
    zone: normaliseDnsName(r.zone),
    name: normaliseDnsName(r.name),
    type: r.type,
    values,
    ttl: r.ttl ?? defaultTtl,
  };
  if (r.owner !== undefined) out.owner = r.owner;
  if (r.workspace !== undefined) out.workspace = r.workspace.toLowerCase();
  return out;
}

/* Keys are taken from normalised values (normalise first, then key). */

export const recordKey = (r: DnsRecordSet): string => `${r.zone}|${r.name}|${r.type}`;

export function normaliseRoute(r: Route): Route {
  if (isNormalDnsName(r.workspace) && isNormalDnsName(r.backend) && sortedUnique(normaliseNames(r.hosts)) === r.hosts) return r;
  const out: Route = {
    privateLinkServiceId: r.privateLinkServiceId,
    linkId: r.linkId,
    workspace: r.workspace.toLowerCase(),
    hosts: sortedUnique(normaliseNames(r.hosts)),
    backend: normaliseDnsName(r.backend),
    generation: r.generation,
  };
  if (r.owner !== undefined) out.owner = r.owner;
  return out;
}

export const routeKey = (r: Route): string => routeKeyString(r);

export function normaliseEndpoint(e: TrafficEndpoint): TrafficEndpoint {
  return { profile: e.profile, endpoint: e.endpoint, target: normaliseDnsName(e.target), status: e.status };
}

export const endpointKey = (e: TrafficEndpoint): string => `${e.profile.toLowerCase()}|${e.endpoint.toLowerCase()}`;

export function normaliseConnection(c: ConnectionDecision): ConnectionDecision {
  const out: ConnectionDecision = { id: c.id, privateLinkServiceId: c.privateLinkServiceId, state: c.state };
  if (c.workspace !== undefined) out.workspace = c.workspace.toLowerCase();
  if (c.description !== undefined) out.description = c.description;
  return out;
}

export const connectionKey = (c: ConnectionDecision): string => normaliseArmId(c.id);

const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/* Equality of normalised resources: the fields a write would change. */

export const sameRecord = (a: DnsRecordSet, b: DnsRecordSet): boolean =>
  a.ttl === b.ttl && a.owner === b.owner && a.workspace === b.workspace && sameList(a.values, b.values);

// The generation is a guard, not content: a route is rewritten when what the proxy enforces differs.
export const sameRoute = (a: Route, b: Route): boolean =>
  a.workspace === b.workspace && a.backend === b.backend && a.owner === b.owner && sameList(a.hosts, b.hosts);

// Only the status is ours: a target that differs is infrastructure's business, never a change we could make.
export const sameEndpoint = (a: TrafficEndpoint, b: TrafficEndpoint): boolean => a.status === b.status;

// Only the approval state is ours to decide; descriptions are free text from whoever decided last.
export const sameConnection = (a: ConnectionDecision, b: ConnectionDecision): boolean => a.state === b.state;

/** `raw` spells the normal name `normal`; the common Azure spelling (a root dot) costs no allocation. */
const sameName = (raw: string, normal: string): boolean =>
  raw === normal ||
  (raw.length === normal.length + 1 && raw.charCodeAt(raw.length - 1) === 46 && raw.startsWith(normal)) ||
  normaliseDnsName(raw) === normal;

/**
 * Whether a record as read from Azure equals a normalised desired record, without normalising the
 * read one first: tens of thousands of unchanged records per plan should cost no copies.
 */
export function recordMatches(raw: DnsRecordSet, desired: DnsRecordSet, defaultTtl: number): boolean {
  if ((raw.ttl ?? defaultTtl) !== desired.ttl || raw.owner !== desired.owner) return false;
  if (raw.workspace !== desired.workspace && (raw.workspace === undefined || raw.workspace.toLowerCase() !== desired.workspace)) return false;
  const a = raw.values;
  const b = desired.values;
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length && same; i++) same = raw.type === 'CNAME' ? sameName(a[i] as string, b[i] as string) : a[i] === b[i];
    if (same) return true;
  }
  // Reordered, repeated or padded values: compare the slow, certain way.
  return sameRecord(normaliseRecord(raw, defaultTtl), desired);
}
