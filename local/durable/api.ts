// The Durable management HTTP API, with the extension's routes, payloads and status codes
// (HttpApiHandler): served under /runtime/webhooks/durabletask/ (system key) and at the durable
// client's rpcBaseUrl, /durabletask/ (loopback only, as the extension's local RPC endpoint is).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendEmpty, sendJson } from '../host/http-io';
import { ConflictError, InvalidInputError, NotFoundError, type DurableEngine, type OpResult } from './engine';
import { EVENT_TYPE_NAMES, EventType, type HistoryEvent } from './protocol';
import { TERMINAL, type InstanceRow, type RuntimeStatus } from './store';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask/';
export const RPC_PREFIX = '/durabletask/';
const MAX_BODY = 16 * 1024 * 1024;
const DEFAULT_PAGE = 100;
const STATUSES: ReadonlySet<string> = new Set(['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended']);

const INVALID = Symbol('invalid JSON');

/** The request body re-serialised as compact JSON, undefined when empty, INVALID when not JSON. */
async function jsonBody(req: IncomingMessage): Promise<string | undefined | typeof INVALID> {
  const text = (await readBody(req, MAX_BODY)).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return INVALID;
  }
}

export interface ManagementUrls {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

export interface ApiContext {
  engine: DurableEngine;
  /** Management URLs for an instance, as the extension hands them out (origin of the request). */
  managementUrls(origin: string, instanceId: string): ManagementUrls;
}

/** Extension time format: second precision, Z. */
function extTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseJsonText(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function statusBody(engine: DurableEngine, row: InstanceRow, q: URLSearchParams): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: row.name,
    instanceId: row.id,
    runtimeStatus: row.status,
    input: q.get('showInput') === 'false' ? null : parseJsonText(row.input),
    customStatus: parseJsonText(row.customStatus),
    output: parseJsonText(row.output),
    createdTime: extTime(row.createdAt),
    lastUpdatedTime: extTime(row.updatedAt),
  };
  if (q.get('showHistory') === 'true') {
    body.historyEvents = friendlyHistory(engine.getHistory(row.id) ?? [], q.get('showHistoryOutput') === 'true');
  }
  return body;
}

/**
 * The extension's status history: event types by name, scheduling events folded into their
 * completions (FunctionName, ScheduledTime), replay markers left out; results only on request.
 */
export function friendlyHistory(events: HistoryEvent[], withOutput: boolean): Array<Record<string, unknown>> {
  const scheduled = new Map<number, HistoryEvent>();
  const out: Array<Record<string, unknown>> = [];
  const value = (v: unknown) => (typeof v === 'string' ? parseJsonText(v) : v);
  for (const e of events) {
    const type = EVENT_TYPE_NAMES[e.EventType] ?? String(e.EventType);
    const base: Record<string, unknown> = { EventType: type, Timestamp: e.Timestamp };
    switch (e.EventType) {
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
      case EventType.TimerCreated:
        continue;
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(e.EventId, e);
        continue;
      case EventType.ExecutionStarted:
        out.push({ ...base, FunctionName: e.Name, ...(withOutput ? { Input: value(e.Input) } : {}) });
        continue;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed: {
        const s = scheduled.get(Number(e.TaskScheduledId));
        const entry: Record<string, unknown> = { ...base, FunctionName: s?.Name, ScheduledTime: s?.Timestamp };
        if (e.Reason !== undefined) {
          entry.Reason = e.Reason;
          entry.Details = e.Details;
        }
        if (withOutput && e.Result !== undefined) entry.Result = value(e.Result);
        out.push(entry);
        continue;
      }
      case EventType.TimerFired:
        out.push({ ...base, FireAt: e.FireAt });
        continue;
      case EventType.EventRaised:
        out.push({ ...base, Name: e.Name, ...(withOutput ? { Input: value(e.Input) } : {}) });
        continue;
      case EventType.ExecutionCompleted:
        out.push({ ...base, OrchestrationStatus: e.OrchestrationStatus, ...(withOutput || e.OrchestrationStatus !== 'Completed' ? { Result: value(e.Result) } : {}) });
        continue;
      default:
        out.push(base);
    }
  }
  return out;
}

function opStatus(res: ServerResponse, r: OpResult, id: string): void {
  if (r === 'accepted') return sendEmpty(res, 202);
  if (r === 'gone') return sendJson(res, 410, { message: `The instance '${id}' has already completed.` });
  return sendJson(res, 404, { message: `No instance with ID '${id}' found.` });
}

function statusFilter(q: URLSearchParams): RuntimeStatus[] | undefined | 'bad' {
  const raw = q.get('runtimeStatus');
  if (!raw) return undefined;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  return list.every((s) => STATUSES.has(s)) ? (list as RuntimeStatus[]) : 'bad';
}

function timeParam(q: URLSearchParams, name: string): number | undefined | 'bad' {
  const raw = q.get(name);
  if (!raw) return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? 'bad' : t;
}

/** Answers one management request; `rest` is the path after the prefix. */
export async function handleManagement(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> {
  const method = req.method ?? 'GET';
  let parts: string[];
  try {
    parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return sendJson(res, 400, { message: 'malformed percent-encoding in the path' });
  }
  const q = url.searchParams;
  const engine = ctx.engine;
  const origin = url.origin;

  if (parts[0] === 'orchestrators' && (parts.length === 2 || parts.length === 3)) {
    if (method !== 'POST') return sendEmpty(res, 405);
    const body = await jsonBody(req);
    if (body === INVALID) return sendJson(res, 400, { message: 'The request body must be JSON (the orchestrator input).' });
    const input = body;
    try {
      const id = engine.startNew(parts[1]!, { instanceId: parts[2], input, version: q.get('version') ?? undefined });
      const urls = ctx.managementUrls(origin, id);
      return sendJson(res, 202, urls, { location: urls.statusQueryGetUri, 'retry-after': '10' });
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof InvalidInputError) return sendJson(res, 400, { message: err.message });
      if (err instanceof ConflictError) return sendJson(res, 409, { message: err.message });
      throw err;
    }
  }

  if (parts[0] === 'instances') {
    const id = parts[1];
    if (id === undefined) {
      const statuses = statusFilter(q);
      const from = timeParam(q, 'createdTimeFrom');
      const to = timeParam(q, 'createdTimeTo');
      if (statuses === 'bad' || from === 'bad' || to === 'bad') return sendJson(res, 400, { message: 'invalid runtimeStatus or createdTime filter' });
      if (method === 'GET') return listInstances(engine, req, res, q, { statuses, from, to });
      if (method === 'DELETE') {
        const ids: string[] = [];
        let after: { createdAt: number; id: string } | undefined;
        for (;;) {
          const page = engine.query({ createdFrom: from, createdTo: to, statuses, after, limit: 500 });
          ids.push(...page.filter((r) => TERMINAL.has(r.status)).map((r) => r.id));
          if (page.length < 500) break;
          const last = page[page.length - 1]!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        const n = engine.purge(ids);
        return n ? sendJson(res, 200, { instancesDeleted: n }) : sendEmpty(res, 404);
      }
      return sendEmpty(res, 405);
    }
    const op = parts[2];
    if (op === undefined) {
      if (method === 'GET') {
        const row = engine.getInstance(id);
        if (!row) return sendEmpty(res, 404);
        const body = statusBody(engine, row, q);
        if (TERMINAL.has(row.status)) return sendJson(res, 200, body);
        const urls = ctx.managementUrls(origin, id);
        return sendJson(res, 202, body, { location: urls.statusQueryGetUri, 'retry-after': '10' });
      }
      if (method === 'DELETE') {
        const n = engine.purge([id]);
        return n ? sendJson(res, 200, { instancesDeleted: n }) : sendEmpty(res, 404);
      }
      return sendEmpty(res, 405);
    }
    if (op === 'history' && method === 'GET' && parts.length === 3) {
      // Local extra: the raw Durable Task history (event ids and links), for tests and demos.
      const row = engine.getInstance(id);
      if (!row) return sendEmpty(res, 404);
      return sendJson(res, 200, { instanceId: id, runtimeStatus: row.status, historyEvents: engine.getHistory(id) ?? [] });
    }
    if (method !== 'POST') return sendEmpty(res, 405);
    const reason = q.get('reason') ?? undefined;
    if (op === 'raiseEvent' && parts.length === 4) {
      const input = await jsonBody(req);
      if (input === INVALID) return sendJson(res, 400, { message: 'The event data must be JSON.' });
      return opStatus(res, engine.raiseEvent(id, parts[3]!, input), id);
    }
    if (parts.length !== 3) return sendEmpty(res, 404);
    if (op === 'terminate') return opStatus(res, engine.terminate(id, reason), id);
    if (op === 'suspend') return opStatus(res, engine.suspend(id, reason), id);
    if (op === 'resume') return opStatus(res, engine.resume(id, reason), id);
    if (op === 'rewind' || op === 'restart') {
      if (!engine.getInstance(id)) return sendJson(res, 404, { message: `No instance with ID '${id}' found.` });
      return sendJson(res, 501, { message: `${op} is not supported by the local Durable engine.` });
    }
    return sendEmpty(res, 404);
  }

  if (parts[0] === 'entities') {
    return sendJson(res, 501, { message: 'Durable entities are not supported by the local Durable engine (see docs/DURABLE.md).' });
  }

  if (parts[0] === 'clock' && parts[1] === 'advance' && method === 'POST') {
    // Local extra for tests: with the virtual clock, jump to the next due timer.
    if (!engine.clock.virtual) return sendJson(res, 409, { message: 'the engine runs on the real clock (set DPL_DURABLE_CLOCK=virtual)' });
    const now = engine.advanceClock();
    return sendJson(res, 200, { advanced: now !== undefined, now: new Date(engine.clock.now()).toISOString() });
  }
  return sendEmpty(res, 404);
}

function listInstances(
  engine: DurableEngine,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  f: { statuses?: RuntimeStatus[]; from?: number; to?: number },
): void {
  const top = Number(q.get('top') ?? DEFAULT_PAGE);
  const limit = Number.isInteger(top) && top > 0 ? Math.min(top, 1000) : DEFAULT_PAGE;
  let after: { createdAt: number; id: string } | undefined;
  const token = req.headers['x-ms-continuation-token'];
  if (typeof token === 'string' && token) {
    try {
      const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { c: number; i: string };
      after = { createdAt: Number(t.c), id: String(t.i) };
    } catch {
      return sendJson(res, 400, { message: 'invalid continuation token' });
    }
  }
  const page = engine.query({ createdFrom: f.from, createdTo: f.to, statuses: f.statuses, instanceIdPrefix: q.get('instanceIdPrefix') ?? undefined, after, limit: limit + 1 });
  const more = page.length > limit;
  const rows = page.slice(0, limit);
  const headers: Record<string, string> = {};
  if (more) {
    const last = rows[rows.length - 1]!;
    headers['x-ms-continuation-token'] = Buffer.from(JSON.stringify({ c: last.createdAt, i: last.id })).toString('base64url');
  }
  sendJson(res, 200, rows.map((r) => statusBody(engine, r, q)), headers);
}
