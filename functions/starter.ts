// Starting or waking an orchestration under its deterministic id: a duplicate event or a retried
// batch finds the instance running and only marks it dirty, so one key never has two owners.
import type { DurableClient } from 'durable-functions';
import type { InvocationContext } from '@azure/functions';

const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

export async function startOrWake(client: DurableClient, name: string, instanceId: string, input: unknown, context: InvocationContext): Promise<'started' | 'woken'> {
  const status = await client.getStatus(instanceId).catch(() => undefined);
  if (status && RUNNING.has(String(status.runtimeStatus))) {
    await client.raiseEvent(instanceId, 'dirty', { at: new Date().toISOString() });
    context.log(`woke ${instanceId}`);
    return 'woken';
  }
  try {
    await client.startNew(name, { instanceId, input });
    context.log(`started ${name} as ${instanceId}`);
    return 'started';
  } catch (err) {
    // Another invocation started it between our read and our start: wake it instead.
    if (/already exists|409/.test(String((err as Error).message))) {
      await client.raiseEvent(instanceId, 'dirty', { at: new Date().toISOString() });
      return 'woken';
    }
    throw err;
  }
}
