// HTTP triggers: route matching, keys, and invocation in both of the library's modes (RPC bodies,
// or HTTP streaming through the library's own proxy server when the app enables it).
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { RegisteredFunction, RpcHttpData, RpcTypedData } from './core-api';
import { compileRoute, comparePrecedence, splitPath, type CompiledRoute } from './route-template';
import { flatHeaders, readBody, sendEmpty, writeRpcResponse, BodyTooLargeError } from './http-io';
import type { Invoker } from './invoker';
import type { AuthLevel } from './keys';

const MAX_BUFFERED_BODY = 100 * 1024 * 1024; // the Functions host's default request size limit

interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: Set<string> | undefined;
  authLevel: AuthLevel;
}

export interface HttpMatch {
  fn: RegisteredFunction;
  params: Record<string, string>;
  authLevel: AuthLevel;
}

export class HttpTriggers {
  readonly #routes: HttpRoute[];
  readonly #prefixSegments: string[];

  constructor(functions: RegisteredFunction[], routePrefix: string) {
    this.#prefixSegments = splitPath(routePrefix).map((s) => s.toLowerCase());
    this.#routes = functions
      .map((fn) => {
        const t = fn.trigger as { route?: string; methods?: string[]; authLevel?: string };
        const methods = t.methods?.length ? new Set(t.methods.map((m) => m.toUpperCase())) : undefined;
        const authLevel = (t.authLevel?.toLowerCase() ?? 'function') as AuthLevel;
        return { fn, route: compileRoute(t.route ?? fn.name), methods, authLevel };
      })
      .sort((a, b) => comparePrecedence(a.route.precedence, b.route.precedence));
  }

  get routes(): Array<{ name: string; template: string; methods: string[] }> {
    return this.#routes.map((r) => ({ name: r.fn.name, template: this.#prefix(r.route.template), methods: [...(r.methods ?? ['*'])] }));
  }

  #prefix(template: string): string {
    return '/' + [...this.#prefixSegments, ...splitPath(template)].join('/');
  }

  /** The function for a request path, or undefined (404). A path match with the wrong method is 404 too, as on Azure. */
  match(method: string, pathname: string): HttpMatch | undefined {
    const parts = splitPath(pathname);
    for (let i = 0; i < this.#prefixSegments.length; i++) {
      if (parts[i]?.toLowerCase() !== this.#prefixSegments[i]) return undefined;
    }
    const rest = parts.slice(this.#prefixSegments.length);
    for (const r of this.#routes) {
      if (r.methods && !r.methods.has(method.toUpperCase())) continue;
      const params = r.route.match(rest);
      if (params) return { fn: r.fn, params, authLevel: r.authLevel };
    }
    return undefined;
  }
}

function triggerMetadata(headers: Record<string, string>, url: URL, params: Record<string, string>): Record<string, RpcTypedData> {
  const meta: Record<string, RpcTypedData> = {
    Query: { json: JSON.stringify(Object.fromEntries(url.searchParams)) },
    Headers: { json: JSON.stringify(headers) },
  };
  for (const [k, v] of Object.entries(params)) if (k !== 'Query' && k !== 'Headers') meta[k] = { string: v };
  return meta;
}

export async function invokeHttp(
  invoker: Invoker,
  match: HttpMatch,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  streamUri: string | undefined,
): Promise<void> {
  const headers = flatHeaders(req);
  const meta = triggerMetadata(headers, url, match.params);
  if (streamUri) return invokeStreaming(invoker, match, req, res, url, headers, meta, streamUri);

  let body: Buffer;
  try {
    body = await readBody(req, MAX_BUFFERED_BODY);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendEmpty(res, 413);
    throw err;
  }
  const rpcHttp: RpcHttpData = {
    method: req.method ?? 'GET',
    url: url.toString(),
    headers,
    query: Object.fromEntries(url.searchParams),
    params: match.params,
    body: body.length ? { bytes: body } : undefined,
  };
  try {
    const { response } = await invoker.invoke(match.fn, { trigger: { http: rpcHttp }, triggerMetadata: meta });
    writeRpcResponse(res, httpOutput(match.fn, response.returnValue, response.outputData));
  } catch {
    // The invoker logged the failure; the caller sees what the Functions host answers.
    if (!res.headersSent) sendEmpty(res, 500);
    else res.destroy();
  }
}

function httpOutput(
  fn: RegisteredFunction,
  returnValue: RpcTypedData | null | undefined,
  outputData: Array<{ name: string; data: RpcTypedData | undefined }> | undefined,
): RpcHttpData | undefined {
  const ret = fn.metadata.bindings['$return'];
  if (ret?.type.toLowerCase() === 'http') return returnValue?.http;
  const named = Object.entries(fn.metadata.bindings).find(([, b]) => b.direction === 'out' && b.type.toLowerCase() === 'http');
  return named ? outputData?.find((o) => o.name === named[0])?.data?.http : undefined;
}

// Streaming mode: the request goes to the library's proxy server (its HttpUri capability) tagged with
// the invocation id, and the library writes the response there; we pipe both ways without buffering.
async function invokeStreaming(
  invoker: Invoker,
  match: HttpMatch,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  headers: Record<string, string>,
  meta: Record<string, RpcTypedData>,
  streamUri: string,
): Promise<void> {
  const invocationId = randomUUID();
  const target = new URL(url.pathname + url.search, streamUri);
  const proxyHeaders: Record<string, string> = {
    ...headers,
    'x-ms-invocation-id': invocationId,
    'x-forwarded-host': headers.host ?? url.host,
    'x-forwarded-proto': url.protocol.replace(':', ''),
  };
  const proxyReq = http.request(target, { method: req.method, headers: proxyHeaders });
  const responded = new Promise<void>((resolve) => {
    proxyReq.on('response', (proxyRes) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(proxyRes.headers)) if (v !== undefined && k !== 'x-ms-invocation-id') out[k] = v;
      res.writeHead(proxyRes.statusCode ?? 200, out);
      proxyRes.pipe(res);
      proxyRes.on('end', resolve);
      proxyRes.on('error', () => resolve());
    });
    proxyReq.on('error', () => resolve());
  });
  req.pipe(proxyReq);
  res.on('close', () => {
    if (!res.writableFinished) proxyReq.destroy();
  });
  try {
    const { result } = await invoker.invoke(match.fn, { invocationId, trigger: { http: {} }, triggerMetadata: meta });
    if (result === undefined || result === null) {
      // The library proxies nothing for an empty result; answer as the RPC path does.
      proxyReq.destroy();
      if (!res.headersSent) sendEmpty(res, 204);
      return;
    }
    await responded;
  } catch {
    proxyReq.destroy();
    if (!res.headersSent) sendEmpty(res, 500);
    else res.destroy();
  }
}
