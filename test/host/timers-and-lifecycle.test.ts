import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DPL_HOST, REPO, startHost, tempDir } from '../support/host-process';
import { waitFor } from '../support/wait';

const APP = path.join(REPO, 'test/fixtures/apps/basic');
const NEVER = '0 0 0 1 1 *';

describe('timer triggers', () => {
  test('a short NCRONTAB schedule fires repeatedly with schedule status, never overlapping', async () => {
    // Each run takes 1.5 s on a 1 s schedule: the host must skip ticks rather than overlap runs.
    const host = await startHost({ app: APP, env: { TICK_SCHEDULE: '*/1 * * * * *', TICK_WORK_MS: '1500' } });
    try {
      const ticks = await waitFor(() => host.recorded('ticks').length >= 3 && host.recorded('ticks'), { timeoutMs: 15_000, what: '3 ticks' });
      expect(ticks.every((t) => t.overlapping === false && t.hasStatus === true)).toBe(true);
      // An overrun is followed by one past-due run, as the Functions host does.
      expect(ticks.some((t) => t.isPastDue === true)).toBe(true);
    } finally {
      await host.stop();
    }
  });

  test('runOnStartup runs at start; POST /admin/functions/<name> runs it now with the admin key', async () => {
    const host = await startHost({ app: APP, env: { TICK_SCHEDULE: NEVER, TICK_RUN_ON_STARTUP: 'true' } });
    try {
      await waitFor(() => host.recorded('ticks').length === 1, { what: 'the startup run' });
      expect(host.recorded('ticks')[0]).toMatchObject({ isPastDue: false });
      const denied = await fetch(`${host.url}/admin/functions/tick`, { method: 'POST', body: '{}' });
      expect(denied.status).toBe(401);
      const ran = await fetch(`${host.url}/admin/functions/tick`, { method: 'POST', body: '{}', headers: { 'x-functions-key': host.keys.masterKey } });
      expect(ran.status).toBe(202);
      await waitFor(() => host.recorded('ticks').length === 2, { what: 'the manual run' });
      const event = await fetch(`${host.url}/admin/functions/onEvent`, {
        method: 'POST',
        body: JSON.stringify({ input: { id: 'admin-run', eventType: 'Test' } }),
        headers: { 'x-functions-key': host.keys.masterKey },
      });
      expect(event.status).toBe(202);
      await waitFor(() => host.recorded('events').some((e) => e.id === 'admin-run'), { what: 'the admin-run event' });
    } finally {
      await host.stop();
    }
  });

  test('a schedule missed while the host was down runs at start as past due', async () => {
    const dataDir = tempDir('timer');
    fs.mkdirSync(path.join(dataDir, 'timers'), { recursive: true });
    const past = '2020-01-01T00:00:00.000Z';
    fs.writeFileSync(path.join(dataDir, 'timers', 'tick.json'), JSON.stringify({ last: past, next: past, lastUpdated: past }));
    const host = await startHost({ app: APP, dataDir, env: { TICK_SCHEDULE: NEVER } });
    try {
      await waitFor(() => host.recorded('ticks').length === 1, { what: 'the past-due run' });
      expect(host.recorded('ticks')[0]).toMatchObject({ isPastDue: true, hasStatus: true });
    } finally {
      await host.stop();
    }
  });
});

describe('lifecycle', () => {
  test('SIGTERM lets the in-flight invocation finish, runs appTerminate, and exits 0', async () => {
    const host = await startHost({ app: APP, env: { TICK_SCHEDULE: NEVER } });
    const slow = fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=onEvent&code=${host.keys.systemKeys.eventgrid_extension}`, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify([{ id: 'slow', eventType: 'T', data: { holdMs: 800 } }]),
    });
    await waitFor(() => host.recorded('event-starts').some((e) => e.id === 'slow'), { what: 'the slow invocation to start' });
    const code = await host.stop('SIGTERM');
    expect(code).toBe(0);
    expect((await slow).status).toBe(202);
    expect(host.recorded('events').map((e) => e.id)).toContain('slow');
    expect(host.recorded('hooks').map((h) => h.hook)).toEqual(['appStart', 'postInvocation', 'appTerminate']);
  });
});

describe('dpl-host command line', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [DPL_HOST, ...args], { encoding: 'utf8', timeout: 20_000 });

  test('--help explains every flag', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const flag of ['--app', '--port', '--bind', '--data-dir', '--no-keys', '--drain-timeout']) expect(r.stdout).toContain(flag);
  });

  test('a folder that is not a Functions app gets a clear error, not a stack trace', () => {
    const r = run('--app', path.join(REPO, 'test/fixtures'), '--port', '0');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not an Azure Functions app: it has no host\.json/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a main that matches nothing gets a clear error', () => {
    const r = run('--app', path.join(REPO, 'test/fixtures/apps/not-built'), '--port', '0', '--data-dir', tempDir('nb'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/"main" \(dist\/\*\.js\) matches no file/);
  });

  test('a port in use gets a clear error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = run('--app', APP, '--port', String(port), '--data-dir', tempDir('port'));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  test('unknown flags are rejected with usage help', () => {
    const r = run('--bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
  });
});

describe('function errors at start-up', () => {
  test('a timer whose schedule cannot be resolved is reported in error while the rest of the app runs', async () => {
    const host = await startHost({ app: APP, env: { TICK_SCHEDULE: '' }, args: [] });
    try {
      expect(host.logs().some((l) => l.level === 'error' && /The 'tick' function is in error: .*TICK_SCHEDULE|six-field/.test(String(l.message)))).toBe(true);
      expect((await fetch(`${host.url}/api/hello`)).status).toBe(200);
    } finally {
      await host.stop();
    }
  });
});
