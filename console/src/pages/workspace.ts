// Workspace: its state and conditions, connections (approve / reject for admins), the dry-run plan
// as a diff, the flip's current step, routes, DNS records, Traffic Manager endpoints, and its
// reconciliation with recent history.
import { api, ApiError, enc } from '../api.js';
import { badge, h, Region, relative, section, stateTone, table, when, type Child } from '../dom.js';
import { renderPlan } from '../diff.js';
import type { Page, PageContext } from '../page.js';
import type { Connection, HistoryEvent, OperationWithHistory, PlanDocument, Resources, WorkspaceView } from '../types.js';

const paths = (p: { public: boolean; private: boolean }): string => [p.public ? 'public' : '', p.private ? 'private' : ''].filter(Boolean).join(' + ') || 'none';

export function historyTable(events: HistoryEvent[], limit = 20): HTMLElement {
  const recent = events.slice(-limit).reverse();
  return table(
    'History',
    ['Time', 'Event', 'Function / name', 'Detail'],
    recent.map((e) => [
      when(e.Timestamp),
      e.EventType,
      e.FunctionName ?? e.Name ?? '—',
      e.Reason ? h('span', { class: 'error-text' }, `${e.Reason}${e.Details ? `: ${e.Details}` : ''}`) : e.OrchestrationStatus ? e.OrchestrationStatus : e.FireAt ? `timer for ${new Date(e.FireAt).toLocaleTimeString()}` : '',
    ]),
    { empty: 'No history yet.', cards: false, className: 'history' },
  );
}

export function workspacePage(ctx: PageContext, name: string): Page {
  const header = new Region(h('div'));
  const conditions = new Region(h('div'));
  const connections = new Region(h('div'));
  const plan = new Region(h('div'));
  const flip = new Region(h('div'));
  const resources = new Region(h('div'));
  const operations = new Region(h('div'));
  const message = h('p', { class: 'form-message', role: 'status', id: 'action-message' });
  const busy = new Set<string>();

  const act = async (label: string, key: string, fn: () => Promise<unknown>) => {
    busy.add(key);
    connections.invalidate();
    header.invalidate();
    try {
      await fn();
      message.textContent = `${label}: done.`;
      message.classList.remove('error');
      ctx.announce(`${label}: done`);
    } catch (err) {
      message.textContent = `${label} failed: ${err instanceof ApiError ? err.message : (err as Error).message}`;
      message.classList.add('error');
    } finally {
      busy.delete(key);
      ctx.refreshSoon();
    }
  };

  const renderHeader = (v: WorkspaceView) =>
    header.update({ v: { ...v, reconcile: null }, busy: [...busy] }, () => [
      h(
        'div',
        { class: 'title-row' },
        h('h1', {}, 'Workspace ', h('span', { class: 'mono' }, v.workspace.name)),
        h('span', { 'data-testid': 'workspace-state' }, badge(v.state === 'NotReady' ? 'Not ready' : v.state, stateTone(v.state))),
        ctx.admin
          ? h(
              'button',
              {
                type: 'button',
                'data-focus-key': 'reconcile',
                disabled: busy.has('reconcile'),
                onclick: () => void act('Reconcile', 'reconcile', () => api('POST', `/workspaces/${enc(name)}/reconcile`)),
              },
              'Reconcile now',
            )
          : null,
      ),
      v.reasons.length ? h('ul', { class: 'reasons' }, v.reasons.map((r) => h('li', {}, r))) : null,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Region / cluster'),
        h('dd', {}, `${v.workspace.region} / ${v.workspace.cluster}`),
        h('dt', {}, 'Public network access'),
        h('dd', {}, v.workspace.publicNetworkAccess),
        h('dt', {}, 'Policy'),
        h('dd', {}, v.workspace.policy),
        h('dt', {}, 'Services'),
        h('dd', {}, v.workspace.services.map((x) => x.name).join(', ') || '—'),
        h('dt', {}, 'Generation'),
        h('dd', {}, v.generation),
        h('dt', {}, 'Next certificate renewal'),
        h('dd', {}, when(v.nextRenewal)),
        v.lastError ? [h('dt', {}, 'Last error'), h('dd', { class: 'error-text' }, `${v.lastError.kind}: ${v.lastError.error}`)] : null,
      ),
    ]);

  const renderConditions = (v: WorkspaceView) =>
    conditions.update(v.conditions, () =>
      section(
        'Conditions',
        'h-conditions',
        table(
          'Conditions',
          ['Condition', 'Status', 'Detail'],
          v.conditions.map((c) => [c.type, badge(String(c.status), c.type === 'OwnerMismatch' || c.type === 'Throttled' || c.type === 'LastPlanChanges' ? (c.status ? 'warn' : 'ok') : c.status ? 'ok' : 'bad'), c.reason ?? (c.count === undefined ? '' : `${c.count} change${c.count === 1 ? '' : 's'} in the last plan`)]),
          { cards: false },
        ),
      ),
    );

  const renderConnections = (list: Connection[]) =>
    connections.update({ list, busy: [...busy], admin: ctx.admin }, () =>
      section(
        'Private endpoint connections',
        'h-connections',
        table(
          'Private endpoint connections',
          ['Connection', 'State', 'LinkID', 'Private IP', 'Subscription', 'Why', ...(ctx.admin ? ['Decision'] : [])],
          list.map((c) => [
            h('span', { class: 'mono', 'data-connection': c.name }, c.name),
            badge(c.state, stateTone(c.state)),
            c.linkId,
            c.privateIp ?? '—',
            h('span', { class: 'mono' }, c.requestingSubscription),
            c.note ?? c.description ?? '—',
            ...(ctx.admin
              ? [
                  h(
                    'div',
                    { class: 'button-row' },
                    c.state !== 'Approved'
                      ? h(
                          'button',
                          {
                            type: 'button',
                            class: 'primary',
                            'data-focus-key': `approve-${c.name}`,
                            'aria-label': `Approve ${c.name}`,
                            disabled: busy.has(c.name),
                            onclick: () => void act(`Approve ${c.name}`, c.name, () => api('POST', `/workspaces/${enc(name)}/connections/${enc(c.name)}/approve`, { description: 'approved in the console' })),
                          },
                          'Approve',
                        )
                      : null,
                    c.state !== 'Rejected'
                      ? h(
                          'button',
                          {
                            type: 'button',
                            class: 'danger',
                            'data-focus-key': `reject-${c.name}`,
                            'aria-label': `Reject ${c.name}`,
                            disabled: busy.has(c.name),
                            onclick: () => void act(`Reject ${c.name}`, c.name, () => api('POST', `/workspaces/${enc(name)}/connections/${enc(c.name)}/reject`, { description: 'rejected in the console' })),
                          },
                          'Reject',
                        )
                      : null,
                  ),
                ]
              : []),
          ]),
          { empty: 'No private endpoint connects to this workspace.' },
        ),
      ),
    );

  const renderPlanSection = (p: PlanDocument) => plan.update(p, () => section('Dry run: what a reconciliation would change now', 'h-plan', renderPlan(p)));

  const renderFlip = (v: WorkspaceView) =>
    // While a wait is on, re-render every poll so the countdown moves.
    flip.update({ flip: v.flip, next: v.flipNext, now: v.flipNext?.at ? Date.now() : 0 }, () => {
      const f = v.flip;
      const n = v.flipNext;
      const body: Child[] = f
        ? [
            h(
              'dl',
              { class: 'facts' },
              h('dt', {}, 'Stage'),
              h('dd', { 'data-testid': 'flip-stage' }, badge(f.stage, f.stage === 'settled' ? 'ok' : 'warn')),
              h('dt', {}, 'From → target'),
              h('dd', {}, `${paths(f.from)} → ${paths(f.target)}`),
              h('dt', {}, 'Current step'),
              h('dd', { 'data-testid': 'flip-step' }, n ? n.step : '—'),
              h('dt', {}, 'Next transition'),
              h('dd', { 'data-testid': 'flip-next' }, n?.at ? [when(n.at), ` (${relative(n.at)})`] : n && n.step !== 'idle' ? 'as soon as the orchestration runs the step' : 'none: settled'),
              h('dt', {}, 'DNS TTL waited out'),
              h('dd', {}, `${f.ttlSeconds} s`),
              h('dt', {}, 'Flip generation'),
              h('dd', {}, f.generation),
            ),
          ]
        : [h('p', { class: 'empty' }, 'No flip recorded yet (the workspace has not been reconciled).')];
      return section('Public ↔ private flip', 'h-flip', body);
    });

  const renderResources = (r: Resources) =>
    resources.update(r, () => [
      section(
        'Routes',
        'h-routes',
        table(
          'Routes',
          ['LinkID', 'Hosts', 'Backend', 'Generation'],
          r.routes.map((x) => [x.linkId, h('ul', { class: 'plain' }, x.hosts.map((host) => h('li', { class: 'mono' }, host))), h('span', { class: 'mono' }, x.backend), x.generation]),
          { empty: 'No routes: no approved connection is routed to this workspace.' },
        ),
      ),
      section(
        'Private DNS records',
        'h-dns',
        table(
          'Private DNS records',
          ['Name', 'Type', 'Values', 'TTL', 'Zone'],
          r.dnsRecords.map((x) => [h('span', { class: 'mono' }, x.name), x.type, h('span', { class: 'mono' }, x.values.join(', ')), x.ttl ?? 'default', h('span', { class: 'mono' }, x.zone)]),
          { empty: 'No DNS records.' },
        ),
      ),
      section(
        'Traffic Manager endpoints',
        'h-traffic',
        h('p', { class: 'help' }, 'Endpoints are ingresses shared by the region’s workspaces; those of this workspace’s cluster are marked.'),
        table(
          'Traffic Manager endpoints',
          ['Profile', 'Path', 'Endpoint', 'Target', 'Status', 'This cluster'],
          r.trafficEndpoints.map((x) => [h('span', { class: 'mono' }, x.profile), x.path, x.endpoint, h('span', { class: 'mono' }, x.target), badge(x.status, stateTone(x.status)), x.servesWorkspace ? 'yes' : 'no']),
          { empty: 'No Traffic Manager endpoints in this region.' },
        ),
      ),
    ]);

  const renderOperations = (op: OperationWithHistory | null) =>
    operations.update(op, () => {
      const custom = (op?.customStatus ?? {}) as { stage?: string; attempt?: number };
      return section(
        'Recent operations',
        'h-ops',
        op
          ? [
              table(
                'Reconciliation',
                ['Instance', 'Status', 'Stage', 'Attempt', 'Created', 'Updated'],
                [[h('span', { class: 'mono' }, op.instanceId), badge(op.runtimeStatus, stateTone(op.runtimeStatus)), custom.stage ? badge(custom.stage, stateTone(custom.stage)) : '—', custom.attempt ?? 0, when(op.createdTime), when(op.lastUpdatedTime)]],
              ),
              op.error ? h('p', { class: 'error-text' }, `Error: ${typeof op.error === 'string' ? op.error : JSON.stringify(op.error)}`) : null,
              h('h3', {}, 'Latest history'),
              historyTable(op.history, 15),
            ]
          : h('p', { class: 'empty' }, 'This workspace has not been reconciled yet.'),
      );
    });

  return {
    title: `Workspace ${name}`,
    mount(root) {
      root.append(
        h('p', { class: 'breadcrumb' }, h('a', { href: '#/fleet' }, '← Fleet')),
        header.el,
        message,
        h('div', { class: 'grid' }, conditions.el, flip.el),
        connections.el,
        plan.el,
        resources.el,
        operations.el,
      );
    },
    async refresh() {
      let view: WorkspaceView;
      try {
        view = await api<WorkspaceView>('GET', `/workspaces/${enc(name)}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          header.update('gone', () => [h('h1', {}, 'Workspace ', h('span', { class: 'mono' }, name)), h('p', { class: 'empty' }, 'No such workspace (it may have been deleted).')]);
          return;
        }
        throw err;
      }
      const [conns, p, r, op] = await Promise.all([
        api<{ value: Connection[] }>('GET', `/workspaces/${enc(name)}/connections`),
        api<PlanDocument>('GET', `/workspaces/${enc(name)}/plan`),
        api<Resources>('GET', `/workspaces/${enc(name)}/resources`),
        api<OperationWithHistory>('GET', `/operations/${enc(`ws:${name}`)}/history`).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        }),
      ]);
      renderHeader(view);
      renderConditions(view);
      renderFlip(view);
      renderConnections(conns.value);
      renderPlanSection(p);
      renderResources(r);
      renderOperations(op);
    },
  };
}
