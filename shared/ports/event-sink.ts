/**
 * An event the control plane publishes (CloudEvents 1.0 attributes). The id must be deterministic
 * for the fact it reports, so a retried activity publishes a duplicate consumers can drop.
 */
export interface OutboundEvent {
  id: string;
  type: string;
  source: string;
  subject: string;
  /** Epoch milliseconds, from the Clock port or the orchestration's current time. */
  time: number;
  data: unknown;
}

/**
 * Where the control plane reports what it did (Event Grid topic in Azure, a log locally).
 * Errors: PortError only; a batch is accepted whole or not at all.
 */
export interface EventSink {
  publish(events: ReadonlyArray<OutboundEvent>): Promise<void>;
}
