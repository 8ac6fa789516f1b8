// Certificates: the expiry timeline, each certificate's versions, its renewal and the state of its
// rollout (the `cert:<name>` orchestration), and a rotate button for admins.
import { api, ApiError, enc } from '../api.js';
import { currentOf, timeline } from '../chart.js';
import { badge, h, Region, section, stateTone, table, when } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import type { Certificate, OperationStatus } from '../types.js';

export function certificatesPage(ctx: PageContext): Page {
  const chart = new Region(h('div', { class: 'chart' }));
  const list = new Region(h('div'));
  const message = h('p', { class: 'form-message', role: 'status', id: 'cert-message' });
  const busy = new Set<string>();

  const rotate = async (name: string) => {
    busy.add(name);
    list.invalidate();
    try {
      await api('POST', `/certificates/${enc(name)}/rotate`);
      message.textContent = `Rotation of ${name} started.`;
      message.classList.remove('error');
      ctx.announce(`Rotation of ${name} started`);
    } catch (err) {
      message.textContent = `Rotating ${name} failed: ${(err as Error).message}`;
      message.classList.add('error');
    } finally {
      busy.delete(name);
      ctx.refreshSoon();
    }
  };

  const render = (certs: Certificate[], rollouts: Array<OperationStatus | null>) => {
    const now = Date.now();
    // Redraw the chart when versions or renewals change, every minute so "now" moves, and when its width changes.
    // The chart is drawn for the space it has (the wrap's padding and border taken off); a resize shows at the next poll.
    const width = Math.max((chart.el.clientWidth || document.documentElement.clientWidth - 40) - 20, 0);
    chart.update({ certs, minute: Math.floor(now / 60_000), width: Math.round(width / 20) }, () => section('Expiry timeline', 'h-timeline', h('div', { class: 'chart-wrap' }, timeline(certs, now, width)), h('ul', { class: 'legend', 'aria-hidden': 'true' }, h('li', { class: 'current' }, 'current version'), h('li', { class: 'older' }, 'other versions'), h('li', { class: 'renewal' }, 'next renewal'), h('li', { class: 'nowline' }, 'now'))));
    list.update({ certs, rollouts, busy: [...busy], admin: ctx.admin }, () =>
      certs.length === 0
        ? h('p', { class: 'empty' }, 'No certificates in the vault.')
        : certs.map((c, i) => {
            const op = rollouts[i] ?? null;
            const custom = (op?.customStatus ?? {}) as { stage?: string; created?: boolean; verified?: string };
            const current = currentOf(c, now);
            const id = `cert-${i}`;
            return h(
              'section',
              { class: 'panel cert', 'aria-labelledby': id, 'data-certificate': c.name },
              h(
                'div',
                { class: 'title-row' },
                h('h2', { id }, h('span', { class: 'mono' }, c.name)),
                badge(c.purpose, 'info'),
                badge(`renewal ${c.renewal.status}`, stateTone(c.renewal.status)),
                ctx.admin
                  ? h(
                      'button',
                      { type: 'button', class: 'primary', 'data-focus-key': `rotate-${c.name}`, 'aria-label': `Rotate ${c.name}`, disabled: busy.has(c.name), onclick: () => void rotate(c.name) },
                      'Rotate',
                    )
                  : null,
              ),
              h(
                'dl',
                { class: 'facts' },
                h('dt', {}, 'Next renewal'),
                h('dd', {}, c.renewal.schedule ? when(c.renewal.schedule.at) : c.renewal.status === 'expired' ? 'now: expired' : '—'),
                h('dt', {}, 'Rollout'),
                h(
                  'dd',
                  { 'data-testid': 'rollout' },
                  op ? [badge(op.runtimeStatus, stateTone(op.runtimeStatus)), ' ', custom.stage ?? '', custom.verified ? ` (verified ${custom.verified})` : '', ' · ', when(op.lastUpdatedTime)] : 'never rotated by the control plane',
                ),
              ),
              table(
                `Versions of ${c.name}`,
                ['Version', 'Not before', 'Not after', 'Thumbprint', ''],
                [...c.versions]
                  .sort((a, b) => b.notBefore - a.notBefore)
                  .map((v) => [h('span', { class: 'mono' }, v.version.slice(0, 16)), when(v.notBefore), when(v.notAfter), h('span', { class: 'mono' }, v.thumbprint.slice(0, 16)), v.version === current ? badge('current', 'ok') : v.notAfter < now ? badge('expired', 'bad') : '']),
                { className: 'versions' },
              ),
            );
          }),
    );
  };

  return {
    title: 'Certificates',
    mount(root) {
      root.append(h('h1', {}, 'Certificates'), message, chart.el, list.el);
    },
    async refresh() {
      const { value } = await api<{ value: Certificate[] }>('GET', '/certificates');
      const rollouts = await Promise.all(
        value.map((c) =>
          api<OperationStatus>('GET', `/operations/${enc(`cert:${c.name.toLowerCase()}`)}`).catch((err: unknown) => {
            if (err instanceof ApiError && err.status === 404) return null;
            throw err;
          }),
        ),
      );
      render(value, rollouts);
    },
  };
}
