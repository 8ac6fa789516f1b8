// The operator CLI against the real control plane: `dpl-host` running the app on its stand-ins
// (DPL_MODE=local), and `node bin/dpl.js …` as child processes, checked by their output and exit codes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { localServices, type LocalServices } from '../../local/azure/local-services';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';
import { DPL, dpl as run, type Run } from './support';
import { privateTlsPolicy } from '../support/certificates';

let host: HostProcess;
let local: LocalServices;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir('cli');
  // Provisions the stand-ins (the Private Link Service among them) as `npm start` does.
  local = await localServices(dataDir, {});
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *' } });
});
afterAll(() => host?.stop());

const dpl = (...args: string[]) => run(args, { env: { DPL_URL: host.url, DATA_DIR: dataDir } });
const json = <T>(r: Run): T => {
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as T;
};

interface Connection {
  name: string;
  state: string;
  linkId: number;
  workspace?: string;
}

describe('workspaces', () => {
  test('put creates and waits until the reconciliation finishes; get and the list show it', async () => {
    const put = await dpl('workspace', 'put', 'cardio', '--region', 'local', '--cluster', 'local-1', '--service', 'dicom');
    expect(put.code).toBe(0);
    expect(put.stdout).toMatch(/^workspace cardio created \(generation 1, etag "[^"]+"\)$/m);
    expect(put.stdout).toMatch(/^reconcile ws:cardio: Completed · done/m);
    // Not on a terminal: plain progress lines, no carriage returns.
    expect(put.stderr).not.toMatch(/\r/);

    const view = json<{ workspace: { name: string; services: Array<{ name: string }> }; conditions: Array<{ type: string; status: boolean }>; reconcile: { runtimeStatus: string } }>(
      await dpl('workspace', 'get', 'cardio', '--json'),
    );
    expect(view.workspace).toMatchObject({ name: 'cardio', services: [{ name: 'dicom' }] });
    expect(view.conditions.find((c) => c.type === 'Ready')?.status).toBe(true);
    expect(view.reconcile.runtimeStatus).toBe('Completed');

    const human = await dpl('workspace', 'get', 'cardio');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^workspace\s+cardio$/m);
    expect(human.stdout).toMatch(/^Ready\s+True/m);

    expect(json<{ value: Array<{ name: string }> }>(await dpl('workspaces', '--json')).value.map((w) => w.name)).toEqual(['cardio']);
    expect((await dpl('workspaces')).stdout).toMatch(/^NAME\s+REGION\s+CLUSTER.*\ncardio\s+local\s+local-1\s+Enabled\s+sync\s+dicom\s+1$/m);
  });

  test('flags change the current workspace; a stale --if-match is a conflict (exit 6)', async () => {
    const before = await dpl('workspace', 'get', 'cardio');
    const etag = /^etag\s+(\S+)$/m.exec(before.stdout)![1]!;
    const changed = await dpl('workspace', 'put', 'cardio', '--policy', 'upsert-only', '--if-match', etag);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/workspace cardio updated \(generation 2/);
    const view = json<{ workspace: { policy: string; region: string; services: unknown[] } }>(await dpl('workspace', 'get', 'cardio', '--json'));
    expect(view.workspace).toMatchObject({ policy: 'upsert-only', region: 'local', services: [{ name: 'dicom' }] });

    const stale = await dpl('workspace', 'put', 'cardio', '--policy', 'sync', '--if-match', etag);
    expect(stale.code).toBe(6);
    expect(stale.stderr).toMatch(/Precondition failed/);
  });

  test('--file - reads the workspace from stdin, including what `get --json` prints', async () => {
    const view = (await dpl('workspace', 'get', 'cardio', '--json')).stdout;
    const edited = JSON.stringify({ ...JSON.parse(view), workspace: { ...JSON.parse(view).workspace, policy: 'sync' } });
    const put = await run(['workspace', 'put', 'cardio', '--file', '-', '--json'], { env: { DPL_URL: host.url, DATA_DIR: dataDir }, input: edited });
    const final = json<{ instanceId: string; runtimeStatus: string }>(put);
    expect(final).toMatchObject({ instanceId: 'ws:cardio', runtimeStatus: 'Completed' });
    expect(json<{ workspace: { policy: string } }>(await dpl('workspace', 'get', 'cardio', '--json')).workspace.policy).toBe('sync');
  });

  test('invalid bodies are exit 2 with the field errors; unknown workspaces exit 3', async () => {
    const bad = await dpl('workspace', 'put', 'neuro', '--region', 'mars', '--cluster', 'x', '--service', 'dicom');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/The request is not valid\n\s+\$\.region: unknown region; configured: local/);
    const missing = await dpl('workspace', 'get', 'nobody');
    expect(missing).toMatchObject({ code: 3, stdout: '' });
    expect(missing.stderr).toMatch(/Not found: workspace 'nobody' does not exist/);
    expect((await dpl('plan', 'nobody')).code).toBe(3);
    expect((await dpl('connections', 'nobody', '--json')).code).toBe(3);
  });

  test('plan as text and as JSON', async () => {
    const text = await dpl('plan', 'cardio');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^plan for dpl-local: \d+ to create/);
    expect(json<{ summary: Record<string, number> }>(await dpl('plan', 'cardio', '--json')).summary).toMatchObject({ create: 0 });
  });
});

describe('playing the customer', () => {
  let connection: Connection;

  test('dev private-endpoint create makes a Pending connection and tells the control plane', async () => {
    const created = json<Connection & { event: { delivered: boolean; status: number } }>(
      await dpl('dev', 'private-endpoint', 'create', '--workspace', 'cardio', '--link-id', '305419896', '--json'),
    );
    expect(created).toMatchObject({ workspace: 'cardio', state: 'Pending', linkId: 305419896, event: { delivered: true, status: 202 } });
    expect(created.name).toMatch(/^pe-cardio\.[0-9a-f-]{36}$/);
    connection = created;
    // The event reached the Event Grid trigger, which started the sweep.
    await waitFor(() => host.logs().some((l) => String(l.message).startsWith("Executed 'onPrivateEndpointConnectionEvent' (Succeeded")), {
      timeoutMs: 20_000,
      what: 'the event to be handled',
    });
    const listed = await dpl('dev', 'private-endpoint', 'list');
    expect(listed.stdout).toContain(created.name);
    const seen = json<{ value: Connection[] }>(await dpl('connections', 'cardio', '--json'));
    expect(seen.value).toEqual([expect.objectContaining({ name: created.name, state: 'Pending', linkId: 305419896 })]);
    expect((await dpl('connections', 'cardio')).stdout).toMatch(new RegExp(`^${created.name.replace(/\./g, '\\.')}\\s+Pending\\s+305419896\\s+10\\.`, 'm'));
  });

  test('a control plane that cannot be told still gets the endpoint, with a warning (exit 0)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const r = await dpl('dev', 'private-endpoint', 'create', '--workspace', 'neuro', '--url', `http://127.0.0.1:${port}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^state\s+Pending$/m);
    expect(r.stderr).toMatch(/warning: the control plane was not told .*ECONNREFUSED.*next sweep/);
    const name = /^connection\s+(\S+)$/m.exec(r.stdout)![1]!;
    expect((await dpl('dev', 'private-endpoint', 'delete', name, '--no-event')).code).toBe(0);
  });

  test('a taken LinkID is a conflict; a bad subscription a usage error', async () => {
    expect((await dpl('dev', 'private-endpoint', 'create', '--workspace', 'cardio', '--link-id', '305419896')).code).toBe(6);
    expect((await dpl('dev', 'private-endpoint', 'create', '--workspace', 'cardio', '--subscription', 'nope')).code).toBe(2);
  });

  test('approve waits for the reconciliation; the connection is then Approved', async () => {
    const approved = await dpl('approve', 'cardio', connection.name, '--description', 'ticket 42');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^connection ${connection.name.replace(/\./g, '\\.')} of cardio: Approved \\(LinkID 305419896\\)$`, 'm'));
    const seen = json<{ value: Connection[] }>(await dpl('connections', 'cardio', '--json'));
    expect(seen.value).toEqual([expect.objectContaining({ name: connection.name, state: 'Approved' })]);
    expect((await dpl('approve', 'cardio', 'pe-nobody.00000000-0000-0000-0000-000000000000')).code).toBe(3);
  });

  test('reject with a reason, then the customer deletes the endpoint', async () => {
    const second = json<Connection>(await dpl('dev', 'private-endpoint', 'create', '--workspace', 'cardio', '--name', 'pe-second', '--json', '--no-event'));
    // The private endpoint's own name is enough when it names one connection.
    const rejected = await dpl('reject', 'cardio', 'pe-second', '--reason', 'unknown subscription', '--no-wait');
    expect(rejected).toMatchObject({ code: 0, stdout: 'ws:cardio\n' });
    const after = json<{ value: Array<Connection & { description?: string }> }>(await dpl('connections', 'cardio', '--json'));
    expect(after.value.find((c) => c.name === second.name)).toMatchObject({ state: 'Rejected', description: expect.stringContaining('unknown subscription') });

    const deleted = await dpl('dev', 'private-endpoint', 'delete', 'pe-second');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted pe-second\./);
    expect(json<{ value: Connection[] }>(await dpl('connections', 'cardio', '--json')).value.map((c) => c.name)).toEqual([connection.name]);
    expect((await dpl('dev', 'private-endpoint', 'delete', 'pe-second')).code).toBe(3);
  });
});

describe('operations', () => {
  test('reconcile --no-wait prints the operation id; `operation --wait` follows it', async () => {
    const started = await dpl('reconcile', 'cardio', '--no-wait');
    expect(started).toMatchObject({ code: 0, stdout: 'ws:cardio\n' });
    const followed = await dpl('operation', 'ws:cardio', '--wait', '--json');
    expect(json<{ runtimeStatus: string }>(followed).runtimeStatus).toBe('Completed');
    const waited = await dpl('reconcile', 'cardio', '--json');
    expect(json<{ instanceId: string; runtimeStatus: string; customStatus: { stage: string } }>(waited)).toMatchObject({
      instanceId: 'ws:cardio',
      runtimeStatus: 'Completed',
      customStatus: { stage: 'done' },
    });
    expect((await dpl('operation', 'nothing-like-this')).code).toBe(3);
    // The 202's status URL carries a host key; the CLI never prints keys.
    const noWait = await dpl('reconcile', 'cardio', '--no-wait', '--json');
    const body = json<{ id: string; response: { statusQueryGetUri: string } }>(noWait);
    expect(body.id).toBe('ws:cardio');
    expect(body.response.statusQueryGetUri).toMatch(/code=\*\*\*$/);
    for (const key of [host.keys.masterKey, ...Object.values(host.keys.systemKeys)]) expect(noWait.stdout).not.toContain(key);
    await dpl('operation', 'ws:cardio', '--wait');
  });

  test('--timeout gives up waiting (exit 1) and Ctrl-C stops watching (130); the work goes on either way', async () => {
    // Going private-only is a staged flip that waits out the DNS TTL twice: long enough to interrupt.
    const put = await dpl('workspace', 'put', 'cardio', '--public-network-access', 'Disabled', '--timeout', '1');
    expect(put.code).toBe(1);
    expect(put.stderr).toMatch(/reconcile ws:cardio is still Running .* after 1 s\n.*dpl operation ws:cardio --wait/);

    const child = spawn(process.execPath, [DPL, 'operation', 'ws:cardio', '--wait'], { env: { ...process.env, DPL_URL: host.url, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor(() => /ws:cardio: Running/.test(stderr), { timeoutMs: 20_000, what: 'the progress line' });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/stopped waiting; ws:cardio goes on in the control plane/);

    expect((await dpl('operation', 'ws:cardio', '--wait')).code).toBe(0);
    expect(json<{ workspace: { publicNetworkAccess: string }; flip: { stage: string } }>(await dpl('workspace', 'get', 'cardio', '--json'))).toMatchObject({
      workspace: { publicNetworkAccess: 'Disabled' },
      flip: { stage: 'settled' },
    });
  });

  test('certificates and rotate', async () => {
    await local.vault.create('private-tls', 'private-tls', privateTlsPolicy());
    const list = await dpl('certificates');
    expect(list.stdout).toMatch(/^private-tls\s+private-tls\s+1\s+\S+\s+\S+\s+scheduled/m);
    const rotated = await dpl('rotate', 'private-tls');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^rotate cert:private-tls: Completed · done/m);
    expect(json<{ value: Array<{ versions: unknown[] }> }>(await dpl('certificates', '--json')).value[0]!.versions).toHaveLength(2);
    expect((await dpl('rotate', 'nope')).code).toBe(3);
  });

  test('sweep waits; status counts the workspaces by state and condition', async () => {
    const swept = await dpl('sweep');
    expect(swept.code).toBe(0);
    expect(swept.stdout).toMatch(/^sweep: Completed · done/m);
    const status = json<{ health: { status: string }; workspaces: { total: number; states: Record<string, number>; conditions: Record<string, { true: number; false: number }> }; operations: unknown[] }>(
      await dpl('status', '--json'),
    );
    expect(status.health).toEqual({ status: 'ok' });
    expect(status.workspaces.total).toBe(1);
    expect(status.workspaces.conditions.Ready).toEqual({ true: 1, false: 0 });
    expect(status.workspaces.states).toMatchObject({ Ready: 1, Pending: 0 });
    const human = await dpl('status');
    expect(human.stdout).toMatch(/^workspaces\s+1 \(1 Ready\)$/m);
  });

  test('delete waits while its routes go; the workspace is then not found', async () => {
    const deleted = await dpl('workspace', 'delete', 'cardio');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/^workspace cardio deleted/m);
    expect((await dpl('workspace', 'get', 'cardio')).code).toBe(3);
    expect((await local.routes.list()).filter((r) => r.value.workspace === 'cardio')).toEqual([]);
    expect((await dpl('workspace', 'delete', 'cardio')).code).toBe(3);
  });
});

describe('connection and authorisation', () => {
  test('a reader token on an admin command is exit 4 with a clear message', async () => {
    const denied = await dpl('sweep', '--role', 'reader');
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/Forbidden: this operation needs the PrivateLink\.Admin role/);
    expect(denied.stderr).toMatch(/--role reader/);
    expect((await dpl('workspaces', '--role', 'reader')).code).toBe(0);
  });

  test('a token the control plane does not accept is exit 4, and it is never printed', async () => {
    const forged = 'eyJhbGciOiJFUzI1NiJ9.eyJyb2xlcyI6WyJQcml2YXRlTGluay5BZG1pbiJdfQ.c2lnbmF0dXJl';
    const r = await run(['workspaces'], { env: { DPL_URL: host.url, DATA_DIR: dataDir, DPL_TOKEN: forged } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Invalid token/);
    expect(r.stderr + r.stdout).not.toContain(forged);
  });

  test('an unreachable control plane is exit 5', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const r = await dpl('status', '--url', `http://127.0.0.1:${port}`);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`cannot reach the control plane at http://127\\.0\\.0\\.1:${port}/api \\(ECONNREFUSED\\)`));
  });

  test('without --url, the address comes from DATA_DIR/system.json', async () => {
    const dir = tempDir('cli-system');
    // The same signing key, so the minted token is the host's; the address only from system.json.
    fs.copyFileSync(path.join(dataDir, 'admin-signing-key.json'), path.join(dir, 'admin-signing-key.json'));
    fs.writeFileSync(path.join(dir, 'system.json'), JSON.stringify({ pid: host.child.pid, functions: host.url, adminApi: `${host.url}/api` }));
    const r = await run(['workspaces', '--json'], { env: { DATA_DIR: dir } });
    expect(json<{ value: unknown[] }>(r).value).toEqual([]);
  });
});
