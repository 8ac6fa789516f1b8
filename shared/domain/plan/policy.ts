import type { Policy } from '../workspace';
import type { Action, Change, Skipped } from './types';

/** What each policy lets through, after external-dns's policies; `observe` only reports. */
export const ALLOWED_ACTIONS: Record<Policy, ReadonlySet<Action>> = {
  sync: new Set(['create', 'update', 'delete']),
  'upsert-only': new Set(['create', 'update']),
  'create-only': new Set(['create']),
  observe: new Set(),
};

export type PolicyOf = (workspace: string | undefined) => Policy;

/** Splits changes into those the owning workspace's policy allows and those it holds back. */
export function applyPolicy(changes: Change[], policyOf: PolicyOf): { changes: Change[]; skipped: Skipped[] } {
  const kept: Change[] = [];
  const skipped: Skipped[] = [];
  for (const change of changes) {
    const policy = policyOf(change.workspace);
    if (ALLOWED_ACTIONS[policy].has(change.action)) kept.push(change);
    else skipped.push({ change, reason: 'policy', detail: `policy ${policy} does not allow ${change.action}` });
  }
  return { changes: kept, skipped };
}
