// Adversarial tests with real sockets and hand-built PROXY v2 headers: who gets through and who does not.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { buildProxyV2, SIGNATURE } from '../../proxy/proxy-protocol';
import { exchange, header, openTls, proxiedClient, rawTcp, startHarness, WS1, WS2, type Harness } from './helpers';
import { waitFor } from '../support/wait';

let h: Harness;
let ca: Buffer;

beforeAll(async () => {
  h = await startHarness();
  ca = readFileSync(h.pki.p('ca.pem'));
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.backend.seen.length = 0;
});

const get = (host: string, path = '/studies', extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;

describe('attribution: LinkID, SNI and Host must name one workspace', () => {
  it('valid LinkID + SNI + Host: the backend answers over mTLS, with our forwarding headers only', async () => {
    const client = proxiedClient(h.port, WS1.linkId, WS1.host, ca);
    try {
      const r = await client.request({
        path: '/studies?PatientID=1',
        method: 'GET',
        headers: { host: WS1.host, 'x-private-link-id': '999', 'x-forwarded-for': '6.6.6.6', 'x-secret': 'kept' },
      });
      expect(r.statusCode).toBe(200);
      expect(await r.body.json()).toEqual({ ok: true, at: '127.0.0.1', url: '/studies?PatientID=1' });
      expect(r.headers['keep-alive']).not.toBe('timeout=60'); // the backend's hop-by-hop header is not passed on
      expect(r.headers['x-backend']).toBe('127.0.0.1');
      const seen = h.backend.seen[0];
      expect(seen).toBeDefined();
      expect(seen?.clientCN).toBe('proxy-client-1');
      expect(seen?.servername).toBe('backend.internal.test');
      expect(seen?.headers.host).toBe(WS1.host);
      expect(seen?.headers['x-private-link-id']).toBe(String(WS1.linkId));
      expect(seen?.headers['x-forwarded-for']).toBe('10.1.2.3');
      expect(seen?.headers['x-forwarded-proto']).toBe('https');
      expect(seen?.headers['x-forwarded-host']).toBe(WS1.host);
      expect(seen?.headers['x-secret']).toBe('kept');
    } finally {
      await client.close();
    }
  });

  it('hop-by-hop headers, and headers named in Connection, are not forwarded', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    const r = await exchange(tls, get(WS1.host, '/hop', 'Connection: close, X-Secret\r\nX-Secret: drop-me\r\nTE: trailers\r\nProxy-Connection: x\r\nKeep-Alive: 5\r\nX-Kept: yes\r\n'));
    expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
    const seen = h.backend.seen[0];
    expect(seen?.headers['x-kept']).toBe('yes');
    for (const name of ['x-secret', 'te', 'proxy-connection', 'keep-alive']) expect(seen?.headers[name]).toBeUndefined();
  });

  it('the front certificate is the wildcard for the SNI, TLS 1.2+ with ALPN http/1.1', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    try {
      expect(tls.alpnProtocol).toBe('http/1.1');
      expect(['TLSv1.2', 'TLSv1.3']).toContain(tls.getProtocol());
      const peer = tls.getPeerX509Certificate() as X509Certificate;
      expect(peer.subjectAltName).toContain('DNS:*.dicom.test');
      expect(peer.publicKey.asymmetricKeyType).toBe('ec');
    } finally {
      tls.destroy();
    }
  });

  it('TLS sessions resume (tickets), so reconnecting clients skip the full handshake', async () => {
    const { connect } = await import('node:net');
    const { connect: tlsConnect } = await import('node:tls');
    const once = (session?: Buffer): Promise<{ reused: boolean; session: Buffer | undefined }> =>
      new Promise((resolve, reject) => {
        const raw = connect({ host: '127.0.0.1', port: h.port }, () => {
          raw.write(header(WS1.linkId));
          let got: Buffer | undefined;
          const tls = tlsConnect({ socket: raw, servername: WS1.host, ca, session, maxVersion: 'TLSv1.2' });
          tls.on('session', (s: Buffer) => (got = s));
          tls.once('secureConnect', () => {
            const reused = tls.isSessionReused();
            got = got ?? tls.getSession();
            tls.end();
            resolve({ reused, session: got });
          });
          tls.once('error', reject);
        });
      });
    const first = await once();
    expect(first.reused).toBe(false);
    const second = await once(first.session);
    expect(second.reused).toBe(true);
  });

  it('unknown LinkID → 403 problem document and the connection is closed; nothing reaches the backend', async () => {
    const tls = await openTls(h.port, header(424242), WS1.host, ca);
    const r = await exchange(tls, get(WS1.host));
    expect(r.data).toMatch(/^HTTP\/1\.1 403 /);
    expect(r.data).toContain('application/problem+json');
    expect(r.closed).toBe(true);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('a PROXY header without a LinkID TLV → 403 and close', async () => {
    const tls = await openTls(h.port, header(undefined), WS1.host, ca);
    const r = await exchange(tls, get(WS1.host));
    expect(r.data).toMatch(/^HTTP\/1\.1 403 /);
    expect(r.closed).toBe(true);
  });

  it('the SNI of another workspace (ws2 name on ws1 LinkID) → 403 and close, even with a matching Host', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS2.host, ca);
    const r = await exchange(tls, get(WS2.host));
    expect(r.data).toMatch(/^HTTP\/1\.1 403 /);
    expect(r.closed).toBe(true);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('no SNI at all → 403', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), undefined, ca).catch(() => undefined);
    // Node's client refuses to verify without a name match; either the handshake fails or we get 403.
    if (tls) {
      const r = await exchange(tls, get(WS1.host));
      expect(r.data).toMatch(/^HTTP\/1\.1 403 /);
    }
    expect(h.backend.seen).toHaveLength(0);
  });

  it('Host ≠ SNI → 421 Misdirected Request', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    const r = await exchange(tls, get(WS2.host, '/studies', 'Connection: close\r\n'));
    expect(r.data).toMatch(/^HTTP\/1\.1 421 /);
    expect(r.data).toContain('"status":421');
    expect(h.backend.seen).toHaveLength(0);
  });

  it('Host with a port or different case still matches the SNI', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    const r = await exchange(tls, get('WS1.Dicom.Test:443', '/x', 'Connection: close\r\n'));
    expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a second request on a kept-alive connection with another Host → 421, the first one was served', async () => {
    const client = proxiedClient(h.port, WS1.linkId, WS1.host, ca);
    try {
      const first = await client.request({ path: '/one', method: 'GET', headers: { host: WS1.host } });
      expect(first.statusCode).toBe(200);
      await first.body.text();
      const second = await client.request({ path: '/two', method: 'GET', headers: { host: WS2.host } });
      expect(second.statusCode).toBe(421);
      expect(second.headers['content-type']).toBe('application/problem+json');
      await second.body.text();
      expect(h.backend.seen.map((s) => s.url)).toEqual(['/one']);
    } finally {
      await client.close();
    }
  });

  it('a route added to the route file is picked up without restart', async () => {
    const { writeRoutes, PLS } = await import('./helpers');
    const backendName = `${h.backend.name}:${h.backend.port}`;
    writeRoutes(h.routesFile, backendName, [{ privateLinkServiceId: PLS, linkId: 99, workspace: 'ws3', hosts: ['ws3.dicom.test'], backend: backendName, generation: 1 }]);
    await waitFor(() => h.proxy.routes.peek(`${PLS.toLowerCase()}#99`), { what: 'route 99 loaded' });
    const tls = await openTls(h.port, header(99), 'ws3.dicom.test', ca);
    const r = await exchange(tls, get('ws3.dicom.test', '/', 'Connection: close\r\n'));
    expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('the PROXY header: required, trusted, well-formed, on time', () => {
  it('no header (TLS straight away) → closed before any TLS', async () => {
    const r = await rawTcp(h.port, Buffer.from('16030100', 'hex'));
    expect(r.closed).toBe(true);
    expect(r.data).toBe('');
  });

  it('garbage → closed', async () => {
    const r = await rawTcp(h.port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(r).toMatchObject({ closed: true, data: '' });
  });

  it('oversized header (length field over the cap) → closed at once', async () => {
    const r = await rawTcp(h.port, Buffer.concat([SIGNATURE, Buffer.from('2111fff0', 'hex')]));
    expect(r).toMatchObject({ closed: true, data: '' });
  });

  it('malformed LinkID TLV → closed', async () => {
    const bad = buildProxyV2({ linkId: undefined, tlvs: [{ type: 0xee, value: Buffer.from([1, 2, 3]) }] });
    const r = await rawTcp(h.port, bad);
    expect(r).toMatchObject({ closed: true, data: '' });
  });

  it('truncated header that never completes → closed by the header deadline (slowloris on the header)', async () => {
    const r = await rawTcp(h.port, header(WS1.linkId).subarray(0, 20));
    expect(r.closed).toBe(true);
    expect(r.data).toBe('');
  });

  it('a header from an untrusted source address (127.0.0.2) → closed, even when valid', async () => {
    const r = await rawTcp(h.port, header(WS1.linkId), '127.0.0.2');
    expect(r).toMatchObject({ closed: true, data: '' });
    await expect(openTls(h.port, header(WS1.linkId), WS1.host, ca, '127.0.0.2')).rejects.toThrow();
  });

  it('header split into single bytes across writes still works', async () => {
    const bytes = header(WS1.linkId);
    const { connect } = await import('node:net');
    const { connect: tlsConnect } = await import('node:tls');
    const raw = connect({ host: '127.0.0.1', port: h.port });
    await new Promise((r) => raw.once('connect', r));
    for (const b of bytes) {
      raw.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    const tls = tlsConnect({ socket: raw, servername: WS1.host, ca });
    await new Promise((r, j) => {
      tls.once('secureConnect', r);
      tls.once('error', j);
    });
    const r = await exchange(tls, get(WS1.host, '/', 'Connection: close\r\n'));
    expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('LOCAL command (health probe) reaches the health path only', async () => {
    const local = buildProxyV2({ command: 'LOCAL', family: 'UNSPEC' });
    const a = await exchange(await openTls(h.port, local, WS1.host, ca), get(WS1.host, '/healthz', 'Connection: close\r\n'));
    expect(a.data).toMatch(/^HTTP\/1\.1 200 /);
    const b = await exchange(await openTls(h.port, local, WS1.host, ca), get(WS1.host, '/studies'));
    expect(b.data).toMatch(/^HTTP\/1\.1 403 /);
    expect(b.closed).toBe(true);
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe('HTTP abuse', () => {
  it('slowloris on the request headers → the connection is closed by the headers timeout', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    const started = Date.now();
    const r = await exchange(tls, `GET / HTTP/1.1\r\nHost: ${WS1.host}\r\nX-Slow: 1`, 10_000);
    expect(r.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('request smuggling (Content-Length + Transfer-Encoding) → 400, nothing forwarded', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    const smuggle = `POST /a HTTP/1.1\r\nHost: ${WS1.host}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: ${WS2.host}\r\n\r\n`;
    const r = await exchange(tls, smuggle);
    expect(r.data).toMatch(/^HTTP\/1\.1 400 /);
    expect(r.closed).toBe(true);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('duplicate Host headers → 400', async () => {
    const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
    const r = await exchange(tls, `GET / HTTP/1.1\r\nHost: ${WS1.host}\r\nHost: ${WS2.host}\r\n\r\n`);
    expect(r.data).toMatch(/^HTTP\/1\.1 400 /);
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe('PROXY header mode "optional"', () => {
  let o: Harness;
  let oca: Buffer;
  beforeAll(async () => {
    o = await startHarness({ proxyProtocol: { mode: 'optional', trustedSources: ['127.0.0.1/32'], headerTimeoutMs: 1000 } });
    oca = readFileSync(o.pki.p('ca.pem'));
  });
  afterAll(() => o.close());

  it('with a header from a trusted peer: attributed and forwarded', async () => {
    const r = await exchange(await openTls(o.port, header(WS1.linkId), WS1.host, oca), get(WS1.host, '/', 'Connection: close\r\n'));
    expect(r.data).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('without a header: TLS works but nothing is forwarded (403 + close)', async () => {
    const r = await exchange(await openTls(o.port, Buffer.alloc(0), WS1.host, oca), get(WS1.host, '/'));
    expect(r.data).toMatch(/^HTTP\/1\.1 403 /);
    expect(r.closed).toBe(true);
  });

  it('a header from an untrusted peer is not honoured (the bytes reach TLS and fail it)', async () => {
    await expect(openTls(o.port, header(WS1.linkId), WS1.host, oca, '127.0.0.2')).rejects.toThrow();
  });
});
