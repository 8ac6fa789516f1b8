// Event Grid triggers (names are part of the stable interface). Events are hints: each one only
// names what to re-read, and starts or wakes the orchestration that owns it. A malformed event is
// logged with its field-level problems and acknowledged, so it cannot block the rest of its batch;
// an event type we do not consume is acknowledged and ignored.
//
// EVENT_GRID_FUNCTIONS is the one statement of what each trigger accepts. The functions are
// registered from it, and test/infra holds each Event Grid subscription in infra/controlplane.json
// equal to it, so a function cannot be renamed or taught a new event type without its subscription
// following.
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ARM_OPERATIONS, KEY_VAULT_CERTIFICATE_EVENTS, parseEvents, type DomainEvent } from '../shared/domain/events';
import { startOrWake } from './starter';
import { SWEEP_INSTANCE_ID, workspaceInstanceId } from './orchestrations';
import { certificateInstanceId } from './certificates';

type ActionKind = Extract<DomainEvent['kind'], 'certificate' | 'connection-changed' | 'workspace-changed'>;

export interface EventGridFunction {
  /** Event Grid `includedEventTypes`. */
  eventTypes: readonly string[];
  /**
   * Fragments the event subject must all contain (Event Grid `StringContains` advanced filters, one
   * per fragment, which Event Grid ANDs). The ARM topics carry every resource's events, so the
   * subject is what tells a private endpoint connection from a workspace.
   */
  subjectContains: readonly string[];
  /** The domain events this function acts on; any other action event reaching it is acknowledged and ignored. */
  kinds: readonly ActionKind[];
}

const ARM_SUCCESS_EVENTS = Object.keys(ARM_OPERATIONS);

export const EVENT_GRID_FUNCTIONS = {
  onKeyVaultCertificateEvent: {
    eventTypes: Object.keys(KEY_VAULT_CERTIFICATE_EVENTS),
    subjectContains: [],
    kinds: ['certificate'],
  },
  onPrivateEndpointConnectionEvent: {
    eventTypes: ARM_SUCCESS_EVENTS,
    subjectContains: ['/providers/Microsoft.Network/privateLinkServices/', '/privateEndpointConnections/'],
    kinds: ['connection-changed'],
  },
  onWorkspaceEvent: {
    eventTypes: ARM_SUCCESS_EVENTS,
    subjectContains: ['/providers/Microsoft.HealthcareApis/workspaces/'],
    kinds: ['workspace-changed'],
  },
} as const satisfies Record<string, EventGridFunction>;
export type EventGridFunctionName = keyof typeof EVENT_GRID_FUNCTIONS;

const ACTION_KINDS = new Set<string>(Object.values(EVENT_GRID_FUNCTIONS).flatMap((f) => f.kinds));

function handlerFor(name: EventGridFunctionName) {
  const owned = new Set<string>(EVENT_GRID_FUNCTIONS[name].kinds);
  return async (event: unknown, client: DurableClient, context: InvocationContext): Promise<void> => {
    const parsed = parseEvents(event);
    if (!parsed.ok) {
      context.error(`rejected a malformed event: ${parsed.issues.map((i) => `${i.path}: ${i.reason}`).join('; ')}`);
      return;
    }
    for (const e of parsed.value) {
      // The subscription's filters should keep these away; one that slips through (a filter edited
      // by hand, a replayed dead letter) is still a hint the sweep will act on, so acknowledging it is safe.
      if (ACTION_KINDS.has(e.kind) && !owned.has(e.kind)) {
        context.log(`ignored event ${(e as { eventId: string }).eventId} (${e.kind}): ${name} does not handle it`);
        continue;
      }
      await dispatch(e, client, context);
    }
  };
}

async function dispatch(e: DomainEvent, client: DurableClient, context: InvocationContext): Promise<void> {
  switch (e.kind) {
    case 'workspace-changed':
      await startOrWake(client, 'reconcileWorkspace', workspaceInstanceId(e.workspace), { workspace: e.workspace.toLowerCase() }, context);
      return;
    case 'connection-changed':
      // The event names a connection, not its workspace; the sweep reads the connection and reconciles it.
      await startOrWake(client, 'sweep', SWEEP_INSTANCE_ID, {}, context);
      return;
    case 'certificate':
      // A new version is rolled out (verified); near-expiry and expiry are backstops that renew.
      await startOrWake(
        client,
        'rotateCertificate',
        certificateInstanceId(e.certificate),
        e.event === 'NewVersionCreated' ? { name: e.certificate, verifyOnly: true } : { name: e.certificate },
        context,
      );
      return;
    case 'ignored':
      context.log(`ignored event ${e.eventId} (${e.type}): ${e.reason}`);
      return;
    default:
      context.log(`ignored event of kind ${(e as { kind: string }).kind}`);
  }
}

for (const name of Object.keys(EVENT_GRID_FUNCTIONS) as EventGridFunctionName[]) {
  df.app.client.eventGrid(name, { handler: handlerFor(name) });
}
