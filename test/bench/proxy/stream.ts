// Streams STREAM_BYTES (default 5 GiB) up (STOW-RS-like POST) and down (WADO-RS-like GET) through the
// proxy process and reports its peak RSS: bodies must stream with bounded memory.
//   npm run build && npx tsx test/bench/proxy/stream.ts            (5 GiB each way)
//   STREAM_BYTES=1073741824 npx tsx test/bench/proxy/stream.ts     (1 GiB)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Backend, PLS, Pki, TinyDns, WS1, pattern, proxiedClient, writeRoutes } from '../../proxy/helpers';

const BYTES = Number(process.env.STREAM_BYTES ?? 5 * 1024 ** 3);
const ROOT = join(__dirname, '../../..');


function status(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

/** RSS of the proxy: its primary and every worker (the primary forks them; they do the streaming). */
function rssKiB(pid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = status(Number(entry));
    if (Number(entry) !== pid && /PPid:\s+(\d+)/.exec(s)?.[1] !== String(pid)) continue;
    total += Number(/VmRSS:\s+(\d+) kB/.exec(s)?.[1] ?? 0);
  }
  return total;
}

async function main(): Promise<void> {
  const pki = new Pki();
  const backend = new Backend(pki);
  let received = 0;
  backend.handler = (req, res) => {
    if (req.url === '/stow') {
      req.on('data', (d: Buffer) => (received += d.length));
      req.on('end', () => res.end(JSON.stringify({ received })));
      return true;
    }
    if (req.url === '/wado') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BYTES });
      pattern(BYTES).pipe(res);
      return true;
    }
    return false;
  };
  const bport = await backend.start();
  const dns = new TinyDns(backend.name);
  const dnsServer = await dns.start();
  dns.ttl = 300;
  const front = pki.issue('front', 'dicom.test', ['*.dicom.test']);
  const client = pki.issue('client', 'proxy-client', ['proxy.internal.test']);
  const routes = pki.p('routes.json');
  writeRoutes(routes, `${backend.name}:${bport}`);
  const port = 9470;
  writeFileSync(
    pki.p('proxy.json'),
    JSON.stringify({
      listeners: [{ host: '127.0.0.1', port, privateLinkServiceId: PLS }],
      tls: { certificates: [front] },
      routes: { kind: 'file', path: routes },
      upstream: { caFile: pki.p('ca.pem'), certFile: client.certFile, keyFile: client.keyFile, dns: { servers: [dnsServer] } },
      admin: { host: '127.0.0.1', port: 9479 },
      workers: 1,
      logLevel: 'warn',
    }),
  );
  const proxy = spawn(process.execPath, [process.env.BENCH_PROXY_MAIN ?? join(ROOT, 'dist/proxy/main.js'), '--config', pki.p('proxy.json')], { stdio: 'inherit' });
  const pid = proxy.pid as number;
  for (let i = 0; i < 100; i++) {
    const up = await fetch('http://127.0.0.1:9479/readyz').then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const startRss = rssKiB(pid);
  let peak = startRss;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 200);
  const c = proxiedClient(port, WS1.linkId, WS1.host, readFileSync(pki.p('ca.pem')));
  try {
    let t = Date.now();
    const up = await c.request({ path: '/stow', method: 'POST', headers: { host: WS1.host, 'content-type': 'application/dicom' }, body: pattern(BYTES) });
    const upBody = (await up.body.json()) as { received: number };
    const upSec = (Date.now() - t) / 1000;
    const upPeak = peak;
    t = Date.now();
    const down = await c.request({ path: '/wado', method: 'GET', headers: { host: WS1.host } });
    let got = 0;
    for await (const chunk of down.body) got += (chunk as Buffer).length;
    const downSec = (Date.now() - t) / 1000;
    const result = {
      bytes: BYTES,
      upload: { status: up.statusCode, receivedByBackend: upBody.received, ok: upBody.received === BYTES, seconds: upSec, MBps: +(BYTES / 1048576 / upSec).toFixed(1), peakRssMiB: +(upPeak / 1024).toFixed(1) },
      download: { status: down.statusCode, received: got, ok: got === BYTES, seconds: downSec, MBps: +(BYTES / 1048576 / downSec).toFixed(1) },
      proxyRssMiB: { start: +(startRss / 1024).toFixed(1), peak: +(peak / 1024).toFixed(1), end: +(rssKiB(pid) / 1024).toFixed(1) },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!result.upload.ok || !result.download.ok) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await c.close();
    proxy.kill('SIGTERM');
    await new Promise((r) => proxy.once('exit', r));
    await backend.close();
    await dns.close();
    pki.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`stream bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
