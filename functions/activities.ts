// Activities: the only place the control plane touches the outside world. Each is idempotent or
// conditional, and reports port errors as data (PortError JSON) so the orchestration decides.
import * as df from 'durable-functions';
import { privateZoneOf } from '../shared/domain/config';
import { exposureOf, type Exposure, type FlipState } from '../shared/domain/flip';
import type { Change } from '../shared/domain/plan';
import type { Facts } from '../shared/domain/reconcile';
import { connectionsOf } from '../shared/domain/reconcile';
import type { Workspace } from '../shared/domain/workspace';
import { isPortError, type PortError } from '../shared/ports/errors';
import { collectAll } from '../shared/ports/paging';
import { services } from './services';
import { startOrWake } from './starter';
import { fullBudget, parseBudget, take, type BudgetState } from '../shared/domain/write-budget';

export type ApplyResult = { key: string; kind: Change['kind']; action: Change['action']; ok: true } | { key: string; kind: Change['kind']; action: Change['action']; ok: false; error: ReturnType<PortError['toJSON']> };

/** Reads one workspace's facts (`workspace` set) or the whole fleet's (sweep). */
export async function readFacts(input: { workspace?: string }): Promise<Facts> {
  const s = await services();
  const { config } = s;
  let workspaces: Workspace[];
  if (input.workspace) {
    const w = await s.workspaces.get(input.workspace);
    workspaces = w ? [w.value] : [];
  } else {
    workspaces = (await collectAll((r) => s.workspaces.list(r))).map((w) => w.value);
  }
  const allConnections = (
    await Promise.all(config.regions.flatMap((r) => r.privateLinkServices.map((id) => collectAll((req) => s.links.listConnections(id, req)))))
  ).flat();
  const connections = input.workspace
    ? allConnections.filter((c) => c.value.workspace === input.workspace?.toLowerCase() && connectionsOf(config, workspaces[0], [c.value]).length > 0)
    : allConnections;
  const mine = <T extends { workspace?: string }>(v: T) => !input.workspace || v.workspace === input.workspace;
  const routes = (await s.routes.list()).filter((r) => mine(r.value));
  const records = (await Promise.all(config.regions.map((r) => collectAll((req) => s.dns.list(privateZoneOf(config, r), req))))).flat().filter((r) => mine(r.value));
  const endpoints = input.workspace
    ? []
    : (await Promise.all(config.regions.flatMap((r) => [r.trafficManager.public.name, r.trafficManager.private.name].map((p) => s.traffic.listEndpoints(p))))).flat();
  const exposures: Array<[string, Exposure]> = [];
  let flip: Facts['flip'];
  for (const w of workspaces) {
    const f = await s.workspaces.getFlip(w.name);
    if (f && f.value.stage !== 'settled') exposures.push([w.name, exposureOf(f.value)]);
    if (input.workspace) flip = f;
  }
  return { config, workspaces, connections, routes, records, endpoints, ...(exposures.length ? { exposures } : {}), ...(flip ? { flip } : {}) };
}

// ARM writes share one budget per subscription in this process (`DPL_WRITE_BUDGET`, capacity/refill
// per second; ARM allows about 200/10 per principal). With several instances, give each its share.
const budgetConfig = parseBudget(process.env.DPL_WRITE_BUDGET);
const budgets = new Map<string, BudgetState>();

/** When ARM last said 429 for a subscription: no write from this process goes before that time. */
const throttledUntil = new Map<string, number>();

function subscriptionOf(change: Change): string {
  const id = change.kind === 'connection' ? (change.action === 'delete' ? change.old.value.id : change.new.id) : '';
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase() ?? process.env.AZURE_SUBSCRIPTION_ID ?? 'default';
}

function spendArmWrite(change: Change): number | undefined {
  if (change.kind === 'route') return undefined; // Cosmos DB, not ARM
  const subscription = subscriptionOf(change);
  const now = Date.now();
  const blocked = (throttledUntil.get(subscription) ?? 0) - now;
  if (blocked > 0) return blocked;
  const r = take(budgetConfig, budgets.get(subscription) ?? fullBudget(budgetConfig, now), now);
  budgets.set(subscription, r.state);
  return r.ok ? undefined : r.retryAfterMs;
}

/** Makes one planned change with the etag the plan read, so a stale plan loses instead of overwriting. */
export async function applyChange(change: Change): Promise<ApplyResult> {
  const s = await services();
  const base = { key: change.key, kind: change.kind, action: change.action };
  const wait = spendArmWrite(change);
  if (wait !== undefined) {
    return { ...base, ok: false, error: { name: 'PortError', kind: 'Throttled', message: 'the ARM write budget is spent', retryAfterMs: wait } };
  }
  try {
    switch (change.kind) {
      case 'connection': {
        if (change.action !== 'update') break;
        const state = change.new.state;
        if (state !== 'Approved' && state !== 'Rejected') break;
        // Keep the workspace in the description: Azure shows ours in place of the consumer's request.
        const description = `${state.toLowerCase()} by dicom-privatelink for workspace=${change.new.workspace ?? change.old.value.workspace ?? 'unknown'}`;
        await s.links.setConnectionState(change.new.id, state, description, change.old.etag ? { ifMatch: change.old.etag } : {});
        break;
      }
      case 'route':
        if (change.action === 'create') await s.routes.put(change.new, { ifNoneMatch: '*' });
        else if (change.action === 'update') await s.routes.put(change.new, change.old.etag ? { ifMatch: change.old.etag } : {});
        else await s.routes.delete(change.old.value, change.old.etag ? { ifMatch: change.old.etag } : {});
        break;
      case 'dns':
        if (change.action === 'create') await s.dns.put(change.new, { ifNoneMatch: '*' });
        else if (change.action === 'update') await s.dns.put(change.new, change.old.etag ? { ifMatch: change.old.etag } : {});
        else await s.dns.delete(change.old.value, change.old.etag ? { ifMatch: change.old.etag } : {});
        break;
      case 'traffic':
        if (change.action !== 'update') break;
        await s.traffic.setEndpointStatus(change.new.profile, change.new.endpoint, change.new.status, change.old.etag ? { ifMatch: change.old.etag } : {});
        break;
    }
    return { ...base, ok: true };
  } catch (err) {
    if (isPortError(err)) {
      // A 429 holds back every ARM write of this process for that subscription, not just this one.
      if (err.kind === 'Throttled' && change.kind !== 'route') throttledUntil.set(subscriptionOf(change), Date.now() + (err.retryAfterMs ?? 1000));
      return { ...base, ok: false, error: err.toJSON() };
    }
    throw err;
  }
}

/** Stores a workspace's flip state, guarded by the etag the orchestration read; the new etag, or the error. */
export async function saveFlip(input: { state: FlipState; etag?: string }): Promise<{ ok: true; etag: string } | { ok: false; error: ReturnType<PortError['toJSON']> }> {
  const s = await services();
  try {
    const written = await s.workspaces.putFlip(input.state, input.etag ? { ifMatch: input.etag } : { ifNoneMatch: '*' });
    return { ok: true, etag: written.etag };
  } catch (err) {
    if (isPortError(err)) return { ok: false, error: err.toJSON() };
    throw err;
  }
}

export async function listWorkspaceNames(): Promise<string[]> {
  const s = await services();
  return (await collectAll((r) => s.workspaces.list(r))).map((w) => w.value.name);
}

df.app.activity('readFacts', { handler: readFacts });
df.app.activity('applyChange', { handler: applyChange });
df.app.activity('listWorkspaceNames', { handler: listWorkspaceNames });
// The sweep hands each workspace to its own instance (`ws:<name>`): one owner per key, even when an
// event started that instance first.
df.app.activity('wakeWorkspaces', {
  extraInputs: [df.input.durableClient()],
  handler: async (names: string[], context) => {
    const client = df.getClient(context);
    for (const name of names) await startOrWake(client, 'reconcileWorkspace', `ws:${name.toLowerCase()}`, { workspace: name.toLowerCase() }, context);
    return names.length;
  },
});
df.app.activity('saveFlip', { handler: saveFlip });
