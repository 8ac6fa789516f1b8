import { fail, ok, type FieldIssue, type Result } from '../result';
import {
  isArmResourceEventType,
  isArmSuccessEventType,
  parseArmResourceEvent,
  type ConnectionChangedEvent,
  type IgnoredEvent,
  type WorkspaceChangedEvent,
} from './arm';
import { parseEnvelopes, type InboundEvent } from './envelope';
import { isKeyVaultCertificateEventType, parseKeyVaultCertificateData, type CertificateEvent } from './keyvault';
import { parseSubscriptionValidation, SUBSCRIPTION_VALIDATION_EVENT, type SubscriptionValidationEvent } from './validation';

/** What an inbound event means to the control plane. Events are hints: each names what to re-read. */
export type DomainEvent =
  | CertificateEvent
  | ConnectionChangedEvent
  | WorkspaceChangedEvent
  | SubscriptionValidationEvent
  | IgnoredEvent;

/** Interprets one envelope. Unknown types are acknowledged as `ignored`; known types with bad data fail. */
export function classifyEvent(event: InboundEvent, at: PropertyKey[] = []): Result<DomainEvent> {
  const { type, id } = event;
  if (type === SUBSCRIPTION_VALIDATION_EVENT) return parseSubscriptionValidation(id, event.data, at);
  if (isKeyVaultCertificateEventType(type)) return parseKeyVaultCertificateData(type, id, event.data, at);
  if (isArmSuccessEventType(type)) return parseArmResourceEvent(type, id, event.subject, event.data, at);
  if (isArmResourceEventType(type)) return ok({ kind: 'ignored', eventId: id, type, reason: 'the operation did not succeed, so nothing changed' });
  return ok({ kind: 'ignored', eventId: id, type, reason: 'event type is not consumed by the control plane' });
}

/** Parses a webhook body (single event or batch, either schema) into domain events, or says what is wrong. */
export function parseEvents(body: unknown): Result<DomainEvent[]> {
  const envelopes = parseEnvelopes(body);
  if (!envelopes.ok) return envelopes;
  const batch = Array.isArray(body);
  const issues: FieldIssue[] = [];
  const events: DomainEvent[] = [];
  envelopes.value.forEach((envelope, index) => {
    const classified = classifyEvent(envelope, batch ? [index] : []);
    if (classified.ok) events.push(classified.value);
    else issues.push(...classified.issues);
  });
  return issues.length > 0 ? fail(issues) : ok(events);
}
