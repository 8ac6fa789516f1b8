// The Event Grid extension's webhook: validation handshake, CloudEvents abuse protection, and one
// invocation per event of a batch (all or nothing, as Event Grid re-sends the whole batch on 500).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionRegistry } from './core-api';
import { readBody, sendEmpty, sendJson, BodyTooLargeError } from './http-io';
import type { Invoker } from './invoker';
import type { Logger } from './logger';

export const EVENT_GRID_PATH = '/runtime/webhooks/eventgrid';
export const EVENT_GRID_SYSTEM_KEY = 'eventgrid_extension';
const MAX_EVENT_BYTES = 1024 * 1024; // Event Grid's event size limit
const MAX_BATCH_BYTES = 64 * 1024 * 1024;
const VALIDATION_EVENT = 'microsoft.eventgrid.subscriptionvalidationevent';
const KNOWN_ORIGINS = /^eventgrid\.azure\.(net|us|cn|de)$/i;

type Json = Record<string, unknown>;

export async function handleEventGrid(
  registry: FunctionRegistry,
  invoker: Invoker,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const functionName = url.searchParams.get('functionName') ?? '';
  const fn = registry.get(functionName);
  if (!fn || fn.trigger.type.toLowerCase() !== 'eventgridtrigger') {
    return sendJson(res, 404, { error: `No Event Grid function named '${functionName}'` });
  }

  if (req.method === 'OPTIONS') {
    const origin = header(req, 'webhook-request-origin');
    if (!origin) return sendEmpty(res, 400);
    const allowed = KNOWN_ORIGINS.test(origin) ? origin : 'eventgrid.azure.net';
    return sendEmpty(res, 200, { 'WebHook-Allowed-Origin': allowed, 'WebHook-Allowed-Rate': '*', Allow: 'POST' });
  }
  if (req.method !== 'POST') return sendEmpty(res, 405, { Allow: 'POST, OPTIONS' });

  const contentType = header(req, 'content-type') ?? '';
  const kind = header(req, 'aeg-event-type') ?? (contentType.startsWith('application/cloudevents') ? 'Notification' : undefined);
  if (kind === 'Unsubscribe' || kind === 'SubscriptionDeletion') return sendEmpty(res, 202);
  if (kind !== 'SubscriptionValidation' && kind !== 'Notification') {
    return sendJson(res, 400, { error: `Unsupported aeg-event-type '${kind ?? ''}'` });
  }

  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BATCH_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message });
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return sendJson(res, 400, { error: 'The request body is not valid JSON' });
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  if (events.length === 0 || !events.every((e): e is Json => typeof e === 'object' && e !== null && !Array.isArray(e))) {
    return sendJson(res, 400, { error: 'Expected an event object or an array of event objects' });
  }

  if (kind === 'SubscriptionValidation') {
    const validation = events.find((e) => String(e.eventType ?? e.type ?? '').toLowerCase() === VALIDATION_EVENT);
    const code = (validation?.data as Json | undefined)?.validationCode;
    if (typeof code !== 'string') return sendJson(res, 400, { error: 'No SubscriptionValidationEvent with a validationCode' });
    logger.host('information', `Event Grid subscription validated for '${fn.name}'`);
    return sendJson(res, 200, { validationResponse: code });
  }

  const oversized = events.findIndex((e) => Buffer.byteLength(JSON.stringify(e)) > MAX_EVENT_BYTES);
  if (oversized >= 0) return sendJson(res, 413, { error: `Event ${oversized} exceeds ${MAX_EVENT_BYTES} bytes` });

  const outcomes = await Promise.allSettled(
    events.map((event) =>
      invoker.invoke(fn, { trigger: { json: JSON.stringify(event) }, triggerMetadata: eventMetadata(event) }),
    ),
  );
  // Any failure (already logged by the invoker) fails the batch: Event Grid re-sends all of it.
  return outcomes.some((o) => o.status === 'rejected') ? sendEmpty(res, 500) : sendEmpty(res, 202);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function eventMetadata(event: Json): Record<string, { json: string }> {
  const meta: Record<string, { json: string }> = {};
  for (const key of ['id', 'topic', 'source', 'subject', 'eventType', 'type', 'eventTime', 'time']) {
    if (event[key] !== undefined) meta[key] = { json: JSON.stringify(event[key]) };
  }
  return meta;
}
