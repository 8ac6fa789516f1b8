import { z } from 'zod';
import { fail, issuesFromZod, ok, type FieldIssue, type Result } from '../result';

const Timestamp = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' });

/** Event Grid schema. Unknown fields are kept: dead-letter copies add their own (deliveryAttempts, …). */
export const EventGridEnvelopeSchema = z.looseObject({
  id: z.string().min(1, 'must not be empty'),
  topic: z.string().optional(),
  subject: z.string(),
  eventType: z.string().min(1, 'must not be empty'),
  eventTime: Timestamp,
  data: z.unknown(),
  dataVersion: z.string().optional(),
  metadataVersion: z.string().optional(),
});
export type EventGridEnvelope = z.infer<typeof EventGridEnvelopeSchema>;

/** CloudEvents 1.0 structured mode, as Event Grid delivers it. */
export const CloudEventEnvelopeSchema = z.looseObject({
  specversion: z.literal('1.0', { message: 'must be "1.0"' }),
  id: z.string().min(1, 'must not be empty'),
  source: z.string().min(1, 'must not be empty'),
  type: z.string().min(1, 'must not be empty'),
  subject: z.string().optional(),
  time: Timestamp.optional(),
  data: z.unknown(),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
});
export type CloudEventEnvelope = z.infer<typeof CloudEventEnvelopeSchema>;

/** Both delivery schemas folded into one shape, so the rest of the code never asks which one came. */
export interface InboundEvent {
  schema: 'EventGrid' | 'CloudEvents';
  id: string;
  /** Publisher resource: Event Grid `topic`, CloudEvents `source`. */
  source: string;
  subject: string;
  type: string;
  /** Epoch milliseconds; undefined when a CloudEvent omitted `time`. */
  time: number | undefined;
  data: unknown;
  dataVersion: string | undefined;
}

/** Event Grid caps a batch at 5,000 events (maxEventsPerBatch). */
export const MAX_BATCH = 5000;

/** Accepts one event or an array of events, in either schema; a batch must be all one schema. */
export function parseEnvelopes(body: unknown): Result<InboundEvent[]> {
  if (Array.isArray(body)) {
    if (body.length === 0) return fail([{ path: '$', reason: 'must contain at least one event' }]);
    if (body.length > MAX_BATCH) return fail([{ path: '$', reason: `must contain at most ${MAX_BATCH} events` }]);
    const first = schemaOf(body[0]);
    const issues: FieldIssue[] = [];
    const events: InboundEvent[] = [];
    body.forEach((item, index) => {
      const parsed = parseOne(item, [index], first);
      if (parsed.ok) events.push(parsed.value);
      else issues.push(...parsed.issues);
    });
    return issues.length > 0 ? fail(issues) : ok(events);
  }
  const single = parseOne(body, [], schemaOf(body));
  return single.ok ? ok([single.value]) : single;
}

type SchemaName = InboundEvent['schema'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function schemaOf(v: unknown): SchemaName {
  return isRecord(v) && 'specversion' in v ? 'CloudEvents' : 'EventGrid';
}

function parseOne(item: unknown, at: PropertyKey[], expected: SchemaName): Result<InboundEvent> {
  const where = at.length > 0 ? `$[${String(at[0])}]` : '$';
  if (!isRecord(item)) return fail([{ path: where, reason: 'must be an event object' }]);
  const schema = schemaOf(item);
  if (schema !== expected) {
    return fail([{ path: where, reason: `mixes ${schema} with ${expected} events in one batch` }]);
  }
  if (schema === 'CloudEvents') {
    const parsed = CloudEventEnvelopeSchema.safeParse(item);
    if (!parsed.success) return fail(issuesFromZod(parsed.error, at));
    const e = parsed.data;
    return ok({
      schema,
      id: e.id,
      source: e.source,
      subject: e.subject ?? '',
      type: e.type,
      time: e.time === undefined ? undefined : Date.parse(e.time),
      data: e.data,
      dataVersion: undefined,
    });
  }
  const parsed = EventGridEnvelopeSchema.safeParse(item);
  if (!parsed.success) return fail(issuesFromZod(parsed.error, at));
  const e = parsed.data;
  return ok({
    schema,
    id: e.id,
    source: e.topic ?? '',
    subject: e.subject,
    type: e.eventType,
    time: Date.parse(e.eventTime),
    data: e.data,
    dataVersion: e.dataVersion,
  });
}
