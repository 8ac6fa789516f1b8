import path from 'node:path';
import { REPO, startHost, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';

const APP = path.join(REPO, 'test/fixtures/apps/basic');
let host: HostProcess;

beforeAll(async () => {
  host = await startHost({ app: APP, env: { TICK_SCHEDULE: '0 0 0 1 1 *' } });
});
afterAll(async () => {
  await host?.stop();
});

const get = (p: string, init?: RequestInit) => fetch(host.url + p, init);

describe('HTTP triggers on dpl-host', () => {
  test('serves a route under the routePrefix with the query and body', async () => {
    const res = await get('/api/hello?name=Ada');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Hello, Ada!');
    const posted = await get('/api/hello', { method: 'POST', body: 'Grace' });
    expect(await posted.text()).toBe('Hello, Grace!');
  });

  test('matches route parameters, optional parameters and constraints', async () => {
    expect(await (await get('/api/items/books/12')).json()).toEqual({ category: 'books', id: '12', method: 'GET' });
    expect(await (await get('/api/ITEMS/books', { method: 'DELETE' })).json()).toEqual({ category: 'books', id: null, method: 'DELETE' });
    expect((await get('/api/items/123/12')).status).toBe(404); // alpha constraint
    expect((await get('/api/items/books/twelve')).status).toBe(404); // int constraint
    expect(await (await get('/api/files/a/b/c.txt')).json()).toEqual({ path: 'a/b/c.txt' });
    expect((await get('/api/status/418')).status).toBe(418);
    expect((await get('/api/status/700')).status).toBe(404); // range constraint
  });

  test('answers 404 for an unknown path or a method the function does not accept', async () => {
    expect((await get('/api/nope')).status).toBe(404);
    expect((await get('/hello')).status).toBe(404);
    expect((await get('/api/items/books', { method: 'PUT' })).status).toBe(404);
  });

  test('converts JSON, bytes, headers and cookies both ways', async () => {
    const key = host.keys.functionKeys.default!;
    const json = await get('/api/echo', { method: 'POST', headers: { 'x-functions-key': key, 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    expect(json.status).toBe(201);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ received: { a: [1, 2] }, contentType: 'application/json' });

    const input = Buffer.from([0, 1, 2, 250, 255]);
    const bytes = await get('/api/bytes', { method: 'POST', body: input });
    expect(Buffer.from(await bytes.arrayBuffer())).toEqual(Buffer.from([255, 254, 253, 5, 0]));

    const cookies = await get('/api/cookies', { headers: { cookie: 'a=1; b=2' } });
    expect(await cookies.text()).toBe('a=1; b=2');
    expect(cookies.headers.getSetCookie()).toEqual(['session=abc%20123; Path=/; Secure; HttpOnly; SameSite=Strict', 'theme=dark; Max-Age=60']);
  });

  test('a function that returns nothing answers 204, one that throws answers 500', async () => {
    expect((await get('/api/nothing')).status).toBe(204);
    const failed = await get('/api/boom');
    expect(failed.status).toBe(500);
    await waitFor(() => host.logs().some((l) => l.level === 'error' && String(l.message).includes('deliberate failure')), { what: 'the failure log line' });
  });

  test('enforces function and admin keys, as header or code query', async () => {
    expect((await get('/api/echo', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await get('/api/echo', { method: 'POST', body: '{}', headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
    expect((await get(`/api/echo?code=${host.keys.functionKeys.default}`, { method: 'POST', body: '{}' })).status).toBe(201);
    expect((await get(`/api/echo?code=${host.keys.masterKey}`, { method: 'POST', body: '{}' })).status).toBe(201);
    expect((await get(`/api/admin-only?code=${host.keys.functionKeys.default}`)).status).toBe(401);
    expect((await get(`/api/admin-only`, { headers: { 'x-functions-key': host.keys.masterKey } })).status).toBe(200);
  });

  test('loads local.settings.json Values as environment variables', async () => {
    expect(await (await get('/api/settings')).json()).toEqual({ greeting: 'hello from local.settings.json' });
  });

  test('runs preInvocation and postInvocation hooks around every invocation', async () => {
    const res = await get('/api/hello?name=hooks');
    expect(res.headers.get('x-pre-hook')).toBe('wrapped');
    await get('/api/boom');
    const posts = await waitFor(() => {
      const p = host.recorded('hooks').filter((h) => h.hook === 'postInvocation');
      return p.some((h) => h.fn === 'boom') && p;
    });
    expect(posts.every((h) => h.sameHookData === true)).toBe(true);
    expect(posts.find((h) => h.fn === 'boom')?.error).toBe('deliberate failure');
    expect(host.recorded('hooks')[0]).toEqual({ hook: 'appStart' });
  });

  test('writes one structured log line per record, filtered by host.json levels', async () => {
    await get('/api/quiet');
    const lines = await waitFor(() => {
      const l = host.logs().filter((x) => x.function === 'quiet');
      return l.length > 0 && l;
    });
    expect(lines.map((l) => l.message)).toEqual(['this warning line is kept']);
    expect(lines[0]).toMatchObject({ level: 'warning', category: 'Function.quiet.User' });
    expect(typeof lines[0]!.invocationId).toBe('string');
    const hello = host.logs().find((l) => l.message === 'greeting Ada');
    expect(hello).toMatchObject({ level: 'information', function: 'hello' });
  });
});
