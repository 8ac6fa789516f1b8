// The fixture app's handlers run without any host, through the library's public test objects.
import { HttpRequest, InvocationContext } from '@azure/functions';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const h = require(path.resolve(__dirname, '../../fixtures/apps/basic/src/handlers.js'));

function context(functionName: string) {
  const logs: unknown[][] = [];
  const ctx = new InvocationContext({ functionName, invocationId: 'unit-1', logHandler: (_level, ...args) => logs.push(args) });
  return { ctx, logs };
}

describe('fixture handlers without a host', () => {
  test('hello reads the query, falls back to the body, and logs', async () => {
    const { ctx, logs } = context('hello');
    const res = await h.hello(new HttpRequest({ method: 'GET', url: 'http://localhost/api/hello?name=Ada' }), ctx);
    expect(res).toEqual({ body: 'Hello, Ada!' });
    expect(logs).toEqual([['greeting Ada']]);
    const posted = await h.hello(new HttpRequest({ method: 'POST', url: 'http://localhost/api/hello', body: { string: 'Grace' } }), ctx);
    expect(posted.body).toBe('Hello, Grace!');
  });

  test('getItem returns route params', async () => {
    const req = new HttpRequest({ method: 'GET', url: 'http://localhost/api/items/books/3', params: { category: 'books', id: '3' } });
    expect((await h.getItem(req)).jsonBody).toEqual({ category: 'books', id: '3', method: 'GET' });
  });

  test('bytes inverts every byte', async () => {
    const req = new HttpRequest({ method: 'POST', url: 'http://localhost/api/bytes', body: { bytes: Buffer.from([0, 10, 255]) } });
    const res = await h.bytes(req);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([255, 245, 0]));
  });

  test('echoJson parses the JSON body', async () => {
    const req = new HttpRequest({
      method: 'POST',
      url: 'http://localhost/api/echo',
      headers: { 'content-type': 'application/json' },
      body: { string: '{"x":1}' },
    });
    expect(await h.echoJson(req)).toEqual({ status: 201, jsonBody: { received: { x: 1 }, contentType: 'application/json' } });
  });

  test('onEvent fails when the event asks it to', async () => {
    const { ctx } = context('onEvent');
    await expect(h.onEvent({ id: 'e1', eventType: 'T', data: { fail: true } }, ctx)).rejects.toThrow('event e1 asked to fail');
    await expect(h.onEvent({ id: 'e2', eventType: 'T', data: {} }, ctx)).resolves.toBeUndefined();
  });

  test('tick accepts the timer object the library documents', async () => {
    const { ctx } = context('tick');
    const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
    await expect(h.tick(timer, ctx)).resolves.toBeUndefined();
  });
});
