// Entry point: node dist/proxy/main.js [--config file] [--check] [--help]
// One worker per core (node:cluster); the primary owns the admin port (/healthz, /readyz, /metrics),
// the shared TLS session ticket keys (rotated), and SIGTERM: workers drain, then everything exits.
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { HELP, parseConfig, rawConfig, workerExecArgv, type ProxyConfig } from './config';
import { jsonLogger, type Logger } from './log';
import { Metrics, mergeSnapshots, renderPrometheus, type MetricsSnapshot } from './metrics';
import { routeSourceFor } from './route-source';
import { ProxyServer } from './server';
import { VERSION } from './version';

interface WorkerReport {
  snapshot: MetricsSnapshot;
  ready: { ok: boolean; reasons: string[] };
}

type ToWorker = { type: 'ticket-keys'; keys: string } | { type: 'report'; id: number };
type FromWorker = { type: 'listening'; addresses: unknown } | { type: 'report'; id: number; report: WorkerReport };

function loadConfig(argv: string[]): ProxyConfig | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return undefined;
  }
  const i = argv.indexOf('--config');
  const file = i >= 0 ? argv[i + 1] : process.env.PROXY_CONFIG;
  const config = parseConfig(rawConfig(process.env, file));
  if (argv.includes('--check')) {
    process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return undefined;
  }
  return config;
}

function workerReport(proxy: ProxyServer): WorkerReport {
  const m = proxy.metrics;
  m.set('dpl_proxy_routes', proxy.routes.size);
  m.set('dpl_proxy_route_table_age_seconds', proxy.routes.lastSyncAt ? (Date.now() - proxy.routes.lastSyncAt) / 1000 : -1);
  m.set('dpl_proxy_active_connections', proxy.activeConnections);
  return { snapshot: m.snapshot(), ready: proxy.ready };
}

function adminServer(config: ProxyConfig, collect: () => Promise<WorkerReport[]>, log: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok', version: VERSION }));
    if (path !== '/readyz' && path !== '/metrics') return send(404, 'application/problem+json', JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
    collect().then(
      (reports) => {
        if (path === '/metrics') return send(200, 'text/plain; version=0.0.4', renderPrometheus(mergeSnapshots(reports.map((r) => r.snapshot))));
        const reasons = reports.length === 0 ? ['no worker running'] : reports.flatMap((r) => r.ready.reasons);
        send(reasons.length ? 503 : 200, 'application/json', JSON.stringify({ status: reasons.length ? 'not-ready' : 'ready', reasons: [...new Set(reasons)] }));
      },
      (err: Error) => send(500, 'application/problem+json', JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: err.message })),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.admin.port, config.admin.host, () => {
      log.log('info', 'admin listening', { address: server.address() });
      resolve(server);
    });
  });
}

async function runWorker(config: ProxyConfig, log: Logger): Promise<void> {
  let proxy: ProxyServer | undefined;
  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'ticket-keys') {
      const keys = Buffer.from(msg.keys, 'hex');
      if (proxy) proxy.setTicketKeys(keys);
      else void start(keys);
    } else if (msg.type === 'report' && proxy) {
      process.send?.({ type: 'report', id: msg.id, report: workerReport(proxy) } satisfies FromWorker);
    }
  });
  const start = async (keys: Buffer): Promise<void> => {
    proxy = new ProxyServer({ config, routeSource: routeSourceFor(config.routes, (m) => log.log('warn', m)), logger: log, metrics: new Metrics(), ticketKeys: keys });
    await proxy.start();
    process.send?.({ type: 'listening', addresses: proxy.addresses() } satisfies FromWorker);
  };
  process.once('SIGTERM', () => {
    void (proxy ? proxy.drain() : Promise.resolve()).then(() => process.exit(0));
  });
  process.once('SIGINT', () => {}); // the primary decides
}

async function runPrimary(config: ProxyConfig, n: number, log: Logger): Promise<void> {
  // Workers accept on the shared listening socket themselves; round-robin would route every new
  // connection through the primary (an IPC message and a handle transfer per connection).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, config.semiSpaceMiB, process.env.NODE_OPTIONS) });
  let keys = randomBytes(48).toString('hex');
  let stopping = false;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (r: WorkerReport) => void; left: number; acc: WorkerReport[] }>();
  const fork = (): Worker => {
    const w = cluster.fork({ DPL_PROXY_WORKER: '1' });
    w.on('online', () => w.send({ type: 'ticket-keys', keys } satisfies ToWorker));
    w.on('message', (msg: FromWorker) => {
      if (msg.type === 'listening') log.log('info', 'worker listening', { worker: w.id, addresses: msg.addresses });
      if (msg.type === 'report') {
        const pending = waiting.get(msg.id);
        if (pending) pending.resolve(msg.report);
      }
    });
    return w;
  };
  for (let i = 0; i < n; i++) fork();
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    log.log('error', 'worker exited, restarting', { worker: w.id, code, signal });
    fork();
  });
  const rotate = setInterval(() => {
    keys = randomBytes(48).toString('hex');
    for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: 'ticket-keys', keys } satisfies ToWorker);
  }, config.tls.ticketKeyRotationSeconds * 1000);
  rotate.unref();
  const collect = async (): Promise<WorkerReport[]> => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    return Promise.all(
      workers.map(
        (w) =>
          new Promise<WorkerReport>((resolve) => {
            const id = nextId++;
            const timer = setTimeout(() => {
              waiting.delete(id);
              resolve({ snapshot: { meta: {}, values: {} }, ready: { ok: false, reasons: [`worker ${w.id} did not answer`] } });
            }, 2000);
            waiting.set(id, {
              resolve: (r) => {
                clearTimeout(timer);
                waiting.delete(id);
                resolve(r);
              },
              left: 1,
              acc: [],
            });
            w.send({ type: 'report', id } satisfies ToWorker);
          }),
      ),
    );
  };
  const admin = await adminServer(config, collect, log);
  log.log('info', 'primary started', { version: VERSION, workers: n });
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log.log('info', 'draining', {});
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    for (const w of workers) w.process.kill('SIGTERM');
    const hard = setTimeout(() => process.exit(1), config.drainTimeoutMs + 5000);
    hard.unref();
    void Promise.all(workers.map((w) => new Promise((r) => (w.isDead() ? r(undefined) : w.once('exit', r))))).then(() => {
      admin.close();
      log.log('info', 'stopped', {});
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(): Promise<void> {
  let config: ProxyConfig | undefined;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  if (!config) return;
  const n = config.workers || availableParallelism();
  if (cluster.isWorker) {
    await runWorker(config, jsonLogger(config.logLevel, { component: 'dpl-proxy', role: 'worker', worker: cluster.worker?.id }));
  } else {
    // Workers even when there is one: V8 heap flags only take effect at process start (see
    // workerExecArgv), and a crashed worker is restarted by a primary that holds no connections.
    await runPrimary(config, n, jsonLogger(config.logLevel, { component: 'dpl-proxy', role: 'primary' }));
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'proxy failed to start', error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
