// Events are hints, at least once and unordered: every event delivered three times, shuffled, and
// a batch carrying a malformed event, still make exactly one change per intent — counted in the
// Azure traffic log, since here the control plane runs its production SDK adapters against the
// stand-ins over HTTPS (DPL_MODE=fake-azure).
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_PLS_ID, localServices, type LocalServices } from '../../local/azure/local-services';
import { WorkspaceSchema } from '../../shared/domain/workspace';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';

const CUSTOMER = '44444444-0000-0000-0000-000000000000';
let host: HostProcess;
let local: LocalServices;
let trafficLog: string;

beforeAll(async () => {
  const dataDir = tempDir('once');
  trafficLog = path.join(dataDir, 'azure-traffic.jsonl');
  local = await localServices(dataDir, {});
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'fake-azure', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *', AZURE_TRAFFIC_LOG: trafficLog } });
});
afterAll(() => host?.stop());

/** A deterministic shuffle, so a failure can be replayed. */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('each intent is one successful write, however often and in whatever order the events come', async () => {
  await local.workspaces.put(WorkspaceSchema.parse({ name: 'oncology', region: 'local', cluster: 'local-1', services: [{ name: 'dicom' }], approval: { autoApproveSubscriptions: [CUSTOMER] } }));
  const pe = local.privateLinkService.createEndpoint({ privateLinkServiceId: LOCAL_PLS_ID, endpointName: 'pe-onc', requestingSubscription: CUSTOMER, workspace: 'oncology' });
  const workspaceId = `/subscriptions/${CUSTOMER}/resourceGroups/dicom/providers/Microsoft.HealthcareApis/workspaces/oncology`;
  const arm = (id: string, subject: string, operationName: string) => ({
    id,
    topic: `/subscriptions/${CUSTOMER}`,
    subject,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString(),
    data: { operationName, status: 'Succeeded', resourceUri: subject },
    dataVersion: '2',
    metadataVersion: '1',
  });
  const deliveries = shuffled([
    ...[1, 2, 3].map(() => ({ fn: 'onWorkspaceEvent', event: arm('w-1', workspaceId, 'Microsoft.HealthcareApis/workspaces/write') })),
    ...[1, 2, 3].map(() => ({ fn: 'onPrivateEndpointConnectionEvent', event: arm('c-1', pe.value.id, 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write') })),
  ]);
  const post = (fn: string, body: unknown[]) =>
    fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=${fn}&code=${host.keys.systemKeys.eventgrid_extension}`, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify(body),
    });
  for (const d of deliveries) expect((await post(d.fn, [d.event])).status).toBe(202);
  // A batch with a malformed event: the good one still acts, the bad one is rejected in the logs.
  const malformed = { ...arm('w-bad', workspaceId, 'Microsoft.HealthcareApis/workspaces/write'), eventTime: 'yesterday-ish', data: 'not an object' };
  expect((await post('onWorkspaceEvent', [malformed, arm('w-1', workspaceId, 'Microsoft.HealthcareApis/workspaces/write')])).status).toBe(202);
  await waitFor(() => host.logs().some((l) => /rejected a malformed event/.test(String(l.message))), { what: 'the malformed event to be rejected' });

  await waitFor(async () => (await local.routes.get({ privateLinkServiceId: LOCAL_PLS_ID, linkId: pe.value.linkId })) !== undefined, { timeoutMs: 30_000, what: 'the route' });
  await waitFor(async () => (await local.workspaces.getFlip('oncology'))?.value.stage === 'settled' && (await local.privateDns.get({ zone: 'privatelink.local.dicom.localtest', name: 'oncology', type: 'CNAME' })) !== undefined, {
    timeoutMs: 40_000,
    what: 'the workspace to converge',
  });
  // Let any instance still woken by the duplicates finish its pass before counting.
  await waitFor(async () => {
    const list = (await (await fetch(`${host.url}/runtime/webhooks/durabletask/instances?code=${host.keys.systemKeys.durabletask_extension}`)).json()) as Array<{ runtimeStatus: string }>;
    return list.every((i) => !['Running', 'Pending', 'ContinuedAsNew'].includes(i.runtimeStatus));
  }, { timeoutMs: 40_000, what: 'every orchestration to finish' });

  const writes = fs
    .readFileSync(trafficLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { liveRequest: { method: string; url: string }; liveResponse: { statusCode: string } })
    .filter((x) => ['PUT', 'PATCH', 'DELETE'].includes(x.liveRequest.method) && x.liveResponse.statusCode.startsWith('2'));
  const perTarget = new Map<string, number>();
  for (const w of writes) {
    const target = `${w.liveRequest.method} ${new URL(w.liveRequest.url).pathname}`;
    perTarget.set(target, (perTarget.get(target) ?? 0) + 1);
  }
  expect(writes.length).toBeGreaterThanOrEqual(3); // the approval, the service record, the backend record
  expect([...perTarget.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect([...perTarget.keys()].some((t) => t.startsWith('PUT') && /privateEndpointConnections/.test(t))).toBe(true);
  expect((await local.links.getConnection(pe.value.id))?.value.state).toBe('Approved');
});
