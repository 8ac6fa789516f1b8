// The admin API (`/api/...`): JSON, errors as problem documents, bearer tokens with the roles
// PrivateLink.Reader and PrivateLink.Admin. Handlers read through the ports and start or wake the
// owning orchestration for anything that changes state; nothing here writes Azure resources itself.
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { PutWorkspaceBodySchema, ConnectionDecisionBodySchema } from '../../shared/domain/admin';
import { renderJson, renderText } from '../../shared/domain/plan';
import { reconcileWorkspace as planWorkspace } from '../../shared/domain/reconcile';
import { renewalOf } from '../../shared/domain/renewal';
import { currentVersion } from '../../shared/domain/certificate';
import { certificateInstanceId } from '../certificates';
import { WorkspaceNameSchema, type Workspace } from '../../shared/domain/workspace';
import { isPortError } from '../../shared/ports/errors';
import { collectAll } from '../../shared/ports/paging';
import { readFacts } from '../activities';
import { SWEEP_INSTANCE_ID, workspaceInstanceId } from '../orchestrations';
import { services } from '../services';
import { startOrWake } from '../starter';
import { ADMIN, authorize, isPrincipal, READER, type Role } from './auth';
import { json, readBody } from './json';
import { badRequest, notFoundProblem, problem } from './problem';

type Handler = (request: HttpRequest, client: DurableClient, context: InvocationContext) => Promise<HttpResponseInit>;

/** Wraps a handler with the role check and turns unexpected port errors into problems. */
const guarded =
  (role: Role, handler: Handler) =>
  async (request: HttpRequest, client: DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
    const who = await authorize(request, role);
    if (!isPrincipal(who)) return who;
    try {
      return await handler(request, client, context);
    } catch (err) {
      if (isPortError(err) && err.kind === 'PreconditionFailed') return problem(412, 'Precondition failed', err.message);
      if (isPortError(err) && err.kind === 'Throttled') return problem(503, 'Azure is throttling', err.message, { retryAfterMs: err.retryAfterMs });
      throw err;
    }
  };

function workspaceName(request: HttpRequest): string | HttpResponseInit {
  const parsed = WorkspaceNameSchema.safeParse(request.params.ws);
  return parsed.success ? parsed.data : badRequest([{ path: '$.params.ws', reason: parsed.error.issues[0]?.message ?? 'invalid workspace name' }]);
}

async function instanceStatus(client: DurableClient, id: string) {
  const s = await client.getStatus(id).catch(() => undefined);
  return s ? { instanceId: id, runtimeStatus: s.runtimeStatus, customStatus: s.customStatus ?? null, lastUpdatedTime: s.lastUpdatedTime } : null;
}

/** Conditions an operator reads at a glance, from the last reconciliation's status and the certificates. */
function conditionsOf(status: Awaited<ReturnType<typeof instanceStatus>>, certificatesValid: boolean) {
  const custom = (status?.customStatus ?? {}) as {
    stage?: string;
    failed?: Array<{ kind: string; error: string }>;
    plan?: { summary?: Record<string, number>; skipped?: Array<{ reason: string }> };
  };
  const failed = custom.failed ?? [];
  const pending = custom.plan?.summary ? (custom.plan.summary.create ?? 0) + (custom.plan.summary.update ?? 0) + (custom.plan.summary.delete ?? 0) : undefined;
  const converged = (kind: string) => (custom.stage === 'done' || custom.stage === 'applying') && !failed.some((f) => f.kind === kind);
  return [
    { type: 'Ready', status: custom.stage === 'done' && failed.length === 0 && certificatesValid, reason: custom.stage ?? 'NeverReconciled' },
    { type: 'RoutesConverged', status: converged('route') },
    { type: 'DnsConverged', status: converged('dns') },
    { type: 'ConnectionsConverged', status: converged('connection') },
    // Endpoints are the fleet's (the sweep's); a workspace's traffic converges with its names.
    { type: 'TrafficConverged', status: converged('dns') && custom.stage !== 'flipping' },
    { type: 'CertificateValid', status: certificatesValid },
    { type: 'OwnerMismatch', status: (custom.plan?.skipped ?? []).some((x) => x.reason === 'not-owned') },
    { type: 'Throttled', status: failed.some((f) => f.error.startsWith('Throttled')) },
    ...(pending === undefined ? [] : [{ type: 'LastPlanChanges', status: pending > 0, count: pending }]),
  ];
}

/** Whether every private TLS certificate has a current, unexpired version, and the next renewal. */
async function certificateHealth(): Promise<{ valid: boolean; nextRenewal: number | null }> {
  const s = await services();
  const now = s.clock.now();
  const all = await collectAll((r) => s.certificates.list(r));
  let valid = true;
  let next: number | null = null;
  for (const c of all.filter((x) => x.value.purpose === 'private-tls')) {
    const r = renewalOf(c.value, now);
    if (r.status === 'expired' || r.status === 'no-version') valid = false;
    if (r.status === 'due' || r.status === 'scheduled') next = next === null ? r.schedule.at : Math.min(next, r.schedule.at);
  }
  return { valid, nextRenewal: next };
}

const checkStatus = (client: DurableClient, request: HttpRequest, instanceId: string) => {
  const urls = client.createHttpManagementPayload(instanceId);
  return json(202, { id: instanceId, statusQueryGetUri: urls.statusQueryGetUri, operation: `/api/operations/${encodeURIComponent(instanceId)}` }, {
    location: urls.statusQueryGetUri,
    'retry-after': '2',
  });
};

const listWorkspaces: Handler = async () => {
  const s = await services();
  const all = await collectAll((r) => s.workspaces.list(r));
  return json(200, { value: all.map((w) => ({ ...w.value, etag: w.etag })) });
};

const getWorkspace: Handler = async (request, client) => {
  const name = workspaceName(request);
  if (typeof name !== 'string') return name;
  const s = await services();
  const w = await s.workspaces.get(name);
  if (!w) return notFoundProblem(`workspace '${name}'`);
  const status = await instanceStatus(client, workspaceInstanceId(name));
  const flip = await s.workspaces.getFlip(name);
  const certs = await certificateHealth();
  const custom = (status?.customStatus ?? {}) as { plan?: unknown; failed?: unknown[] };
  return json(
    200,
    {
      workspace: w.value,
      generation: w.value.generation,
      conditions: conditionsOf(status, certs.valid),
      lastPlan: custom.plan ?? null,
      lastError: custom.failed?.[0] ?? null,
      nextRenewal: certs.nextRenewal === null ? null : new Date(certs.nextRenewal).toISOString(),
      flip: flip?.value ?? null,
      reconcile: status,
    },
    { etag: `"${w.etag}"` },
  );
};

const putWorkspace: Handler = async (request, client, context) => {
  const name = workspaceName(request);
  if (typeof name !== 'string') return name;
  const body = await readBody(request, PutWorkspaceBodySchema);
  if (!body.ok) return body.response;
  const s = await services();
  const region = s.config.regions.find((r) => r.name === body.value.region);
  if (!region) return badRequest([{ path: '$.region', reason: `unknown region; configured: ${s.config.regions.map((r) => r.name).join(', ')}` }]);
  if (!region.clusters.some((c) => c.name === body.value.cluster)) {
    return badRequest([{ path: '$.cluster', reason: `unknown cluster in ${region.name}; configured: ${region.clusters.map((c) => c.name).join(', ')}` }]);
  }
  const ifMatch = request.headers.get('if-match')?.replace(/^W\//, '').replace(/"/g, '');
  const existing = await s.workspaces.get(name);
  const workspace: Workspace = { ...body.value, name, generation: 0 };
  const written = await s.workspaces.put(workspace, ifMatch ? { ifMatch } : existing ? {} : { ifNoneMatch: '*' });
  await startOrWake(client, 'reconcileWorkspace', workspaceInstanceId(name), { workspace: name }, context);
  return json(existing ? 200 : 201, written.value, { etag: `"${written.etag}"`, ...(existing ? {} : { location: `/api/workspaces/${name}` }) });
};

const deleteWorkspace: Handler = async (request, client, context) => {
  const name = workspaceName(request);
  if (typeof name !== 'string') return name;
  const s = await services();
  if (!(await s.workspaces.get(name))) return notFoundProblem(`workspace '${name}'`);
  const ifMatch = request.headers.get('if-match')?.replace(/^W\//, '').replace(/"/g, '');
  await s.workspaces.delete(name, ifMatch ? { ifMatch } : {});
  // The workspace's orchestration finds it gone and removes its routes and records.
  await startOrWake(client, 'reconcileWorkspace', workspaceInstanceId(name), { workspace: name }, context);
  return { status: 204 };
};

const planOf: Handler = async (request) => {
  const name = workspaceName(request);
  if (typeof name !== 'string') return name;
  const s = await services();
  if (!(await s.workspaces.get(name))) return notFoundProblem(`workspace '${name}'`);
  const { plan, notes } = planWorkspace(await readFacts({ workspace: name }), name);
  const format = request.query.get('format') ?? (request.headers.get('accept')?.includes('text/plain') ? 'text' : 'json');
  if (format === 'text') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: renderText(plan) };
  if (format !== 'json') return badRequest([{ path: '$.query.format', reason: 'must be json or text' }]);
  return json(200, { ...renderJson(plan), notes });
};

const reconcileNow: Handler = async (request, client, context) => {
  const name = workspaceName(request);
  if (typeof name !== 'string') return name;
  await startOrWake(client, 'reconcileWorkspace', workspaceInstanceId(name), { workspace: name }, context);
  return checkStatus(client, request, workspaceInstanceId(name));
};

const listConnections: Handler = async (request) => {
  const name = workspaceName(request);
  if (typeof name !== 'string') return name;
  const facts = await readFacts({ workspace: name });
  if (facts.workspaces.length === 0) return notFoundProblem(`workspace '${name}'`);
  const { notes } = planWorkspace(facts, name);
  return json(200, {
    value: facts.connections.map((c) => ({
      ...c.value,
      name: c.value.id.split('/').pop(),
      note: notes.find((n) => n.connectionId === c.value.id)?.reason ?? null,
    })),
  });
};

const decideConnection =
  (state: 'Approved' | 'Rejected'): Handler =>
  async (request, client, context) => {
    const name = workspaceName(request);
    if (typeof name !== 'string') return name;
    const body = await readBody(request, ConnectionDecisionBodySchema.partial().strict());
    if (!body.ok) return body.response;
    const s = await services();
    const facts = await readFacts({ workspace: name });
    const connection = facts.connections.find((c) => c.value.id.split('/').pop() === request.params.id || c.value.id === request.params.id);
    if (!connection) return notFoundProblem(`connection '${request.params.id}' of workspace '${name}'`);
    const description = `${body.value.description ?? `${state.toLowerCase()} by an operator`} (workspace=${name})`;
    const updated = await s.links.setConnectionState(connection.value.id, state, description, connection.etag ? { ifMatch: connection.etag } : {});
    await startOrWake(client, 'reconcileWorkspace', workspaceInstanceId(name), { workspace: name }, context);
    return json(200, updated.value);
  };

const listCertificates: Handler = async () => {
  const s = await services();
  const now = s.clock.now();
  const all = await collectAll((r) => s.certificates.list(r));
  return json(200, { value: all.map((c) => ({ ...c.value, renewal: renewalOf(c.value, now) })) });
};

const rotateCertificate: Handler = async (request, client, context) => {
  const name = request.params.name ?? '';
  const s = await services();
  const cert = await s.certificates.get(name);
  if (!cert) return notFoundProblem(`certificate '${name}'`);
  const known = currentVersion(cert.value, s.clock.now())?.version;
  await startOrWake(client, 'rotateCertificate', certificateInstanceId(name), { name, force: true, ...(known ? { knownVersion: known } : {}) }, context);
  return checkStatus(client, request, certificateInstanceId(name));
};

const sweepNow: Handler = async (request, client, context) => {
  await startOrWake(client, 'sweep', SWEEP_INSTANCE_ID, {}, context);
  return checkStatus(client, request, SWEEP_INSTANCE_ID);
};

const operation: Handler = async (request, client) => {
  const id = request.params.instanceId ?? '';
  const status = await instanceStatus(client, id);
  return status ? json(200, status) : notFoundProblem(`operation '${id}'`);
};

const route = (name: string, methods: Array<'GET' | 'PUT' | 'DELETE' | 'POST'>, path: string, handler: (r: HttpRequest, c: DurableClient, x: InvocationContext) => Promise<HttpResponseInit>) =>
  df.app.client.http(name, { methods, route: path, authLevel: 'anonymous', handler });

route('adminListWorkspaces', ['GET'], 'workspaces', guarded(READER, listWorkspaces));
route('adminGetWorkspace', ['GET'], 'workspaces/{ws}', guarded(READER, getWorkspace));
route('adminPutWorkspace', ['PUT'], 'workspaces/{ws}', guarded(ADMIN, putWorkspace));
route('adminDeleteWorkspace', ['DELETE'], 'workspaces/{ws}', guarded(ADMIN, deleteWorkspace));
route('adminPlan', ['GET'], 'workspaces/{ws}/plan', guarded(READER, planOf));
route('adminReconcile', ['POST'], 'workspaces/{ws}/reconcile', guarded(ADMIN, reconcileNow));
route('adminListConnections', ['GET'], 'workspaces/{ws}/connections', guarded(READER, listConnections));
route('adminApproveConnection', ['POST'], 'workspaces/{ws}/connections/{id}/approve', guarded(ADMIN, decideConnection('Approved')));
route('adminRejectConnection', ['POST'], 'workspaces/{ws}/connections/{id}/reject', guarded(ADMIN, decideConnection('Rejected')));
route('adminListCertificates', ['GET'], 'certificates', guarded(READER, listCertificates));
route('adminRotateCertificate', ['POST'], 'certificates/{name}/rotate', guarded(ADMIN, rotateCertificate));
route('adminSweep', ['POST'], 'sweep', guarded(ADMIN, sweepNow));
route('adminOperation', ['GET'], 'operations/{instanceId}', guarded(READER, operation));
