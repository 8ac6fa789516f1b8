import { X509Certificate, createPrivateKey } from 'node:crypto';
import { promises as dnsp, lookup as dnsLookup } from 'node:dns';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { ConnectionPool } from './upstream-pool';

export interface UpstreamOptions {
  defaultPort: number;
  caFile: string;
  certFile: string;
  keyFile: string;
  connections: number;
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
  dns: { servers: string[]; minTtlSeconds: number; maxTtlSeconds: number; ttlDefaultSeconds: number };
  onError?: (err: Error) => void;
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

export interface Resolved {
  address: string;
  ttlSeconds: number;
}

/** Resolves a backend name to one address with its TTL. */
export type Resolver = (host: string) => Promise<Resolved>;

export function makeResolver(opts: UpstreamOptions['dns']): Resolver {
  const clamp = (ttl: number): number => Math.min(opts.maxTtlSeconds, Math.max(opts.minTtlSeconds, ttl));
  if (opts.servers.length === 0) {
    return (host) =>
      new Promise((resolve, reject) =>
        dnsLookup(host, { family: 0 }, (err, address) => (err ? reject(err) : resolve({ address, ttlSeconds: clamp(opts.ttlDefaultSeconds) }))),
      );
  }
  const r = new dnsp.Resolver({ timeout: 2000, tries: 2 });
  r.setServers(opts.servers);
  return async (host) => {
    let records: Array<{ address: string; ttl: number }>;
    try {
      records = await r.resolve4(host, { ttl: true });
    } catch (err) {
      records = await r.resolve6(host, { ttl: true }).catch(() => {
        throw err;
      });
    }
    const first = records[0];
    if (!first) throw new Error(`no address for ${host}`);
    return { address: first.address, ttlSeconds: clamp(first.ttl) };
  };
}

interface ClientMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  sig: string;
  /** Built once per generation: parsing PEMs per connection would cost a new connection dearly. */
  context: SecureContext;
}

export interface Backend {
  /** The route's backend string this entry is cached under. */
  key: string;
  name: string;
  port: number;
  address: string;
  pool: ConnectionPool;
  expiresAt: number;
  generation: number;
  refreshing: Promise<void> | undefined;
  /** Host:port for log lines. */
  label: string;
  /** TLS server name for the backend (its DNS name; null for an IP literal). */
  servername: string | null;
}

/**
 * One connection pool per backend name (per resolved address and client-certificate generation).
 * A name is re-resolved when its TTL expires: new requests go to the new address, the old pool is
 * closed gracefully (in-flight requests finish where they started). A changed client certificate or CA
 * rebuilds every pool the same way.
 */
export class Upstreams {
  private readonly backends = new Map<string, Backend>();
  private material: ClientMaterial;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly resolve: Resolver;

  constructor(
    private readonly opts: UpstreamOptions,
    resolver?: Resolver,
  ) {
    this.material = this.readMaterial();
    this.resolve = resolver ?? makeResolver(opts.dns);
  }

  private sigOf(): string {
    return [this.opts.caFile, this.opts.certFile, this.opts.keyFile]
      .map((f) => {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      })
      .join('|');
  }

  private readMaterial(): ClientMaterial {
    const sig = this.sigOf();
    const ca = readFileSync(this.opts.caFile);
    const cert = readFileSync(this.opts.certFile);
    const key = readFileSync(this.opts.keyFile);
    return { ca, cert, key, sig, context: createSecureContext({ ca, cert, key }) };
  }

  get clientCertificatePem(): Buffer {
    return this.material.cert;
  }

  /** Re-reads the client certificate/CA when the files changed; rebuilds pools. Returns true on change. */
  checkMaterial(): boolean {
    let sig: string;
    try {
      sig = this.sigOf();
    } catch (err) {
      this.opts.onError?.(err as Error);
      return false;
    }
    if (sig === this.material.sig) return false;
    let next: ClientMaterial;
    try {
      next = this.readMaterial();
      // Validate the pair before switching (a half-written key must not break every new connection).
      if (!new X509Certificate(next.cert).checkPrivateKey(createPrivateKey(next.key))) throw new Error('upstream client certificate does not match its key');
    } catch (err) {
      this.opts.onError?.(err as Error);
      return false;
    }
    this.material = next;
    this.generation++;
    this.opts.onEvent?.('upstream-material-reloaded', { generation: this.generation });
    for (const b of [...this.backends.values()]) this.replace(b, b.address, b.expiresAt);
    return true;
  }

  watch(intervalMs: number): void {
    this.timer = setInterval(() => this.checkMaterial(), intervalMs);
    this.timer.unref();
    // Idle keep-alive connections are closed by one coarse sweep, not a timer per connection.
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const b of this.backends.values()) b.pool.sweep(now);
    }, Math.max(100, Math.min(1000, this.opts.keepAliveTimeoutMs / 4)));
    this.sweeper.unref();
  }

  private sweeper: NodeJS.Timeout | undefined;

  private makePool(name: string, address: string, port: number): ConnectionPool {
    return new ConnectionPool({
      address,
      port,
      servername: isIP(name) ? null : name,
      secureContext: this.material.context,
      connections: this.opts.connections,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      keepAliveTimeoutMs: this.opts.keepAliveTimeoutMs,
    });
  }

  private replace(b: Backend, address: string, expiresAt: number): void {
    const old = b.pool;
    const next: Backend = { ...b, address, pool: this.makePool(b.name, address, b.port), expiresAt, generation: this.generation, refreshing: undefined };
    this.backends.set(b.key, next);
    // close() waits for queued and in-flight requests, then closes idle keep-alive connections.
    void old.close().catch(() => {});
  }

  private split(backend: string): { name: string; port: number } {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(backend);
    if (backend.includes(':') && !backend.startsWith('[') && isIP(backend) === 6) return { name: backend, port: this.opts.defaultPort };
    return { name: m?.[1] ?? backend, port: m?.[2] ? Number(m[2]) : this.opts.defaultPort };
  }

  /**
   * The pool for a backend: synchronously when known (the hot path), a promise only the first time a
   * name is seen. After the TTL expired the name is re-resolved in the background while requests keep
   * going to the current address (a slow or failing resolver never stalls traffic).
   */
  get(backend: string): Backend | Promise<Backend> {
    const b = this.backends.get(backend);
    if (b) {
      if (b.expiresAt <= Date.now() && !b.refreshing && !isIP(b.name)) b.refreshing = this.refresh(backend, b);
      return b;
    }
    return this.create(backend);
  }

  private readonly creating = new Map<string, Promise<Backend>>();

  private create(backend: string): Promise<Backend> {
    let p = this.creating.get(backend);
    if (p) return p;
    p = (async () => {
      const { name, port } = this.split(backend);
      const r = isIP(name) ? { address: name, ttlSeconds: 3600 } : await this.resolve(name);
      const existing = this.backends.get(backend);
      if (existing) return existing;
      const b: Backend = {
        key: backend,
        name,
        port,
        address: r.address,
        pool: this.makePool(name, r.address, port),
        expiresAt: Date.now() + r.ttlSeconds * 1000,
        generation: this.generation,
        refreshing: undefined,
        label: `${name}:${port}`,
        servername: isIP(name) ? null : name,
      };
      this.backends.set(backend, b);
      return b;
    })().finally(() => this.creating.delete(backend));
    this.creating.set(backend, p);
    return p;
  }

  private async refresh(key: string, b: Backend): Promise<void> {
    try {
      const r = await this.resolve(b.name);
      const expiresAt = Date.now() + r.ttlSeconds * 1000;
      const cur = this.backends.get(key);
      if (!cur) return;
      if (r.address !== cur.address) {
        this.opts.onEvent?.('backend-moved', { backend: b.label, from: cur.address, to: r.address });
        this.replace(cur, r.address, expiresAt);
      } else {
        cur.expiresAt = expiresAt;
        cur.refreshing = undefined;
      }
    } catch (err) {
      // Keep the last good address for a short while rather than failing every request.
      this.opts.onError?.(err as Error);
      const cur = this.backends.get(key);
      if (cur) {
        cur.expiresAt = Date.now() + this.opts.dns.minTtlSeconds * 1000;
        cur.refreshing = undefined;
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.backends.values()].map((b) => b.pool.close().catch(() => {})));
    this.backends.clear();
  }

  /** Destroys every pool (after the drain deadline). */
  async destroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.backends.values()].map((b) => b.pool.destroy().catch(() => {})));
    this.backends.clear();
  }
}
