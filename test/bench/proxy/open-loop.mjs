// Open-loop (constant arrival rate) HTTP/1.1-over-TLS load generator for the proxy benchmark.
//
// wrk is closed-loop: a slow response delays the next request on that connection, so the requests
// that would have seen the stall are never sent ("coordinated omission") and the tail looks better
// than it is. Here request i is due at start + i/rate whatever happened before; it goes out on the
// first idle keep-alive connection (or waits in a FIFO for one), and its latency is measured from its
// *due* time to the last byte of the response. Waiting for a connection therefore counts, as it would
// for a real client population arriving at that rate.
//
// The client is deliberately minimal (pre-built request bytes, a tiny response parser, no node:http)
// so one core can drive far more than the proxies can take; it reports its own CPU use and how late
// noticed that requests were due ("send lag"), so a saturated generator is visible rather than silent.
//
// Usage: node open-loop.mjs --port 9462 --rate 5000 [--host 127.0.0.1] [--servername localhost]
//          [--host-header localhost] [--path /small] [--duration 8] [--warmup 1] [--connections 50]
//          [--cert f --key f --ca f] [--drain 5] [--proxy-v2 <linkId>]
// --proxy-v2 writes a PROXY v2 header with the Azure LinkID TLV on each connection before TLS, as the
// relay does, without the relay's extra hop (its CPU would compete with the generator's).
// Prints one JSON object on stdout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import { connect } from 'node:tls';
import { performance } from 'node:perf_hooks';

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    out[a.slice(2)] = argv[++i];
  }
  return out;
}

const a = args(process.argv.slice(2));
const HOST = a.host ?? '127.0.0.1';
const PORT = Number(a.port);
const SERVERNAME = a.servername ?? 'localhost';
const HOST_HEADER = a['host-header'] ?? SERVERNAME;
const PATH = a.path ?? '/small';
const RATE = Number(a.rate);
const DURATION_S = Number(a.duration ?? 8);
const WARMUP_S = Number(a.warmup ?? 1);
const CONNECTIONS = Number(a.connections ?? 50);
const DRAIN_S = Number(a.drain ?? 5);
if (!(PORT > 0) || !(RATE > 0)) {
  process.stderr.write('usage: node open-loop.mjs --port N --rate R [--duration s] [--connections n] ...\n');
  process.exit(2);
}
const tlsOpts = {
  host: HOST,
  port: PORT,
  servername: SERVERNAME,
  ALPNProtocols: ['http/1.1'],
  rejectUnauthorized: Boolean(a.ca),
  ca: a.ca ? readFileSync(a.ca) : undefined,
  cert: a.cert ? readFileSync(a.cert) : undefined,
  key: a.key ? readFileSync(a.key) : undefined,
};
const PROXY_LINK_ID = a['proxy-v2'] === undefined ? undefined : Number(a['proxy-v2']);
let buildProxyV2;
if (PROXY_LINK_ID !== undefined) ({ buildProxyV2 } = createRequire(import.meta.url)('../../../dist/proxy/proxy-protocol.js'));
const REQUEST = Buffer.from(`GET ${PATH} HTTP/1.1\r\nHost: ${HOST_HEADER}\r\nUser-Agent: dpl-open-loop\r\n\r\n`, 'latin1');

const TOTAL = Math.ceil(RATE * (WARMUP_S + DURATION_S));
const interval = 1000 / RATE;
/** Index of the first request that counts (earlier ones warm up JIT, pools, caches). */
const FIRST = Math.ceil(RATE * WARMUP_S);
const measured = TOTAL - FIRST;
const latency = new Float64Array(measured).fill(NaN);
const sendLag = new Float64Array(measured).fill(NaN);
let completed = 0;
let completedMeasured = 0;
let errors = 0;
let non2xx = 0;
let lastMeasuredDone = 0;

let start = 0;
let scheduled = 0; // requests whose due time has passed (queued or sent)
const queue = []; // indices due but not yet sent; FIFO via head pointer
let qHead = 0;
const idle = [];
let stopped = false;

function record(i, now, ok) {
  completed++;
  if (i < FIRST) return;
  const k = i - FIRST;
  if (ok) {
    latency[k] = now - (start + i * interval);
    completedMeasured++;
    lastMeasuredDone = now;
  }
}

class Conn {
  constructor() {
    this.current = -1;
    this.buf = null;
    this.need = -1; // bytes of body still expected once headers are parsed
    this.chunked = false;
    this.open();
  }

  open() {
    this.ready = false;
    if (PROXY_LINK_ID === undefined) this.attach(connect(tlsOpts));
    else {
      const raw = netConnect({ host: HOST, port: PORT, noDelay: true });
      raw.on('error', () => this.onClose());
      // TLS starts only after the header is queued on the same TCP handle, so it cannot overtake it.
      raw.once('connect', () => {
        raw.removeAllListeners('error');
        raw.write(
          buildProxyV2({
            command: 'PROXY',
            family: 'TCP4',
            source: { address: '10.1.2.3', port: raw.localPort ?? 0 },
            destination: { address: '10.0.0.4', port: 443 },
            linkId: PROXY_LINK_ID,
          }),
        );
        this.attach(connect({ ...tlsOpts, socket: raw }));
      });
    }
  }

  attach(s) {
    this.socket = s;
    s.setNoDelay(true);
    s.on('secureConnect', () => {
      this.ready = true;
      idle.push(this);
      pump();
    });
    s.on('data', (d) => this.onData(d));
    s.on('error', () => {});
    s.on('close', () => this.onClose());
  }

  send(i) {
    this.current = i;
    this.buf = null;
    this.need = -1;
    this.chunked = false;
    this.socket.write(REQUEST);
  }

  onClose() {
    this.ready = false;
    const i = this.current;
    if (i >= 0) {
      this.current = -1;
      errors++;
      record(i, performance.now(), false);
    }
    const at = idle.indexOf(this);
    if (at >= 0) idle.splice(at, 1);
    if (!stopped) setTimeout(() => this.open(), 10);
  }

  onData(d) {
    if (this.current < 0) return;
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    if (this.need < 0) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.toString('latin1', 0, end);
      const status = Number(head.slice(9, 12));
      if (status < 200 || status >= 300) non2xx++;
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      this.chunked = !cl && /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
      this.need = cl ? Number(cl[1]) : 0;
      this.buf = this.buf.subarray(end + 4);
      if (/\r\nconnection:\s*close/i.test(head)) this.closeAfter = true;
    }
    if (this.chunked) {
      // Small responses only: the body ends with the zero-length chunk.
      if (this.buf.indexOf('0\r\n\r\n') < 0) return;
    } else if (this.buf.length < this.need) return;
    const i = this.current;
    this.current = -1;
    const now = performance.now();
    record(i, now, true);
    if (this.closeAfter) {
      this.closeAfter = false;
      this.socket.destroy();
      return;
    }
    idle.push(this);
    pump(now);
  }
}

/** Moves every request that is due into the queue and hands queued requests to idle connections. */
function pump(now = performance.now()) {
  if (start === 0) return;
  const due = Math.min(TOTAL, Math.floor((now - start) / interval) + 1);
  while (scheduled < due) {
    // How late the generator itself noticed the request was due (timer granularity, a busy loop);
    // waiting for a free connection after that is the target's doing and is in the latency only.
    if (scheduled >= FIRST) sendLag[scheduled - FIRST] = now - (start + scheduled * interval);
    queue.push(scheduled++);
  }
  while (qHead < queue.length && idle.length > 0) {
    const c = idle.pop();
    if (!c.ready) continue;
    c.send(queue[qHead++]);
  }
  if (qHead > 4096 && qHead * 2 > queue.length) {
    queue.splice(0, qHead);
    qHead = 0;
  }
}

const conns = [];
for (let i = 0; i < CONNECTIONS; i++) conns.push(new Conn());

function tick() {
  pump();
  if (scheduled < TOTAL) setTimeout(tick, 1);
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

const round = (x, d = 3) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

function finish() {
  stopped = true;
  const endMeasure = start + TOTAL * interval;
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - wallStart;
  // Requests that never completed are counted at the moment we gave up: a lower bound on their
  // latency, so an overloaded target cannot hide them by not answering.
  const giveUp = performance.now();
  let incomplete = 0;
  const lat = [];
  for (let k = 0; k < measured; k++) {
    let v = latency[k];
    if (Number.isNaN(v)) {
      incomplete++;
      v = giveUp - (start + (k + FIRST) * interval);
    }
    lat.push(v);
  }
  lat.sort((x, y) => x - y);
  const lags = Array.from(sendLag).filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  const measuredSpan = Math.max(lastMeasuredDone, endMeasure) - (start + FIRST * interval);
  const result = {
    target: { host: HOST, port: PORT, servername: SERVERNAME, path: PATH },
    rate: RATE,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    requests: measured,
    completed: completedMeasured,
    // Every answered request, warm-up included (what the target did while it was measured from outside).
    answered: completed,
    incomplete,
    errors,
    non2xx,
    achievedRate: round(completedMeasured / (measuredSpan / 1000), 1),
    latencyMs: { p50: round(pct(lat, 50)), p90: round(pct(lat, 90)), p99: round(pct(lat, 99)), p999: round(pct(lat, 99.9)), max: round(lat[lat.length - 1]) },
    sendLagMs: { p50: round(pct(lags, 50)), p99: round(pct(lags, 99)), max: round(lags[lags.length - 1]) },
    generatorCpuPercent: round((100 * (cpu.user + cpu.system)) / 1000 / wall, 1),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const c of conns) c.socket?.destroy();
  process.exit(0);
}

let cpuStart;
let wallStart = 0;
// Start the clock once every connection is up, so connection setup is not part of the schedule.
const waitUp = setInterval(() => {
  if (idle.length < CONNECTIONS) return;
  clearInterval(waitUp);
  cpuStart = process.cpuUsage();
  wallStart = performance.now();
  start = performance.now();
  tick();
  const endAt = (TOTAL * interval) / 1000;
  const check = setInterval(() => {
    const elapsed = (performance.now() - start) / 1000;
    if (completed >= TOTAL || elapsed > endAt + DRAIN_S) {
      clearInterval(check);
      finish();
    }
  }, 20);
}, 5);
setTimeout(() => {
  if (start === 0) {
    process.stderr.write(`open-loop: only ${idle.length}/${CONNECTIONS} connections came up\n`);
    process.exit(1);
  }
}, 15_000).unref();
