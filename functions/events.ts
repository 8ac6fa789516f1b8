// Event Grid triggers (names are part of the stable interface). Events are hints: each one only
// names what to re-read, and starts or wakes the orchestration that owns it. A malformed event is
// logged with its field-level problems and acknowledged, so it cannot block the rest of its batch;
// an event type we do not consume is acknowledged and ignored.
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { parseEvents, type DomainEvent } from '../shared/domain/events';
import { startOrWake } from './starter';
import { SWEEP_INSTANCE_ID, workspaceInstanceId } from './orchestrations';
import { certificateInstanceId } from './certificates';

async function handle(event: unknown, client: DurableClient, context: InvocationContext): Promise<void> {
  const parsed = parseEvents(event);
  if (!parsed.ok) {
    context.error(`rejected a malformed event: ${parsed.issues.map((i) => `${i.path}: ${i.reason}`).join('; ')}`);
    return;
  }
  for (const e of parsed.value) await dispatch(e, client, context);
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

df.app.client.eventGrid('onKeyVaultCertificateEvent', { handler: handle });
df.app.client.eventGrid('onPrivateEndpointConnectionEvent', { handler: handle });
df.app.client.eventGrid('onWorkspaceEvent', { handler: handle });
