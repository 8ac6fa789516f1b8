// What the engine remembers about an execution besides its history: the library's sequence counter
// (mirrored, so TaskScheduled/TimerCreated ids match the ids the replay hands out), the actions seen so
// far (for the determinism check), and the retry and long-timer chains the engine drives itself.
import type { RetryOptionsWire } from './protocol';

export interface RetryTracker {
  kind: 'activity' | 'sub';
  name: string;
  /** JSON text of the input each attempt gets. */
  input: string | undefined;
  /** The sub-orchestration id the user asked for (each attempt reuses it), if any. */
  childId: string | undefined;
  version: string | undefined;
  options: RetryOptionsWire;
  /** Attempts started so far. */
  attempt: number;
  firstAttemptAt: number;
  /** Whether the id this tracker is filed under is a retry timer (else an attempt). */
  waitingOnTimer: boolean;
  lastReason?: string;
  lastDetails?: string;
}

export interface Bookkeeping {
  nextSeq: number;
  /** [actionType, name] of every action the orchestrator issued in this execution, in order. */
  known: Array<[number, string]>;
  /** Retry chains, filed under the id the library waits on next. */
  retries: Record<string, RetryTracker>;
  /** Long timers, filed under the pending sub-timer's id: the final fire time (ms). */
  longTimers: Record<string, number>;
  /** Time of the last episode; episode times never go backwards (currentUtcDateTime is monotonic). */
  lastTime: number;
}

export function freshBookkeeping(now: number): Bookkeeping {
  return { nextSeq: 0, known: [], retries: {}, longTimers: {}, lastTime: now };
}

/** DTFx RetryInterceptor delay after the `attempt`-th failure (1-based). */
export function retryDelayMs(o: RetryOptionsWire, attempt: number): number {
  const backoff = o.backoffCoefficient && o.backoffCoefficient > 0 ? o.backoffCoefficient : 1;
  const delay = o.firstRetryIntervalInMilliseconds * Math.pow(backoff, attempt - 1);
  const max = o.maxRetryIntervalInMilliseconds;
  return max && max > 0 ? Math.min(delay, max) : delay;
}

/** Whether the retry timeout (counted from the first attempt) has run out at `now`. */
export function retryExpired(t: RetryTracker, now: number): boolean {
  const timeout = t.options.retryTimeoutInMilliseconds;
  return !!timeout && timeout > 0 && now >= t.firstAttemptAt + timeout;
}
