// The admin API over real HTTP on the single-machine system, with tokens the local issuer signs.
import { mintLocalToken } from '../../local/admin-token';
import { LOCAL_PLS_ID, localServices, type LocalServices } from '../../local/azure/local-services';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';
import { privateTlsPolicy } from '../support/certificates';

let host: HostProcess;
let local: LocalServices;
let admin: string;
let reader: string;

beforeAll(async () => {
  const dataDir = tempDir('admin');
  local = await localServices(dataDir, {});
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *' } });
  admin = await mintLocalToken(dataDir, ['PrivateLink.Admin']);
  reader = await mintLocalToken(dataDir, ['PrivateLink.Reader']);
});
afterAll(() => host?.stop());

const call = (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${host.url}/api${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const workspace = { region: 'local', cluster: 'local-1', services: [{ name: 'dicom' }], approval: { autoApproveSubscriptions: [] } };

describe('authentication and authorisation', () => {
  test('healthz needs no token', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  test('401 without a token or with a forged one, as a problem document with a challenge', async () => {
    const none = await call('GET', '/workspaces');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const otherKey = await mintLocalToken(tempDir('other-issuer'), ['PrivateLink.Admin']);
    expect((await call('GET', '/workspaces', otherKey)).status).toBe(401);
  });

  test('403 for a reader on admin operations; readers may read', async () => {
    const res = await call('PUT', '/workspaces/cardio', reader, workspace);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 403, title: 'Forbidden' });
    expect((await call('POST', '/sweep', reader)).status).toBe(403);
    expect((await call('GET', '/workspaces', reader)).status).toBe(200);
  });
});

describe('workspaces', () => {
  test('400 with field-level problem details for bad bodies', async () => {
    const res = await call('PUT', '/workspaces/cardio', admin, { ...workspace, publicNetworkAccess: 'Sometimes', colour: 'blue' });
    expect(res.status).toBe(400);
    const doc = (await res.json()) as { errors: Array<{ path: string }> };
    expect(doc.errors.map((e) => e.path).sort()).toEqual(['$', '$.publicNetworkAccess'].sort());
    const region = await call('PUT', '/workspaces/cardio', admin, { ...workspace, region: 'mars' });
    expect(await region.json()).toMatchObject({ status: 400, errors: [{ path: '$.region' }] });
    expect((await call('PUT', '/workspaces/Not_A_Name', admin, workspace)).status).toBe(400);
  });

  test('404 for unknown workspaces', async () => {
    expect((await call('GET', '/workspaces/nobody', reader)).status).toBe(404);
    expect((await call('GET', '/workspaces/nobody/plan', reader)).status).toBe(404);
    expect((await call('DELETE', '/workspaces/nobody', admin)).status).toBe(404);
  });

  test('PUT creates (201, ETag), If-Match guards updates (412 when stale), and the workspace reconciles', async () => {
    const created = await call('PUT', '/workspaces/cardio', admin, workspace);
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag')!;
    expect((await created.json()) as object).toMatchObject({ name: 'cardio', generation: 1 });
    const updated = await call('PUT', '/workspaces/cardio', admin, { ...workspace, publicNetworkAccess: 'Enabled' }, { 'if-match': etag });
    expect(updated.status).toBe(200);
    expect((await call('PUT', '/workspaces/cardio', admin, workspace, { 'if-match': etag })).status).toBe(412);
    const view = await waitFor(async () => {
      const v = (await (await call('GET', '/workspaces/cardio', reader)).json()) as { conditions: Array<{ type: string; status: boolean }> };
      return v.conditions.find((c) => c.type === 'Ready')?.status && v;
    }, { timeoutMs: 30_000, what: 'the workspace to be Ready' });
    expect(view.conditions.map((c) => c.type)).toEqual(
      expect.arrayContaining(['Ready', 'RoutesConverged', 'DnsConverged', 'TrafficConverged', 'CertificateValid', 'OwnerMismatch', 'Throttled']),
    );
    expect(view).toMatchObject({ generation: 2, lastError: null });
  });

  test('the dry-run plan as JSON and text', async () => {
    const pe = local.privateLinkService.createEndpoint({ privateLinkServiceId: LOCAL_PLS_ID, endpointName: 'pe-cardio', requestingSubscription: '99999999-0000-0000-0000-000000000000', workspace: 'cardio' });
    const plan = (await (await call('GET', '/workspaces/cardio/plan', reader)).json()) as { changes: unknown[]; notes: Array<{ reason: string }> };
    expect(plan.notes).toEqual([expect.objectContaining({ reason: 'awaiting-approval' })]);
    const connections = (await (await call('GET', '/workspaces/cardio/connections', reader)).json()) as { value: Array<{ name: string; state: string; note: string }> };
    expect(connections.value).toEqual([expect.objectContaining({ state: 'Pending', note: 'awaiting-approval', linkId: pe.value.linkId })]);

    // An operator approves it; the plan then creates the route and records.
    const approved = await call('POST', `/workspaces/cardio/connections/${connections.value[0]!.name}/approve`, admin, { description: 'ticket 42' });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ state: 'Approved', workspace: 'cardio' });
    await waitFor(async () => Boolean(await local.routes.get({ privateLinkServiceId: LOCAL_PLS_ID, linkId: pe.value.linkId })), { timeoutMs: 30_000, what: 'the route' });
    const text = await (await call('GET', '/workspaces/cardio/plan?format=text', reader)).text();
    expect(typeof text).toBe('string');
  });

  test('a decision needs no body: rejecting a second connection with an empty POST', async () => {
    const pe = local.privateLinkService.createEndpoint({ privateLinkServiceId: LOCAL_PLS_ID, endpointName: 'pe-stranger', requestingSubscription: '99999999-0000-0000-0000-000000000001', workspace: 'cardio' });
    const name = pe.value.id.split('/').pop()!;
    const rejected = await call('POST', `/workspaces/cardio/connections/${name}/reject`, admin);
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ state: 'Rejected', workspace: 'cardio' });
  });

  test('reconcile and sweep answer 202 with status URLs that resolve', async () => {
    const res = await call('POST', '/workspaces/cardio/reconcile', admin);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; operation: string };
    expect(body.id).toBe('ws:cardio');
    const op = await waitFor(async () => {
      const o = (await (await call('GET', body.operation.replace(/^\/api/, ''), reader)).json()) as { runtimeStatus: string };
      return o.runtimeStatus === 'Completed' && o;
    }, { timeoutMs: 30_000, what: 'the reconcile to complete' });
    expect(op).toMatchObject({ instanceId: 'ws:cardio' });
    expect((await call('POST', '/sweep', admin)).status).toBe(202);
    expect((await call('GET', '/operations/nothing-like-this', reader)).status).toBe(404);
  });

  test('certificates list with their next renewal; an operator rotation creates a version and rolls it out', async () => {
    await local.vault.create('private-tls', 'private-tls', privateTlsPolicy());
    const list = (await (await call('GET', '/certificates', reader)).json()) as { value: Array<{ name: string; renewal: { status: string } }> };
    expect(list.value.map((c) => c.name)).toEqual(['private-tls']);
    expect(list.value[0]!.renewal.status).toBe('scheduled');
    expect((await call('POST', '/certificates/nope/rotate', admin)).status).toBe(404);
    const res = await call('POST', '/certificates/private-tls/rotate', admin);
    expect(res.status).toBe(202);
    const { operation } = (await res.json()) as { operation: string };
    const done = await waitFor(async () => {
      const o = (await (await call('GET', operation.replace(/^\/api/, ''), reader)).json()) as { runtimeStatus: string; customStatus: { created?: boolean; verified?: string } };
      return o.runtimeStatus === 'Completed' && o;
    }, { timeoutMs: 30_000, what: 'the rotation' });
    expect(done.customStatus).toMatchObject({ stage: 'done', created: true });
    expect((await local.vault.get('private-tls'))!.value.versions).toHaveLength(2);
  });

  test('DELETE removes the workspace; its routes go with it', async () => {
    expect((await call('DELETE', '/workspaces/cardio', admin)).status).toBe(204);
    expect((await call('GET', '/workspaces/cardio', reader)).status).toBe(404);
    await waitFor(async () => (await local.routes.list()).every((r) => r.value.workspace !== 'cardio'), { timeoutMs: 30_000, what: 'the routes to go' });
  });
});
