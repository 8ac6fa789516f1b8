// Small HTTP helpers for the fake-Azure endpoints: JSON bodies, ARM-style error documents, and the
// translation of the stand-ins' PortErrors into the status codes Azure answers with.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPortError } from '../../../shared/ports/errors';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: unknown;
  /** The raw body text, as recorded in the traffic log. */
  text: string;
}

export type Handler = (x: Exchange, params: string[]) => Promise<void> | void;

export function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  // setHeader (not writeHead's argument) so the traffic log can read them back.
  const all: Record<string, string> = {
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': String(Buffer.byteLength(text)),
    'x-ms-request-id': cryptoId(),
    ...headers,
  };
  for (const [k, v] of Object.entries(all)) res.setHeader(k, v);
  res.writeHead(status);
  res.end(text);
}

export function armError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  send(res, status, { error: { code, message } }, headers);
}

/** Maps a stand-in's PortError to the HTTP answer Azure gives for it. */
export function sendPortError(res: ServerResponse, err: unknown): void {
  if (!isPortError(err)) throw err;
  switch (err.kind) {
    case 'NotFound':
      return armError(res, 404, 'NotFound', err.message);
    case 'PreconditionFailed':
      return armError(res, 412, 'PreconditionFailed', err.message);
    case 'Throttled': {
      // ARM and Key Vault say how long in whole seconds.
      const ms = err.retryAfterMs ?? 1000;
      return armError(res, 429, 'TooManyRequests', err.message, { 'retry-after': String(Math.ceil(ms / 1000)) });
    }
    case 'Transient':
      return armError(res, 503, 'ServiceUnavailable', err.message);
    case 'Fatal':
      return armError(res, 400, 'BadRequest', err.message);
  }
}

function cryptoId(): string {
  return globalThis.crypto.randomUUID();
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Etags travel quoted in headers on some services and bare on others; compare bare. */
export const unquote = (etag: string | undefined): string | undefined => etag?.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
