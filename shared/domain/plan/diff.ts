import { KeyTable } from './key-table';
import type { KindSpec } from './spec';
import type { Change, ChangeOf, Kind, Observed, ResourceByKind, Skipped } from './types';

interface Row<T> {
  observed?: Observed<T>;
  claimed: boolean;
}

export interface Diff {
  changes: Change[];
  skipped: Skipped[];
}

/**
 * Pairs desired and actual resources by normalised key:
 *
 *   desired | actual          | outcome
 *   --------+-----------------+---------------------------------------------------------------
 *   x       | (none)          | create (update-only kinds: skipped as absent)
 *   x       | x' same         | nothing
 *   x       | x' different    | update old → new (skipped as stale if x is an older generation)
 *   (none)  | x'              | delete (update-only kinds: left alone)
 *   x, x    | …               | first wins, the rest skipped as conflict
 *
 * Ownership and policy are applied afterwards, so the diff stays a plain comparison.
 */
export function diffKind<K extends Kind>(
  spec: KindSpec<K>,
  desired: ReadonlyArray<ResourceByKind[K]>,
  actual: ReadonlyArray<Observed<ResourceByKind[K]>>,
): Diff {
  const changes: Change[] = [];
  const skipped: Skipped[] = [];
  // One table for both sides; `claimed` marks keys a desired value has taken (conflicts, and what not to delete).
  const table = new KeyTable<Row<ResourceByKind[K]>>();
  const rows: Row<ResourceByKind[K]>[] = [];
  for (const observed of actual) {
    // Parts normalise themselves; the whole value is normalised only if it turns out to differ.
    const v = observed.value;
    const a = spec.part1(v);
    const b = spec.part2(v);
    const c = spec.part3(v);
    const existing = table.get(a, b, c);
    // Two actual rows for one key cannot both be right; the later read wins and the next plan sees the truth.
    if (existing) {
      existing.observed = observed;
      continue;
    }
    const row: Row<ResourceByKind[K]> = { observed, claimed: false };
    table.set(a, b, c, row);
    rows.push(row);
  }
  for (const raw of desired) {
    const value = spec.normalise(raw);
    const a = spec.part1(value);
    const b = spec.part2(value);
    const c = spec.part3(value);
    const row = table.get(a, b, c);
    if (row?.claimed) {
      const key = spec.key(value);
      skipped.push({
        change: { kind: spec.kind, action: 'create', key, ...workspaceOf(spec, value), new: value } as ChangeOf<K> as Change,
        reason: 'conflict',
        detail: `another desired ${spec.kind} already claims ${key}`,
      });
      continue;
    }
    if (!row) {
      table.set(a, b, c, { claimed: true });
      const key = spec.key(value);
      const change = { kind: spec.kind, action: 'create', key, ...workspaceOf(spec, value), new: value } as ChangeOf<K> as Change;
      if (spec.lifecycle === 'update-only') {
        skipped.push({ change, reason: 'absent', detail: `${spec.kind} ${key} does not exist and is created by infrastructure, not the control plane` });
      } else changes.push(change);
      continue;
    }
    row.claimed = true;
    // Unclaimed rows always come from `actual`; only placeholders for creates lack `observed`, and they are claimed.
    const observed = row.observed as Observed<ResourceByKind[K]>;
    if (spec.matches(observed.value, value)) continue;
    const existing = spec.normalise(observed.value);
    const key = spec.key(value);
    const change = {
      kind: spec.kind,
      action: 'update',
      key,
      ...workspaceOf(spec, value),
      old: observed,
      new: spec.merge(existing, value),
    } as ChangeOf<K> as Change;
    if (spec.stale?.(existing, value)) {
      skipped.push({ change, reason: 'stale', detail: `${key} holds a newer generation than the one planned` });
    } else changes.push(change);
  }
  if (spec.lifecycle === 'managed') {
    for (const row of rows) {
      if (row.claimed || !row.observed) continue;
      const normal = spec.normalise(row.observed.value);
      changes.push({ kind: spec.kind, action: 'delete', key: spec.key(normal), ...workspaceOf(spec, normal), old: row.observed } as ChangeOf<K> as Change);
    }
  }
  return { changes, skipped };
}

function workspaceOf<K extends Kind>(spec: KindSpec<K>, value: ResourceByKind[K]): { workspace?: string } {
  const workspace = spec.workspace(value);
  return workspace === undefined ? {} : { workspace };
}
