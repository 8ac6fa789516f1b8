// The proxy's own HTTP/1.1 engine (proxy/client-connection.ts, proxy/upstream-pool.ts) end to end:
// hand-written request bytes over a real TLS connection, the harness's real mTLS backend behind it.
// Pipelining, body framing both ways (lengths, chunked, until close, HEAD, 100-continue), malformed
// requests and responses, kept-alive upstream connections closed under us, and half-closing clients.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ConnectionPool } from '../../proxy/upstream-pool';
import { exchange, header, openTls, startHarness, WS1, type Harness } from './helpers';
import { waitFor } from '../support/wait';

let h: Harness;
let ca: Buffer;
const open: TLSSocket[] = [];

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
afterEach(() => {
  h.backend.handler = undefined;
  for (const s of open.splice(0)) s.destroy();
});

// ---- a client that writes raw bytes and reads responses with its own (independent, strict) parser ----

interface Response {
  status: number;
  /** Header fields, names lower-cased, in order (repeats kept). */
  fields: Array<[string, string]>;
  body: Buffer;
  /** Chunk sizes as framed on the wire (chunked responses only). */
  chunks: number[] | undefined;
  /** Trailer lines of a chunked response. */
  trailers: string[];
  /** Offsets of the response in the received bytes. */
  start: number;
  end: number;
}

function field(r: Response, name: string): string | undefined {
  const all = r.fields.filter(([n]) => n === name);
  if (all.length > 1) throw new Error(`${name} appears ${all.length} times`);
  return all[0]?.[1];
}

/** Decodes a chunked body at `p`; undefined while incomplete, throws on bad framing. */
function dechunk(buf: Buffer, p: number): { body: Buffer; sizes: number[]; trailers: string[]; end: number } | undefined {
  const parts: Buffer[] = [];
  const sizes: number[] = [];
  for (;;) {
    const le = buf.indexOf('\r\n', p, 'latin1');
    if (le < 0) return undefined;
    const line = buf.toString('latin1', p, le);
    const m = /^([0-9a-fA-F]{1,8})(;[^\r\n]*)?$/.exec(line);
    if (!m) throw new Error(`bad chunk-size line ${JSON.stringify(line)}`);
    const size = parseInt(m[1] as string, 16);
    p = le + 2;
    if (size === 0) break;
    if (buf.length < p + size + 2) return undefined;
    parts.push(buf.subarray(p, p + size));
    sizes.push(size);
    if (buf[p + size] !== 13 || buf[p + size + 1] !== 10) throw new Error(`chunk of ${size} bytes not followed by CRLF`);
    p += size + 2;
  }
  const trailers: string[] = [];
  for (;;) {
    const le = buf.indexOf('\r\n', p, 'latin1');
    if (le < 0) return undefined;
    const line = buf.toString('latin1', p, le);
    p = le + 2;
    if (line === '') break;
    trailers.push(line);
  }
  return { body: Buffer.concat(parts), sizes, trailers, end: p };
}

/** One response at `off`, read as a client that sent `method` would; undefined while incomplete. */
function parseResponse(buf: Buffer, off: number, method: string, closed: boolean): Response | undefined {
  const headEnd = buf.indexOf('\r\n\r\n', off, 'latin1');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = buf.toString('latin1', off, headEnd).split('\r\n');
  const m = /^HTTP\/1\.1 ([1-5]\d\d) [^\r\n]*$/.exec(statusLine);
  if (!m) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const status = Number(m[1]);
  const fields = lines.map((l): [string, string] => {
    const colon = l.indexOf(':');
    if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(l)}`);
    return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()];
  });
  const r: Response = { status, fields, body: Buffer.alloc(0), chunks: undefined, trailers: [], start: off, end: headEnd + 4 };
  const te = field(r, 'transfer-encoding');
  const cl = field(r, 'content-length');
  if (te !== undefined && cl !== undefined) throw new Error('response with both Content-Length and Transfer-Encoding');
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return r;
  if (te !== undefined) {
    if (te.toLowerCase() !== 'chunked') throw new Error(`transfer-encoding ${te}`);
    const d = dechunk(buf, r.end);
    if (!d) return undefined;
    return { ...r, body: d.body, chunks: d.sizes, trailers: d.trailers, end: d.end };
  }
  if (cl !== undefined) {
    const n = Number(cl);
    if (buf.length < r.end + n) return undefined;
    return { ...r, body: buf.subarray(r.end, r.end + n), end: r.end + n };
  }
  // Delimited by the end of the connection.
  if (!closed) return undefined;
  return { ...r, body: buf.subarray(r.end), end: buf.length };
}

class Client {
  private parts: Buffer[] = [];
  private joined = Buffer.alloc(0);
  closed = false;
  /** Our port, which is the proxy side's remote port (kept: the socket forgets it once closed). */
  readonly localPort: number | undefined;
  constructor(readonly tls: TLSSocket) {
    open.push(tls);
    this.localPort = tls.localPort;
    tls.on('data', (d: Buffer) => this.parts.push(d));
    tls.on('error', () => {});
    tls.once('close', () => (this.closed = true));
  }
  get data(): Buffer {
    if (this.parts.length) {
      this.joined = Buffer.concat([this.joined, ...this.parts]);
      this.parts = [];
    }
    return this.joined;
  }
  get text(): string {
    return this.data.toString('latin1');
  }
  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.tls.write(bytes, (err) => (err ? reject(err) : resolve())));
  }
  /** Every response to `methods` (in order; interim 1xx responses included, without taking a method). */
  parsed(methods: string[]): Response[] | undefined {
    const buf = this.data;
    const out: Response[] = [];
    let off = 0;
    let i = 0;
    while (i < methods.length) {
      const r = parseResponse(buf, off, methods[i] as string, this.closed);
      if (!r) return undefined;
      out.push(r);
      off = r.end;
      if (r.status >= 200) i++;
    }
    return out;
  }
  responses(methods: string[], what = 'responses'): Promise<Response[]> {
    return waitFor(() => this.parsed(methods), { what, timeoutMs: 8000 });
  }
  waitClosed(): Promise<true> {
    return waitFor(() => this.closed, { what: 'the proxy to close the connection', timeoutMs: 5000 });
  }
}

async function connect(): Promise<Client> {
  return new Client(await openTls(h.port, header(WS1.linkId), WS1.host, ca));
}

const get = (path: string, extra = '', host = WS1.host): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
const json = (r: Response): unknown => JSON.parse(r.body.toString('utf8'));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The proxy's pool for the harness backend (a real object; only its public counters are read). */
async function backendPool(): Promise<ConnectionPool> {
  return (await h.proxy.upstreams.get(`${h.backend.name}:${h.backend.port}`)).pool;
}

/** State of the proxy's ClientConnection for `c` (private fields, read only to order events without sleeping). */
function proxySide(c: Client): { buf: Buffer | null; ended: boolean } | undefined {
  const conns = (h.proxy as unknown as { connections: Set<{ socket: TLSSocket; buf: Buffer | null; ended: boolean }> }).connections;
  return [...conns].find((x) => c.localPort !== undefined && x.socket.remotePort === c.localPort);
}

/** Calls `then` with the whole request body; an aborted request (a test failing elsewhere) is just dropped. */
function onBody(req: IncomingMessage, then: (body: Buffer) => void): void {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => then(Buffer.concat(parts)));
  req.on('error', () => {});
}

/** `n` bytes that do not repeat in any short period: a dropped, duplicated or reordered piece changes the digest. */
function patterned(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 11) + (i >> 17)) & 0xff;
  return b;
}

describe('HTTP/1.1 exchange over the proxy engine', () => {
  it('three requests pipelined in one write: 200, 421, 200 in order; the connection stays open; the backend sees /a and /c only', async () => {
    const c = await connect();
    await c.write(get('/a') + get('/b', '', 'other.dicom.test') + get('/c'));
    const [a, b, cc] = await c.responses(['GET', 'GET', 'GET']);
    expect([a?.status, b?.status, cc?.status]).toEqual([200, 421, 200]);
    expect(json(a as Response)).toMatchObject({ url: '/a' });
    expect(json(cc as Response)).toMatchObject({ url: '/c' });
    expect(field(b as Response, 'content-type')).toBe('application/problem+json');
    expect(json(b as Response)).toMatchObject({ status: 421 });
    expect(field(b as Response, 'connection')).toBeUndefined();
    expect(cc?.end).toBe(c.data.length); // nothing after the third response
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/a', '/c']);
    // Still open: a fourth request on the same connection is served.
    await c.write(get('/d'));
    const all = await c.responses(['GET', 'GET', 'GET', 'GET']);
    expect(all[3]?.status).toBe(200);
    expect(json(all[3] as Response)).toMatchObject({ url: '/d' });
    expect(c.closed).toBe(false);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/a', '/c', '/d']);
  });

  it('a chunked upload (several chunks, an extension, a trailer) reaches the backend intact, still chunked', async () => {
    let upstream: { te: string | undefined; cl: string | undefined; trailers: NodeJS.Dict<string> } | undefined;
    h.backend.handler = (req, res) => {
      if (req.url !== '/upload') return false;
      onBody(req, (body) => {
        upstream = { te: req.headers['transfer-encoding'], cl: req.headers['content-length'], trailers: req.trailers };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ length: body.length, sha256: sha256(body) }));
      });
      return true;
    };
    const pieces = [Buffer.from('hello, '), patterned(70_000), Buffer.from([0, 13, 10, 48, 13, 10, 13, 10]), Buffer.from('end')];
    const expected = Buffer.concat(pieces);
    const c = await connect();
    await c.write(`POST /upload HTTP/1.1\r\nHost: ${WS1.host}\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n`);
    await c.write(`${pieces[0]?.length.toString(16)}\r\n${pieces[0]?.toString('latin1')}\r\n`);
    await c.write(Buffer.concat([Buffer.from(`${pieces[1]?.length.toString(16)};name="ext value";flag\r\n`), pieces[1] as Buffer, Buffer.from('\r\n')]));
    // A chunk whose payload looks like CRLF + a last-chunk: only the size says where it ends.
    await c.write(Buffer.concat([Buffer.from('8\r\n'), pieces[2] as Buffer, Buffer.from('\r\n3\r\n')]));
    await c.write(`end\r\n0\r\nX-Checksum: ${sha256(expected)}\r\n\r\n`);
    const [r] = await c.responses(['POST']);
    expect(r?.status).toBe(200);
    expect(json(r as Response)).toEqual({ length: expected.length, sha256: sha256(expected) });
    expect(upstream?.te).toBe('chunked');
    expect(upstream?.cl).toBeUndefined();
    expect(upstream?.trailers['x-checksum']).toBe(sha256(expected));
    expect(c.closed).toBe(false);
  });

  it('broken chunk framing in an upload: 400 before the backend answered; after its answer began, the connection is cut, not patched with a 400', async () => {
    h.backend.handler = (req, res) => {
      if (req.url !== '/early') return false;
      // Answers at once and keeps streaming while the upload goes on.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('first part');
      req.on('error', () => {});
      req.resume();
      return true;
    };
    const before = await connect();
    await before.write(`POST /upload HTTP/1.1\r\nHost: ${WS1.host}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX`);
    const [refused] = await before.responses(['POST']);
    expect(refused?.status).toBe(400);
    await before.waitClosed();

    const after = await connect();
    await after.write(`POST /early HTTP/1.1\r\nHost: ${WS1.host}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`);
    await waitFor(() => after.text.includes('first part'), { what: 'the start of the backend answer' });
    await after.write('zz\r\n');
    await after.waitClosed();
    const text = after.text;
    expect(text.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(text).not.toContain('HTTP/1.1 400');
  });

  it('Content-Length "5, 5" (and repeated equal lengths) are forwarded as one content-length: 5', async () => {
    const raws: string[][] = [];
    h.backend.handler = (req, res) => {
      if (req.url !== '/cl') return false;
      onBody(req, (body) => {
        raws.push(req.rawHeaders);
        res.end(body);
      });
      return true;
    };
    const c = await connect();
    const post = (lengths: string): string => `POST /cl HTTP/1.1\r\nHost: ${WS1.host}\r\n${lengths}\r\nhello`;
    await c.write(post('Content-Length: 5, 5\r\n') + post('Content-Length: 5\r\ncontent-length: 5\r\n'));
    const rs = await c.responses(['POST', 'POST']);
    expect(rs.map((r) => [r.status, r.body.toString()])).toEqual([
      [200, 'hello'],
      [200, 'hello'],
    ]);
    expect(raws).toHaveLength(2);
    for (const raw of raws) {
      const lengths = raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === 'content-length' ? [raw[i + 1]] : []));
      expect(lengths).toEqual(['5']);
    }
  });

  it('differing Content-Length headers (5 and 6) → 400 and close, nothing forwarded', async () => {
    const c = await connect();
    const r = await exchange(c.tls, `POST /cl HTTP/1.1\r\nHost: ${WS1.host}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`);
    expect(r.data).toMatch(/^HTTP\/1\.1 400 /);
    expect(r.data).toContain('application/problem+json');
    expect(r.closed).toBe(true);
    expect(h.backend.seen).toHaveLength(0);
  });

  describe('a chunked response from the backend', () => {
    const words = ['first piece, ', 'second piece, ', 'x'.repeat(20_000), ' the end'];
    beforeEach(() => {
      h.backend.handler = (req, res) => {
        if (req.url !== '/chunked') return false;
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (const w of words.slice(0, -1)) res.write(w);
        res.end(words.at(-1));
        return true;
      };
    });

    it('reaches an HTTP/1.1 client as valid chunked framing, on a connection that stays open', async () => {
      const c = await connect();
      await c.write(get('/chunked'));
      const [r] = await c.responses(['GET']);
      expect(r?.status).toBe(200);
      expect(field(r as Response, 'transfer-encoding')).toBe('chunked');
      expect(field(r as Response, 'content-length')).toBeUndefined();
      expect(r?.body.toString()).toBe(words.join(''));
      expect(r?.chunks?.length).toBeGreaterThan(1);
      await c.write(get('/after'));
      const both = await c.responses(['GET', 'GET']);
      expect(both[1]?.status).toBe(200);
      expect(c.closed).toBe(false);
    });

    it('reaches an HTTP/1.0 client as the bare payload, delimited by the end of the connection', async () => {
      const c = await connect();
      await c.write(`GET /chunked HTTP/1.0\r\nHost: ${WS1.host}\r\n\r\n`);
      await c.waitClosed();
      const text = c.text;
      const split = text.indexOf('\r\n\r\n');
      expect(split).toBeGreaterThan(0);
      const head = text.slice(0, split);
      expect(head).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(head).not.toMatch(/transfer-encoding/i);
      expect(head).not.toMatch(/content-length/i);
      expect(head).toMatch(/\r\nconnection: close(\r\n|$)/i);
      expect(text.slice(split + 4)).toBe(words.join(''));
    });
  });

  it('Expect: 100-continue: the client gets 100 Continue before sending its body, then the 200; the backend gets the body without Expect', async () => {
    let upstream: { expect: string | undefined; body: string } | undefined;
    h.backend.handler = (req, res) => {
      if (req.url !== '/expect') return false;
      onBody(req, (body) => {
        upstream = { expect: req.headers.expect, body: body.toString() };
        res.end(`got ${body.length}`);
      });
      return true;
    };
    const c = await connect();
    await c.write(`POST /expect HTTP/1.1\r\nHost: ${WS1.host}\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n`);
    await waitFor(() => c.text.includes('\r\n\r\n'), { what: 'an interim response' });
    expect(c.text).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    await c.write('hello world');
    const rs = await c.responses(['POST']);
    expect(rs.map((r) => r.status)).toEqual([100, 200]);
    expect(rs[1]?.body.toString()).toBe('got 11');
    expect(upstream).toEqual({ expect: undefined, body: 'hello world' });
  });

  it('HEAD: the GET response headers (its content-length) and no body; a GET on the same connection afterwards works', async () => {
    const c = await connect();
    await c.write(`HEAD /same HTTP/1.1\r\nHost: ${WS1.host}\r\n\r\n`);
    const [headR] = await c.responses(['HEAD']);
    expect(headR?.status).toBe(200);
    await c.write(get('/same'));
    const [, getR] = await c.responses(['HEAD', 'GET']);
    expect(getR?.status).toBe(200);
    // The GET's status line follows the HEAD's blank line immediately: no body bytes in between.
    expect(getR?.start).toBe(headR?.end);
    expect(getR?.body.length).toBeGreaterThan(0);
    expect(field(headR as Response, 'content-length')).toBe(String(getR?.body.length));
    expect(field(headR as Response, 'content-type')).toBe('application/json');
    expect(h.backend.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['HEAD /same', 'GET /same']);
  });

  describe('the backend closes its idle kept-alive connections between two requests', () => {
    it('noticed by the pool first: the next GET on the same client connection gets 200', async () => {
      const pool = await backendPool();
      const c = await connect();
      await c.write(get('/one'));
      await c.responses(['GET']);
      await waitFor(() => pool.idleCount > 0, { what: 'a kept-alive upstream connection' });
      h.backend.server?.closeIdleConnections();
      await waitFor(() => pool.idleCount === 0, { what: 'the pool to notice the closed connections' });
      await c.write(get('/two'));
      const rs = await c.responses(['GET', 'GET']);
      expect(rs[1]?.status).toBe(200);
      expect(json(rs[1] as Response)).toMatchObject({ url: '/two' });
      expect(c.closed).toBe(false);
    });

    it('not yet noticed (request sent in the same tick as the close): the next GET still gets 200', async () => {
      const pool = await backendPool();
      const c = await connect();
      await c.write(get('/one'));
      await c.responses(['GET']);
      await waitFor(() => pool.idleCount > 0, { what: 'a kept-alive upstream connection' });
      h.backend.server?.closeIdleConnections();
      c.tls.write(get('/two'));
      const rs = await c.responses(['GET', 'GET']);
      expect(rs[1]?.status).toBe(200);
      expect(json(rs[1] as Response)).toMatchObject({ url: '/two' });
      expect(h.backend.seen.map((s) => s.url)).toEqual(['/one', '/two']);
    });
  });

  it('a backend response without a length: the client gets the whole body, then the connection closes', async () => {
    const body = patterned(300_000);
    h.backend.handler = (req) => {
      if (req.url !== '/until-close') return false;
      const s = req.socket;
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\r\n');
      s.write(body.subarray(0, 100_000));
      s.end(body.subarray(100_000));
      return true;
    };
    const c = await connect();
    await c.write(get('/until-close'));
    await c.waitClosed();
    const [r] = c.parsed(['GET']) ?? [];
    expect(r?.status).toBe(200);
    expect(field(r as Response, 'content-length')).toBeUndefined();
    expect(field(r as Response, 'transfer-encoding')).toBeUndefined();
    expect(field(r as Response, 'connection')).toBe('close');
    expect(r?.body.length).toBe(body.length);
    expect(sha256(r?.body as Buffer)).toBe(sha256(body));
  });

  it.each([
    ['a malformed status line', 'HTTP/1.1 2OO OK\r\n\r\n'],
    ['both Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ])('a backend response with %s → 502 problem document', async (_what, raw) => {
    h.backend.handler = (req) => {
      if (req.url !== '/bad') return false;
      req.socket.write(raw);
      return true;
    };
    const c = await connect();
    const r = await exchange(c.tls, get('/bad'));
    expect(r.data).toMatch(/^HTTP\/1\.1 502 /);
    expect(r.data).toContain('content-type: application/problem+json');
    expect(r.data).toContain('"status":502');
    expect(r.data).not.toContain('2OO');
    expect(r.closed).toBe(true);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/bad']);
  });

  it.each([
    ['a head larger than http.maxHeaderBytes', 431, `GET / HTTP/1.1\r\nHost: ${WS1.host}\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`],
    ['an absolute-form target', 400, `GET http://${WS1.host}/ HTTP/1.1\r\nHost: ${WS1.host}\r\n\r\n`],
    ['an HTTP/1.1 request without Host', 400, 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n'],
    ['an obs-folded header', 400, `GET / HTTP/1.1\r\nHost: ${WS1.host}\r\nX-Folded: a\r\n b\r\n\r\n`],
  ])('%s → %i and close, nothing forwarded', async (_what, status, request) => {
    expect(h.proxy.config.http.maxHeaderBytes).toBeLessThan(17_000);
    const c = await connect();
    const r = await exchange(c.tls, request);
    expect(r.data).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(r.data).toContain('"status":' + status);
    expect(r.closed).toBe(true);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('a client that half-closes right after its request still receives the full response', async () => {
    const body = patterned(200_000);
    let release: (() => void) | undefined;
    h.backend.handler = (req, res) => {
      if (req.url !== '/half') return false;
      release = () => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
        res.end(body);
      };
      return true;
    };
    const c = await connect();
    c.tls.write(get('/half'));
    c.tls.end();
    // The backend answers only once the proxy has seen the client's end; until then the proxy must keep
    // the connection (and the exchange) open, and afterwards the response must still get out.
    await waitFor(() => (release && proxySide(c)?.ended) || c.closed, { what: 'the request upstream and the client end seen by the proxy' });
    expect({ closedBeforeResponse: c.closed, requestReachedBackend: release !== undefined }).toEqual({ closedBeforeResponse: false, requestReachedBackend: true });
    release?.();
    await c.waitClosed();
    const [r] = c.parsed(['GET']) ?? [];
    expect(r?.status).toBe(200);
    expect(r?.body.length).toBe(body.length);
    expect(sha256(r?.body as Buffer)).toBe(sha256(body));
    expect(r?.end).toBe(c.data.length);
  });

  it('a client that half-closes while the response body is streaming still receives all of it', async () => {
    const body = patterned(1024 * 1024);
    let release: (() => void) | undefined;
    h.backend.handler = (req, res) => {
      if (req.url !== '/half-late') return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.write(body.subarray(0, 256 * 1024));
      release = () => res.end(body.subarray(256 * 1024));
      return true;
    };
    const c = await connect();
    await c.write(get('/half-late'));
    await waitFor(() => release && c.text.includes('\r\n\r\n'), { what: 'the response head' });
    c.tls.end();
    await waitFor(() => proxySide(c)?.ended || c.closed, { what: 'the client end seen by the proxy' });
    expect(c.closed).toBe(false);
    release?.();
    await c.waitClosed();
    const [r] = c.parsed(['GET']) ?? [];
    expect(r?.status).toBe(200);
    expect(r?.body.length).toBe(body.length);
    expect(sha256(r?.body as Buffer)).toBe(sha256(body));
  });

  it('a second request pipelined while a 4 MiB response is streaming: both complete and in order', async () => {
    const big = patterned(4 * 1024 * 1024);
    let release: (() => void) | undefined;
    h.backend.handler = (req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
        res.write(big.subarray(0, 1024 * 1024));
        release = () => res.end(big.subarray(1024 * 1024));
        return true;
      }
      if (req.url === '/small') {
        res.end('small');
        return true;
      }
      return false;
    };
    const c = await connect();
    await c.write(get('/big'));
    await waitFor(() => c.data.length > 64 * 1024, { what: 'the first response streaming' });
    await c.write(get('/small'));
    // The second request waits in the proxy while the first response is mid-body.
    await waitFor(() => proxySide(c)?.buf, { what: 'the pipelined request held by the proxy' });
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/big']);
    release?.();
    const [first, second] = await c.responses(['GET', 'GET']);
    expect(first?.status).toBe(200);
    expect(first?.body.length).toBe(big.length);
    expect(sha256(first?.body as Buffer)).toBe(sha256(big));
    expect(second?.status).toBe(200);
    expect(second?.body.toString()).toBe('small');
    expect(second?.end).toBe(c.data.length);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/big', '/small']);
  });
});
