import { summarise } from './plan';
import type { Change, Plan, ResourceByKind, Skipped } from './types';

const SIGN = { create: '+', update: '~', delete: '-' } as const;

function describe(change: Change, value: ResourceByKind[Change['kind']]): string {
  switch (change.kind) {
    case 'dns': {
      const r = value as ResourceByKind['dns'];
      return `${r.type} ${r.values.join(',')} ttl=${r.ttl ?? 'default'}`;
    }
    case 'route': {
      const r = value as ResourceByKind['route'];
      return `→ ${r.backend} hosts=${r.hosts.join(',')} gen=${r.generation}`;
    }
    case 'traffic':
      return (value as ResourceByKind['traffic']).status;
    case 'connection':
      return (value as ResourceByKind['connection']).state;
  }
}

function line(change: Change): string {
  const ws = change.workspace === undefined ? '' : ` [${change.workspace}]`;
  const head = `${SIGN[change.action]} ${change.kind} ${change.key}`;
  switch (change.action) {
    case 'create':
      return `${head}: ${describe(change, change.new)}${ws}`;
    case 'update':
      return `${head}: ${describe(change, change.old.value)} ⇒ ${describe(change, change.new)}${ws}`;
    case 'delete':
      return `${head}: ${describe(change, change.old.value)}${ws}`;
  }
}

const skippedLine = (s: Skipped): string => `! ${s.change.action} ${s.change.kind} ${s.change.key} skipped (${s.reason}): ${s.detail}`;

/** The dry run as an operator reads it: a summary line, then one line per change, then what was held back. */
export function renderText(p: Plan): string {
  const s = summarise(p);
  const lines = [`plan for ${p.ownerId}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.skipped} skipped`];
  for (const c of p.changes) lines.push(line(c));
  for (const k of p.skipped) lines.push(skippedLine(k));
  return lines.join('\n') + '\n';
}

export interface PlanDocument {
  ownerId: string;
  summary: ReturnType<typeof summarise>;
  changes: Change[];
  skipped: Skipped[];
}

/** The dry run as the admin API serves it; a plain JSON value that round-trips through JSON.stringify. */
export function renderJson(p: Plan): PlanDocument {
  return JSON.parse(JSON.stringify({ ownerId: p.ownerId, summary: summarise(p), changes: p.changes, skipped: p.skipped })) as PlanDocument;
}
