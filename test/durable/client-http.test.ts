// The unmodified durable client (df.getClient inside the fixture's HTTP functions) drives the
// engine over HTTP: start + createCheckStatusResponse, status, raise event, terminate, suspend,
// resume, query, purge. Keys are on, so the webhook URLs the client hands out must carry the
// durabletask_extension system key and resolve against this host.
import path from 'node:path';
import { REPO, startHost, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';
import { DurableHttp, type Status } from './helpers';

const APP = path.join(REPO, 'test/fixtures/apps/durable');

let host: HostProcess;
let df: DurableHttp;

beforeAll(async () => {
  host = await startHost({ app: APP });
  df = new DurableHttp(host.url, host.keys.systemKeys.durabletask_extension);
});

afterAll(async () => {
  await host?.stop();
});

async function op(name: string, id: string, body?: unknown): Promise<Response> {
  return fetch(`${host.url}/api/ops/${name}/${encodeURIComponent(id)}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
}

async function clientStatus(id: string): Promise<Status> {
  const res = await op('status', id);
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

async function clientDone(id: string, status = 'Completed'): Promise<Status> {
  return waitFor(
    async () => {
      const s = await clientStatus(id);
      return s.runtimeStatus === status ? s : undefined;
    },
    { timeoutMs: 20_000, what: `${id} to be ${status}` },
  );
}

test('start + createCheckStatusResponse: 202 with webhook URLs on this host, carrying the system key', async () => {
  const res = await fetch(`${host.url}/api/start/waitEvent/client-1`, { method: 'POST' });
  expect(res.status).toBe(202);
  const payload = (await res.json()) as Record<string, string>;
  const key = host.keys.systemKeys.durabletask_extension!;
  expect(payload.id).toBe('client-1');
  expect(payload.statusQueryGetUri).toBe(
    `${host.url}/runtime/webhooks/durabletask/instances/client-1?taskHub=FixtureHub&connection=Storage&code=${key}`,
  );
  expect(res.headers.get('location')).toBe(payload.statusQueryGetUri);
  expect(res.headers.get('retry-after')).toBe('10');

  // The URL works as handed out; without the key it is refused.
  const status = await fetch(payload.statusQueryGetUri!);
  expect([200, 202]).toContain(status.status);
  expect(((await status.json()) as Status).instanceId).toBe('client-1');
  expect((await fetch(`${host.url}/runtime/webhooks/durabletask/instances/client-1`)).status).toBe(401);

  // raiseEvent through the handed-out sendEventPostUri template.
  await waitFor(async () => (await clientStatus('client-1')).runtimeStatus === 'Running', { what: 'client-1 to run' });
  const raise = await fetch(payload.sendEventPostUri!.replace('{eventName}', 'approval'), { method: 'POST', body: JSON.stringify('via webhook') });
  expect(raise.status).toBe(202);
  const done = await clientDone('client-1');
  expect(done.output).toEqual({ approved: 'via webhook' });
});

test('client: getStatus with history, raiseEvent, terminate, purge', async () => {
  await fetch(`${host.url}/api/start/waitEvent/client-2`, { method: 'POST', body: JSON.stringify({ order: 7 }) });
  const running = await waitFor(
    async () => {
      const s = await clientStatus('client-2');
      return s.runtimeStatus === 'Running' ? s : undefined;
    },
    { what: 'client-2 to run' },
  );
  expect(running).toMatchObject({ name: 'waitEvent', instanceId: 'client-2', input: { order: 7 }, output: null, customStatus: null });

  expect((await op('raise', 'client-2', { name: 'approval', data: { by: 'client' } })).status).toBe(202);
  const done = await clientDone('client-2');
  expect(done.output).toEqual({ approved: { by: 'client' } });
  // The extension answers showHistory with `historyEvents` (the 3.5.0 client object reads a
  // `history` field, so it never surfaces them); the webhook shows them directly.
  const url = `${host.url}/runtime/webhooks/durabletask/instances/client-2?showHistory=true&showHistoryOutput=true`;
  const withHistory = (await (await fetch(url, { headers: { 'x-functions-key': df.systemKey! } })).json()) as Status;
  expect((withHistory.historyEvents ?? []).map((e) => e.EventType)).toEqual(['ExecutionStarted', 'EventRaised', 'ExecutionCompleted']);
  expect(withHistory.historyEvents?.[1]).toMatchObject({ Name: 'approval', Input: { by: 'client' } });

  await fetch(`${host.url}/api/start/waitEvent/client-3`, { method: 'POST' });
  await waitFor(async () => (await clientStatus('client-3')).runtimeStatus === 'Running', { what: 'client-3 to run' });
  expect((await op('terminate', 'client-3', { reason: 'no longer needed' })).status).toBe(202);
  const terminated = await clientDone('client-3', 'Terminated');
  expect(terminated.output).toBe('no longer needed');

  const list = (await (await op('list', 'x', { runtimeStatus: ['Terminated'] })).json()) as Status[];
  expect(list.map((s) => s.instanceId)).toContain('client-3');
  expect(list.every((s) => s.runtimeStatus === 'Terminated')).toBe(true);

  const purged = (await (await op('purge', 'client-2')).json()) as { instancesDeleted: number };
  expect(purged.instancesDeleted).toBe(1);
  const again = (await (await op('purge', 'client-2')).json()) as { instancesDeleted: number };
  expect(again.instancesDeleted).toBe(0);
  expect((await op('status', 'client-2')).status).toBe(500); // getStatus rejects on 404: the instance is gone
});

test('client: suspend and resume', async () => {
  await fetch(`${host.url}/api/start/waitEvent/client-4`, { method: 'POST' });
  await waitFor(async () => (await clientStatus('client-4')).runtimeStatus === 'Running', { what: 'client-4 to run' });
  expect((await op('suspend', 'client-4')).status).toBe(202);
  await clientDone('client-4', 'Suspended');
  expect((await op('resume', 'client-4')).status).toBe(202);
  await clientDone('client-4', 'Running');
  await op('raise', 'client-4', { name: 'approval', data: 1 });
  expect((await clientDone('client-4')).output).toEqual({ approved: 1 });
});

test('createHttpManagementPayload URLs point at this host', async () => {
  const payload = (await (await op('payload', 'some-id')).json()) as Record<string, string>;
  expect(payload.id).toBe('some-id');
  expect(payload.terminatePostUri!.startsWith(`${new URL(host.url).origin}/runtime/webhooks/durabletask/instances/some-id/terminate?`)).toBe(true);
});

test('management API: query pages with a continuation token; purge by filter; rewind and entities answer 501', async () => {
  const hdr = { 'x-functions-key': df.systemKey! };
  const base = `${host.url}/runtime/webhooks/durabletask`;
  for (const id of ['page-a', 'page-b', 'page-c']) {
    expect((await fetch(`${base}/orchestrators/sequence/${id}`, { method: 'POST', headers: hdr, body: JSON.stringify(['x']) })).status).toBe(202);
  }
  await waitFor(
    async () => {
      const res = await fetch(`${base}/instances/?runtimeStatus=Completed&top=500`, { headers: hdr });
      const ids = ((await res.json()) as Status[]).map((s) => s.instanceId);
      return ['page-a', 'page-b', 'page-c'].every((id) => ids.includes(id));
    },
    { what: 'the three instances to complete' },
  );
  const seen: string[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const res: Response = await fetch(`${base}/instances/?top=1`, { headers: { ...hdr, ...(token ? { 'x-ms-continuation-token': token } : {}) } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as Status[];
    expect(page.length).toBeLessThanOrEqual(1);
    seen.push(...page.map((s) => s.instanceId));
    token = res.headers.get('x-ms-continuation-token');
    pages++;
  } while (token && pages < 100);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));

  expect((await fetch(`${base}/instances/page-a/rewind`, { method: 'POST', headers: hdr })).status).toBe(501);
  expect((await fetch(`${base}/entities/counter/one`, { headers: hdr })).status).toBe(501);
  expect((await fetch(`${base}/orchestrators/noSuchOrchestrator`, { method: 'POST', headers: hdr })).status).toBe(400);
  expect((await fetch(`${base}/orchestrators/waitEvent/client-4`, { method: 'POST', headers: hdr })).status).toBe(202); // finished: may restart
  expect((await fetch(`${base}/orchestrators/waitEvent/client-4`, { method: 'POST', headers: hdr })).status).toBe(409); // running: conflict

  const del = await fetch(`${base}/instances/?runtimeStatus=Completed`, { method: 'DELETE', headers: hdr });
  expect(del.status).toBe(200);
  expect(((await del.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(3);
  expect((await fetch(`${base}/instances/page-a`, { headers: hdr })).status).toBe(404);
});
