// Fake-Azure HTTPS mode: the stand-ins answer the real REST paths (ARM for Private DNS, Traffic
// Manager and Private Link Service; Key Vault's data plane with its 401 bearer challenge; Event Grid
// publishing) on loopback with a certificate from the local CA, so the real SDK clients run
// against them. Every exchange can be appended to AZURE_TRAFFIC_LOG for `oav`.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { armError, header, send, type Exchange } from './http';
import { TrafficLog } from './traffic-log';

export interface Route {
  pattern: RegExp;
  /** Key Vault-style data-plane routes authenticate through the challenge; ARM ones need a bearer token. */
  auth: 'arm' | 'keyvault' | 'sas';
  handle(x: Exchange, match: RegExpExecArray): Promise<void> | void;
}

export interface FakeAzureOptions {
  certificatePem: string;
  privateKeyPem: string;
  routes: Route[];
  trafficLogFile?: string;
  /** Key for `aeg-sas-key` on the Event Grid publish route. */
  eventGridKey?: string;
  port?: number;
}

const KEY_VAULT_CHALLENGE =
  'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

export class FakeAzureServer {
  #server: https.Server | undefined;
  readonly log: TrafficLog;

  constructor(private readonly options: FakeAzureOptions) {
    this.log = new TrafficLog(options.trafficLogFile ?? process.env.AZURE_TRAFFIC_LOG);
  }

  get url(): string {
    const port = (this.#server?.address() as AddressInfo | null)?.port;
    return `https://localhost:${port}`;
  }

  async start(): Promise<void> {
    this.#server = https.createServer({ cert: this.options.certificatePem, key: this.options.privateKeyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        void this.#dispatch(req, res, text);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.options.port ?? 0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #dispatch(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, text: string): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (this.log.enabled) this.#record(req, res, url, body);
    const path = url.pathname.replace(/\/$/, '') || '/';
    for (const route of this.options.routes) {
      const match = route.pattern.exec(route.auth === 'keyvault' ? url.pathname : path);
      if (!match) continue;
      if (route.auth === 'arm' && !/^Bearer \S+/.test(header(req, 'authorization') ?? '')) {
        return armError(res, 401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing.');
      }
      if (route.auth === 'keyvault' && !/^Bearer \S+/.test(header(req, 'authorization') ?? '')) {
        return send(res, 401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, { 'www-authenticate': KEY_VAULT_CHALLENGE });
      }
      if (route.auth === 'sas' && this.options.eventGridKey && header(req, 'aeg-sas-key') !== this.options.eventGridKey) {
        return armError(res, 401, 'Unauthorized', 'the aeg-sas-key header is missing or wrong');
      }
      try {
        return await route.handle({ req, res, url, body, text }, match);
      } catch (err) {
        return armError(res, 500, 'InternalServerError', (err as Error).message);
      }
    }
    armError(res, 404, 'NotFound', `no stand-in serves ${req.method} ${url.pathname}`);
  }

  #record(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL, body: unknown): void {
    const requestHeaders = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const chunks: Buffer[] = [];
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk) chunks.push(Buffer.from(chunk as Buffer));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Buffer));
      const text = Buffer.concat(chunks).toString('utf8');
      let responseBody: unknown = undefined;
      try {
        responseBody = text ? JSON.parse(text) : undefined;
      } catch {
        responseBody = text;
      }
      // Secret values (private keys) never reach the log.
      if (/\/secrets\//i.test(url.pathname) && responseBody && typeof responseBody === 'object' && 'value' in responseBody) {
        responseBody = { ...(responseBody as object), value: '<redacted>' };
      }
      const responseHeaders = Object.fromEntries(Object.entries(res.getHeaders()).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      this.log.append({
        liveRequest: { url: url.toString(), method: req.method ?? 'GET', headers: requestHeaders, body: body ?? null },
        liveResponse: { statusCode: String(res.statusCode), headers: responseHeaders, body: responseBody ?? null },
      });
      return (end as (...a: unknown[]) => unknown)(chunk, ...rest);
    }) as typeof res.end;
  }
}
