import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO, tempDir } from '../support/host-process';
import { waitFor } from '../support/wait';

test('npm start (dist/local/system/start.js) prints ready with its addresses and serves the app', async () => {
  const dataDir = tempDir('system');
  const child = spawn(process.execPath, [path.join(REPO, 'dist/local/system/start.js')], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const functionsUrl = await waitFor(() => /^ready functions=(\S+) .*data=(\S+)$/m.exec(out)?.[1], { timeoutMs: 20_000, what: 'ready' });
    expect(out).toContain(`data=${dataDir}`);
    const res = await fetch(`${functionsUrl}/api/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});
