import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

const cidr = z.string().refine((s) => {
  const [ip, bits, extra] = s.split('/');
  if (extra !== undefined || !ip) return false;
  const fam = isIP(ip);
  if (!fam) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (fam === 4 ? 32 : 128);
}, 'must be an IP address or CIDR (a.b.c.d/n, x::y/n)');

const CertPairSchema = z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) });

export const ListenerSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535),
  /** ARM id of the Private Link Service whose load balancer rule targets this listener. */
  privateLinkServiceId: z.string().min(1),
});

export const ConfigSchema = z.strictObject({
  listeners: z.array(ListenerSchema).min(1),
  proxyProtocol: z
    .strictObject({
      mode: z.enum(['required', 'optional', 'off']).default('required'),
      /** Peers allowed to send a PROXY header (the PLS NAT subnet). Others are closed at once. */
      trustedSources: z.array(cidr).min(1).default(['127.0.0.0/8', '::1/128']),
      /** The header (and, after it, the TLS handshake) must complete within this many ms. */
      headerTimeoutMs: z.number().int().positive().default(5000),
      maxHeaderBytes: z.number().int().min(16).max(65551).default(2048),
    })
    .prefault({}),
  tls: z.strictObject({
    /** Front certificates; each is served for the DNS names in its SAN (wildcards included). */
    certificates: z.array(CertPairSchema).min(1),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    handshakeTimeoutMs: z.number().int().positive().default(10_000),
    /** Session ticket key rotation period; workers share keys through the primary. */
    ticketKeyRotationSeconds: z.number().int().positive().default(3600),
  }),
  /** How often certificate and route files are checked for in-place changes. */
  reloadIntervalMs: z.number().int().positive().default(2000),
  /**
   * Route source: a JSON file (hot-reloaded), the single-machine SQLite route store, or Cosmos DB
   * (production; the pod's workload identity reads the routes container).
   */
  routes: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('file'), path: z.string().min(1) }),
    z.strictObject({ kind: z.literal('sqlite'), path: z.string().min(1) }),
    z.strictObject({ kind: z.literal('cosmos'), endpoint: z.url(), database: z.string().min(1).default('privatelink'), container: z.string().min(1).default('routes') }),
  ]),
  routeTable: z
    .strictObject({
      pollIntervalMs: z.number().int().positive().default(2000),
      negativeCacheMs: z.number().int().nonnegative().default(5000),
    })
    .prefault({}),
  upstream: z.strictObject({
    /** Default port when a route's backend is a bare host name. */
    port: z.number().int().min(1).max(65535).default(443),
    caFile: z.string().min(1),
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    connectionsPerBackend: z.number().int().positive().default(128),
    connectTimeoutMs: z.number().int().positive().default(5000),
    headersTimeoutMs: z.number().int().positive().default(60_000),
    /** Idle time between response body chunks; 0 disables. There is never a total body timeout. */
    bodyIdleTimeoutMs: z.number().int().nonnegative().default(300_000),
    keepAliveTimeoutMs: z.number().int().positive().default(60_000),
    dns: z
      .strictObject({
        /** DNS servers (host or host:port); empty → the system resolver (getaddrinfo, no TTL: ttlDefaultSeconds). */
        servers: z.array(z.string().min(1)).default([]),
        minTtlSeconds: z.number().int().nonnegative().default(1),
        maxTtlSeconds: z.number().int().positive().default(300),
        ttlDefaultSeconds: z.number().int().positive().default(30),
      })
      .prefault({}),
  }),
  http: z
    .strictObject({
      headersTimeoutMs: z.number().int().positive().default(15_000),
      keepAliveTimeoutMs: z.number().int().positive().default(120_000),
      maxHeaderBytes: z.number().int().positive().default(16_384),
      /** Path answered on LOCAL (health probe) connections. */
      healthPath: z.string().startsWith('/').default('/healthz'),
    })
    .prefault({}),
  admin: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9090) }).prefault({}),
  workers: z.number().int().min(0).default(0),
  /**
   * V8 young generation per worker (--max-semi-space-size, MiB; 0 = V8's default, 16 MiB on 64-bit).
   * 64 MiB cut CPU per MiB by a fifth while every TLS record was a fresh Buffer (0.1.x); since 0.2.0
   * reads go into one shared buffer and the default measured better (1 MiB bodies: 2.9–3.1 against
   * 3.4–3.5 ms/MiB, alternating runs): kept as a knob for allocation-heavy deployments.
   */
  semiSpaceMiB: z.number().int().min(0).max(1024).default(0),
  drainTimeoutMs: z.number().int().positive().default(30_000),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type ProxyConfig = z.infer<typeof ConfigSchema>;
export type ProxyConfigInput = z.input<typeof ConfigSchema>;

export const HELP = `dpl-proxy: the private link proxy (PROXY v2 LinkID, TLS by SNI, tenant checks, mTLS upstream)

Usage: node dist/proxy/main.js [--config <file.json>] [--check] [--help]

Configuration is a JSON file (--config or PROXY_CONFIG) validated on start; env vars override:
  PROXY_PORT          port of the single listener (default 8443)
  PROXY_HOST          its bind address (default 0.0.0.0)
  PROXY_PLS_IDS       Private Link Service id of that listener (the first one; comma-separated list
                      starts one listener per id on consecutive ports)
  PROXY_ROUTES_FILE   JSON route file (hot-reloaded): [{privateLinkServiceId, linkId, workspace, hosts, backend, generation}]
  PROXY_ROUTES_SQLITE the single-machine route store (DATA_DIR/azure.db of the local system)
  PROXY_ROUTES_COSMOS Cosmos DB account endpoint (routes container, managed identity)
  PROXY_TLS_CERTS     front certificates: "cert.pem:key.pem,cert2.pem:key2.pem"
  PROXY_UPSTREAM_CA / PROXY_UPSTREAM_CERT / PROXY_UPSTREAM_KEY   backend trust and client certificate
  PROXY_DNS_SERVERS   resolver for backend names, e.g. "127.0.0.1:5353"
  PROXY_TRUSTED_SOURCES  CIDRs allowed to send PROXY headers (the PLS NAT subnet)
  PROXY_ADMIN_PORT    /healthz /readyz /metrics port (default 9090)
  PROXY_WORKERS       worker processes (0 = one per core)
  PROXY_PP_MODE       required | optional | off
  LOG_LEVEL           debug | info | warn | error

--check validates the configuration, prints it (without secrets: only file paths) and exits.
`;

function csv(v: string | undefined): string[] | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Builds the raw config from a file (optional) and env overrides; validation is left to `parseConfig`. */
export function rawConfig(env: NodeJS.ProcessEnv, file?: string): Record<string, unknown> {
  const base: Record<string, unknown> = file ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const pls = csv(env.PROXY_PLS_IDS);
  if (pls || env.PROXY_PORT) {
    const port = Number(env.PROXY_PORT ?? 8443);
    const existing = (base.listeners as Array<Record<string, unknown>> | undefined) ?? [];
    const ids = pls ?? existing.map((l) => String(l.privateLinkServiceId));
    base.listeners = ids.map((id, i) => ({ host: env.PROXY_HOST ?? '0.0.0.0', port: port === 0 ? 0 : port + i, privateLinkServiceId: id }));
  }
  if (env.PROXY_ROUTES_FILE) base.routes = { kind: 'file', path: env.PROXY_ROUTES_FILE };
  if (env.PROXY_ROUTES_SQLITE) base.routes = { kind: 'sqlite', path: env.PROXY_ROUTES_SQLITE };
  if (env.PROXY_ROUTES_COSMOS) base.routes = { kind: 'cosmos', endpoint: env.PROXY_ROUTES_COSMOS };
  const certs = csv(env.PROXY_TLS_CERTS);
  if (certs) {
    base.tls = { ...((base.tls as object) ?? {}), certificates: certs.map((c) => ({ certFile: c.split(':')[0], keyFile: c.split(':')[1] })) };
  }
  const up = { ...((base.upstream as object) ?? {}) } as Record<string, unknown>;
  if (env.PROXY_UPSTREAM_CA) up.caFile = env.PROXY_UPSTREAM_CA;
  if (env.PROXY_UPSTREAM_CERT) up.certFile = env.PROXY_UPSTREAM_CERT;
  if (env.PROXY_UPSTREAM_KEY) up.keyFile = env.PROXY_UPSTREAM_KEY;
  const dns = csv(env.PROXY_DNS_SERVERS);
  if (dns) up.dns = { ...((up.dns as object) ?? {}), servers: dns };
  if (Object.keys(up).length) base.upstream = up;
  const pp = { ...((base.proxyProtocol as object) ?? {}) } as Record<string, unknown>;
  const trusted = csv(env.PROXY_TRUSTED_SOURCES);
  if (trusted) pp.trustedSources = trusted;
  if (env.PROXY_PP_MODE) pp.mode = env.PROXY_PP_MODE;
  if (Object.keys(pp).length) base.proxyProtocol = pp;
  if (env.PROXY_ADMIN_PORT) base.admin = { ...((base.admin as object) ?? {}), port: Number(env.PROXY_ADMIN_PORT) };
  if (env.PROXY_WORKERS) base.workers = Number(env.PROXY_WORKERS);
  if (env.LOG_LEVEL) base.logLevel = env.LOG_LEVEL;
  return base;
}

export function parseConfig(raw: unknown): ProxyConfig {
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid proxy configuration:\n${lines.join('\n')}`);
  }
  return r.data;
}

/** The worker's node flags: the primary's own, plus the young generation size unless one was given. */
export function workerExecArgv(execArgv: readonly string[], semiSpaceMiB: number, nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'));
  return given || semiSpaceMiB === 0 ? [...execArgv] : [...execArgv, `--max-semi-space-size=${semiSpaceMiB}`];
}
