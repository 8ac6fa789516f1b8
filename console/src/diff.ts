// The dry-run plan as a diff: one block per change, field by field, removed lines in <del> and
// added lines in <ins> (assistive technology announces them as deletions and insertions; the
// signs are for the eye).
import { h, type Child } from './dom.js';
import type { PlanChange, PlanDocument } from './types.js';

const SIGN = { create: '+', update: '~', delete: '-' } as const;
const VERB = { create: 'create', update: 'update', delete: 'delete' } as const;

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function lines(change: PlanChange): Child[] {
  const before = change.action === 'create' ? {} : (change.old?.value ?? {});
  const after = change.action === 'delete' ? {} : (change.new ?? {});
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: Child[] = [];
  for (const f of fields) {
    const a = (before as Record<string, unknown>)[f];
    const b = (after as Record<string, unknown>)[f];
    if (change.action === 'update' && same(a, b)) {
      out.push(h('span', { class: 'line ctx' }, `  ${f}: ${show(a)}`));
      continue;
    }
    if (f in before) out.push(h('del', { class: 'line del' }, `- ${f}: ${show(a)}`));
    if (f in after) out.push(h('ins', { class: 'line add' }, `+ ${f}: ${show(b)}`));
  }
  return out;
}

function block(change: PlanChange, skipped?: { reason: string; detail: string }): HTMLElement {
  return h(
    'li',
    { class: `change ${change.action}${skipped ? ' skipped' : ''}`, 'data-action': change.action, 'data-kind': change.kind },
    h(
      'p',
      { class: 'change-head' },
      h('span', { class: 'sign', 'aria-hidden': 'true' }, skipped ? '!' : SIGN[change.action]),
      ' ',
      h('strong', {}, `${skipped ? 'skipped: ' : ''}${VERB[change.action]} ${change.kind}`),
      ' ',
      h('code', {}, change.key),
      skipped ? h('span', { class: 'skip-reason' }, ` (${skipped.reason}: ${skipped.detail})`) : null,
    ),
    // Each line is a block element, so copying the diff still yields one line per field.
    h('pre', { class: 'diff' }, lines(change)),
  );
}

export function renderPlan(plan: PlanDocument): HTMLElement {
  const s = plan.summary;
  return h(
    'div',
    { class: 'plan' },
    h(
      'p',
      { class: 'plan-summary', 'data-testid': 'plan-summary' },
      `${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.skipped} skipped`,
    ),
    plan.changes.length || plan.skipped.length
      ? h('ol', { class: 'changes', 'aria-label': 'Planned changes' }, plan.changes.map((c) => block(c)), plan.skipped.map((k) => block(k.change, k)))
      : h('p', { class: 'empty' }, 'Nothing to change: Azure matches the desired state.'),
    plan.notes.length
      ? h('ul', { class: 'notes', 'aria-label': 'Notes' }, plan.notes.map((n) => h('li', {}, h('strong', {}, n.reason), n.connectionId ? ` ${n.connectionId.split('/').pop()}` : '', n.detail ? `: ${n.detail}` : '')))
      : null,
  );
}
