import { specs as kindSpecs, type KindSpec } from './spec';
import type { ActualResources, Change, Kind, Observed, Plan, ResourceByKind } from './types';

const FIELD: { [K in Kind]: keyof ActualResources } = {
  connection: 'connections',
  route: 'routes',
  dns: 'records',
  traffic: 'endpoints',
};

/**
 * What the world looks like after every change of `plan` succeeded: the in-memory model of the
 * adapters, used by tests and dry runs. Skipped changes are, by definition, not applied.
 */
export function applyPlan(p: Plan, actual: ActualResources, defaultTtl: number): ActualResources {
  const specs = kindSpecs(defaultTtl);
  const out: ActualResources = { connections: [], routes: [], records: [], endpoints: [] };
  for (const kind of Object.keys(FIELD) as Kind[]) {
    const spec = specs[kind] as KindSpec<Kind>;
    const rows = new Map<string, Observed<ResourceByKind[Kind]>>();
    for (const row of actual[FIELD[kind]] as Observed<ResourceByKind[Kind]>[]) rows.set(spec.key(spec.normalise(row.value)), row);
    for (const change of p.changes as Change[]) {
      if (change.kind !== kind) continue;
      if (change.action === 'delete') rows.delete(change.key);
      else rows.set(change.key, { value: change.new });
    }
    (out[FIELD[kind]] as Observed<ResourceByKind[Kind]>[]) = [...rows.values()];
  }
  return out;
}
