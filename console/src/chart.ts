// The certificate expiry timeline, drawn by hand in SVG: one row per certificate, one bar per
// version from notBefore to notAfter, the current version solid and the others faded, a marker at
// the next renewal and a line at now. The table beside it carries the same facts as text.
import { h, s } from './dom.js';
import type { Certificate } from './types.js';

// Drawn at the width it is shown (no scaling), so labels keep their size on a phone.
const MAX_WIDTH = 1200;
const MIN_WIDTH = 320;
const RIGHT = 20;
const LANE = 16;
const ROW_GAP = 14;
const AXIS = 34;
const DAY = 86_400_000;

function ticks(from: number, to: number, room: number): number[] {
  const span = to - from;
  const most = Math.max(2, Math.floor(room / 95));
  const steps = [DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY];
  const step = steps.find((x) => span / x <= most) ?? 365 * DAY;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The version served today: the newest that has started (as the server's currentVersion). */
export function currentOf(c: Certificate, now: number): string | undefined {
  return [...c.versions].filter((v) => v.notBefore <= now).sort((a, b) => b.notBefore - a.notBefore || b.version.localeCompare(a.version))[0]?.version;
}

export function timeline(certs: Certificate[], now = Date.now(), width = 960): Element {
  const WIDTH = Math.round(Math.min(Math.max(width, MIN_WIDTH), MAX_WIDTH));
  const LABEL = WIDTH < 600 ? 100 : 170;
  const all = certs.flatMap((c) => c.versions);
  if (all.length === 0) return h('p', { class: 'empty' }, 'No certificate has a version yet.');
  const renewals = certs.flatMap((c) => (c.renewal.schedule ? [c.renewal.schedule.at] : []));
  let from = Math.min(now, ...all.map((v) => v.notBefore));
  let to = Math.max(now, ...all.map((v) => v.notAfter), ...renewals);
  const pad = Math.max((to - from) * 0.03, DAY);
  from -= pad;
  to += pad;
  const x = (t: number) => LABEL + ((t - from) / (to - from)) * (WIDTH - LABEL - RIGHT);

  const rows: Element[] = [];
  let y = AXIS;
  for (const c of certs) {
    const versions = [...c.versions].sort((a, b) => a.notBefore - b.notBefore);
    const current = currentOf(c, now);
    const height = Math.max(versions.length, 1) * LANE;
    rows.push(
      s(
        'g',
        { class: 'cert-row', 'data-certificate': c.name },
        s('text', { x: 8, y: y + height / 2 + 4, class: 'row-label' }, c.name.length > LABEL / 8 ? `${c.name.slice(0, Math.floor(LABEL / 8) - 1)}…` : c.name),
        s('line', { x1: LABEL, x2: WIDTH - RIGHT, y1: y + height + ROW_GAP / 2, y2: y + height + ROW_GAP / 2, class: 'row-rule' }),
        versions.map((v, i) => {
          const x1 = x(v.notBefore);
          const w = Math.max(x(v.notAfter) - x1, 2);
          const state = v.version === current ? 'current' : v.notAfter < now ? 'expired' : v.notBefore > now ? 'future' : 'older';
          return s(
            'rect',
            { x: x1, y: y + i * LANE + 2, width: w, height: LANE - 4, rx: 3, class: `bar ${state}`, 'data-version': v.version },
            s('title', {}, `${c.name} version ${v.version.slice(0, 12)} (${state}): ${day(v.notBefore)} → ${day(v.notAfter)}`),
          );
        }),
        c.renewal.schedule
          ? s(
              'path',
              { d: `M ${x(c.renewal.schedule.at)} ${y - 2} l 6 -6 h -12 z`, class: 'renewal-mark' },
              s('title', {}, `${c.name}: next renewal ${day(c.renewal.schedule.at)} (${c.renewal.status})`),
            )
          : null,
      ),
    );
    y += height + ROW_GAP;
  }
  const height = y + 4;
  return s(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, class: 'timeline', role: 'img', 'aria-labelledby': 'timeline-title timeline-desc', preserveAspectRatio: 'xMinYMin meet' },
    s('title', { id: 'timeline-title' }, 'Certificate expiry timeline'),
    s('desc', { id: 'timeline-desc' }, `${certs.length} certificates, ${all.length} versions; the table below lists the same dates.`),
    s(
      'g',
      { class: 'axis' },
      ticks(from, to, WIDTH - LABEL - RIGHT).map((t) => s('g', {}, s('line', { x1: x(t), x2: x(t), y1: AXIS - 8, y2: height, class: 'tick' }), s('text', { x: x(t), y: 14, 'text-anchor': 'middle', class: 'tick-label' }, day(t)))),
    ),
    rows,
    s('line', { x1: x(now), x2: x(now), y1: AXIS - 14, y2: height, class: 'now' }),
    s('text', { x: x(now) + 4, y: AXIS - 6, class: 'now-label' }, 'now'),
  );
}
