// Operations: orchestrations by status (running, failed, or all), newest first, each with its
// history and errors on request.
import { api, enc } from '../api.js';
import { badge, h, Region, stateTone, when } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import type { OperationStatus, OperationWithHistory } from '../types.js';
import { historyTable } from './workspace.js';

const FILTERS = {
  attention: { label: 'Running or failed', status: 'Running,Pending,ContinuedAsNew,Suspended,Failed,Terminated' },
  active: { label: 'Running or pending', status: 'Running,Pending,ContinuedAsNew,Suspended' },
  failed: { label: 'Failed or terminated', status: 'Failed,Terminated' },
  all: { label: 'All', status: '' },
} as const;
type FilterKey = keyof typeof FILTERS;

function errorOf(op: OperationStatus): string | null {
  if (op.error) return typeof op.error === 'string' ? op.error : JSON.stringify(op.error);
  const failed = (op.customStatus as { failed?: Array<{ kind: string; error: string }> } | null)?.failed;
  return failed?.length ? failed.map((f) => `${f.kind}: ${f.error}`).join('; ') : null;
}

export function operationsPage(_ctx: PageContext): Page {
  let filter: FilterKey = 'attention';
  const open = new Set<string>();
  const histories = new Map<string, OperationWithHistory>();
  const list = new Region(h('div'));
  let last: OperationStatus[] = [];

  const render = () =>
    list.update({ last, open: [...open], histories: [...histories.entries()] }, () => {
      if (last.length === 0) return h('p', { class: 'empty' }, `No operations (${FILTERS[filter].label.toLowerCase()}).`);
      return h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'responsive operations' },
          h('caption', { class: 'visually-hidden' }, `Operations: ${FILTERS[filter].label}`),
          h('thead', {}, h('tr', {}, ['Instance', 'Orchestration', 'Status', 'Stage', 'Error', 'Created', 'Updated', 'History'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            last.flatMap((op) => {
              const expanded = open.has(op.instanceId);
              const detailId = `history-${op.instanceId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
              const stage = (op.customStatus as { stage?: string } | null)?.stage;
              const error = errorOf(op);
              const row = h(
                'tr',
                { 'data-instance': op.instanceId },
                h('th', { scope: 'row', 'data-label': 'Instance' }, h('span', { class: 'mono' }, op.instanceId)),
                h('td', { 'data-label': 'Orchestration' }, op.name ?? '—'),
                h('td', { 'data-label': 'Status' }, badge(op.runtimeStatus, stateTone(op.runtimeStatus))),
                h('td', { 'data-label': 'Stage' }, stage ? badge(stage, stateTone(stage)) : '—'),
                h('td', { 'data-label': 'Error', class: error ? 'error-text' : '' }, error ?? '—'),
                h('td', { 'data-label': 'Created' }, when(op.createdTime)),
                h('td', { 'data-label': 'Updated' }, when(op.lastUpdatedTime)),
                h(
                  'td',
                  { 'data-label': 'History' },
                  h(
                    'button',
                    {
                      type: 'button',
                      'aria-expanded': expanded ? 'true' : 'false',
                      'aria-controls': detailId,
                      'data-focus-key': `history-${op.instanceId}`,
                      onclick: () => {
                        if (expanded) open.delete(op.instanceId);
                        else open.add(op.instanceId);
                        void loadHistories().then(render);
                      },
                    },
                    expanded ? 'Hide' : 'Show',
                    h('span', { class: 'visually-hidden' }, ` history of ${op.instanceId}`),
                  ),
                ),
              );
              if (!expanded) return [row];
              const hist = histories.get(op.instanceId);
              return [row, h('tr', { id: detailId, class: 'detail' }, h('td', { colspan: 8 }, hist ? historyTable(hist.history, 50) : h('p', {}, 'Loading…')))];
            }),
          ),
        ),
      );
    });

  const loadHistories = async () => {
    for (const id of [...histories.keys()]) if (!open.has(id)) histories.delete(id);
    await Promise.all(
      [...open].map(async (id) => {
        try {
          histories.set(id, await api<OperationWithHistory>('GET', `/operations/${enc(id)}/history`));
        } catch {
          open.delete(id);
        }
      }),
    );
  };

  const select = h(
    'select',
    {
      id: 'ops-filter',
      onchange: () => {
        filter = select.value as FilterKey;
        void refresh();
      },
    },
    (Object.keys(FILTERS) as FilterKey[]).map((k) => h('option', { value: k, ...(k === filter ? { selected: true } : {}) }, FILTERS[k].label)),
  );

  const refresh = async () => {
    const status = FILTERS[filter].status;
    const { value } = await api<{ value: OperationStatus[] }>('GET', `/operations?top=200${status ? `&status=${status}` : ''}`);
    last = value;
    await loadHistories();
    render();
  };

  return {
    title: 'Operations',
    mount(root) {
      root.append(h('h1', {}, 'Operations'), h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'ops-filter' }, 'Show'), select)), list.el);
    },
    refresh,
  };
}
