import fc from 'fast-check';
import { CertificateSchema, type RenewalWindow } from '../../../shared/domain/certificate';
import { isRenewalDue, renewalOf, renewalSchedule, renewalTime, truncateToSecond, windowIssues } from '../../../shared/domain/renewal';

const at = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;

/** A 90-day certificate, the usual ACME lifetime: 1 January to 1 April 2026 (UTC). */
const ninetyDays = { notBefore: at('2026-01-01T00:00:00Z'), notAfter: at('2026-04-01T00:00:00Z') };
/** A one-day certificate from Tuesday 3 March 2026 to Wednesday 4 March. */
const oneDay = { notBefore: at('2026-03-03T00:00:00Z'), notAfter: at('2026-03-04T00:00:00Z') };

const saturdayNight: RenewalWindow = { daysOfWeek: [6], startUtc: '02:00', durationMinutes: 240 };
const sundayOnly: RenewalWindow = { daysOfWeek: [0], startUtc: '01:00', durationMinutes: 60 };

describe('renewal time: worked examples', () => {
  it.each<[string, Parameters<typeof renewalTime>[1], string]>([
    ['by default, a third of the lifetime before expiry (30 of 90 days)', {}, '2026-03-02T00:00:00Z'],
    ['renewBefore 7 days', { renewBefore: 7 * DAY }, '2026-03-25T00:00:00Z'],
    ['renewBeforePercentage 25 (22.5 days)', { renewBeforePercentage: 25 }, '2026-03-09T12:00:00Z'],
    ['a renewBefore as long as the lifetime is ignored in favour of the default', { renewBefore: 90 * DAY }, '2026-03-02T00:00:00Z'],
    ['a zero renewBefore is ignored in favour of the default', { renewBefore: 0 }, '2026-03-02T00:00:00Z'],
    ['renewBefore wins over a percentage when both reach the maths', { renewBefore: 7 * DAY, renewBeforePercentage: 50 }, '2026-03-25T00:00:00Z'],
  ])('%s', (_name, policy, expected) => {
    expect(renewalTime(ninetyDays, policy)).toBe(at(expected));
  });

  it('matches the Key Vault sample event: NBF 1700753990, EXP 1701185990 renews at 1701041990', () => {
    expect(renewalTime({ notBefore: 1700753990_000, notAfter: 1701185990_000 })).toBe(1701041990_000);
  });

  // cert-manager #4399: a time stored truncated but compared untruncated re-queues too early and misses the renewal.
  it('truncates to whole seconds, downwards, and compares in the same unit', () => {
    const t = renewalTime({ notBefore: 0, notAfter: 10_000 }); // exact: 6,666.67 ms
    expect(t).toBe(6_000);
    expect(isRenewalDue({ at: t }, 5_999)).toBe(false);
    expect(isRenewalDue({ at: t }, 6_000)).toBe(true);
    expect(isRenewalDue({ at: t }, 6_999)).toBe(true);
  });

  it('is always whole seconds, never after expiry and never before the start', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: 2_000, max: 10 * 365 * DAY }),
        fc.option(fc.integer({ min: 0, max: 400 * DAY }), { nil: undefined }),
        fc.option(fc.double({ min: 0.001, max: 99.999, noNaN: true }), { nil: undefined }),
        (notBefore, duration, renewBefore, pct) => {
          const t = renewalTime({ notBefore, notAfter: notBefore + duration }, { renewBefore, renewBeforePercentage: pct });
          expect(t % 1000).toBe(0);
          expect(t).toBeLessThan(notBefore + duration);
          expect(t).toBeGreaterThanOrEqual(truncateToSecond(notBefore));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('renewal windows: worked examples', () => {
  it('without windows, renews at the plain time', () => {
    expect(renewalSchedule(ninetyDays)).toMatchObject({ at: at('2026-03-02T00:00:00Z'), reason: 'no-windows' });
  });

  it('keeps the plain time when it falls inside a window', () => {
    const s = renewalSchedule(ninetyDays, { windows: [{ startUtc: '00:00', durationMinutes: 60 }] });
    expect(s).toMatchObject({ at: at('2026-03-02T00:00:00Z'), reason: 'in-window' });
  });

  it('defers to the next window when it opens before the fail-safe deadline (Monday → Saturday 02:00)', () => {
    const s = renewalSchedule(ninetyDays, { windows: [saturdayNight] });
    expect(s).toEqual({
      at: at('2026-03-07T02:00:00Z'),
      plainAt: at('2026-03-02T00:00:00Z'),
      deadline: at('2026-03-17T00:00:00Z'), // half of the 30-day renew-before period left
      reason: 'next-window',
    });
  });

  it('renews early in the last window before the plain time when the next one is past the deadline', () => {
    const s = renewalSchedule(ninetyDays, { windows: [saturdayNight], failSafeMargin: 28 * DAY });
    expect(s).toMatchObject({ at: at('2026-02-28T02:00:00Z'), deadline: at('2026-03-04T00:00:00Z'), reason: 'earlier-window' });
  });

  it('renews anyway at the plain time when no window can ever be satisfied (Sunday-only window, Tuesday-to-Wednesday certificate)', () => {
    const s = renewalSchedule(oneDay, { windows: [sundayOnly] });
    expect(s).toEqual({
      at: at('2026-03-03T16:00:00Z'),
      plainAt: at('2026-03-03T16:00:00Z'),
      deadline: at('2026-03-03T20:00:00Z'),
      reason: 'fail-safe',
    });
  });

  it('treats a window that never opens as no window at all, and falls back to the fail-safe', () => {
    expect(renewalSchedule(ninetyDays, { windows: [{ daysOfWeek: [], startUtc: '02:00', durationMinutes: 60 }] }).reason).toBe('fail-safe');
    expect(renewalSchedule(ninetyDays, { windows: [{ startUtc: '02:00', durationMinutes: 0 }] }).reason).toBe('fail-safe');
  });

  it('refuses such windows up front, naming the field', () => {
    expect(windowIssues([saturdayNight, { daysOfWeek: [], startUtc: '02:00', durationMinutes: 0 }])).toEqual([
      { path: '$.windows[1].durationMinutes', reason: 'a window of zero minutes never opens' },
      { path: '$.windows[1].daysOfWeek', reason: 'a window on no weekday never opens' },
    ]);
  });

  it('whatever the windows, renews before expiry and at a whole second', () => {
    const windowArb = fc.record({
      daysOfWeek: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 7 }), { nil: undefined }),
      startUtc: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
      durationMinutes: fc.integer({ min: 0, max: 600 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
        fc.integer({ min: 3_600_000, max: 400 * DAY }),
        fc.array(windowArb, { maxLength: 3 }),
        (notBefore, duration, windows) => {
          const life = { notBefore, notAfter: notBefore + duration };
          const s = renewalSchedule(life, { windows });
          expect(s.at % 1000).toBe(0);
          expect(s.at).toBeLessThan(life.notAfter);
          expect(s.at).toBeLessThanOrEqual(Math.max(s.deadline, s.plainAt));
          expect(s.at).toBeGreaterThanOrEqual(truncateToSecond(notBefore));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('renewal of a certificate at a moment', () => {
  const cert = (versions: Array<[string, string, string]>) =>
    CertificateSchema.parse({
      name: 'proxy-tls',
      purpose: 'private-tls',
      policy: { renewBefore: '30d' },
      versions: versions.map(([version, nb, na]) => ({ version, notBefore: at(nb), notAfter: at(na), thumbprint: version.toUpperCase() })),
    });

  it('schedules the current version for later', () => {
    const c = cert([['v1', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z']]);
    expect(renewalOf(c, at('2026-02-01T00:00:00Z'))).toEqual({
      status: 'scheduled',
      version: 'v1',
      schedule: expect.objectContaining({ at: at('2026-03-02T00:00:00Z'), reason: 'no-windows' }),
    });
  });

  it('is due from the renewal time on', () => {
    const c = cert([['v1', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z']]);
    expect(renewalOf(c, at('2026-03-02T00:00:00Z')).status).toBe('due');
  });

  it('looks at the newest started version only', () => {
    const c = cert([
      ['v1', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'],
      ['v2', '2026-03-03T00:00:00Z', '2026-06-01T00:00:00Z'],
    ]);
    expect(renewalOf(c, at('2026-03-10T00:00:00Z'))).toMatchObject({ status: 'scheduled', version: 'v2' });
  });

  it('reports an expired certificate, and one with no usable version', () => {
    const c = cert([['v1', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z']]);
    expect(renewalOf(c, at('2026-04-01T00:00:00Z'))).toEqual({ status: 'expired', version: 'v1', notAfter: at('2026-04-01T00:00:00Z') });
    expect(renewalOf(cert([]), at('2026-04-01T00:00:00Z'))).toEqual({ status: 'no-version' });
  });
});
