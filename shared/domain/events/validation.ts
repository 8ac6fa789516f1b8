import { z } from 'zod';
import { fail, issuesFromZod, ok, type Result } from '../result';

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
export const SUBSCRIPTION_DELETED_EVENT = 'Microsoft.EventGrid.SubscriptionDeletedEvent';

export const SubscriptionValidationDataSchema = z.looseObject({
  validationCode: z.string().min(1, 'must not be empty'),
  validationUrl: z.url({ message: 'must be a URL' }).optional(),
});

export interface SubscriptionValidationEvent {
  kind: 'subscription-validation';
  eventId: string;
  validationCode: string;
  validationUrl: string | undefined;
}

export function parseSubscriptionValidation(eventId: string, data: unknown, at: PropertyKey[] = []): Result<SubscriptionValidationEvent> {
  const parsed = SubscriptionValidationDataSchema.safeParse(data);
  if (!parsed.success) return fail(issuesFromZod(parsed.error, [...at, 'data']));
  return ok({
    kind: 'subscription-validation',
    eventId,
    validationCode: parsed.data.validationCode,
    validationUrl: parsed.data.validationUrl,
  });
}

/** The synchronous handshake reply Event Grid expects with HTTP 200. */
export const validationResponse = (e: SubscriptionValidationEvent): { validationResponse: string } => ({
  validationResponse: e.validationCode,
});
