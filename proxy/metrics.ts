// A small Prometheus registry: counters and gauges keyed by name + label string, histograms as
// cumulative bucket counters. Snapshots are plain objects so workers can ship them to the primary,
// which sums counters and histograms and takes the max of gauges.

export type Labels = Record<string, string | number>;

interface MetricMeta {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
}

export interface MetricsSnapshot {
  meta: Record<string, MetricMeta>;
  /** "name{labels}" → value */
  values: Record<string, number>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function labelString(labels?: Labels): string {
  if (!labels) return '';
  const parts: string[] = [];
  for (const k of Object.keys(labels)) {
    parts.push(`${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  }
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  readonly meta: Record<string, MetricMeta> = {};
  readonly values = new Map<string, number>();

  define(name: string, type: MetricMeta['type'], help: string): void {
    this.meta[name] = { type, help };
  }

  inc(name: string, labels?: Labels, by = 1): void {
    const k = name + labelString(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  set(name: string, value: number, labels?: Labels): void {
    this.values.set(name + labelString(labels), value);
  }

  /** Hot path: a counter by one precomputed key (see `key`). */
  incKey(key: string, by = 1): void {
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  /** The value key for a metric and its labels (cache it on the hot path). */
  key(name: string, labels?: Labels): string {
    return name + labelString(labels);
  }

  private readonly hist = new Map<string, { counts: number[]; sum: number; n: number }>();

  /** Histogram observation: bucket counts kept as numbers, rendered into keys on snapshot. */
  observe(name: string, seconds: number): void {
    let h = this.hist.get(name);
    if (!h) this.hist.set(name, (h = { counts: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, n: 0 }));
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] as number)) i++;
    if (i < LATENCY_BUCKETS.length) h.counts[i] = (h.counts[i] as number) + 1;
    h.sum += seconds;
    h.n++;
  }

  snapshot(): MetricsSnapshot {
    const values = Object.fromEntries(this.values);
    for (const [name, h] of this.hist) {
      let cum = 0;
      LATENCY_BUCKETS.forEach((b, i) => {
        cum += h.counts[i] as number;
        values[`${name}_bucket{le="${b}"}`] = cum;
      });
      values[`${name}_bucket{le="+Inf"}`] = h.n;
      values[`${name}_count`] = h.n;
      values[`${name}_sum`] = h.sum;
    }
    return { meta: this.meta, values };
  }
}

const SUMMED_GAUGES = new Set(['dpl_proxy_active_connections']);

/** Merges worker snapshots: counters/histograms are summed, gauges take the maximum. */
export function mergeSnapshots(snaps: MetricsSnapshot[]): MetricsSnapshot {
  const meta: Record<string, MetricMeta> = {};
  const values: Record<string, number> = {};
  for (const s of snaps) {
    Object.assign(meta, s.meta);
    for (const [k, v] of Object.entries(s.values)) {
      const name = k.replace(/\{.*$/, '').replace(/_(bucket|count|sum)$/, '');
      const type = s.meta[name]?.type ?? s.meta[k.replace(/\{.*$/, '')]?.type;
      values[k] = type === 'gauge' && !SUMMED_GAUGES.has(name) ? Math.max(values[k] ?? -Infinity, v) : (values[k] ?? 0) + v;
    }
  }
  return { meta, values };
}

export function renderPrometheus(s: MetricsSnapshot): string {
  const byName = new Map<string, string[]>();
  for (const [k, v] of Object.entries(s.values)) {
    const bare = k.replace(/\{.*$/, '');
    const name = s.meta[bare] ? bare : bare.replace(/_(bucket|count|sum)$/, '');
    const lines = byName.get(name) ?? [];
    lines.push(`${k} ${Number.isFinite(v) ? v : 0}`);
    byName.set(name, lines);
  }
  const out: string[] = [];
  for (const [name, m] of Object.entries(s.meta)) {
    out.push(`# HELP ${name} ${m.help}`, `# TYPE ${name} ${m.type}`);
    out.push(...(byName.get(name) ?? []).sort());
  }
  return `${out.join('\n')}\n`;
}

export function defineProxyMetrics(m: Metrics): void {
  m.define('dpl_proxy_requests_total', 'counter', 'Requests answered, by workspace and status');
  m.define('dpl_proxy_rejections_total', 'counter', 'Connections or requests refused, by reason');
  m.define('dpl_proxy_bytes_total', 'counter', 'Body bytes proxied, by direction (in = client to backend)');
  m.define('dpl_proxy_upstream_latency_seconds', 'histogram', 'Time from dispatch to upstream response headers');
  m.define('dpl_proxy_handshakes_total', 'counter', 'Front TLS handshakes, by result and resumption');
  m.define('dpl_proxy_connections_total', 'counter', 'Accepted TCP connections');
  m.define('dpl_proxy_active_connections', 'gauge', 'Open client connections');
  m.define('dpl_proxy_certificate_expiry_seconds', 'gauge', 'Front and upstream client certificate notAfter, Unix seconds');
  m.define('dpl_proxy_routes', 'gauge', 'Routes in the table');
  m.define('dpl_proxy_route_table_age_seconds', 'gauge', 'Seconds since the last successful route sync');
  m.define('dpl_proxy_upstream_errors_total', 'counter', 'Upstream failures, by kind');
}
