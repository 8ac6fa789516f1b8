import { X509Certificate, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { BlockList, createServer as createNetServer, isIP, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import type { Dispatcher } from 'undici';
import { routeKeyString } from '../shared/domain/route';
import { CertStore } from './certs';
import type { ProxyConfig } from './config';
import { silentLogger, type Logger } from './log';
import { Metrics, defineProxyMetrics } from './metrics';
import { parseProxyV2 } from './proxy-protocol';
import { RouteTable, type RouteSource } from './routes';
import { Upstreams, type Backend, type Resolver } from './upstream';

/** What the proxy knows about a client connection before TLS: from the PROXY header and the listener. */
interface Conn {
  privateLinkServiceId: string;
  linkId: number | undefined;
  keyString: string;
  local: boolean;
  clientIp: string;
  /** Set when the connection must not reach any backend (answered 403 + close). */
  denied: string | undefined;
  sni: string | undefined;
  requests: number;
}

const CONN = Symbol('dpl.conn');
const BYTES_IN = 'dpl_proxy_bytes_total{direction="in"}';
const BYTES_OUT = 'dpl_proxy_bytes_total{direction="out"}';
type WithConn = { [CONN]?: Conn };

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'http2-settings',
  // Set by us only:
  'x-private-link-id',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  // undici refuses it; Node answered 100-continue already.
  'expect',
]);
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate']);

export interface ProxyServerOptions {
  config: ProxyConfig;
  routeSource: RouteSource;
  logger?: Logger;
  metrics?: Metrics;
  /** Backend name resolver; default from config.upstream.dns. */
  resolver?: Resolver;
  /** 48 bytes of session ticket keys shared by all workers; random when absent. */
  ticketKeys?: Buffer;
}

function problemBody(status: number, title: string, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title, status, detail });
}

export class ProxyServer {
  readonly config: ProxyConfig;
  readonly metrics: Metrics;
  readonly routes: RouteTable;
  readonly certs: CertStore;
  readonly upstreams: Upstreams;
  private readonly log: Logger;
  private readonly trusted = new BlockList();
  private readonly listeners: Array<{ server: NetServer; pls: string }> = [];
  private readonly https: HttpsServer;
  private readonly sockets = new Set<Socket>();
  private ticketKeys: Buffer;
  private draining = false;

  constructor(opts: ProxyServerOptions) {
    const c = opts.config;
    this.config = c;
    this.log = opts.logger ?? silentLogger;
    this.metrics = opts.metrics ?? new Metrics();
    defineProxyMetrics(this.metrics);
    for (const cidr of c.proxyProtocol.trustedSources) {
      const [ip = '', bits] = cidr.split('/');
      const fam = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(ip, fam);
      else this.trusted.addSubnet(ip, Number(bits), fam);
    }
    this.routes = new RouteTable(opts.routeSource, {
      privateLinkServiceIds: c.listeners.map((l) => l.privateLinkServiceId),
      pollIntervalMs: c.routeTable.pollIntervalMs,
      negativeCacheMs: c.routeTable.negativeCacheMs,
      onError: (err) => this.log.log('warn', 'route source error', { error: err.message }),
      onChange: () => this.metrics.set('dpl_proxy_routes', this.routes.size),
    });
    this.ticketKeys = opts.ticketKeys ?? randomBytes(48);
    const ctxOpts = { minVersion: c.tls.minVersion, ecdhCurve: 'X25519:P-256:P-384' };
    this.certs = new CertStore(c.tls.certificates, ctxOpts, {
      onReload: (cert) => {
        this.log.log('info', 'front certificate reloaded', { certFile: cert.certFile, names: cert.names, notAfter: cert.notAfter.toISOString(), fingerprint256: cert.fingerprint256 });
        this.refreshDefaultContext();
        this.certMetrics();
      },
      onError: (err) => this.log.log('warn', 'front certificate not (re)loaded', { error: err.message }),
    });
    this.upstreams = new Upstreams(
      {
        defaultPort: c.upstream.port,
        caFile: c.upstream.caFile,
        certFile: c.upstream.certFile,
        keyFile: c.upstream.keyFile,
        connections: c.upstream.connectionsPerBackend,
        connectTimeoutMs: c.upstream.connectTimeoutMs,
        headersTimeoutMs: c.upstream.headersTimeoutMs,
        bodyIdleTimeoutMs: c.upstream.bodyIdleTimeoutMs,
        keepAliveTimeoutMs: c.upstream.keepAliveTimeoutMs,
        dns: c.upstream.dns,
        onError: (err) => this.log.log('warn', 'upstream error', { error: err.message }),
        onEvent: (event, fields) => {
          this.log.log('info', event, fields);
          if (event === 'upstream-material-reloaded') this.certMetrics();
        },
      },
      opts.resolver,
    );

    const def = this.certs.default;
    this.https = createHttpsServer({
      // The default context is replaced right away by setSecureContext (same material); SNI picks the rest.
      SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
        cb(null, (this.certs.find(servername) ?? this.certs.default).context);
      },
      ALPNProtocols: ['http/1.1'],
      minVersion: c.tls.minVersion,
      ecdhCurve: 'X25519:P-256:P-384',
      ticketKeys: this.ticketKeys,
      handshakeTimeout: c.tls.handshakeTimeoutMs,
      requestTimeout: 0,
      headersTimeout: c.http.headersTimeoutMs,
      keepAliveTimeout: c.http.keepAliveTimeoutMs,
      maxHeaderSize: c.http.maxHeaderBytes,
      connectionsCheckingInterval: Math.min(1000, c.http.headersTimeoutMs),
      noDelay: true,
      // Larger write buffers per response: fewer pause/resume cycles of the upstream on big bodies.
      highWaterMark: 256 * 1024,
      cert: readPem(def.certFile),
      key: readPem(def.keyFile),
    });
    this.https.prependListener('secureConnection', (tls: TLSSocket) => this.onSecure(tls));
    this.https.on('tlsClientError', (err: Error) => {
      this.metrics.inc('dpl_proxy_handshakes_total', { result: 'error' });
      this.log.log('debug', 'tls handshake failed', { error: err.message });
    });
    this.https.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      this.reject(String(err.code ?? 'client-error').toLowerCase());
      if (socket.writable && !(err.code === 'ECONNRESET')) {
        const body = problemBody(400, 'Bad Request', 'malformed HTTP request');
        socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      } else socket.destroy();
    });
    this.https.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    this.certMetrics();
  }

  private certMetrics(): void {
    for (const cert of this.certs.all) this.metrics.set('dpl_proxy_certificate_expiry_seconds', Math.floor(cert.notAfter.getTime() / 1000), { kind: 'front', names: cert.names.join(' ') });
    try {
      const up = new X509Certificate(this.upstreams.clientCertificatePem);
      this.metrics.set('dpl_proxy_certificate_expiry_seconds', Math.floor(new Date(up.validTo).getTime() / 1000), { kind: 'upstream-client', names: '' });
    } catch {
      /* reported by the loader */
    }
  }

  private refreshDefaultContext(): void {
    const def = this.certs.default;
    this.https.setSecureContext({
      cert: readPem(def.certFile),
      key: readPem(def.keyFile),
      minVersion: this.config.tls.minVersion,
      ecdhCurve: 'X25519:P-256:P-384',
      ticketKeys: this.ticketKeys,
    });
  }

  /** Rotates session ticket keys (the primary sends the same keys to every worker). */
  setTicketKeys(keys: Buffer): void {
    this.ticketKeys = keys;
    this.https.setTicketKeys(keys);
  }

  async start(): Promise<void> {
    await this.routes.start();
    this.certs.watch(this.config.reloadIntervalMs);
    this.upstreams.watch(this.config.reloadIntervalMs);
    for (const l of this.config.listeners) {
      const server = createNetServer({ noDelay: true, pauseOnConnect: false }, (s) => this.onConnection(s, l.privateLinkServiceId));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: l.host, port: l.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.listeners.push({ server, pls: l.privateLinkServiceId });
    }
    // The HTTP server never listens itself (sockets are handed to it after the PROXY header), but its
    // headers-timeout and idle-connection tracking start on 'listening'.
    this.https.emit('listening');
  }

  addresses(): AddressInfo[] {
    return this.listeners.map((l) => l.server.address() as AddressInfo);
  }

  get ready(): { ok: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (!this.routes.loaded) reasons.push('routes not loaded');
    const now = Date.now();
    for (const c of this.certs.all) if (c.notAfter.getTime() <= now) reasons.push(`certificate for ${c.names.join(',')} expired`);
    if (this.draining) reasons.push('draining');
    return { ok: reasons.length === 0, reasons };
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  private reject(reason: string): void {
    this.metrics.inc('dpl_proxy_rejections_total', { reason });
  }

  // ---- connection: trusted source, PROXY header, route, then TLS ----

  private onConnection(socket: Socket, pls: string): void {
    this.metrics.inc('dpl_proxy_connections_total');
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.draining) {
      socket.destroy();
      return;
    }
    const pp = this.config.proxyProtocol;
    const peer = socket.remoteAddress ?? '';
    const peerFamily = isIP(peer) === 6 ? 'ipv6' : 'ipv4';
    const trusted = this.trusted.check(peer, peerFamily) || (peer.startsWith('::ffff:') && this.trusted.check(peer.slice(7), 'ipv4'));
    const base: Conn = { privateLinkServiceId: pls, linkId: undefined, keyString: '', local: false, clientIp: peer, denied: 'no-linkid', sni: undefined, requests: 0 };
    if (pp.mode === 'off' || (pp.mode === 'optional' && !trusted)) {
      this.toTls(socket, base);
      return;
    }
    if (!trusted) {
      this.reject('untrusted-source');
      this.log.log('warn', 'connection refused: untrusted source', { peer });
      socket.destroy();
      return;
    }
    let buf: Buffer | undefined;
    const timer = setTimeout(() => {
      this.reject('header-timeout');
      socket.destroy();
    }, pp.headerTimeoutMs);
    const onData = (chunk: Buffer): void => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const r = parseProxyV2(buf, pp.maxHeaderBytes);
      if (r.kind === 'incomplete') return;
      socket.off('data', onData);
      socket.pause();
      clearTimeout(timer);
      if (r.kind === 'error') {
        if (pp.mode === 'optional' && r.reason === 'bad-signature') {
          socket.unshift(buf);
          this.toTls(socket, base);
          return;
        }
        this.reject(`proxy-header-${r.reason}`);
        this.log.log('info', 'connection refused: bad PROXY header', { peer, reason: r.reason });
        socket.destroy();
        return;
      }
      const h = r.header;
      if (buf.length > h.length) socket.unshift(buf.subarray(h.length));
      const conn: Conn = { ...base, denied: undefined, local: h.command === 'LOCAL', linkId: h.linkId, clientIp: h.source && h.family !== 'UNIX' ? h.source.address : peer };
      if (conn.local) {
        this.toTls(socket, conn);
        return;
      }
      if (h.linkId === undefined) {
        this.toTls(socket, { ...conn, denied: 'no-linkid' });
        return;
      }
      const key = { privateLinkServiceId: pls, linkId: h.linkId };
      conn.keyString = routeKeyString(key);
      const found = this.routes.lookup(key);
      if (found === undefined || !(found instanceof Promise)) {
        if (!found) conn.denied = 'unknown-linkid';
        this.toTls(socket, conn);
        return;
      }
      // A point read that hangs must not hold the connection forever: same deadline as the header.
      const lookupTimer = setTimeout(() => {
        this.reject('route-lookup-timeout');
        socket.destroy();
      }, pp.headerTimeoutMs);
      void found.then((route) => {
        clearTimeout(lookupTimer);
        if (socket.destroyed) return;
        if (!route) conn.denied = 'unknown-linkid';
        this.toTls(socket, conn);
      });
    };
    socket.on('data', onData);
  }

  private toTls(socket: Socket, conn: Conn): void {
    (socket as Socket & WithConn)[CONN] = conn;
    this.https.emit('connection', socket);
  }

  private onSecure(tls: TLSSocket): void {
    const parent = (tls as unknown as { _parent?: Socket & WithConn })._parent;
    const conn = parent?.[CONN];
    if (!conn) {
      tls.destroy();
      return;
    }
    const sni = (tls as TLSSocket & { servername?: string | false }).servername;
    conn.sni = typeof sni === 'string' ? sni.toLowerCase() : undefined;
    (tls as TLSSocket & WithConn)[CONN] = conn;
    this.metrics.inc('dpl_proxy_handshakes_total', { result: 'ok', resumed: tls.isSessionReused() ? 'yes' : 'no' });
  }

  // ---- requests ----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const conn = (req.socket as TLSSocket & WithConn)[CONN];
    if (!conn) return this.deny(res, 403, 'no-connection-state', 'Forbidden', 'connection not attributed', true);
    conn.requests++;
    if (conn.local) {
      const path = (req.url ?? '').split('?')[0];
      if (path === this.config.http.healthPath && (req.method === 'GET' || req.method === 'HEAD')) {
        const ready = this.ready;
        const body = JSON.stringify({ status: ready.ok ? 'ok' : 'not-ready' });
        res.writeHead(ready.ok ? 200 : 503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      return this.deny(res, 403, 'local-command', 'Forbidden', 'health probe connections only reach the health path', true);
    }
    if (conn.denied) return this.deny(res, 403, conn.denied, 'Forbidden', 'this connection is not attributed to a workspace', true);
    const active = this.routes.peek(conn.keyString);
    if (!active) return this.deny(res, 403, 'unknown-linkid', 'Forbidden', 'this connection is not attributed to a workspace', true);
    const sni = conn.sni;
    if (!sni || !active.hosts.has(sni)) return this.deny(res, 403, 'sni-not-in-route', 'Forbidden', 'the TLS server name does not belong to this private endpoint', true);
    const hostHeader = req.headers.host;
    const host = hostHeader ? normaliseHost(hostHeader) : '';
    if (host !== sni) return this.deny(res, 421, 'host-not-sni', 'Misdirected Request', 'the Host header must equal the TLS server name', false);
    if (req.method === 'CONNECT') return this.deny(res, 405, 'method', 'Method Not Allowed', 'CONNECT is not supported', true);

    const route = active.route;
    const b = this.upstreams.get(route.backend);
    if (b instanceof Promise) {
      b.then(
        (backend) => this.forward(req, res, conn, route.workspace, backend, hostHeader as string),
        (err: Error) => {
          this.metrics.inc('dpl_proxy_upstream_errors_total', { kind: 'resolve' });
          this.log.log('warn', 'backend name not resolved', { backend: route.backend, error: err.message });
          this.deny(res, 502, 'backend-unresolved', 'Bad Gateway', 'the backend name could not be resolved', false, route.workspace);
        },
      );
    } else this.forward(req, res, conn, route.workspace, b, hostHeader as string);
  }

  private deny(res: ServerResponse, status: number, reason: string, title: string, detail: string, close: boolean, workspace = ''): void {
    this.reject(reason);
    this.metrics.inc('dpl_proxy_requests_total', { workspace, status });
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = problemBody(status, title, detail);
    const headers: Record<string, string | number> = { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' };
    if (close || this.draining) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
    // Do not read an unwanted request body on a connection we are about to close.
    if (close) res.once('finish', () => res.socket?.destroySoon());
  }

  private forward(req: IncomingMessage, res: ServerResponse, conn: Conn, workspace: string, backend: Backend, host: string): void {
    const raw = req.rawHeaders;
    const headers: string[] = [];
    let connectionTokens: Set<string> | undefined;
    const connHdr = req.headers.connection;
    if (connHdr && connHdr !== 'keep-alive' && connHdr !== 'close') connectionTokens = new Set(connHdr.toLowerCase().split(/\s*,\s*/));
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const lower = name.toLowerCase();
      if (lower === 'host' && ++hosts > 1) return this.deny(res, 400, 'duplicate-host', 'Bad Request', 'more than one Host header', true, workspace);
      if (HOP_BY_HOP.has(lower) || connectionTokens?.has(lower)) continue;
      headers.push(name, raw[i + 1] as string);
    }
    headers.push('x-forwarded-for', conn.clientIp, 'x-forwarded-proto', 'https', 'x-forwarded-host', host, 'x-private-link-id', String(conn.linkId));

    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    const handler = new ForwardHandler(this, res, workspace, req);
    const dispatchOpts: Dispatcher.DispatchOptions & { servername: string | null } = {
        path: req.url ?? '/',
        method: req.method as Dispatcher.HttpMethod,
        // undici would derive the upstream SNI from the Host header (the workspace name); the backend is
        // verified by its own name, so pin it.
        servername: backend.servername,
        headers,
        body: hasBody ? req : null,
        headersTimeout: this.config.upstream.headersTimeoutMs,
        bodyTimeout: this.config.upstream.bodyIdleTimeoutMs,
    };
    backend.pool.dispatch(dispatchOpts, handler);
  }

  /** @internal used by ForwardHandler */
  finished(workspace: string, status: number, bytesIn: number, bytesOut: number): void {
    const k = `${workspace}\u0000${status}`;
    let key = this.requestKeys.get(k);
    if (key === undefined) {
      if (this.requestKeys.size > 50_000) this.requestKeys.clear();
      key = this.metrics.key('dpl_proxy_requests_total', { workspace, status });
      this.requestKeys.set(k, key);
    }
    this.metrics.incKey(key);
    if (bytesIn) this.metrics.incKey(BYTES_IN, bytesIn);
    if (bytesOut) this.metrics.incKey(BYTES_OUT, bytesOut);
  }

  private readonly requestKeys = new Map<string, string>();

  /** @internal */
  upstreamHeaders(seconds: number): void {
    this.metrics.observe('dpl_proxy_upstream_latency_seconds', seconds);
  }

  /** @internal */
  upstreamFailed(res: ServerResponse, workspace: string, err: Error & { code?: string }): void {
    const timeout = err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_CONNECT_TIMEOUT';
    const aborted = err.code === 'UND_ERR_ABORTED' || res.destroyed;
    this.metrics.inc('dpl_proxy_upstream_errors_total', { kind: aborted ? 'client-aborted' : timeout ? 'timeout' : 'error' });
    if (aborted) return;
    this.log.log('warn', 'upstream request failed', { workspace, code: err.code, error: err.message });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (timeout) this.deny(res, 504, 'upstream-timeout', 'Gateway Timeout', 'the backend did not answer in time', true, workspace);
    else this.deny(res, 502, 'upstream-error', 'Bad Gateway', 'the backend could not be reached', true, workspace);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Stops accepting, lets in-flight requests finish (responses get `connection: close`), closes idle
   * keep-alive connections, and after `timeoutMs` destroys whatever is left.
   */
  async drain(timeoutMs = this.config.drainTimeoutMs): Promise<void> {
    this.draining = true;
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    this.https.closeIdleConnections();
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      this.https.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of this.sockets) s.destroy();
    this.https.close(() => {});
    this.routes.stop();
    this.certs.stop();
    await this.upstreams.close();
  }

  /** Immediate close (tests). */
  async close(): Promise<void> {
    this.draining = true;
    for (const l of this.listeners) l.server.close();
    for (const s of this.sockets) s.destroy();
    this.https.closeAllConnections();
    this.https.close(() => {});
    this.routes.stop();
    this.certs.stop();
    await this.upstreams.destroy();
  }
}

function normaliseHost(h: string): string {
  const lower = h.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  const name = colon < 0 ? lower : lower.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function readPem(file: string): Buffer {
  return readFileSync(file);
}

/** Response bytes queued per client connection before undici is paused. */
const RESPONSE_BATCH_BYTES = 256 * 1024;

function uncork(h: ForwardHandler): void {
  h.uncork();
}

/** Streams the upstream response into the client response with backpressure (undici dispatch API). */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private abortFn: ((err?: Error) => void) | undefined;
  private resumeFn: (() => void) | undefined;
  private done = false;
  private corked = false;
  private status = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly started = performance.now();

  constructor(
    private readonly proxy: ProxyServer,
    private readonly res: ServerResponse,
    private readonly workspace: string,
    req: IncomingMessage,
  ) {
    // A client that goes away cancels the upstream request (and its body stream).
    res.once('close', () => {
      if (!this.done) this.abortFn?.(new Error('client aborted'));
    });
    req.once('error', () => this.abortFn?.(new Error('client request error')));
  }

  /**
   * Counted from undici's side (a 'data' listener on the request would switch it to flowing mode).
   * undici 7 passes the chunk itself, despite the typings' "chunkSize".
   */
  onBodySent(chunk: number | Uint8Array | string): void {
    this.bytesIn += typeof chunk === 'number' ? chunk : chunk.length;
  }

  private readonly onDrain = (): void => this.resumeFn?.();

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.res.destroyed) abort(new Error('client aborted'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx from the backend: Node already handled Expect with the client.
    this.status = statusCode;
    this.resumeFn = resume;
    this.proxy.upstreamHeaders((performance.now() - this.started) / 1000);
    const out: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString('latin1');
      if (HOP_BY_HOP_RESPONSE.has(name.toLowerCase())) continue;
      out.push(name, (rawHeaders[i + 1] as Buffer).toString('latin1'));
    }
    if (this.proxy.isDraining) out.push('connection', 'close');
    this.res.writeHead(statusCode, out);
    this.res.on('drain', this.onDrain);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytesOut += chunk.length;
    // undici hands over the upstream's buffered chunks one by one (≤ 16 KiB each, see readChunkwise in
    // upstream.ts) within one synchronous loop: corked until that loop is done, they leave as one
    // writev, i.e. one TLS write and one syscall, and small responses go out with their headers.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(uncork, this);
    }
    // The TLS socket's write buffer limit is 16 KiB (https.Server does not pass highWaterMark on to
    // it), so write() says "full" after the first chunk of a batch; taken literally, that paused undici
    // after every chunk (strace: ~20 KiB per write syscall instead of ~150 KiB). Keep taking chunks up to
    // our own bound; past it write() has already returned false, so 'drain' is due and resumes undici.
    return this.res.write(chunk) || (!this.res.destroyed && this.res.writableLength < RESPONSE_BATCH_BYTES);
  }

  /** @internal */
  uncork(): void {
    this.corked = false;
    this.res.uncork();
  }

  onComplete(): void {
    this.done = true;
    this.res.end();
    this.proxy.finished(this.workspace, this.status, this.bytesIn, this.bytesOut);
  }

  onError(err: Error): void {
    this.done = true;
    this.proxy.upstreamFailed(this.res, this.workspace, err);
    if (this.status) this.proxy.finished(this.workspace, this.status, this.bytesIn, this.bytesOut);
  }
}
