import type { KindSpec } from './spec';
import type { Change, Kind, Skipped } from './types';

type Specs = { [K in Kind]: KindSpec<K> };

/**
 * The last filter: a change may replace or remove only what this control plane wrote. Creates need no
 * check (the key is free and we stamp our owner on the new value).
 */
export function applyOwnership(changes: Change[], specs: Specs, ownerId: string): { changes: Change[]; skipped: Skipped[] } {
  const kept: Change[] = [];
  const skipped: Skipped[] = [];
  for (const change of changes) {
    if (change.action === 'create' || ownedBy(change, specs, ownerId)) {
      kept.push(change);
      continue;
    }
    const holder = 'owner' in change.old.value && change.old.value.owner !== undefined ? change.old.value.owner : 'nobody';
    skipped.push({ change, reason: 'not-owned', detail: `${change.key} is owned by ${holder}, not ${ownerId}` });
  }
  return { changes: kept, skipped };
}

function ownedBy(change: Exclude<Change, { action: 'create' }>, specs: Specs, ownerId: string): boolean {
  const spec = specs[change.kind] as KindSpec<Kind>;
  return spec.owner(change.old.value, ownerId);
}
