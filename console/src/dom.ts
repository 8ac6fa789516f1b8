// Building the DOM from data without innerHTML: every value from the API becomes a text node, so a
// workspace or certificate name can never inject markup.

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = { [name: string]: AttrValue | ((event: Event) => void) };

function apply(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
}

function append(el: Element, children: Array<Child | Child[]>): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/**
 * A part of the page that polling re-renders. It is only rebuilt when its data changed, and the
 * control that had keyboard focus (marked with data-focus-key) gets it back, so a 2 s refresh never
 * throws a keyboard or screen reader user out of the table they are reading.
 */
export class Region {
  #last: string | undefined;
  constructor(readonly el: HTMLElement) {}

  update(data: unknown, render: () => Child | Child[]): void {
    const key = JSON.stringify(data);
    if (key === this.#last) return;
    this.#last = key;
    const active = document.activeElement;
    const focusKey = active instanceof HTMLElement && this.el.contains(active) ? active.dataset.focusKey : undefined;
    const out = render();
    this.el.replaceChildren();
    append(this.el, Array.isArray(out) ? out : [out]);
    if (!focusKey) return;
    const again = this.el.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) return again.focus();
    // The control is gone (an Approve button after the approval): keep focus in this part of the
    // page rather than dropping it to the top of the document.
    this.el.tabIndex = -1;
    this.el.focus({ preventScroll: true });
  }

  /** Forces the next update to render even if the data is the same (e.g. after a sort or filter change). */
  invalidate(): void {
    this.#last = undefined;
  }
}

/** A data table; `cards: false` keeps narrow tables (few short columns) as tables on a phone too. */
export function table(caption: string, headers: string[], rows: Child[][], opts: { empty?: string; className?: string; cards?: boolean } = {}): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, opts.empty ?? `No ${caption.toLowerCase()}.`);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: `${opts.cards === false ? 'compact' : 'responsive'} ${opts.className ?? ''}`.trim() },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        rows.map((r) => h('tr', {}, r.map((cell, i) => h('td', { 'data-label': headers[i] ?? '' }, cell)))),
      ),
    ),
  );
}

export function section(title: string, id: string, ...children: Array<Child | Child[]>): HTMLElement {
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function when(value: string | number | null | undefined): Child {
  if (value === null || value === undefined || value === '') return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return h('time', { datetime: d.toISOString() }, timeFormat.format(d));
}

/** "in 4 s", "3 min ago": how far a moment is from now, for waits and last updates. */
export function relative(value: string | number, now = Date.now()): string {
  const ms = new Date(value).getTime() - now;
  const abs = Math.abs(ms);
  const [n, unit] = abs < 60_000 ? [Math.round(abs / 1000), 's'] : abs < 3_600_000 ? [Math.round(abs / 60_000), 'min'] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), 'h'] : [Math.round(abs / 86_400_000), 'd'];
  return ms >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

export function badge(text: string, tone: 'ok' | 'warn' | 'bad' | 'info' | 'muted'): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text);
}

export function stateTone(state: string): 'ok' | 'warn' | 'bad' | 'info' | 'muted' {
  switch (state) {
    case 'Ready':
    case 'Completed':
    case 'Approved':
    case 'Enabled':
    case 'done':
    case 'scheduled':
      return 'ok';
    case 'Pending':
    case 'Running':
    case 'ContinuedAsNew':
    case 'due':
    case 'flipping':
    case 'applying':
    case 'planning':
    case 'waiting':
      return 'warn';
    case 'Failed':
    case 'Terminated':
    case 'Rejected':
    case 'expired':
    case 'failed':
    case 'no-version':
      return 'bad';
    case 'Disabled':
    case 'Disconnected':
    case 'NotReady':
      return 'muted';
    default:
      return 'info';
  }
}
