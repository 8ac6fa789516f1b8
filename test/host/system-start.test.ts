import { spawn } from 'node:child_process';
import { promises as dns } from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { REPO, tempDir } from '../support/host-process';
import { waitFor } from '../support/wait';

test('npm start (dist/local/system/start.js) prints ready with its addresses, serves the app, answers DNS and runs the built-in mTLS backend', async () => {
  const dataDir = tempDir('system');
  const child = spawn(process.execPath, [path.join(REPO, 'dist/local/system/start.js')], {
    env: { ...process.env, PORT: '0', DNS_PORT: '0', PROXY_PORT: '0', PROXY_ADMIN_PORT: '0', BACKEND_PORT: '0', ORTHANC_PORT: '0', DPL_BACKEND: 'builtin', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const ready = await waitFor(() => /^ready functions=(\S+) .* dns=(\S+) data=(\S+)$/m.exec(out), { timeoutMs: 60_000, what: 'ready' });
    expect(ready[3]).toBe(dataDir);
    const res = await fetch(`${ready[1]}/api/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    // The DNS server answers for the built-in region's private zone.
    const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([ready[2]!]);
    expect((await resolver.resolveSoa('privatelink.local.dicom.localtest')).nsname).toBe('ns1.privatelink.local.dicom.localtest');
    expect(out).toMatch(/^system\s+\| backend: the built-in mTLS backend/m);

    // The backend ingress answers the proxy's client certificate, and refuses a client without one.
    const system = JSON.parse(fs.readFileSync(path.join(dataDir, 'system.json'), 'utf8')) as { ingresses: Array<{ address: string; url: string }>; caFile: string };
    const zone0 = system.ingresses[0]!;
    const get = (withClientCert: boolean) =>
      new Promise<{ ingress: string; clientCertificate: string }>((resolve, reject) => {
        const req = https.get(
          {
            host: zone0.address,
            port: Number(new URL(zone0.url).port),
            servername: new URL(zone0.url).hostname,
            ca: fs.readFileSync(system.caFile),
            ...(withClientCert ? { cert: fs.readFileSync(path.join(dataDir, 'certs/backend-client.crt')), key: fs.readFileSync(path.join(dataDir, 'certs/backend-client.key')) } : {}),
            path: '/x',
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(JSON.parse(body)));
          },
        );
        req.on('error', reject);
      });
    expect(await get(true)).toMatchObject({ ingress: 'zone-0', clientCertificate: 'proxy.dicom.localtest' });
    await expect(get(false)).rejects.toThrow();
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});
