/**
 * The one error vocabulary every port speaks. Adapters translate their SDK's errors into these kinds;
 * callers branch on `kind`, never on messages or SDK types.
 *
 *   NotFound            the addressed thing does not exist (404, or an empty read of a key)
 *   PreconditionFailed  a conditional write lost (412 / etag mismatch / If-None-Match on an existing key)
 *   Throttled           the service asked us to slow down (429); `retryAfterMs` says for how long
 *   Transient           worth retrying as is (5xx, timeouts, resets, 409 "another operation in progress")
 *   Fatal               retrying cannot help (400, 401, 403, malformed responses)
 */
export type PortErrorKind = 'NotFound' | 'PreconditionFailed' | 'Throttled' | 'Transient' | 'Fatal';

export const PORT_ERROR_KINDS: ReadonlyArray<PortErrorKind> = ['NotFound', 'PreconditionFailed', 'Throttled', 'Transient', 'Fatal'];

export interface PortErrorOptions {
  retryAfterMs?: number;
  cause?: unknown;
  /** Which port and operation failed, e.g. `dnsZone.put`; for logs. */
  operation?: string;
}

export class PortError extends Error {
  kind: PortErrorKind;
  retryAfterMs?: number;
  operation?: string;

  constructor(kind: PortErrorKind, message: string, options: PortErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortError';
    this.kind = kind;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.operation !== undefined) this.operation = options.operation;
  }

  /** Durable activities return errors as data; this is the shape that crosses that boundary. */
  toJSON(): { name: 'PortError'; kind: PortErrorKind; message: string; retryAfterMs?: number; operation?: string } {
    return {
      name: 'PortError',
      kind: this.kind,
      message: this.message,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.operation === undefined ? {} : { operation: this.operation }),
    };
  }
}

export const notFound = (message: string, options?: PortErrorOptions): PortError => new PortError('NotFound', message, options);
export const preconditionFailed = (message: string, options?: PortErrorOptions): PortError =>
  new PortError('PreconditionFailed', message, options);
export const throttled = (message: string, retryAfterMs: number, options?: Omit<PortErrorOptions, 'retryAfterMs'>): PortError =>
  new PortError('Throttled', message, { ...options, retryAfterMs });
export const transient = (message: string, options?: PortErrorOptions): PortError => new PortError('Transient', message, options);
export const fatal = (message: string, options?: PortErrorOptions): PortError => new PortError('Fatal', message, options);

export const isPortError = (e: unknown): e is PortError => e instanceof PortError;

const hasKind =
  (kind: PortErrorKind) =>
  (e: unknown): e is PortError =>
    isPortError(e) && e.kind === kind;

export const isNotFound = hasKind('NotFound');
export const isPreconditionFailed = hasKind('PreconditionFailed');
export const isThrottled = hasKind('Throttled');
export const isTransient = hasKind('Transient');
export const isFatal = hasKind('Fatal');

/** Worth another attempt later: throttling (after its delay) and transient failures. */
export const isRetryable = (e: unknown): e is PortError => isThrottled(e) || isTransient(e);

/** Rebuilds a PortError from its JSON form (activity results, logs); anything else becomes Fatal. */
export function portErrorFromJSON(value: unknown): PortError {
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.kind === 'string' && (PORT_ERROR_KINDS as string[]).includes(v.kind) && typeof v.message === 'string') {
      return new PortError(v.kind as PortErrorKind, v.message, {
        ...(typeof v.retryAfterMs === 'number' ? { retryAfterMs: v.retryAfterMs } : {}),
        ...(typeof v.operation === 'string' ? { operation: v.operation } : {}),
      });
    }
  }
  return fatal('unrecognised error value', { cause: value });
}

/**
 * HTTP status → kind, for adapters over REST APIs. `Retry-After` arrives in seconds (ARM) or as
 * `x-ms-retry-after-ms` (Cosmos); the caller passes whichever it found, in milliseconds.
 */
export function kindFromStatus(status: number): PortErrorKind {
  if (status === 404) return 'NotFound';
  if (status === 412) return 'PreconditionFailed';
  if (status === 429) return 'Throttled';
  if (status === 408 || status === 409 || status >= 500) return 'Transient';
  return 'Fatal';
}

/** Parses an HTTP `Retry-After` value (delta-seconds only; ARM does not send dates) into milliseconds. */
export function retryAfterMsFrom(header: string | undefined, fallbackMs = 10_000): number {
  if (header === undefined) return fallbackMs;
  const seconds = Number(header.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : fallbackMs;
}
