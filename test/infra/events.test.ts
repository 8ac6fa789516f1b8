// Each Event Grid function has exactly one subscription in infra/controlplane.json, and that
// subscription lets through exactly the events the function acts on. What a function accepts is read
// from the code: the functions registered by functions/events.ts (captured as they register) and the
// domain's own event parser, never from a list copied into this test.
import fs from 'node:fs';
import path from 'node:path';
import * as df from 'durable-functions';
import { parseEvents } from '../../shared/domain/events';
import { EXAMPLE_CONTEXT, Evaluator, ROOT, exampleParameters, readJson, resourceTypeOf, type Resource, type Template } from './arm';
import { walk } from './source';

type Handler = (event: unknown, client: unknown, context: unknown) => Promise<void>;
const registered = new Map<string, Handler>();
let table: Record<string, { eventTypes: readonly string[]; subjectContains: readonly string[]; kinds: readonly string[] }>;

beforeAll(async () => {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.spyOn(df.app.client, 'eventGrid').mockImplementation((name: string, options: { handler: unknown }) => {
    registered.set(name, options.handler as Handler);
  });
  table = (await import('../../functions/events')).EVENT_GRID_FUNCTIONS;
});

const template = readJson<Template>('infra/controlplane.json');
const deployed = (registerEventSubscriptions: boolean): Resource[] =>
  new Evaluator(template, { ...EXAMPLE_CONTEXT, parameters: exampleParameters('infra/controlplane.parameters.example.json', { registerEventSubscriptions }) }).resources();
const resources = deployed(true);
const subscriptions = resources.filter((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
const functionApp = resources.find((r) => r.type === 'Microsoft.Web/sites')!;

interface Filter {
  includedEventTypes: string[];
  advancedFilters: Array<{ operatorType: string; key: string; values: string[] }>;
}
const props = (s: Resource) => s.properties as { destination: { endpointType: string; properties: { resourceId: string; maxEventsPerBatch?: number } }; filter: Filter; retryPolicy?: unknown; deadLetterWithResourceIdentity?: unknown; eventDeliverySchema?: string };
const targetOf = (s: Resource) => /\/functions\/([^/]+)$/.exec(props(s).destination.properties.resourceId)?.[1];

/** Event Grid's matching for the filters we use: event types, then every advanced filter (ANDed); strings compare case-insensitively. */
function matches(filter: Filter, event: { eventType: string; subject: string }): boolean {
  if (!filter.includedEventTypes.some((t) => t.toLowerCase() === event.eventType.toLowerCase())) return false;
  return filter.advancedFilters.every((f) => {
    if (f.operatorType !== 'StringContains' || f.key !== 'subject') throw new Error(`no test semantics for ${f.operatorType} on ${f.key}`);
    return f.values.some((v) => event.subject.toLowerCase().includes(v.toLowerCase()));
  });
}

test('the Event Grid functions registered by the code are the ones in EVENT_GRID_FUNCTIONS, registered nowhere else', () => {
  expect([...registered.keys()].sort()).toEqual(Object.keys(table).sort());
  expect(registered.size).toBe(3);
  const elsewhere = walk('functions').filter((f) => f !== path.join('functions', 'events.ts') && /\.eventGrid\s*\(/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
  expect(elsewhere).toEqual([]);
});

test('each Event Grid function has exactly one subscription, and every subscription targets a registered function of this app', () => {
  const names = [...registered.keys()];
  const subscriptionsPerFunction = Object.fromEntries(names.map((n) => [n, subscriptions.filter((s) => targetOf(s) === n).length]));
  expect(subscriptionsPerFunction).toEqual(Object.fromEntries(names.map((n) => [n, 1])));
  const targetingNoRegisteredFunction = subscriptions.filter((s) => !registered.has(targetOf(s) ?? '')).map((s) => `${s.name} -> ${targetOf(s)}`);
  expect(targetingNoRegisteredFunction).toEqual([]);
  for (const s of subscriptions) {
    expect(props(s).destination.endpointType).toBe('AzureFunction');
    expect(props(s).destination.properties.resourceId.startsWith(`${functionApp.id}/functions/`)).toBe(true);
  }
});

test.each(subscriptions.map((s) => [targetOf(s), s] as const))('the subscription for %s: its filters equal the event types and subjects the function accepts', (name, s) => {
  const accepted = table[name ?? ''];
  if (!accepted) throw new Error(`the subscription ${s.name} targets '${name}', which functions/events.ts does not register (EVENT_GRID_FUNCTIONS: ${Object.keys(table).join(', ')})`);
  expect([...props(s).filter.includedEventTypes].sort()).toEqual([...accepted.eventTypes].sort());
  expect(props(s).filter.advancedFilters).toEqual(accepted.subjectContains.map((fragment) => ({ operatorType: 'StringContains', key: 'subject', values: [fragment] })));
  expect(Object.keys(props(s).filter).sort()).toEqual(['advancedFilters', 'includedEventTypes']);
});

// Realistic subjects; which function owns each is decided by the domain parser, not by this test.
const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups';
const ARM_SUBJECTS = [
  `${SUB}/MC_dpl/providers/Microsoft.Network/privateLinkServices/dpl-proxy-pls/privateEndpointConnections/pe-1.0f2c`,
  `${SUB}/MC_dpl/providers/Microsoft.Network/privateLinkServices/dpl-proxy-pls`,
  `${SUB}/dicom/providers/Microsoft.HealthcareApis/workspaces/contoso`,
  `${SUB}/dicom/providers/Microsoft.HealthcareApis/workspaces/contoso/dicomservices/main`,
  `${SUB}/dicom/providers/Microsoft.Storage/storageAccounts/dicomblobs`,
  `${SUB}/consumer/providers/Microsoft.Network/privateEndpoints/pe-1`,
];
const ARM_TYPES = ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Resources.ResourceActionSuccess', 'Microsoft.Resources.ResourceWriteFailure'];
const KV_TYPES = ['Microsoft.KeyVault.CertificateNewVersionCreated', 'Microsoft.KeyVault.CertificateNearExpiry', 'Microsoft.KeyVault.CertificateExpired', 'Microsoft.KeyVault.SecretNewVersionCreated'];

function sample(eventType: string, subject: string) {
  const data = eventType.startsWith('Microsoft.KeyVault.')
    ? { Id: 'https://dpl-kv.vault.azure.net/certificates/proxy-front-tls/0123456789abcdef', VaultName: 'dpl-kv', ObjectType: eventType.includes('Secret') ? 'Secret' : 'Certificate', ObjectName: 'proxy-front-tls', Version: '0123456789abcdef' }
    : { operationName: 'Microsoft.Resources/write', resourceUri: subject, status: 'Succeeded' };
  return { id: 'e-1', topic: '/subscriptions/x', subject, eventType, eventTime: '2026-01-01T00:00:00Z', data, dataVersion: '1', metadataVersion: '1' };
}

test('an event reaches exactly the functions that act on it: the filters and the domain parser agree on every sample', () => {
  const cases = [...ARM_TYPES.flatMap((t) => ARM_SUBJECTS.map((s) => sample(t, s))), ...KV_TYPES.map((t) => sample(t, 'proxy-front-tls'))];
  for (const event of cases) {
    const parsed = parseEvents(event);
    expect(parsed.ok).toBe(true);
    const kind = parsed.ok ? parsed.value[0]!.kind : '?';
    const owners = Object.entries(table).filter(([, f]) => f.kinds.includes(kind)).map(([n]) => n);
    const reached = subscriptions.filter((s) => matches(props(s).filter, event)).map((s) => targetOf(s));
    expect({ event: `${event.eventType} ${event.subject}`, reached: reached.sort() }).toEqual({ event: `${event.eventType} ${event.subject}`, reached: owners.sort() });
  }
});

test('each subscription listens to the system topic that publishes its events', () => {
  const topics = new Map(resources.filter((r) => r.type === 'Microsoft.EventGrid/systemTopics').map((t) => [t.name, t.properties as { topicType: string; source: string }]));
  const vault = resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')!;
  for (const s of subscriptions) {
    const topic = topics.get(s.name.split('/')[0]!)!;
    expect(topic).toBeDefined();
    const types = props(s).filter.includedEventTypes;
    if (types.every((t) => t.startsWith('Microsoft.KeyVault.'))) expect(topic).toEqual({ topicType: 'Microsoft.KeyVault.vaults', source: vault.id });
    else if (types.every((t) => t.startsWith('Microsoft.Resources.'))) expect(topic).toEqual({ topicType: 'Microsoft.Resources.Subscriptions', source: `/subscriptions/${EXAMPLE_CONTEXT.subscriptionId}` });
    else throw new Error(`subscription ${s.name} mixes event sources: ${types.join(', ')}`);
  }
});

test('every subscription retries, dead-letters into the template\'s container with the topic\'s identity, and delivers one event at a time', () => {
  const containers = resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers').map((c) => c.id);
  const storage = resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts')!;
  for (const s of subscriptions) {
    const p = props(s);
    expect(p.retryPolicy).toEqual({ maxDeliveryAttempts: expect.any(Number), eventTimeToLiveInMinutes: expect.any(Number) });
    expect(p.eventDeliverySchema).toBe('EventGridSchema');
    // The host answers 500 for a whole batch when one event fails, and Event Grid re-sends all of it.
    expect(p.destination.properties.maxEventsPerBatch).toBe(1);
    const dl = p.deadLetterWithResourceIdentity as { identity: { type: string }; deadLetterDestination: { endpointType: string; properties: { resourceId: string; blobContainerName: string } } };
    expect(dl.identity.type).toBe('SystemAssigned');
    expect(dl.deadLetterDestination.endpointType).toBe('StorageBlob');
    expect(dl.deadLetterDestination.properties.resourceId).toBe(storage.id);
    expect(containers).toContain(`${storage.id}/blobServices/default/containers/${dl.deadLetterDestination.properties.blobContainerName}`);
    // The topic's identity may write dead letters there, and only there.
    const topic = resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics' && r.name === s.name.split('/')[0])!;
    const grants = resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments' && String((r.properties as { principalId: unknown }).principalId).includes(topic.id));
    expect(grants.map((g) => [resourceTypeOf(String(g.scope)), String(g.scope).endsWith(`/containers/${dl.deadLetterDestination.properties.blobContainerName}`)])).toEqual([
      ['Microsoft.Storage/storageAccounts/blobServices/containers', true],
    ]);
  }
});

test('subscriptions are registered only on request: Event Grid needs the functions published first', () => {
  expect(deployed(false).filter((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions')).toEqual([]);
  expect(subscriptions).toHaveLength(registered.size);
});

describe('each function acts on its own events and acknowledges the others', () => {
  const run = async (name: string, event: unknown) => {
    const client = { getStatus: jest.fn(async () => undefined), startNew: jest.fn(async (..._args: [string, unknown]) => 'id'), raiseEvent: jest.fn(async () => undefined) };
    const logs: string[] = [];
    const context = { log: (m: string) => logs.push(m), error: (m: string) => logs.push(`error: ${m}`) };
    const handler = registered.get(name);
    if (!handler) throw new Error(`${name} is not registered by functions/events.ts`);
    await handler(event, client, context);
    return { started: client.startNew.mock.calls.map((c) => [c[0], c[1]]), logs };
  };
  const connection = sample('Microsoft.Resources.ResourceWriteSuccess', ARM_SUBJECTS[0]!);
  const workspace = sample('Microsoft.Resources.ResourceWriteSuccess', ARM_SUBJECTS[2]!);
  const certificate = sample('Microsoft.KeyVault.CertificateNewVersionCreated', 'proxy-front-tls');

  test('onWorkspaceEvent reconciles the workspace', async () => {
    expect((await run('onWorkspaceEvent', workspace)).started).toEqual([['reconcileWorkspace', { instanceId: 'ws:contoso', input: { workspace: 'contoso' } }]]);
  });
  test('onPrivateEndpointConnectionEvent starts the sweep', async () => {
    expect((await run('onPrivateEndpointConnectionEvent', connection)).started).toEqual([['sweep', { instanceId: 'sweep', input: {} }]]);
  });
  test('onKeyVaultCertificateEvent rolls the certificate out', async () => {
    expect((await run('onKeyVaultCertificateEvent', certificate)).started).toEqual([['rotateCertificate', { instanceId: 'cert:proxy-front-tls', input: { name: 'proxy-front-tls', verifyOnly: true } }]]);
  });
  test('an event another function owns is logged and acknowledged, starting nothing', async () => {
    for (const [name, event] of [['onWorkspaceEvent', connection], ['onPrivateEndpointConnectionEvent', certificate], ['onKeyVaultCertificateEvent', workspace]] as const) {
      const r = await run(name, event);
      expect(r.started).toEqual([]);
      expect(r.logs).toEqual([expect.stringMatching(new RegExp(`^ignored event e-1 \\(.+\\): ${name} does not handle it$`))]);
    }
  });
});
