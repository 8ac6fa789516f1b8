// Azure SDK errors → the ports' vocabulary. ARM and Key Vault throw RestError (statusCode, headers);
// Cosmos throws ErrorResponse (code = status, retryAfterInMs / x-ms-retry-after-ms).
import { fatal, kindFromStatus, PortError, retryAfterMsFrom, transient } from '../ports/errors';

interface SdkErrorShape {
  statusCode?: number;
  code?: number | string;
  message?: string;
  retryAfterInMs?: number;
  response?: { headers?: { get?(name: string): string | undefined } };
  headers?: Record<string, string | undefined> | { get?(name: string): string | undefined };
}

function headerOf(e: SdkErrorShape, name: string): string | undefined {
  const fromResponse = e.response?.headers?.get?.(name);
  if (fromResponse !== undefined) return fromResponse;
  const h = e.headers as { get?(n: string): string | undefined } & Record<string, string | undefined>;
  if (!h) return undefined;
  return typeof h.get === 'function' ? h.get(name) : h[name];
}

export function toPortError(err: unknown, operation: string): PortError {
  if (err instanceof PortError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.statusCode ?? (typeof e.code === 'number' ? e.code : undefined);
  const message = `${operation}: ${e.message ?? String(err)}`;
  if (status === undefined) {
    // No HTTP status: the request never got an answer (reset, DNS, TLS), worth retrying.
    return /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|aborted/i.test(e.message ?? '') ? transient(message, { cause: err, operation }) : fatal(message, { cause: err, operation });
  }
  const kind = kindFromStatus(status);
  if (kind === 'Throttled') {
    const ms = headerOf(e, 'x-ms-retry-after-ms');
    const retryAfterMs = e.retryAfterInMs ?? (ms !== undefined ? Number(ms) : retryAfterMsFrom(headerOf(e, 'retry-after')));
    return new PortError('Throttled', message, { retryAfterMs, cause: err, operation });
  }
  return new PortError(kind, message, { cause: err, operation });
}

/** Runs an SDK call and translates whatever it throws. */
export async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toPortError(err, operation);
  }
}
