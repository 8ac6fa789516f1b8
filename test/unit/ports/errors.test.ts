import {
  fatal,
  isFatal,
  isNotFound,
  isPortError,
  isPreconditionFailed,
  isRetryable,
  isThrottled,
  isTransient,
  kindFromStatus,
  notFound,
  PortError,
  portErrorFromJSON,
  preconditionFailed,
  retryAfterMsFrom,
  throttled,
  transient,
  type PortErrorKind,
} from '../../../shared/ports/errors';

describe('PortError', () => {
  it.each<[PortErrorKind, PortError, (e: unknown) => boolean]>([
    ['NotFound', notFound('no such record set'), isNotFound],
    ['PreconditionFailed', preconditionFailed('etag mismatch'), isPreconditionFailed],
    ['Throttled', throttled('429', 20_000), isThrottled],
    ['Transient', transient('503'), isTransient],
    ['Fatal', fatal('400'), isFatal],
  ])('%s has a constructor and a guard that agree', (kind, error, guard) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.kind).toBe(kind);
    expect(guard(error)).toBe(true);
    expect(isPortError(error)).toBe(true);
  });

  it('only Throttled and Transient are worth retrying', () => {
    expect([notFound('x'), preconditionFailed('x'), throttled('x', 1), transient('x'), fatal('x')].map(isRetryable)).toEqual([false, false, true, true, false]);
  });

  it('carries Retry-After on throttling', () => {
    expect(throttled('slow down', 20_000).retryAfterMs).toBe(20_000);
  });

  it('keeps the cause for logs', () => {
    const cause = new Error('socket hang up');
    expect(transient('read failed', { cause }).cause).toBe(cause);
  });

  it('round-trips through JSON, as activity results do', () => {
    const original = throttled('429 from ARM', 7_000, { operation: 'dnsZone.put' });
    const back = portErrorFromJSON(JSON.parse(JSON.stringify(original)));
    expect(back).toBeInstanceOf(PortError);
    expect(back.toJSON()).toEqual({ name: 'PortError', kind: 'Throttled', message: '429 from ARM', retryAfterMs: 7_000, operation: 'dnsZone.put' });
  });

  it('turns anything unrecognised into Fatal rather than guessing', () => {
    expect(portErrorFromJSON({ kind: 'Teapot', message: 'x' }).kind).toBe('Fatal');
    expect(portErrorFromJSON('boom').kind).toBe('Fatal');
  });

  it('is not confused with other errors', () => {
    expect(isPortError(new Error('x'))).toBe(false);
    expect(isNotFound({ kind: 'NotFound' })).toBe(false);
  });
});

describe('HTTP mapping helpers', () => {
  it.each<[number, PortErrorKind]>([
    [400, 'Fatal'],
    [401, 'Fatal'],
    [403, 'Fatal'],
    [404, 'NotFound'],
    [408, 'Transient'],
    [409, 'Transient'],
    [412, 'PreconditionFailed'],
    [429, 'Throttled'],
    [500, 'Transient'],
    [503, 'Transient'],
  ])('%i → %s', (status, kind) => {
    expect(kindFromStatus(status)).toBe(kind);
  });

  it.each<[string | undefined, number]>([
    ['20', 20_000],
    [' 1.5 ', 1_500],
    ['0', 0],
    [undefined, 10_000],
    ['Wed, 21 Oct 2015 07:28:00 GMT', 10_000],
    ['-3', 10_000],
  ])('Retry-After %p → %i ms', (header, ms) => {
    expect(retryAfterMsFrom(header)).toBe(ms);
  });
});
