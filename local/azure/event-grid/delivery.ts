// Local Event Grid: delivers events to webhook subscriptions the way Event Grid does — one event per
// POST (batching off), `aeg-event-type: Notification`, the subscription's event-type filter,
// at-least-once with Event Grid's retry schedule (scaled for local use), and a dead-letter list for
// 400 / 413 and exhausted retries.
import { randomUUID } from 'node:crypto';

export interface WebhookSubscription {
  name: string;
  /** Full webhook URL including `?functionName=...&code=...`. */
  endpoint: string;
  includedEventTypes?: string[];
  /** CloudEvents 1.0 delivery instead of the Event Grid schema. */
  cloudEvents?: boolean;
}

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: unknown;
  dataVersion: string;
  metadataVersion: string;
}

export interface DeliveryOptions {
  /** Delays between attempts; Event Grid's are 10 s, 30 s, 1 min, 5 min, … */
  retryDelaysMs?: number[];
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

const NOT_RETRIED = new Set([400, 401, 403, 413]);

export function toCloudEvent(e: EventGridEvent) {
  return { specversion: '1.0', id: e.id, source: e.topic, subject: e.subject, type: e.eventType, time: e.eventTime, data: e.data };
}

export class EventGridDelivery {
  readonly deadLettered: Array<{ subscription: string; event: EventGridEvent; reason: string }> = [];
  readonly #subscriptions: WebhookSubscription[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = false;

  constructor(private readonly options: DeliveryOptions = {}) {}

  subscribe(s: WebhookSubscription): void {
    this.#subscriptions.push(s);
  }

  /** Publishes one event to every matching subscription; returns at once (delivery is asynchronous). */
  publish(event: EventGridEvent): void {
    for (const s of this.#subscriptions) {
      if (s.includedEventTypes && !s.includedEventTypes.some((t) => t.toLowerCase() === event.eventType.toLowerCase())) continue;
      const p = this.#deliver(s, event).finally(() => this.#inFlight.delete(p));
      this.#inFlight.add(p);
    }
  }

  /** Resolves when every delivery started so far has succeeded or been dead-lettered. */
  async idle(): Promise<void> {
    while (this.#inFlight.size) await Promise.all([...this.#inFlight]);
  }

  stop(): void {
    this.#stopped = true;
  }

  async #deliver(s: WebhookSubscription, event: EventGridEvent): Promise<void> {
    const delays = this.options.retryDelaysMs ?? [1_000, 3_000, 6_000, 30_000, 60_000];
    const doFetch = this.options.fetch ?? fetch;
    const body = JSON.stringify(s.cloudEvents ? [toCloudEvent(event)] : [event]);
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        const res = await doFetch(s.endpoint, {
          method: 'POST',
          headers: {
            'content-type': s.cloudEvents ? 'application/cloudevents-batch+json; charset=utf-8' : 'application/json',
            'aeg-event-type': 'Notification',
            'aeg-subscription-name': s.name.toUpperCase(),
            'aeg-delivery-count': String(attempt),
            'aeg-metadata-version': s.cloudEvents ? '1.0' : '1',
            'aeg-data-version': event.dataVersion,
            'x-ms-request-id': randomUUID(),
          },
          body,
        });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status <= 204) return;
        reason = `HTTP ${res.status}`;
        if (NOT_RETRIED.has(res.status)) return this.#deadLetter(s, event, reason);
      } catch (err) {
        reason = (err as Error).message;
      }
      const delay = delays[attempt];
      if (delay === undefined || this.#stopped) return this.#deadLetter(s, event, `${reason} after ${attempt + 1} attempts`);
      this.options.log?.(`event ${event.id} to ${s.name}: ${reason}; retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  #deadLetter(s: WebhookSubscription, event: EventGridEvent, reason: string): void {
    this.deadLettered.push({ subscription: s.name, event, reason });
    this.options.log?.(`event ${event.id} to ${s.name} dead-lettered: ${reason}`);
  }
}
