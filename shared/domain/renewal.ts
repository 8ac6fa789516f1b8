import { currentVersion, type Certificate, type RenewalPolicy, type RenewalWindow } from './certificate';
import type { FieldIssue } from './result';

/** Validity of one certificate version, epoch milliseconds. */
export interface Lifetime {
  notBefore: number;
  notAfter: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/**
 * Renewal times are persisted in whole seconds, so they are computed in whole seconds: a time
 * compared after a round trip through storage must be the time that was stored (cert-manager #4399).
 * Rounding down means we may renew up to a second early, never late.
 */
export const truncateToSecond = (ms: number): number => Math.floor(ms / SECOND) * SECOND;

/**
 * How long before expiry to renew: an explicit `renewBefore` shorter than the lifetime, else a
 * percentage of the lifetime, else a third of it (renew two thirds of the way through).
 */
export function renewBeforeOf(lifetime: Lifetime, policy: Pick<RenewalPolicy, 'renewBefore' | 'renewBeforePercentage'>): number {
  const duration = lifetime.notAfter - lifetime.notBefore;
  const { renewBefore, renewBeforePercentage: pct } = policy;
  if (renewBefore !== undefined && renewBefore > 0 && renewBefore < duration) return renewBefore;
  if (pct !== undefined && pct > 0 && pct < 100) return (duration * pct) / 100;
  return duration / 3;
}

export function renewalTime(lifetime: Lifetime, policy: Pick<RenewalPolicy, 'renewBefore' | 'renewBeforePercentage'> = {}): number {
  return truncateToSecond(lifetime.notAfter - renewBeforeOf(lifetime, policy));
}

export interface RenewalSchedule {
  /** When to renew; whole seconds. */
  at: number;
  /** The renewal time before windows were considered. */
  plainAt: number;
  /** Latest moment a window may still defer renewal to; past it we renew anyway. */
  deadline: number;
  reason: 'no-windows' | 'in-window' | 'next-window' | 'earlier-window' | 'fail-safe';
}

/**
 * Moves the plain renewal time into a maintenance window when one allows it:
 *   1. the plain time is inside a window → keep it;
 *   2. else the next window opening before the deadline (expiry minus the fail-safe margin);
 *   3. else the latest window opening after notBefore and before the plain time (renew early, in a window);
 *   4. else renew at the plain time anyway: a bad window must never let a certificate expire.
 * The default fail-safe margin is half of the renew-before period, so waiting for a window never
 * spends more than half of the time set aside for renewing.
 */
export function renewalSchedule(lifetime: Lifetime, policy: RenewalPolicy = {}): RenewalSchedule {
  const plainAt = renewalTime(lifetime, policy);
  const margin = policy.failSafeMargin ?? (lifetime.notAfter - plainAt) / 2;
  const deadline = truncateToSecond(lifetime.notAfter - margin);
  const windows = policy.windows ?? [];
  if (windows.length === 0) return { at: plainAt, plainAt, deadline, reason: 'no-windows' };
  if (inWindow(plainAt, windows)) return { at: plainAt, plainAt, deadline, reason: 'in-window' };
  const later = firstOpeningAfter(plainAt, deadline, windows);
  if (later !== undefined) return { at: later, plainAt, deadline, reason: 'next-window' };
  const earlier = lastOpeningBefore(plainAt, lifetime.notBefore, windows);
  if (earlier !== undefined) return { at: earlier, plainAt, deadline, reason: 'earlier-window' };
  return { at: plainAt, plainAt, deadline, reason: 'fail-safe' };
}

/** Due once `now` reaches the stored time; both sides are compared in the same truncated unit. */
export const isRenewalDue = (schedule: Pick<RenewalSchedule, 'at'>, now: number): boolean => truncateToSecond(now) >= schedule.at;

interface Occurrence {
  start: number;
  end: number;
}

const startMinutes = (w: RenewalWindow): number => {
  const [h, m] = w.startUtc.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Window occurrences whose opening lies on a UTC day in [fromDay, toDay]. */
function occurrences(fromMs: number, toMs: number, windows: ReadonlyArray<RenewalWindow>): Occurrence[] {
  const out: Occurrence[] = [];
  const firstDay = Math.floor(fromMs / DAY);
  const lastDay = Math.floor(toMs / DAY);
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    for (const w of windows) {
      if (w.durationMinutes === 0) continue;
      if (w.daysOfWeek && !w.daysOfWeek.includes(weekday)) continue;
      const start = day * DAY + startMinutes(w) * MINUTE;
      out.push({ start, end: start + w.durationMinutes * MINUTE });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Longest a window may last, so an opening up to a week earlier may still cover `t`. */
const LOOKBACK = 7 * DAY;

export const inWindow = (t: number, windows: ReadonlyArray<RenewalWindow>): boolean =>
  occurrences(t - LOOKBACK, t, windows).some((o) => o.start <= t && t < o.end);

function firstOpeningAfter(t: number, deadline: number, windows: ReadonlyArray<RenewalWindow>): number | undefined {
  if (deadline <= t) return undefined;
  return occurrences(t, deadline, windows).find((o) => o.start > t && o.start <= deadline)?.start;
}

function lastOpeningBefore(t: number, notBefore: number, windows: ReadonlyArray<RenewalWindow>): number | undefined {
  if (t <= notBefore) return undefined;
  const found = occurrences(notBefore, t, windows).filter((o) => o.start >= notBefore && o.start < t);
  return found.length === 0 ? undefined : (found[found.length - 1] as Occurrence).start;
}

/**
 * Windows that can never open (no weekday, zero length) are refused up front rather than discovered
 * at renewal time (cert-manager #9146: such windows passed admission).
 */
export function windowIssues(windows: ReadonlyArray<RenewalWindow>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  windows.forEach((w, i) => {
    if (w.durationMinutes === 0) issues.push({ path: `$.windows[${i}].durationMinutes`, reason: 'a window of zero minutes never opens' });
    if (w.daysOfWeek && w.daysOfWeek.length === 0) issues.push({ path: `$.windows[${i}].daysOfWeek`, reason: 'a window on no weekday never opens' });
  });
  return issues;
}

export type CertificateRenewal =
  | { status: 'no-version' }
  | { status: 'expired'; version: string; notAfter: number }
  | { status: 'due' | 'scheduled'; version: string; schedule: RenewalSchedule };

/**
 * What a sweep needs to know about one certificate at `now`: nothing to renew from, already expired
 * (renew at once, ignoring windows), due, or scheduled for later (set a timer for `schedule.at`).
 */
export function renewalOf(cert: Certificate, now: number): CertificateRenewal {
  const version = currentVersion(cert, now);
  if (!version) return { status: 'no-version' };
  if (truncateToSecond(now) >= version.notAfter) return { status: 'expired', version: version.version, notAfter: version.notAfter };
  const schedule = renewalSchedule(version, cert.policy);
  return { status: isRenewalDue(schedule, now) ? 'due' : 'scheduled', version: version.version, schedule };
}
