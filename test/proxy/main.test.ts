// The entry point as a process: --help, config validation, workers behind one port, the admin port,
// and SIGTERM drain. Needs `npm run build` (dist/proxy/main.js).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Backend, exchange, header, openTls, Pki, TinyDns, WS1, writeRoutes } from './helpers';
import { waitFor } from '../support/wait';
import { PROXY_VERSION } from '../../proxy/version';
import { workerExecArgv } from '../../proxy/config';

const MAIN = join(__dirname, '../../dist/proxy/main.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

it('proxy/VERSION and the compiled version agree', () => {
  expect(readFileSync(join(__dirname, '../../proxy/VERSION'), 'utf8').trim()).toBe(PROXY_VERSION);
});

it('--help prints usage; an invalid config exits 2 with every problem named', () => {
  const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('PROXY_PLS_IDS');
  const bad = spawnSync(process.execPath, [MAIN], { encoding: 'utf8', env: { PATH: process.env.PATH, PROXY_PORT: '99999', PROXY_PP_MODE: 'sometimes' } });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('invalid proxy configuration');
  expect(bad.stderr).toContain('proxyProtocol.mode');
  expect(bad.stderr).toContain('tls');
});

it('workers get the configured young generation unless the operator chose one', () => {
  expect(workerExecArgv(['--enable-source-maps'], 64)).toEqual(['--enable-source-maps', '--max-semi-space-size=64']);
  expect(workerExecArgv(['--max-semi-space-size=8'], 64)).toEqual(['--max-semi-space-size=8']);
  expect(workerExecArgv([], 64, '--max-old-space-size=512 --max-semi-space-size=16')).toEqual([]);
  expect(workerExecArgv([], 0)).toEqual([]);
});

describe('as a process with 2 workers', () => {
  const pki = new Pki();
  const backend = new Backend(pki);
  const dns = new TinyDns(backend.name);
  let child: ChildProcess | undefined;
  let stdout = '';
  let port = 0;
  let admin = 0;

  beforeAll(async () => {
    const bport = await backend.start();
    const front = pki.issue('front', 'dicom.test', ['*.dicom.test']);
    const client = pki.issue('client', 'proxy-client-1', ['proxy.internal.test']);
    const routes = pki.p('routes.json');
    writeRoutes(routes, `${backend.name}:${bport}`);
    const dnsServer = await dns.start();
    port = await freePort();
    admin = await freePort();
    const cfg = pki.p('proxy.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        listeners: [{ host: '127.0.0.1', port, privateLinkServiceId: (await import('./helpers')).PLS }],
        tls: { certificates: [front] },
        routes: { kind: 'file', path: routes },
        upstream: { caFile: pki.p('ca.pem'), certFile: client.certFile, keyFile: client.keyFile, dns: { servers: [dnsServer] } },
        admin: { host: '127.0.0.1', port: admin },
        workers: 2,
      }),
    );
    child = spawn(process.execPath, [MAIN, '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stdout += d.toString()));
    await waitFor(() => (stdout.match(/"worker listening"/g) ?? []).length >= 2, { what: 'two workers listening', timeoutMs: 20_000 });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await backend.close();
    await dns.close();
    pki.cleanup();
  });

  it('serves proxied requests and the admin endpoints', async () => {
    const ca = readFileSync(pki.p('ca.pem'));
    for (let i = 0; i < 4; i++) {
      const tls = await openTls(port, header(WS1.linkId), WS1.host, ca);
      const r = await exchange(tls, `GET /studies HTTP/1.1\r\nHost: ${WS1.host}\r\nConnection: close\r\n\r\n`);
      expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
    }
    const health = await fetch(`http://127.0.0.1:${admin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: expect.stringContaining(PROXY_VERSION) });
    const ready = await fetch(`http://127.0.0.1:${admin}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    expect(metrics).toContain('# TYPE dpl_proxy_requests_total counter');
    expect(metrics).toMatch(/dpl_proxy_requests_total\{workspace="ws1",status="200"\} 4\b/);
    expect(metrics).toMatch(/dpl_proxy_routes 2\b/);
    expect(metrics).toContain('dpl_proxy_upstream_latency_seconds_bucket');
    expect(metrics).toContain('dpl_proxy_certificate_expiry_seconds');
    // Logs are JSON lines and carry no key material.
    for (const line of stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(stdout).not.toContain('PRIVATE KEY');
  });

  it('SIGTERM drains and exits 0', async () => {
    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child?.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
