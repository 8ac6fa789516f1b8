// Forwarding: upstream failures, aborts, streaming without buffering, rotation of certificates,
// backend moves by DNS, and drain.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Backend, exchange, header, openTls, pattern, PLS, Pki, proxiedClient, startHarness, TinyDns, WS1, writeRoutes, type Harness } from './helpers';
import { waitFor } from '../support/wait';

const STREAM_BYTES = Number(process.env.PROXY_STREAM_BYTES ?? 64 * 1024 * 1024);


describe('forwarding', () => {
  let h: Harness;
  let ca: Buffer;
  beforeAll(async () => {
    h = await startHarness();
    ca = readFileSync(h.pki.p('ca.pem'));
    const b = `${h.backend.name}:${h.backend.port}`;
    writeRoutes(h.routesFile, b, [{ privateLinkServiceId: PLS, linkId: 50, workspace: 'ws5', hosts: ['ws5.dicom.test'], backend: `${h.backend.name}:1`, generation: 1 }]);
    await waitFor(() => h.proxy.routes.peek(`${PLS.toLowerCase()}#50`), { what: 'route 50' });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.backend.handler = undefined;
  });

  it('backend refusing connections → 502 problem document', async () => {
    const tls = await openTls(h.port, header(50), 'ws5.dicom.test', ca);
    const r = await exchange(tls, 'GET / HTTP/1.1\r\nHost: ws5.dicom.test\r\n\r\n');
    expect(r.data).toMatch(/^HTTP\/1\.1 502 /);
    expect(r.data).toContain('application/problem+json');
  });

  it('backend not answering within the headers timeout → 504 problem document', async () => {
    h.backend.handler = (req) => req.url === '/hang'; // never answers
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    const r = await exchange(tls, `GET /hang HTTP/1.1\r\nHost: ${WS1.host}\r\n\r\n`, 10_000);
    expect(r.data).toMatch(/^HTTP\/1\.1 504 /);
  });

  it('a client abort mid-download cancels the upstream request', async () => {
    let upstreamClosed = false;
    h.backend.handler = (req, res) => {
      if (req.url !== '/endless') return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.once('close', () => (upstreamClosed = true));
      pump();
      return true;
    };
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    tls.write(`GET /endless HTTP/1.1\r\nHost: ${WS1.host}\r\n\r\n`);
    await new Promise((r) => tls.once('data', r));
    tls.destroy();
    await waitFor(() => upstreamClosed, { what: 'upstream response closed' });
  });

  it('a client abort mid-upload cancels the upstream request body', async () => {
    let upstreamAborted = false;
    let received = 0;
    h.backend.handler = (req) => {
      if (req.url !== '/upload-abort') return false;
      req.on('data', (d: Buffer) => (received += d.length));
      req.once('close', () => {
        if (!req.complete) upstreamAborted = true;
      });
      return true;
    };
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    tls.write(`PUT /upload-abort HTTP/1.1\r\nHost: ${WS1.host}\r\nContent-Length: 100000000\r\n\r\n`);
    tls.write(Buffer.alloc(1024 * 1024));
    await waitFor(() => received > 0, { what: 'upstream received body bytes' });
    tls.destroy();
    await waitFor(() => upstreamAborted, { what: 'upstream request aborted' });
  });

  it(`streams ${STREAM_BYTES} bytes up and down without buffering (backend sees bytes before the client finished)`, async () => {
    let firstByteAt = 0;
    h.backend.handler = (req, res) => {
      if (req.url === '/stow') {
        let n = 0;
        req.on('data', (d: Buffer) => {
          if (!firstByteAt) firstByteAt = Date.now();
          n += d.length;
        });
        req.on('end', () => res.end(JSON.stringify({ received: n })));
        return true;
      }
      if (req.url === '/wado') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': STREAM_BYTES });
        pattern(STREAM_BYTES).pipe(res);
        return true;
      }
      return false;
    };
    const client = proxiedClient(h.port, WS1.linkId, WS1.host, ca);
    try {
      let clientDoneAt = 0;
      const body = pattern(STREAM_BYTES);
      body.on('end', () => (clientDoneAt = Date.now()));
      const up = await client.request({ path: '/stow', method: 'POST', headers: { host: WS1.host, 'content-type': 'application/dicom' }, body });
      expect(up.statusCode).toBe(200);
      expect(await up.body.json()).toEqual({ received: STREAM_BYTES });
      expect(firstByteAt).toBeGreaterThan(0);
      expect(firstByteAt).toBeLessThanOrEqual(clientDoneAt);
      expect(h.proxy.metrics.values.get('dpl_proxy_bytes_total{direction="in"}')).toBeGreaterThanOrEqual(STREAM_BYTES);

      const down = await client.request({ path: '/wado', method: 'GET', headers: { host: WS1.host } });
      expect(down.statusCode).toBe(200);
      let got = 0;
      for await (const chunk of down.body) got += (chunk as Buffer).length;
      expect(got).toBe(STREAM_BYTES);
      // Counted when the upstream response completes, which may be just after the client has the bytes.
      await waitFor(() => (h.proxy.metrics.values.get('dpl_proxy_bytes_total{direction="out"}') ?? 0) >= STREAM_BYTES, { what: 'bytes out counted' });
    } finally {
      await client.close();
    }
  });

  it('a body written upstream in many small irregular chunks arrives byte-exact; the kept-alive connection then serves the next request', async () => {
    // Non-repeating content: a reordered, dropped or duplicated chunk changes the digest.
    const total = 6 * 1024 * 1024 + 12_345;
    const body = Buffer.alloc(total);
    for (let i = 0; i < total; i++) body[i] = (i * 7 + (i >> 11)) & 0xff;
    const digest = createHash('sha256').update(body).digest('hex');
    h.backend.handler = (req, res) => {
      if (req.url === '/pieces') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
        let at = 0;
        let size = 1;
        const pump = (): void => {
          while (at < total) {
            const n = Math.min(size, total - at);
            size = (size * 5 + 3) % 40_000 || 1;
            const more = res.write(body.subarray(at, (at += n)));
            if (!more) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return true;
      }
      if (req.url === '/after') {
        res.end('after');
        return true;
      }
      return false;
    };
    const client = proxiedClient(h.port, WS1.linkId, WS1.host, ca);
    try {
      const r = await client.request({ path: '/pieces', method: 'GET', headers: { host: WS1.host } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-length']).toBe(String(total));
      const hash = createHash('sha256');
      let got = 0;
      for await (const chunk of r.body) {
        hash.update(chunk as Buffer);
        got += (chunk as Buffer).length;
      }
      expect(got).toBe(total);
      expect(hash.digest('hex')).toBe(digest);
      const next = await client.request({ path: '/after', method: 'GET', headers: { host: WS1.host } });
      expect(next.statusCode).toBe(200);
      expect(await next.body.text()).toBe('after');
    } finally {
      await client.close();
    }
  });

  it('front certificate files rewritten in place: new handshakes get the new certificate, open connections continue', async () => {
    const before = (await openTls(h.port, header(WS1.linkId), WS1.host, ca)).getPeerX509Certificate() as X509Certificate;
    const client = proxiedClient(h.port, WS1.linkId, WS1.host, ca);
    try {
      const r1 = await client.request({ path: '/a', method: 'GET', headers: { host: WS1.host } });
      await r1.body.text();
      h.pki.issue('front', 'dicom.test rotated', ['*.dicom.test']);
      const after = await waitFor(
        async () => {
          const s = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
          const cert = s.getPeerX509Certificate() as X509Certificate;
          s.destroy();
          return cert.fingerprint256 !== before.fingerprint256 ? cert : undefined;
        },
        { what: 'the new front certificate served' },
      );
      expect(after.subject).toContain('dicom.test rotated');
      const r2 = await client.request({ path: '/b', method: 'GET', headers: { host: WS1.host } });
      expect(r2.statusCode).toBe(200);
      await r2.body.text();
    } finally {
      await client.close();
    }
  });

  it('upstream client certificate rotated in place: no failed request, new backend connections present the new certificate', async () => {
    const client = proxiedClient(h.port, WS1.linkId, WS1.host, ca);
    const statuses: number[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const r = await client.request({ path: '/rot', method: 'GET', headers: { host: WS1.host } });
        statuses.push(r.statusCode);
        await r.body.text();
      }
    })();
    try {
      await waitFor(() => statuses.length > 5, { what: 'load running' });
      h.pki.issue('client', 'proxy-client-2', ['proxy.internal.test']);
      await waitFor(() => h.backend.seen.some((s) => s.clientCN === 'proxy-client-2'), { what: 'backend sees the new client certificate' });
      const n = statuses.length;
      await waitFor(() => statuses.length > n + 5, { what: 'more load after rotation' });
    } finally {
      stop = true;
      await loop;
      await client.close();
    }
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

describe('backend by DNS name', () => {
  it('a changed DNS answer moves new requests within one TTL, with no failed request', async () => {
    const pki = new Pki();
    const name = 'ingress-1-eastus-aks.internal.dicom.test';
    const a = new Backend(pki, name, '127.0.0.1');
    const dns = new TinyDns(name);
    const server = await dns.start();
    let h: Harness | undefined;
    let b: Backend | undefined;
    try {
      const port = await a.start();
      b = new Backend(pki, name, '127.0.0.3');
      await b.start(port);
      dns.address = '127.0.0.1';
      dns.ttl = 1;
      h = await startHarness({ upstream: { caFile: pki.p('ca.pem'), certFile: pki.issue('client', 'c', ['c']).certFile, keyFile: pki.p('client.key'), dns: { servers: [server], minTtlSeconds: 1 } } }, { pki, backend: a });
      writeRoutes(h.routesFile, `${name}:${port}`);
      await waitFor(() => h?.proxy.routes.peek(`${PLS.toLowerCase()}#${WS1.linkId}`)?.route.backend === `${name}:${port}`, { what: 'route to the DNS name' });
      const ca = readFileSync(pki.p('ca.pem'));
      const client = proxiedClient(h.port, WS1.linkId, WS1.host, ca);
      const results: Array<{ status: number; at: string; t: number }> = [];
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          const r = await client.request({ path: '/', method: 'GET', headers: { host: WS1.host } });
          results.push({ status: r.statusCode, at: String(r.headers['x-backend']), t: Date.now() });
          await r.body.text();
        }
      })();
      try {
        await waitFor(() => results.some((r) => r.at === '127.0.0.1'), { what: 'served by the first address' });
        const switchedAt = Date.now();
        dns.address = '127.0.0.3';
        const first = await waitFor(() => results.find((r) => r.at === '127.0.0.3'), { what: 'served by the new address', timeoutMs: 10_000 });
        // One TTL (1 s) plus the resolver round trip and scheduling slack.
        expect(first.t - switchedAt).toBeLessThan(2500);
        const n = results.length;
        await waitFor(() => results.length > n + 5, { what: 'more requests' });
        expect(results.slice(n).every((r) => r.at === '127.0.0.3')).toBe(true);
      } finally {
        stop = true;
        await loop;
        await client.close();
      }
      expect(results.every((r) => r.status === 200)).toBe(true);
    } finally {
      await h?.close();
      await b?.close();
      await dns.close();
      pki.cleanup();
    }
  });
});

describe('drain', () => {
  it('drain: stops accepting, lets the in-flight request finish, then resolves', async () => {
    const h = await startHarness();
    try {
      const ca = readFileSync(h.pki.p('ca.pem'));
      let release: (() => void) | undefined;
      h.backend.handler = (req, res) => {
        if (req.url !== '/slow') return false;
        release = () => res.end('done');
        return true;
      };
      const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
      const pending = exchange(tls, `GET /slow HTTP/1.1\r\nHost: ${WS1.host}\r\n\r\n`, 10_000);
      await waitFor(() => release, { what: 'request reached the backend' });
      const drained = h.proxy.drain(10_000);
      await waitFor(() => h.proxy.draining);
      await expect(openTls(h.port, header(WS1.linkId), WS1.host, ca)).rejects.toThrow();
      release?.();
      const r = await pending;
      expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
      expect(r.data).toMatch(/connection: close/i);
      expect(r.closed).toBe(true);
      await drained;
      expect(h.proxy.activeConnections).toBe(0);
    } finally {
      await h.close();
    }
  });
});
