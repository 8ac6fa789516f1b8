import { X509Certificate, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, createServer as createNetServer, isIP, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContext, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { routeKeyString } from '../shared/domain/route';
import { CertStore } from './certs';
import { ClientConnection, type Admission, type ExchangeHost } from './client-connection';
import type { RequestHead } from './http1';
import type { ProxyConfig } from './config';
import { silentLogger, type Logger } from './log';
import { Metrics, defineProxyMetrics } from './metrics';
import { parseProxyV2 } from './proxy-protocol';
import { RouteTable, type RouteSource } from './routes';
import { Upstreams, type Resolver } from './upstream';

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
  /** The last Host header found equal to the SNI. */
  host: string | undefined;
  requests: number;
}

const CONN = Symbol('dpl.conn');
const BYTES_IN = 'dpl_proxy_bytes_total{direction="in"}';
const BYTES_OUT = 'dpl_proxy_bytes_total{direction="out"}';
type WithConn = { [CONN]?: Conn };

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

/** Requests are checked against a connection's attribution; the answers the checks can give. */
function refuse(status: number, reason: string, title: string, detail: string, close: boolean, workspace = ''): Admission {
  return { kind: 'answer', status, reason, title, detail, close, workspace };
}
const NOT_ATTRIBUTED = 'this connection is not attributed to a workspace';

export class ProxyServer implements ExchangeHost {
  readonly config: ProxyConfig;
  readonly metrics: Metrics;
  readonly routes: RouteTable;
  readonly certs: CertStore;
  readonly upstreams: Upstreams;
  private readonly log: Logger;
  private readonly trusted = new BlockList();
  private readonly listeners: Array<{ server: NetServer; pls: string }> = [];
  private readonly tls: TlsServer;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<ClientConnection>();
  private ticketKeys: Buffer;
  private stopping = false;
  private sweeper: NodeJS.Timeout | undefined;
  /** Coarse clock for the connections' timeouts (ExchangeHost). */
  now = performance.now();
  readonly limits: ExchangeHost['limits'];

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

    this.limits = {
      maxHeaderBytes: c.http.maxHeaderBytes,
      headersTimeoutMs: c.http.headersTimeoutMs,
      keepAliveTimeoutMs: c.http.keepAliveTimeoutMs,
      upstreamHeadersTimeoutMs: c.upstream.headersTimeoutMs,
      bodyIdleTimeoutMs: c.upstream.bodyIdleTimeoutMs,
    };
    const def = this.certs.default;
    this.tls = createTlsServer({
      // The default context is replaced right away by setSecureContext (same material); SNI picks the rest.
      SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
        cb(null, (this.certs.find(servername) ?? this.certs.default).context);
      },
      ALPNProtocols: ['http/1.1'],
      minVersion: c.tls.minVersion,
      ecdhCurve: 'X25519:P-256:P-384',
      ticketKeys: this.ticketKeys,
      handshakeTimeout: c.tls.handshakeTimeoutMs,
      // A client that half-closes after its request still gets the response (ClientConnection ends
      // it). The TLS socket takes this from the raw socket it wraps, so the listeners set it too.
      allowHalfOpen: true,
      cert: readPem(def.certFile),
      key: readPem(def.keyFile),
    });
    this.tls.on('secureConnection', (tls: TLSSocket) => this.onSecure(tls));
    this.tls.on('tlsClientError', (err: Error) => {
      this.metrics.inc('dpl_proxy_handshakes_total', { result: 'error' });
      this.log.log('debug', 'tls handshake failed', { error: err.message });
    });
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
    this.tls.setSecureContext({
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
    this.tls.setTicketKeys(keys);
  }

  async start(): Promise<void> {
    await this.routes.start();
    this.certs.watch(this.config.reloadIntervalMs);
    this.upstreams.watch(this.config.reloadIntervalMs);
    for (const l of this.config.listeners) {
      const server = createNetServer({ noDelay: true, pauseOnConnect: false, allowHalfOpen: true }, (s) => this.onConnection(s, l.privateLinkServiceId));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: l.host, port: l.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.listeners.push({ server, pls: l.privateLinkServiceId });
    }
    // One coarse sweep for every connection's timeouts instead of timers per request.
    const every = Math.max(50, Math.min(250, this.limits.headersTimeoutMs / 4));
    this.sweeper = setInterval(() => {
      const now = (this.now = performance.now());
      for (const c of this.connections) c.check(now);
    }, every);
    this.sweeper.unref();
  }

  addresses(): AddressInfo[] {
    return this.listeners.map((l) => l.server.address() as AddressInfo);
  }

  get ready(): { ok: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (!this.routes.loaded) reasons.push('routes not loaded');
    const now = Date.now();
    for (const c of this.certs.all) if (c.notAfter.getTime() <= now) reasons.push(`certificate for ${c.names.join(',')} expired`);
    if (this.stopping) reasons.push('draining');
    return { ok: reasons.length === 0, reasons };
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  private reject(reason: string): void {
    this.metrics.inc('dpl_proxy_rejections_total', { reason });
  }

  /** @internal ExchangeHost */
  rejected(reason: string): void {
    this.reject(reason);
  }

  /** @internal ExchangeHost */
  closed(conn: ClientConnection): void {
    this.connections.delete(conn);
  }

  // ---- connection: trusted source, PROXY header, route, then TLS ----

  private onConnection(socket: Socket, pls: string): void {
    this.metrics.inc('dpl_proxy_connections_total');
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const pp = this.config.proxyProtocol;
    const peer = socket.remoteAddress ?? '';
    const peerFamily = isIP(peer) === 6 ? 'ipv6' : 'ipv4';
    const trusted = this.trusted.check(peer, peerFamily) || (peer.startsWith('::ffff:') && this.trusted.check(peer.slice(7), 'ipv4'));
    const base: Conn = { privateLinkServiceId: pls, linkId: undefined, keyString: '', local: false, clientIp: peer, denied: 'no-linkid', sni: undefined, host: undefined, requests: 0 };
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
    this.tls.emit('connection', socket);
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
    this.metrics.inc('dpl_proxy_handshakes_total', { result: 'ok', resumed: tls.isSessionReused() ? 'yes' : 'no' });
    tls.setNoDelay(true);
    const forwarded = `x-forwarded-for: ${conn.clientIp}\r\nx-forwarded-proto: https\r\nx-private-link-id: ${conn.linkId ?? ''}\r\n`;
    const c = new ClientConnection(tls, this, forwarded);
    (c as ClientConnection & WithConn)[CONN] = conn;
    this.connections.add(c);
    if (this.stopping) c.closeIfIdle();
  }

  // ---- requests ----

  /** @internal ExchangeHost: the tenant checks for one request on an attributed connection. */
  admit(head: RequestHead, client: ClientConnection): Admission | Promise<Admission> {
    const conn = (client as ClientConnection & WithConn)[CONN];
    if (!conn) return refuse(403, 'no-connection-state', 'Forbidden', 'connection not attributed', true);
    conn.requests++;
    if (conn.local) {
      const path = head.target.split('?')[0];
      if (path === this.config.http.healthPath && (head.method === 'GET' || head.method === 'HEAD')) {
        const ready = this.ready;
        return { kind: 'answer', status: ready.ok ? 200 : 503, reason: 'health', title: '', detail: '', close: false, workspace: '', body: JSON.stringify({ status: ready.ok ? 'ok' : 'not-ready' }), contentType: 'application/json' };
      }
      return refuse(403, 'local-command', 'Forbidden', 'health probe connections only reach the health path', true);
    }
    if (conn.denied) return refuse(403, conn.denied, 'Forbidden', NOT_ATTRIBUTED, true);
    const active = this.routes.peek(conn.keyString);
    if (!active) return refuse(403, 'unknown-linkid', 'Forbidden', NOT_ATTRIBUTED, true);
    const sni = conn.sni;
    if (!sni || !active.hosts.has(sni)) return refuse(403, 'sni-not-in-route', 'Forbidden', 'the TLS server name does not belong to this private endpoint', true);
    const route = active.route;
    if (head.hosts > 1) return refuse(400, 'duplicate-host', 'Bad Request', 'more than one Host header', true, route.workspace);
    if (head.hosts === 0 && head.minor === 1) return refuse(400, 'missing-host', 'Bad Request', 'HTTP/1.1 requests need a Host header', true, route.workspace);
    // A connection's requests usually repeat one Host: it is normalised once.
    if (head.host !== conn.host) {
      if (normaliseHost(head.host) !== sni) return refuse(421, 'host-not-sni', 'Misdirected Request', 'the Host header must equal the TLS server name', false);
      conn.host = head.host;
    }
    if (head.method === 'CONNECT') return refuse(405, 'method', 'Method Not Allowed', 'CONNECT is not supported', true);
    const b = this.upstreams.get(route.backend);
    if (!(b instanceof Promise)) return { kind: 'forward', workspace: route.workspace, pool: b.pool };
    return b.then(
      (backend): Admission => ({ kind: 'forward', workspace: route.workspace, pool: backend.pool }),
      (err: Error): Admission => {
        this.metrics.inc('dpl_proxy_upstream_errors_total', { kind: 'resolve' });
        this.log.log('warn', 'backend name not resolved', { backend: route.backend, error: err.message });
        return refuse(502, 'backend-unresolved', 'Bad Gateway', 'the backend name could not be resolved', true, route.workspace);
      },
    );
  }

  /** @internal ExchangeHost */
  finished(workspace: string, status: number, bytesIn: number, bytesOut: number): void {
    let byStatus = this.requestKeys.get(workspace);
    if (byStatus === undefined) {
      if (this.requestKeys.size > 10_000) this.requestKeys.clear();
      this.requestKeys.set(workspace, (byStatus = []));
    }
    let key = byStatus[status];
    if (key === undefined) byStatus[status] = key = this.metrics.key('dpl_proxy_requests_total', { workspace, status });
    this.metrics.incKey(key);
    if (bytesIn) this.metrics.incKey(BYTES_IN, bytesIn);
    if (bytesOut) this.metrics.incKey(BYTES_OUT, bytesOut);
  }

  /** Metric keys of dpl_proxy_requests_total by workspace, then status (no string built per request). */
  private readonly requestKeys = new Map<string, string[]>();

  /** @internal ExchangeHost */
  upstreamLatency(seconds: number): void {
    this.metrics.observe('dpl_proxy_upstream_latency_seconds', seconds);
  }

  /** @internal ExchangeHost */
  upstreamError(kind: 'client-aborted' | 'timeout' | 'error' | 'protocol', workspace: string, err?: Error & { code?: string }): void {
    this.metrics.inc('dpl_proxy_upstream_errors_total', { kind });
    if (kind !== 'client-aborted' && err) this.log.log('warn', 'upstream request failed', { workspace, code: err.code, error: err.message });
  }

  /** ExchangeHost: responses get `connection: close` once draining. */
  get draining(): boolean {
    return this.stopping;
  }

  /**
   * Stops accepting, lets in-flight requests finish (responses get `connection: close`), closes idle
   * keep-alive connections, and after `timeoutMs` destroys whatever is left.
   */
  async drain(timeoutMs = this.config.drainTimeoutMs): Promise<void> {
    this.stopping = true;
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      for (const c of this.connections) c.closeIfIdle();
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of this.sockets) s.destroy();
    if (this.sweeper) clearInterval(this.sweeper);
    this.routes.stop();
    this.certs.stop();
    await this.upstreams.close();
  }

  /** Immediate close (tests). */
  async close(): Promise<void> {
    this.stopping = true;
    for (const l of this.listeners) l.server.close();
    for (const s of this.sockets) s.destroy();
    for (const c of this.connections) c.socket.destroy();
    if (this.sweeper) clearInterval(this.sweeper);
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
