// The admin API (`/api/...`): JSON, errors as problem documents, bearer tokens with the roles
// PrivateLink.Reader and PrivateLink.Admin. Handlers read through the ports and start or wake the
// owning orchestration for anything that changes state; nothing here writes Azure resources itself.
import * as df from 'durable-functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { z } from 'zod';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { PutWorkspaceBodySchema, ConnectionDecisionBodySchema } from '../../shared/domain/admin';
import { renderJson, renderText } from '../../shared/domain/plan';
import { reconcileWorkspace as planWorkspace } from '../../shared/domain/reconcile';
import { renewalOf } from '../../shared/domain/renewal';
import { currentVersion } from '../../shared/domain/certificate';
import { next as nextFlipStep } from '../../shared/domain/flip';
import { issuesFromZod } from '../../shared/domain/result';
import { privateZoneOf } from '../../shared/domain/config';
import type { PrivateEndpointConnection } from '../../shared/domain/connection';
import type { Route } from '../../shared/domain/route';
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

/** Every private endpoint connection on the fleet's Private Link Services, read once per request. */
async function allConnections(): Promise<PrivateEndpointConnection[]> {
  const s = await services();
  const ids = s.config.regions.flatMap((r) => r.privateLinkServices);
  return (await Promise.all(ids.map((id) => collectAll((req) => s.links.listConnections(id, req))))).flat().map((c) => c.value);
}

const WORKSPACE_STATES = ['Ready', 'Pending', 'Failed', 'NotReady'] as const;
type WorkspaceState = (typeof WORKSPACE_STATES)[number];

// Conditions that are problems when true, or only informative: not reasons for NotReady when false.
const NOT_BLOCKING = new Set(['Ready', 'OwnerMismatch', 'Throttled', 'LastPlanChanges']);

/**
 * One word an operator can sort and count by, with the reasons behind it. Read from the facts, not
 * only from the last reconciliation: an approved connection without its route is not ready, even in
 * the moment before the orchestration that will write the route has started.
 */
function stateOf(
  workspace: string,
  status: Awaited<ReturnType<typeof instanceStatus>>,
  conditions: ReturnType<typeof conditionsOf>,
  connections: PrivateEndpointConnection[],
  routes: Route[],
): { state: WorkspaceState; reasons: string[]; pendingConnections: number } {
  const custom = (status?.customStatus ?? {}) as { stage?: string; failed?: Array<{ kind: string; error: string }> };
  const mine = connections.filter((c) => c.workspace === workspace);
  const pending = mine.filter((c) => c.state === 'Pending').length;
  const unrouted = mine.filter((c) => c.state === 'Approved' && !routes.some((r) => r.linkId === c.linkId && r.privateLinkServiceId.toLowerCase() === c.privateLinkServiceId.toLowerCase())).length;
  const reasons: string[] = [];
  if (status?.runtimeStatus === 'Failed' || status?.runtimeStatus === 'Terminated' || custom.stage === 'failed') {
    reasons.push(...(custom.failed ?? []).map((f) => `${f.kind}: ${f.error}`));
    return { state: 'Failed', reasons: reasons.length ? reasons : [`reconciliation ${String(status?.runtimeStatus ?? custom.stage).toLowerCase()}`], pendingConnections: pending };
  }
  if (pending) reasons.push(`${pending} connection${pending === 1 ? '' : 's'} awaiting approval`);
  if (unrouted) reasons.push(`${unrouted} approved connection${unrouted === 1 ? '' : 's'} without a route yet`);
  if (!custom.stage) reasons.push('never reconciled');
  else if (custom.stage !== 'done') reasons.push(`reconciling (${custom.stage})`);
  if (reasons.length) return { state: 'Pending', reasons, pendingConnections: pending };
  if (conditions.find((c) => c.type === 'Ready')?.status) return { state: 'Ready', reasons: [], pendingConnections: pending };
  const blocking = conditions.filter((c) => !NOT_BLOCKING.has(c.type) && !c.status).map((c) => `${c.type} is false`);
  return { state: 'NotReady', reasons: blocking, pendingConnections: pending };
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
  const conditions = conditionsOf(status, certs.valid);
  const [connections, routes] = await Promise.all([allConnections(), s.routes.list()]);
  const step = flip ? nextFlipStep(flip.value, s.clock.now()) : undefined;
  return json(
    200,
    {
      workspace: w.value,
      generation: w.value.generation,
      ...stateOf(name, status, conditions, connections, routes.map((r) => r.value)),
      conditions,
      lastPlan: custom.plan ?? null,
      lastError: custom.failed?.[0] ?? null,
      nextRenewal: certs.nextRenewal === null ? null : new Date(certs.nextRenewal).toISOString(),
      flip: flip?.value ?? null,
      flipNext: step ? { step: step.type, at: step.type === 'wait' ? new Date(step.until).toISOString() : null } : null,
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
    // A decision needs no body; `{ "description": … }` records why.
    const body = await readBody(request, ConnectionDecisionBodySchema.partial().strict().default({}));
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

/**
 * The fleet at a glance (the console's first page): every workspace with its state and conditions,
 * and the counts by state. One read of each store per request, whatever the fleet's size.
 */
const fleet: Handler = async (_request, client) => {
  const s = await services();
  const [workspaces, statuses, connections, routes, certs] = await Promise.all([
    collectAll((r) => s.workspaces.list(r)),
    client.getStatusAll(),
    allConnections(),
    s.routes.list(),
    certificateHealth(),
  ]);
  const byId = new Map(statuses.map((x) => [x.instanceId, x]));
  const routeValues = routes.map((r) => r.value);
  const counts = Object.fromEntries(WORKSPACE_STATES.map((x) => [x, 0])) as Record<WorkspaceState, number>;
  const value = workspaces.map(({ value: w }) => {
    const raw = byId.get(workspaceInstanceId(w.name));
    const status = raw ? { instanceId: raw.instanceId, runtimeStatus: raw.runtimeStatus, customStatus: raw.customStatus ?? null, lastUpdatedTime: raw.lastUpdatedTime } : null;
    const conditions = conditionsOf(status, certs.valid);
    const summary = stateOf(w.name, status, conditions, connections, routeValues);
    counts[summary.state]++;
    return {
      name: w.name,
      region: w.region,
      cluster: w.cluster,
      publicNetworkAccess: w.publicNetworkAccess,
      policy: w.policy,
      generation: w.generation,
      ...summary,
      conditions,
      lastUpdatedTime: status?.lastUpdatedTime ?? null,
    };
  });
  // The configured regions and clusters, so a client can offer them when creating a workspace.
  const regions = s.config.regions.map((r) => ({ name: r.name, clusters: r.clusters.map((c) => c.name) }));
  return json(200, { counts, value, regions });
};

/** What the workspace has in Azure right now: its routes, its DNS record sets, and its region's Traffic Manager endpoints. */
const workspaceResources: Handler = async (request) => {
  const name = workspaceName(request);
  if (typeof name !== 'string') return name;
  const s = await services();
  const w = await s.workspaces.get(name);
  if (!w) return notFoundProblem(`workspace '${name}'`);
  const region = s.config.regions.find((r) => r.name === w.value.region);
  const routes = (await s.routes.list()).filter((r) => r.value.workspace === name).map((r) => r.value);
  const records = region ? (await collectAll((req) => s.dns.list(privateZoneOf(s.config, region), req))).filter((r) => r.value.workspace === name).map((r) => r.value) : [];
  // Endpoints are per ingress, shared by the region's workspaces; mark the ones serving this workspace's cluster.
  const cluster = region?.clusters.find((c) => c.name === w.value.cluster);
  const profiles = region ? [{ path: 'public', ...region.trafficManager.public }, { path: 'private', ...region.trafficManager.private }] : [];
  const endpoints = (
    await Promise.all(profiles.map(async (p) => (await s.traffic.listEndpoints(p.name)).map((e) => ({ ...e.value, path: p.path, fqdn: p.fqdn }))))
  )
    .flat()
    .map((e) => ({ ...e, servesWorkspace: Boolean(cluster && (e.target === cluster.publicIngress || e.target === cluster.privateIngress)) }));
  return json(200, { routes, dnsRecords: records, trafficEndpoints: endpoints });
};

const RUNTIME_STATUSES = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended'] as const;

/** Query of GET /api/operations: which statuses (comma-separated, any of them), newest first, at most `top`. */
const OperationsQuerySchema = z.strictObject({
  status: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []))
    .pipe(z.array(z.enum(RUNTIME_STATUSES, `must be a comma-separated list of ${RUNTIME_STATUSES.join(', ')}`))),
  prefix: z.string().max(100).optional(),
  top: z.coerce.number().int().min(1).max(500).default(100),
});

const operationView = (o: DurableOrchestrationStatus) => ({
  instanceId: o.instanceId,
  name: o.name,
  runtimeStatus: o.runtimeStatus,
  createdTime: o.createdTime,
  lastUpdatedTime: o.lastUpdatedTime,
  customStatus: o.customStatus ?? null,
  // A failed orchestration's output is its error; a completed one's may be large and is not needed in a list.
  error: o.runtimeStatus === 'Failed' ? (o.output ?? null) : null,
});

const listOperations: Handler = async (request, client) => {
  const parsed = OperationsQuerySchema.safeParse(Object.fromEntries(request.query));
  if (!parsed.success) return badRequest(issuesFromZod(parsed.error, ['query']));
  const { status, prefix, top } = parsed.data;
  const all = status.length ? await client.getStatusBy({ runtimeStatus: status as df.OrchestrationRuntimeStatus[] }) : await client.getStatusAll();
  const value = all
    .filter((o) => !prefix || o.instanceId.startsWith(prefix))
    .sort((a, b) => new Date(b.lastUpdatedTime).getTime() - new Date(a.lastUpdatedTime).getTime())
    .slice(0, top)
    .map(operationView);
  return json(200, { value });
};

/**
 * An orchestration's status with its history (what ran, what failed and why). durable-functions 3.x
 * drops the extension's `historyEvents` from getStatus (Azure/azure-functions-durable-js#620), so
 * this asks the extension's own status endpoint, whose URL the client hands out.
 */
const operationHistory: Handler = async (request, client) => {
  const id = request.params.instanceId ?? '';
  const status = await instanceStatus(client, id);
  if (!status) return notFoundProblem(`operation '${id}'`);
  const url = new URL(client.createHttpManagementPayload(id).statusQueryGetUri);
  url.searchParams.set('showHistory', 'true');
  url.searchParams.set('showHistoryOutput', 'false');
  url.searchParams.set('showInput', 'false');
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) return notFoundProblem(`operation '${id}'`);
  if (!res.ok) return problem(502, 'The Durable extension did not answer', `status query answered ${res.status}`);
  const body = (await res.json()) as { name?: string; createdTime?: string; output?: unknown; historyEvents?: unknown[] };
  return json(200, {
    ...status,
    name: body.name ?? null,
    createdTime: body.createdTime ?? null,
    error: status.runtimeStatus === 'Failed' ? (body.output ?? null) : null,
    history: body.historyEvents ?? [],
  });
};

// host.json's routePrefix is "" so the console can live at /console; every admin route says `api/` itself.
const route = (name: string, methods: Array<'GET' | 'PUT' | 'DELETE' | 'POST'>, path: string, handler: (r: HttpRequest, c: DurableClient, x: InvocationContext) => Promise<HttpResponseInit>) =>
  df.app.client.http(name, { methods, route: path, authLevel: 'anonymous', handler });

route('adminListWorkspaces', ['GET'], 'api/workspaces', guarded(READER, listWorkspaces));
route('adminGetWorkspace', ['GET'], 'api/workspaces/{ws}', guarded(READER, getWorkspace));
route('adminPutWorkspace', ['PUT'], 'api/workspaces/{ws}', guarded(ADMIN, putWorkspace));
route('adminDeleteWorkspace', ['DELETE'], 'api/workspaces/{ws}', guarded(ADMIN, deleteWorkspace));
route('adminPlan', ['GET'], 'api/workspaces/{ws}/plan', guarded(READER, planOf));
route('adminReconcile', ['POST'], 'api/workspaces/{ws}/reconcile', guarded(ADMIN, reconcileNow));
route('adminListConnections', ['GET'], 'api/workspaces/{ws}/connections', guarded(READER, listConnections));
route('adminApproveConnection', ['POST'], 'api/workspaces/{ws}/connections/{id}/approve', guarded(ADMIN, decideConnection('Approved')));
route('adminRejectConnection', ['POST'], 'api/workspaces/{ws}/connections/{id}/reject', guarded(ADMIN, decideConnection('Rejected')));
route('adminListCertificates', ['GET'], 'api/certificates', guarded(READER, listCertificates));
route('adminRotateCertificate', ['POST'], 'api/certificates/{name}/rotate', guarded(ADMIN, rotateCertificate));
route('adminSweep', ['POST'], 'api/sweep', guarded(ADMIN, sweepNow));
route('adminOperation', ['GET'], 'api/operations/{instanceId}', guarded(READER, operation));
route('adminFleet', ['GET'], 'api/fleet', guarded(READER, fleet));
route('adminWorkspaceResources', ['GET'], 'api/workspaces/{ws}/resources', guarded(READER, workspaceResources));
route('adminListOperations', ['GET'], 'api/operations', guarded(READER, listOperations));
route('adminOperationHistory', ['GET'], 'api/operations/{instanceId}/history', guarded(READER, operationHistory));
