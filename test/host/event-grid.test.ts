import path from 'node:path';
import { REPO, startHost, type HostProcess } from '../support/host-process';

const APP = path.join(REPO, 'test/fixtures/apps/basic');
let host: HostProcess;
let hook: string;

beforeAll(async () => {
  host = await startHost({ app: APP, env: { TICK_SCHEDULE: '0 0 0 1 1 *' } });
  hook = `${host.url}/runtime/webhooks/eventgrid?functionName=onEvent&code=${host.keys.systemKeys.eventgrid_extension}`;
});
afterAll(async () => {
  await host?.stop();
});

const post = (body: unknown, headers: Record<string, string> = { 'aeg-event-type': 'Notification' }, url = hook) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const event = (id: string, data: Record<string, unknown> = {}) => ({
  id,
  topic: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv',
  subject: 'cert',
  eventType: 'Microsoft.KeyVault.CertificateNewVersionCreated',
  eventTime: '2026-11-27T10:00:00Z',
  data,
  dataVersion: '1',
  metadataVersion: '1',
});

describe('Event Grid webhook on dpl-host', () => {
  test('answers the validation handshake with the exact payload Event Grid sends', async () => {
    const validation = [
      {
        id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
        topic: '/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
        subject: '',
        data: {
          validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
          validationUrl: 'https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/estest/validate?id=512d38b6-c7b8-40c8-89fe-f46f9e9622b6&t=2018-04-26T20:30:54.4538837Z&apiVersion=2018-05-01-preview&token=1A1A1A1A',
        },
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: '2018-01-25T22:12:19.4556811Z',
        metadataVersion: '1',
        dataVersion: '1',
      },
    ];
    const res = await post(validation, { 'aeg-event-type': 'SubscriptionValidation', 'aeg-subscription-name': 'ESTEST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  test('answers CloudEvents abuse protection (OPTIONS) with the allowed origin', async () => {
    const res = await fetch(hook, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  test('invokes once per event and answers 202 when all succeed', async () => {
    const res = await post([event('ok-1'), event('ok-2'), event('ok-3')]);
    expect(res.status).toBe(202);
    const ids = host.recorded('events').map((e) => e.id);
    expect(ids.filter((id) => String(id).startsWith('ok-')).sort()).toEqual(['ok-1', 'ok-2', 'ok-3']);
    const invocations = new Set(host.recorded('events').map((e) => e.invocationId));
    expect(invocations.size).toBe(host.recorded('events').length);
  });

  test('invokes the events of a batch in parallel', async () => {
    const res = await post([event('p-1', { holdMs: 300 }), event('p-2', { holdMs: 300 })]);
    expect(res.status).toBe(202);
    const [a, b] = ['p-1', 'p-2'].map((id) => host.recorded('events').find((e) => e.id === id) as { start: number; end: number });
    expect(a!.start < b!.end && b!.start < a!.end).toBe(true);
  });

  test('a batch with one failing event answers 500 and still invokes every event', async () => {
    const res = await post([event('b-1'), event('b-2', { fail: true }), event('b-3')]);
    expect(res.status).toBe(500);
    const ids = host.recorded('events').map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining(['b-1', 'b-2', 'b-3']));
  });

  test('accepts a single CloudEvents 1.0 event', async () => {
    const cloudEvent = { specversion: '1.0', id: 'ce-1', source: '/subscriptions/x', type: 'Microsoft.KeyVault.CertificateNearExpiry', time: '2026-11-27T10:00:00Z', data: {} };
    const res = await post(cloudEvent, { 'aeg-event-type': 'Notification', 'content-type': 'application/cloudevents+json' });
    expect(res.status).toBe(202);
    expect(host.recorded('events').find((e) => e.id === 'ce-1')).toMatchObject({ type: 'Microsoft.KeyVault.CertificateNearExpiry' });
  });

  test('rejects malformed JSON (400), an event over 1 MB (413), and other aeg-event-types (400)', async () => {
    expect((await post('[{"id": ')).status).toBe(400);
    expect((await post([event('big', { blob: 'x'.repeat(1024 * 1024) })])).status).toBe(413);
    expect(host.recorded('events').some((e) => e.id === 'big')).toBe(false);
    expect((await post([event('x')], { 'aeg-event-type': 'Bogus' })).status).toBe(400);
    expect((await post([event('x')], {})).status).toBe(400);
    expect((await post([], { 'aeg-event-type': 'Unsubscribe' })).status).toBe(202);
  });

  test('unknown function is 404; calls without the system key are 401', async () => {
    const unknown = `${host.url}/runtime/webhooks/eventgrid?functionName=nope&code=${host.keys.systemKeys.eventgrid_extension}`;
    expect((await post([event('u')], undefined, unknown)).status).toBe(404);
    const noKey = `${host.url}/runtime/webhooks/eventgrid?functionName=onEvent`;
    expect((await post([event('k')], undefined, noKey)).status).toBe(401);
    const functionKey = `${noKey}&code=${host.keys.functionKeys.default}`;
    expect((await post([event('k')], undefined, functionKey)).status).toBe(401);
    expect(host.recorded('events').some((e) => e.id === 'k' || e.id === 'u')).toBe(false);
  });
});
