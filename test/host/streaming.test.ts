import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { REPO, startHost, type HostProcess } from '../support/host-process';

const APP = path.join(REPO, 'test/fixtures/apps/streaming');
let host: HostProcess;

beforeAll(async () => {
  host = await startHost({ app: APP });
});
afterAll(async () => {
  await host?.stop();
});

describe('HTTP streaming (app.setup({ enableHttpStream: true }))', () => {
  test('streams a 64 MiB request body to the function in chunks', async () => {
    const size = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let sent = 0;
    const body = new Readable({
      read() {
        this.push(sent < size ? chunk : null);
        sent += chunk.length;
      },
    });
    const result = await new Promise<{ status: number; json: { bytes: number; chunks: number } }>((resolve, reject) => {
      const req = http.request(`${host.url}/upload`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      body.pipe(req);
    });
    expect(result.status).toBe(200);
    expect(result.json.bytes).toBe(size);
    expect(result.json.chunks).toBeGreaterThan(1);
  });

  test('streams a generated response body to the client', async () => {
    const res = await fetch(`${host.url}/download/100`);
    expect(res.status).toBe(200);
    let total = 0;
    let reads = 0;
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += part.length;
      reads++;
    }
    expect(total).toBe(100 * 65536);
    expect(reads).toBeGreaterThan(1);
  });

  test('a function that returns nothing answers 204 in streaming mode too', async () => {
    expect((await fetch(`${host.url}/empty`)).status).toBe(204);
  });
});
