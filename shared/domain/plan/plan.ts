import type { Policy, Workspace } from '../workspace';
import { diffKind } from './diff';
import { applyOwnership } from './ownership';
import { applyPolicy, type PolicyOf } from './policy';
import { specs as kindSpecs, type KindSpec } from './spec';
import { KINDS, type ActualResources, type Change, type DesiredResources, type Kind, type Plan, type Skipped } from './types';

export interface PlanOptions {
  /** Identity stamped on what this control plane writes; nothing else is ever updated or deleted. */
  ownerId: string;
  /** Seconds; a record without a TTL is compared as if it had this one. */
  defaultTtl: number;
  /** Policy per workspace name; changes of workspaces not listed use `defaultPolicy`. */
  policies?: ReadonlyMap<string, Policy>;
  defaultPolicy?: Policy;
}

export const policiesOf = (workspaces: ReadonlyArray<Workspace>): Map<string, Policy> =>
  new Map(workspaces.map((w) => [w.name, w.policy]));

/**
 * The plan that takes `actual` to `desired` for what this owner controls: diff each kind, hold back
 * what policy forbids, then drop anything not ours. Pure and deterministic: the same inputs in any
 * order give the same plan.
 */
export function plan(desired: DesiredResources, actual: ActualResources, options: PlanOptions): Plan {
  const specs = kindSpecs(options.defaultTtl);
  const policyOf: PolicyOf = (workspace) =>
    (workspace === undefined ? undefined : options.policies?.get(workspace)) ?? options.defaultPolicy ?? 'sync';

  const pairs: { [K in Kind]: [DesiredResources[keyof DesiredResources], ActualResources[keyof ActualResources]] } = {
    connection: [desired.connections, actual.connections],
    route: [desired.routes, actual.routes],
    dns: [desired.records, actual.records],
    traffic: [desired.endpoints, actual.endpoints],
  };
  const candidates: Change[] = [];
  const skipped: Skipped[] = [];
  for (const kind of KINDS) {
    const spec = specs[kind] as KindSpec<Kind>;
    const [d, a] = pairs[kind];
    const diff = diffKind(spec, d as never, a as never);
    for (const change of diff.changes) {
      // A record nobody asked for and we do not own is someone else's business, not a skipped change.
      if (change.action === 'delete' && !spec.owner(change.old.value, options.ownerId)) continue;
      candidates.push(change);
    }
    skipped.push(...diff.skipped);
  }
  const byPolicy = applyPolicy(candidates, policyOf);
  const byOwner = applyOwnership(byPolicy.changes, specs, options.ownerId);
  return {
    ownerId: options.ownerId,
    changes: byOwner.changes.sort(compareChanges),
    skipped: [...skipped, ...byPolicy.skipped, ...byOwner.skipped].sort((a, b) => compareChanges(a.change, b.change) || cmp(a.reason, b.reason)),
  };
}

const KIND_RANK: Record<Kind, number> = { connection: 0, route: 1, dns: 2, traffic: 3 };
const ACTION_RANK = { create: 0, update: 1, delete: 2 } as const;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const compareChanges = (a: Change, b: Change): number =>
  KIND_RANK[a.kind] - KIND_RANK[b.kind] || cmp(a.key, b.key) || ACTION_RANK[a.action] - ACTION_RANK[b.action];

export const isEmpty = (p: Plan): boolean => p.changes.length === 0;

export function summarise(p: Plan): { create: number; update: number; delete: number; skipped: number } {
  const s = { create: 0, update: 0, delete: 0, skipped: p.skipped.length };
  for (const c of p.changes) s[c.action] += 1;
  return s;
}
