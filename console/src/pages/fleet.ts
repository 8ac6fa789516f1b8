// Fleet: every workspace with its state and conditions, counts by state, a filter, sortable
// columns, and (for admins) a form to create a workspace.
import { api, ApiError, enc } from '../api.js';
import { badge, h, Region, stateTone, when, type Child } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import type { Fleet, FleetEntry, WorkspaceState } from '../types.js';

const STATES: WorkspaceState[] = ['Ready', 'Pending', 'Failed', 'NotReady'];
// Failed first when sorting by state: what needs attention comes to the top.
const STATE_ORDER: Record<WorkspaceState, number> = { Failed: 0, Pending: 1, NotReady: 2, Ready: 3 };

type SortKey = 'name' | 'state' | 'region' | 'cluster' | 'pendingConnections' | 'generation' | 'lastUpdatedTime';
const COLUMNS: Array<{ key: SortKey | null; label: string }> = [
  { key: 'name', label: 'Workspace' },
  { key: 'state', label: 'State' },
  { key: null, label: 'Why' },
  { key: 'region', label: 'Region' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'pendingConnections', label: 'Awaiting approval' },
  { key: 'generation', label: 'Generation' },
  { key: null, label: 'Conditions' },
  { key: 'lastUpdatedTime', label: 'Last reconciled' },
];

function compare(a: FleetEntry, b: FleetEntry, key: SortKey): number {
  switch (key) {
    case 'state':
      return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    case 'pendingConnections':
    case 'generation':
      return a[key] - b[key];
    case 'lastUpdatedTime':
      return (a.lastUpdatedTime ?? '').localeCompare(b.lastUpdatedTime ?? '');
    default:
      return a[key].localeCompare(b[key]);
  }
}

export function fleetPage(ctx: PageContext): Page {
  let data: Fleet | undefined;
  let filterText = '';
  let stateFilter: WorkspaceState | '' = '';
  let sort: { key: SortKey; dir: 1 | -1 } = { key: 'state', dir: 1 };
  const counts = new Region(h('div', { class: 'counts-region' }));
  const list = new Region(h('div'));
  const formRegion = new Region(h('div'));

  const renderCounts = () => {
    if (!data) return;
    const d = data;
    counts.update({ counts: d.counts, stateFilter }, () =>
      h(
        'ul',
        { class: 'counts', 'aria-label': 'Workspaces by state' },
        h('li', {}, h('span', { class: 'count-total' }, h('strong', {}, d.value.length), d.value.length === 1 ? ' workspace' : ' workspaces')),
        STATES.map((st) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: `count ${stateTone(st)}`,
                'aria-pressed': stateFilter === st ? 'true' : 'false',
                'data-focus-key': `count-${st}`,
                'data-state': st,
                onclick: () => {
                  stateFilter = stateFilter === st ? '' : st;
                  select.value = stateFilter;
                  render();
                },
              },
              h('strong', { 'data-testid': `count-${st}` }, d.counts[st]),
              ' ',
              st === 'NotReady' ? 'Not ready' : st,
            ),
          ),
        ),
      ),
    );
  };

  const renderList = () => {
    if (!data) return;
    const needle = filterText.trim().toLowerCase();
    const rows = data.value
      .filter((w) => !stateFilter || w.state === stateFilter)
      .filter((w) => !needle || [w.name, w.region, w.cluster].some((x) => x.toLowerCase().includes(needle)))
      .sort((a, b) => compare(a, b, sort.key) * sort.dir || a.name.localeCompare(b.name));
    list.update({ rows, sort }, () => {
      if (data!.value.length === 0) return h('p', { class: 'empty' }, 'No workspaces yet.');
      if (rows.length === 0) return h('p', { class: 'empty' }, 'No workspace matches the filter.');
      const header = COLUMNS.map((c) => {
        if (!c.key) return h('th', { scope: 'col' }, c.label);
        const key = c.key;
        const active = sort.key === key;
        return h(
          'th',
          { scope: 'col', 'aria-sort': active ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none' },
          h(
            'button',
            {
              type: 'button',
              class: 'sort',
              'data-focus-key': `sort-${key}`,
              onclick: () => {
                sort = { key, dir: active ? ((-sort.dir) as 1 | -1) : 1 };
                render();
              },
            },
            c.label,
            h('span', { 'aria-hidden': 'true', class: 'sort-mark' }, active ? (sort.dir === 1 ? ' ▲' : ' ▼') : ' ↕'),
          ),
        );
      });
      const cell = (label: string, ...content: Child[]) => h('td', { 'data-label': label }, ...content);
      return h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'responsive fleet', id: 'fleet-table' },
          h('caption', { class: 'visually-hidden' }, `Workspaces, sorted by ${sort.key} ${sort.dir === 1 ? 'ascending' : 'descending'}`),
          h('thead', {}, h('tr', {}, header)),
          h(
            'tbody',
            {},
            rows.map((w) =>
              h(
                'tr',
                { 'data-workspace': w.name },
                h('th', { scope: 'row', 'data-label': 'Workspace' }, h('a', { href: `#/workspace/${enc(w.name)}`, 'data-focus-key': `ws-${w.name}` }, w.name)),
                cell('State', h('span', { 'data-testid': 'state' }, badge(w.state === 'NotReady' ? 'Not ready' : w.state, stateTone(w.state)))),
                cell('Why', w.reasons.length ? h('ul', { class: 'reasons' }, w.reasons.map((r) => h('li', {}, r))) : '—'),
                cell('Region', w.region),
                cell('Cluster', w.cluster),
                cell('Awaiting approval', w.pendingConnections),
                cell('Generation', w.generation),
                cell(
                  'Conditions',
                  h(
                    'ul',
                    { class: 'conditions' },
                    w.conditions
                      .filter((c) => c.type !== 'Ready' && c.type !== 'LastPlanChanges')
                      .map((c) => {
                        // OwnerMismatch and Throttled are problems when true; the rest when false.
                        const inverted = c.type === 'OwnerMismatch' || c.type === 'Throttled';
                        const good = inverted ? !c.status : c.status;
                        const label = inverted && !c.status ? `no ${c.type}` : c.type;
                        return h('li', { class: good ? 'cond ok' : 'cond bad' }, h('span', { 'aria-hidden': 'true' }, good ? '✓ ' : '✗ '), label, h('span', { class: 'visually-hidden' }, good ? '' : ' (problem)'));
                      }),
                  ),
                ),
                cell('Last reconciled', w.lastUpdatedTime ? when(w.lastUpdatedTime) : 'never'),
              ),
            ),
          ),
        ),
      );
    });
  };

  const renderForm = () => {
    if (!ctx.admin || !data) return;
    const regions = data.regions;
    formRegion.update(regions, () => {
      const message = h('p', { class: 'form-message', role: 'status' });
      const region = h('select', { id: 'new-region', name: 'region', required: true }, regions.map((r) => h('option', { value: r.name }, r.name)));
      const cluster = h('select', { id: 'new-cluster', name: 'cluster', required: true });
      const fillClusters = () => cluster.replaceChildren(...(regions.find((r) => r.name === region.value)?.clusters ?? []).map((c) => h('option', { value: c }, c)));
      region.addEventListener('change', fillClusters);
      fillClusters();
      const name = h('input', { id: 'new-name', name: 'name', required: true, minlength: 3, maxlength: 24, pattern: '[A-Za-z0-9]([A-Za-z0-9\\-]*[A-Za-z0-9])?', autocomplete: 'off', 'aria-describedby': 'new-name-help' });
      const servicesInput = h('input', { id: 'new-services', name: 'services', value: 'dicom', autocomplete: 'off', 'aria-describedby': 'new-services-help' });
      const access = h('select', { id: 'new-access', name: 'publicNetworkAccess' }, h('option', { value: 'Enabled' }, 'Enabled'), h('option', { value: 'Disabled' }, 'Disabled'));
      const form = h(
        'form',
        { class: 'new-workspace', id: 'new-workspace' },
        h('div', { class: 'field' }, h('label', { for: 'new-name' }, 'Name'), name, h('small', { id: 'new-name-help' }, '3–24 letters, digits and inner hyphens')),
        h('div', { class: 'field' }, h('label', { for: 'new-region' }, 'Region'), region),
        h('div', { class: 'field' }, h('label', { for: 'new-cluster' }, 'Cluster'), cluster),
        h('div', { class: 'field' }, h('label', { for: 'new-services' }, 'DICOM services'), servicesInput, h('small', { id: 'new-services-help' }, 'comma-separated')),
        h('div', { class: 'field' }, h('label', { for: 'new-access' }, 'Public network access'), access),
        h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create workspace')),
        message,
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (!form.reportValidity()) return;
        const wsName = name.value.trim().toLowerCase();
        const services = servicesInput.value.split(',').map((x) => x.trim()).filter(Boolean).map((x) => ({ name: x }));
        void api('PUT', `/workspaces/${enc(wsName)}`, { region: region.value, cluster: cluster.value, services, publicNetworkAccess: access.value })
          .then(() => {
            message.textContent = `Workspace ${wsName} created; reconciling.`;
            message.classList.remove('error');
            ctx.announce(`Workspace ${wsName} created`);
            name.value = '';
            ctx.refreshSoon();
          })
          .catch((err: unknown) => {
            const problem = err instanceof ApiError ? err.problem : undefined;
            message.textContent = problem?.errors?.length ? problem.errors.map((x) => `${x.path}: ${x.reason}`).join('; ') : (err as Error).message;
            message.classList.add('error');
          });
      });
      return h('details', { class: 'panel' }, h('summary', {}, 'New workspace'), form);
    });
  };

  const select = h(
    'select',
    {
      id: 'state-filter',
      onchange: () => {
        stateFilter = select.value as WorkspaceState | '';
        render();
      },
    },
    h('option', { value: '' }, 'Any state'),
    STATES.map((st) => h('option', { value: st }, st === 'NotReady' ? 'Not ready' : st)),
  );

  // The same sort as the column headers, for phone widths where the table's header row is hidden.
  const sortSelect = h(
    'select',
    {
      id: 'fleet-sort',
      onchange: () => {
        const [key, dir] = sortSelect.value.split(':') as [SortKey, string];
        sort = { key, dir: dir === 'desc' ? -1 : 1 };
        render();
      },
    },
    COLUMNS.flatMap((c) => (c.key ? [h('option', { value: `${c.key}:asc` }, `${c.label} ↑`), h('option', { value: `${c.key}:desc` }, `${c.label} ↓`)] : [])),
  );

  const render = () => {
    sortSelect.value = `${sort.key}:${sort.dir === 1 ? 'asc' : 'desc'}`;
    renderCounts();
    renderList();
    renderForm();
  };

  return {
    title: 'Fleet',
    mount(root) {
      const filter = h('input', {
        id: 'fleet-filter',
        type: 'search',
        placeholder: 'name, region or cluster',
        autocomplete: 'off',
        oninput: () => {
          filterText = filter.value;
          renderList();
        },
      });
      root.append(
        h('h1', {}, 'Fleet'),
        counts.el,
        formRegion.el,
        h(
          'div',
          { class: 'toolbar', role: 'search' },
          h('div', { class: 'field' }, h('label', { for: 'fleet-filter' }, 'Filter'), filter),
          h('div', { class: 'field' }, h('label', { for: 'state-filter' }, 'State'), select),
          h('div', { class: 'field' }, h('label', { for: 'fleet-sort' }, 'Sort by'), sortSelect),
        ),
        list.el,
      );
    },
    async refresh() {
      data = await api<Fleet>('GET', '/fleet');
      render();
    },
  };
}
