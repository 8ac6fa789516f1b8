import { spawn } from 'node:child_process';
import { promises as dns } from 'node:dns';
import path from 'node:path';
import { REPO, tempDir } from '../support/host-process';
import { waitFor } from '../support/wait';

test('npm start (dist/local/system/start.js) prints ready with its addresses, serves the app and answers DNS', async () => {
  const dataDir = tempDir('system');
  const child = spawn(process.execPath, [path.join(REPO, 'dist/local/system/start.js')], {
    env: { ...process.env, PORT: '0', DNS_PORT: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const ready = await waitFor(() => /^ready functions=(\S+) .* dns=(\S+) data=(\S+)$/m.exec(out), { timeoutMs: 20_000, what: 'ready' });
    expect(ready[3]).toBe(dataDir);
    const res = await fetch(`${ready[1]}/api/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    // The DNS server answers for the built-in region's private zone.
    const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([ready[2]!]);
    expect((await resolver.resolveSoa('privatelink.local.dicom.localtest')).nsname).toBe('ns1.privatelink.local.dicom.localtest');
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});
