// npm run bench:proxy — this proxy vs Debian's HAProxy and nginx doing the same job minus the LinkID
// (TLS termination with the same ECDSA certificate, SNI = Host check → 421, mTLS keep-alive upstream),
// each behind the same PROXY-v2-adding relay, each pinned to CPU 0; wrk, the relay and the upstream
// (nginx, mTLS-verifying) share CPU 1. Prints a markdown table of medians and the ratios.
//
// Env: BENCH_SECONDS (default 8), BENCH_REPS (default 3), BENCH_ONLY (comma list of proxies).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pki, TinyDns, PLS } from '../../proxy/helpers';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const ROOT = join(__dirname, '../../..');
const LINK_ID = 305419896;
const HOST = 'localhost';
const P = { upstream: 9443, ours: 9450, nginx: 9451, haproxy: 9452, admin: 9459 } as const;
const RELAY = { ours: 9460, nginx: 9461, haproxy: 9462 } as const;
type ProxyName = keyof typeof RELAY;
const ALL: ProxyName[] = ['haproxy', 'nginx', 'ours'];
const ONLY = (process.env.BENCH_ONLY?.split(',') as ProxyName[] | undefined) ?? ALL;

const children: ChildProcess[] = [];
function start(name: string, cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  c.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  // Consume stdout (a full pipe would stall the child) and keep the last lines for the report.
  c.stdout?.on('data', (d: Buffer) => {
    const text = d.toString();
    logLines[name] = ((logLines[name] ?? 0) + (text.match(/\n/g)?.length ?? 0));
    lastLog[name] = text.slice(-600);
  });
  c.on('exit', (code) => {
    if (code && code !== 0 && !stopping) process.stderr.write(`${name} exited ${code}: ${err}\n`);
  });
  children.push(c);
  return c;
}
let stopping = false;
const logLines: Record<string, number> = {};
const lastLog: Record<string, string> = {};

async function waitPort(port: number, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function get(port: number, path: string, host = HOST): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: HOST, headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.length > 200 ? `<${d.length} bytes>` : d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function cpuTimes(): number[][] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l))
    .map((l) => l.split(/\s+/).slice(1).map(Number));
}
function busy(a: number[][], b: number[][], cpu: number): number {
  const x = a[cpu] ?? [];
  const y = b[cpu] ?? [];
  const total = y.reduce((s, v) => s + v, 0) - x.reduce((s, v) => s + v, 0);
  const idle = (y[3] ?? 0) + (y[4] ?? 0) - (x[3] ?? 0) - (x[4] ?? 0);
  return total > 0 ? Math.round((100 * (total - idle)) / total) : NaN;
}

interface WrkResult {
  rps: number;
  mbps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  cpu0: number;
}

function toMs(v: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}
function toMB(v: string): number {
  const m = /([\d.]+)([KMG]?B)/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'KB' ? n / 1024 : m[2] === 'GB' ? n * 1024 : m[2] === 'B' ? n / 1048576 : n;
}

const wrkCommands: string[] = [];
function run(cmd: string, args: string[]): Promise<string> {
  // Asynchronous on purpose: the bench process also serves DNS for the backend name.
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function wrk(port: number, scenario: 'small' | 'big' | 'close', dir: string): Promise<WrkResult> {
  const args = ['-c', '1', 'wrk', '-t1', scenario === 'big' ? '-c8' : '-c50', `-d${SECONDS}s`, '--latency'];
  if (scenario === 'close') args.push('-s', join(dir, 'close.lua'));
  args.push(`https://${HOST}:${port}/${scenario === 'big' ? 'big' : 'small'}`);
  wrkCommands.push(`taskset ${args.join(' ')}`);
  const before = cpuTimes();
  const out = await run('taskset', args);
  const after = cpuTimes();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const mbps = toMB(/Transfer\/sec:\s+(\S+)/.exec(out)?.[1] ?? '');
  const p50ms = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99ms = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errLine = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = Number(errLine?.[1] ?? 0) + (sockErr ? Number(sockErr[1]) + Number(sockErr[2]) + Number(sockErr[3]) + Number(sockErr[4]) : 0);
  return { rps, mbps, p50ms, p99ms, errors, cpu0: busy(before, after, 0) };
}

const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const pki = new Pki();
  const dir = pki.dir;
  const front = pki.issue('front', HOST, [HOST, '*.dicom.test']);
  const be = pki.issue('backend', 'backend.internal.test', ['backend.internal.test']);
  const client = pki.issue('client', 'proxy-client', ['proxy.internal.test']);
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(1024 * 1024, 0x61));
  writeFileSync(join(dir, 'front.bundle'), Buffer.concat([readFileSync(front.certFile), readFileSync(front.keyFile)]));
  writeFileSync(join(dir, 'client.bundle'), Buffer.concat([readFileSync(client.certFile), readFileSync(client.keyFile)]));
  writeFileSync(join(dir, 'close.lua'), 'wrk.headers["Connection"] = "close"\n');
  const user = process.getuid?.() === 0 ? 'user root;' : '';

  writeFileSync(
    join(dir, 'upstream.conf'),
    `${user}
worker_processes 1; daemon off; pid ${dir}/upstream.pid; error_log ${dir}/upstream-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:${P.upstream} ssl;
    ssl_certificate ${be.certFile}; ssl_certificate_key ${be.keyFile};
    ssl_client_certificate ${dir}/ca.pem; ssl_verify_client on;
    keepalive_requests 1000000; keepalive_timeout 120s;
    location = /small { default_type application/json; return 200 '{"ok":true,"studies":[]}\\n'; }
    location = /big { default_type application/octet-stream; alias ${dir}/big.bin; }
  }
}
`,
  );
  writeFileSync(
    join(dir, 'front-nginx.conf'),
    `${user}
worker_processes 1; daemon off; pid ${dir}/front.pid; error_log ${dir}/front-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:${P.upstream}; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${P.nginx} ssl proxy_protocol;
    ssl_certificate ${front.certFile}; ssl_certificate_key ${front.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 1000000; keepalive_timeout 120s;
    location / {
      if ($ssl_server_name != $host) { return 421; }
      proxy_pass https://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_protocol_addr;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host $host;
      proxy_ssl_certificate ${client.certFile}; proxy_ssl_certificate_key ${client.keyFile};
      proxy_ssl_trusted_certificate ${dir}/ca.pem; proxy_ssl_verify on;
      proxy_ssl_name backend.internal.test; proxy_ssl_server_name on; proxy_ssl_session_reuse on;
      proxy_request_buffering off; proxy_max_temp_file_size 0;
    }
  }
}
`,
  );
  writeFileSync(
    join(dir, 'front-haproxy.cfg'),
    `global
  nbthread 1
  maxconn 8000
  pidfile ${dir}/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  timeout http-request 15s
  timeout http-keep-alive 120s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${P.haproxy} ssl crt ${dir}/front.bundle alpn http/1.1 accept-proxy
  http-request set-var(txn.host) req.hdr(host),field(1,:),lower
  http-request deny deny_status 421 unless { ssl_fc_sni,lower,strcmp(txn.host) eq 0 }
  option forwardfor
  http-request set-header X-Forwarded-Proto https
  http-request set-header X-Forwarded-Host %[var(txn.host)]
  default_backend be
backend be
  http-reuse always
  server up 127.0.0.1:${P.upstream} ssl verify required ca-file ${dir}/ca.pem crt ${dir}/client.bundle sni str(backend.internal.test) verifyhost backend.internal.test
`,
  );
  const dns = new TinyDns('backend.internal.test');
  const dnsServer = await dns.start();
  dns.ttl = 30; // re-resolved in the background several times per run, as in production
  const routes = join(dir, 'routes.json');
  writeFileSync(routes, JSON.stringify([{ privateLinkServiceId: PLS, linkId: LINK_ID, workspace: 'bench', hosts: [HOST], backend: `backend.internal.test:${P.upstream}`, generation: 1 }]));
  writeFileSync(
    join(dir, 'ours.json'),
    JSON.stringify({
      listeners: [{ host: '127.0.0.1', port: P.ours, privateLinkServiceId: PLS }],
      tls: { certificates: [front] },
      routes: { kind: 'file', path: routes },
      upstream: { caFile: join(dir, 'ca.pem'), certFile: client.certFile, keyFile: client.keyFile, dns: { servers: [dnsServer] } },
      admin: { host: '127.0.0.1', port: P.admin },
      workers: 1,
      logLevel: 'warn',
    }),
  );

  const cmds = {
    upstream: ['taskset', ['-c', '1', 'nginx', '-c', join(dir, 'upstream.conf')]],
    nginx: ['taskset', ['-c', '0', 'nginx', '-c', join(dir, 'front-nginx.conf')]],
    haproxy: ['taskset', ['-c', '0', 'haproxy', '-db', '-f', join(dir, 'front-haproxy.cfg')]],
    ours: ['taskset', ['-c', '0', process.execPath, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'dist/proxy/main.js'), '--config', join(dir, 'ours.json')]],
    relay: ['taskset', ['-c', '1', process.execPath, join(__dirname, 'relay.mjs'), `${RELAY.ours}:${P.ours},${RELAY.nginx}:${P.nginx},${RELAY.haproxy}:${P.haproxy}`, String(LINK_ID)]],
  } as const;
  for (const [name, [cmd, args]] of Object.entries(cmds)) start(name, cmd, [...args]);
  await waitPort(P.upstream, 'upstream nginx');
  await waitPort(P.nginx, 'nginx');
  await waitPort(P.haproxy, 'haproxy');
  await waitPort(P.ours, 'our proxy');
  await waitPort(RELAY.ours, 'relay');

  // Same job check: each proxy serves /small and /big, and answers 421 when Host ≠ SNI.
  for (const name of ALL) {
    const ok = await get(RELAY[name], '/small');
    const big = await get(RELAY[name], '/big');
    const mis = await get(RELAY[name], '/small', 'other.dicom.test');
    process.stderr.write(`check ${name}: /small ${ok.status} ${ok.body.trim()} · /big ${big.status} · Host≠SNI ${mis.status}\n`);
    if (ok.status !== 200 || big.status !== 200 || mis.status !== 421) throw new Error(`${name} does not do the same job`);
  }

  const results: Record<ProxyName, Record<string, WrkResult[]>> = { ours: {}, nginx: {}, haproxy: {} };
  const scenarios = (['small', 'big', 'close'] as const).filter((x) => !process.env.BENCH_SCENARIOS || process.env.BENCH_SCENARIOS.split(',').includes(x));
  // Warm-up (JIT, pools, session caches).
  for (const name of ONLY) await run('taskset', ['-c', '1', 'wrk', '-t1', '-c50', '-d2s', `https://${HOST}:${RELAY[name]}/small`]);
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 ? [...ONLY].reverse() : ONLY;
    for (const scenario of scenarios) {
      for (const name of order) {
        const r = await wrk(RELAY[name], scenario, dir);
        (results[name][scenario] ??= []).push(r);
        process.stderr.write(`rep ${rep + 1} ${scenario} ${name}: ${r.rps.toFixed(0)} req/s, ${r.mbps.toFixed(1)} MB/s, p99 ${r.p99ms} ms, errors ${r.errors}, cpu0 ${r.cpu0}%\n`);
      }
    }
  }

  const med = (name: ProxyName, scenario: string, k: keyof WrkResult): number => median((results[name][scenario] ?? []).map((r) => r[k]));
  const fmt = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lines: string[] = [];
  lines.push(`| proxy (CPU 0) | small req/s | small p50 / p99 ms | 1 MiB MB/s | 1 MiB p99 ms | new conn/s (Connection: close) | CPU0 busy % small/big/close | errors |`);
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const name of ONLY) {
    const errs = scenarios.reduce((s, sc) => s + (results[name][sc] ?? []).reduce((t, r) => t + r.errors, 0), 0);
    lines.push(
      `| ${name} | ${fmt(med(name, 'small', 'rps'))} | ${fmt(med(name, 'small', 'p50ms'), 2)} / ${fmt(med(name, 'small', 'p99ms'), 2)} | ${fmt(med(name, 'big', 'mbps'), 1)} | ${fmt(med(name, 'big', 'p99ms'), 1)} | ${fmt(med(name, 'close', 'rps'))} | ${fmt(med(name, 'small', 'cpu0'))}/${fmt(med(name, 'big', 'cpu0'))}/${fmt(med(name, 'close', 'cpu0'))} | ${errs} |`,
    );
  }
  if (ONLY.includes('ours')) {
    lines.push('');
    for (const peer of ONLY.filter((n) => n !== 'ours')) {
      const r = (sc: string, k: keyof WrkResult): string => fmt(med('ours', sc, k) / med(peer, sc, k), 2);
      lines.push(`- ours / ${peer}: small req/s **${r('small', 'rps')}×**, 1 MiB MB/s **${r('big', 'mbps')}×**, new conn/s **${r('close', 'rps')}×**, small p99 ${r('small', 'p99ms')}×`);
    }
    // Per-rep ratios show the spread.
    for (const peer of ONLY.filter((n) => n !== 'ours')) {
      const per = (sc: string, k: keyof WrkResult): string =>
        (results.ours[sc] ?? []).map((r, i) => fmt(r[k] / ((results[peer][sc] ?? [])[i]?.[k] ?? NaN), 2)).join(', ');
      lines.push(`- per repetition, ours / ${peer}: small [${per('small', 'rps')}], 1 MiB [${per('big', 'mbps')}], new conn [${per('close', 'rps')}]`);
    }
  }
  lines.push('');
  lines.push(`${REPS} repetitions × ${SECONDS} s per scenario, medians. wrk commands (ports: relay→ours ${RELAY.ours}, →nginx ${RELAY.nginx}, →haproxy ${RELAY.haproxy}):`);
  lines.push('```');
  for (const c of [...new Set(wrkCommands.map((c) => c.replace(/:\d+\//, ':$RELAY_PORT/').replace(join(dir, 'close.lua'), 'close.lua')))]) lines.push(c);
  for (const [name, [cmd, args]] of Object.entries(cmds)) lines.push(`${name}: ${cmd} ${args.join(' ').replaceAll(dir, '$DIR').replaceAll(ROOT, '.')}`);
  lines.push('```');
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const [name, n] of Object.entries(logLines)) process.stderr.write(`${name}: ${n} log lines; last: ${lastLog[name] ?? ''}\n`);
  const raw = join(tmpdir(), 'dpl-proxy-bench-last.json');
  writeFileSync(raw, JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, reps: REPS, results }, null, 1));
  process.stderr.write(`raw results: ${raw}\n`);

  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await dns.close();
  await new Promise((r) => setTimeout(r, 500));
  pki.cleanup();
}

main().catch((err: unknown) => {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
