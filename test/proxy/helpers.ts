// Test support for the proxy: certificates made with openssl at test time, an mTLS backend, PROXY v2
// clients over real sockets, and a proxy started from a config object.
import { execFileSync } from 'node:child_process';
import { DnsServer } from '../../local/azure/dns/server';
import { defaultSoa } from '../../local/azure/dns/answer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Readable } from 'node:stream';
import { Client } from 'undici';
import { parseConfig, type ProxyConfigInput } from '../../proxy/config';
import { buildProxyV2 } from '../../proxy/proxy-protocol';
import { FileRouteSource } from '../../proxy/routes';
import { ProxyServer } from '../../proxy/server';
import type { Resolver } from '../../proxy/upstream';

export const PLS = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-eastus';

export class Pki {
  readonly dir = mkdtempSync(join(tmpdir(), 'dpl-proxy-pki-'));
  private serial = 1;
  constructor() {
    this.run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', this.p('ca.key')]);
    this.run(['req', '-x509', '-new', '-key', this.p('ca.key'), '-subj', '/CN=dpl test CA', '-days', '2', '-out', this.p('ca.pem'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }
  p(name: string): string {
    return join(this.dir, name);
  }
  private run(args: string[]): void {
    execFileSync('openssl', args, { stdio: 'pipe' });
  }
  /** Issues an ECDSA P-256 leaf for `names` into <name>.pem / <name>.key (overwriting in place). */
  issue(name: string, cn: string, dnsNames: string[], keyType: 'ec' | 'rsa' = 'ec'): { certFile: string; keyFile: string } {
    const key = this.p(`${name}.key.new`);
    const csr = this.p(`${name}.csr`);
    const ext = this.p(`${name}.ext`);
    const newkey = keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
    this.run(['req', '-new', ...newkey, '-nodes', '-keyout', key, '-subj', `/CN=${cn}`, '-out', csr]);
    writeFileSync(ext, `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n`);
    const certTmp = this.p(`${name}.pem.new`);
    this.run(['x509', '-req', '-in', csr, '-CA', this.p('ca.pem'), '-CAkey', this.p('ca.key'), '-set_serial', String(this.serial++ + Date.now()), '-days', '2', '-sha256', '-extfile', ext, '-out', certTmp]);
    // Write in place (same inode), as the Key Vault CSI driver's non-atomic writers would.
    writeFileSync(this.p(`${name}.pem`), readFileSync(certTmp));
    writeFileSync(this.p(`${name}.key`), readFileSync(key));
    return { certFile: this.p(`${name}.pem`), keyFile: this.p(`${name}.key`) };
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  clientCN: string;
  servername: string | undefined;
}

/** An mTLS backend: requires a client certificate from the test CA; records what it saw. */
export class Backend {
  readonly seen: SeenRequest[] = [];
  server: HttpsServer | undefined;
  name: string;
  handler: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  constructor(
    private readonly pki: Pki,
    name = 'backend.internal.test',
    private readonly host = '127.0.0.1',
  ) {
    this.name = name;
  }
  async start(port = 0): Promise<number> {
    if (this.server) return this.port;
    const cert = this.pki.issue(`backend-${this.host}`, this.name, [this.name]);
    const server = createHttpsServer(
      { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile), ca: readFileSync(this.pki.p('ca.pem')), requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 60_000, requestTimeout: 0 },
      (req, res) => {
        const tls = req.socket as TLSSocket;
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, clientCN: String(tls.getPeerCertificate().subject?.CN ?? ''), servername: (tls as TLSSocket & { servername?: string }).servername });
        if (this.handler?.(req, res)) return;
        const body = JSON.stringify({ ok: true, at: this.host, url: req.url });
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'keep-alive', 'keep-alive': 'timeout=60', 'x-backend': this.host });
          res.end(body);
        });
      },
    );
    this.server = server;
    await new Promise<void>((r) => server.listen(port, this.host, r));
    return (server.address() as AddressInfo).port;
  }
  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

export interface Harness {
  pki: Pki;
  backend: Backend;
  proxy: ProxyServer;
  port: number;
  routesFile: string;
  close(): Promise<void>;
}

export const WS1 = { linkId: 0x12345678, host: 'ws1.dicom.test' };
export const WS2 = { linkId: 7, host: 'ws2.dicom.test' };

export function writeRoutes(file: string, backend: string, extra: object[] = []): void {
  writeFileSync(
    file,
    JSON.stringify([
      { privateLinkServiceId: PLS, linkId: WS1.linkId, workspace: 'ws1', hosts: [WS1.host], backend, generation: 1 },
      { privateLinkServiceId: PLS, linkId: WS2.linkId, workspace: 'ws2', hosts: [WS2.host], backend, generation: 1 },
      ...extra,
    ]),
  );
}

export async function startHarness(overrides: Partial<ProxyConfigInput> = {}, opts: { resolver?: Resolver; pki?: Pki; backend?: Backend } = {}): Promise<Harness> {
  const pki = opts.pki ?? new Pki();
  const front = pki.issue('front', 'dicom.test', ['*.dicom.test']);
  const client = pki.issue('client', 'proxy-client-1', ['proxy.internal.test']);
  const backend = opts.backend ?? new Backend(pki);
  const bport = await backend.start();
  const routesFile = pki.p('routes.json');
  writeRoutes(routesFile, `${backend.name}:${bport}`);
  // Backend names resolve to 127.0.0.1 unless the test configures a real DNS server.
  const resolver: Resolver | undefined = opts.resolver ?? ((overrides.upstream as { dns?: unknown } | undefined)?.dns ? undefined : async () => ({ address: '127.0.0.1', ttlSeconds: 300 }));
  const config = parseConfig({
    listeners: [{ host: '127.0.0.1', port: 0, privateLinkServiceId: PLS }],
    proxyProtocol: { trustedSources: ['127.0.0.1/32'], headerTimeoutMs: 1000 },
    tls: { certificates: [front] },
    routes: { kind: 'file', path: routesFile },
    routeTable: { pollIntervalMs: 100, negativeCacheMs: 100 },
    reloadIntervalMs: 100,
    upstream: { caFile: pki.p('ca.pem'), certFile: client.certFile, keyFile: client.keyFile, headersTimeoutMs: 2000 },
    http: { headersTimeoutMs: 1500 },
    ...overrides,
  });
  const proxy = new ProxyServer({ config, routeSource: new FileRouteSource(routesFile), resolver });
  await proxy.start();
  const port = proxy.addresses()[0]?.port ?? 0;
  return {
    pki,
    backend,
    proxy,
    port,
    routesFile,
    async close() {
      await proxy.close();
      await backend.close();
      if (!opts.pki) pki.cleanup();
    },
  };
}

export function header(linkId: number | undefined, source = { address: '10.1.2.3', port: 40000 }): Buffer {
  return buildProxyV2({ command: 'PROXY', family: 'TCP4', source, destination: { address: '10.0.0.4', port: 443 }, linkId });
}

/** Opens TCP (from `localAddress`), writes `preface`, then runs TLS with `servername`. */
export function openTls(port: number, preface: Buffer, servername: string | undefined, ca: Buffer, localAddress = '127.0.0.1'): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const raw = netConnect({ host: '127.0.0.1', port, localAddress }, () => {
      raw.write(preface);
      const tls = tlsConnect({ socket: raw, servername, ca, ALPNProtocols: ['http/1.1'] }, () => resolve(tls));
      tls.once('error', reject);
    });
    raw.once('error', reject);
  });
}

/** A keep-alive HTTP client whose connections go through a PROXY header + TLS with the given SNI. */
export function proxiedClient(port: number, linkId: number | undefined, servername: string, ca: Buffer, localAddress = '127.0.0.1'): Client {
  return new Client(`https://${servername}`, {
    pipelining: 1,
    connect: (_opts, cb) => {
      openTls(port, header(linkId), servername, ca, localAddress).then(
        (s) => cb(null, s as unknown as Socket),
        (err: Error) => cb(err, null),
      );
    },
  });
}

/** Sends raw bytes over a socket and collects everything until the peer closes (or the deadline). */
export function exchange(sock: Socket | TLSSocket, bytes: string | Buffer, deadlineMs = 5000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data, closed: false });
    }, deadlineMs);
    sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
    sock.on('error', () => {});
    sock.once('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    if (bytes.length) sock.write(bytes);
  });
}

/** Resolves with how the server ended a plain TCP connection after we wrote `bytes`. */
export function rawTcp(port: number, bytes: Buffer, localAddress = '127.0.0.1', deadlineMs = 5000): Promise<{ data: string; closed: boolean; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, localAddress }, () => {
      exchange(s, bytes, deadlineMs).then((r) => resolve({ ...r, ms: Date.now() - started }), reject);
    });
    s.once('error', () => resolve({ data: '', closed: true, ms: Date.now() - started }));
  });
}

/** A one-name authoritative UDP DNS server whose A answer (and TTL) the test changes. */
/** One name on the project's own authoritative DNS server, with an answer a test can change. */
export class TinyDns {
  address = '127.0.0.1';
  ttl = 1;
  queries = 0;
  private readonly server: DnsServer;
  constructor(private readonly name: string) {
    const zone = name.toLowerCase();
    this.server = new DnsServer({
      port: 0,
      view: {
        zones: () => [{ name: zone, soa: defaultSoa(zone) }],
        lookup: (fqdn) => {
          this.queries++;
          return fqdn === zone ? [{ name: zone, type: 'A', ttl: this.ttl, values: [this.address] }] : [];
        },
        hasDescendant: () => false,
      },
    });
  }
  async start(): Promise<string> {
    await this.server.start();
    return `127.0.0.1:${this.server.port}`;
  }
  close(): Promise<void> {
    return this.server.stop();
  }
}

/** A body of `total` bytes generated on demand, so streaming tests never hold it in memory. */
export function pattern(total: number, chunk = 256 * 1024): Readable {
  let sent = 0;
  const block = Buffer.alloc(chunk, 0x5a);
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(chunk, total - sent);
      sent += n;
      this.push(n === chunk ? block : block.subarray(0, n));
    },
  });
}
