// EventSink on @azure/eventgrid: our change events as CloudEvents 1.0 to an Event Grid topic.
import { AzureKeyCredential } from '@azure/core-auth';
import { EventGridPublisherClient } from '@azure/eventgrid';
import type { EventSink, OutboundEvent } from '../ports/event-sink';
import { pipelineOptions, type AzureEndpointOptions } from './client-options';
import { call } from './errors';

export interface EventGridSinkOptions extends Partial<AzureEndpointOptions> {
  topicEndpoint: string;
  /** Topic access key; production uses the managed identity (`credential`). */
  key?: string;
}

export class EventGridSink implements EventSink {
  readonly #client: EventGridPublisherClient<'CloudEvent'>;

  constructor(options: EventGridSinkOptions) {
    const credential = options.key ? new AzureKeyCredential(options.key) : options.credential!;
    this.#client = new EventGridPublisherClient(options.topicEndpoint, 'CloudEvent', credential, {
      ...(options.credential ? pipelineOptions(options as AzureEndpointOptions) : { retryOptions: { maxRetries: 0 } }),
      ...(options.caPem ? { tlsOptions: { ca: options.caPem } } : {}),
    });
  }

  async publish(events: ReadonlyArray<OutboundEvent>): Promise<void> {
    if (events.length === 0) return;
    await call('eventSink.publish', () =>
      this.#client.send(events.map((e) => ({ id: e.id, type: e.type, source: e.source, subject: e.subject, time: new Date(e.time), data: e.data }))),
    );
  }
}
