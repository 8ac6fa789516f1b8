// Timer triggers: six-field NCRONTAB (or a TimeSpan interval), runOnStartup, past-due detection from
// a persisted schedule status, and never two overlapping runs of one function.
import fs from 'node:fs';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import type { RegisteredFunction } from './core-api';
import type { Invoker } from './invoker';

export interface ScheduleStatus {
  last: string;
  next: string;
  lastUpdated: string;
}

export interface Schedule {
  next(after: Date): Date;
}

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/;

/** Parses a timer schedule; `%NAME%` is replaced by the app setting, as the host does. */
export function parseSchedule(expression: string, env: NodeJS.ProcessEnv = process.env, tz = 'UTC'): Schedule {
  const resolved = expression.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`timer schedule refers to app setting '${name}', which is not set`);
    return v;
  }).trim();
  const span = TIMESPAN.exec(resolved);
  if (span) {
    const ms = ((Number(span[1] ?? 0) * 24 + Number(span[2])) * 3600 + Number(span[3]) * 60 + Number(span[4])) * 1000;
    if (ms <= 0) throw new Error(`timer interval '${resolved}' must be positive`);
    return { next: (after) => new Date(after.getTime() + ms) };
  }
  const fields = resolved.split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`timer schedule '${resolved}' must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})`);
  }
  CronExpressionParser.parse(resolved, { tz }); // validate now, with the library's message
  return {
    next: (after) => CronExpressionParser.parse(resolved, { currentDate: after, tz }).next().toDate(),
  };
}

interface TimerState {
  fn: RegisteredFunction;
  schedule: Schedule;
  handle?: NodeJS.Timeout;
  running?: Promise<void>;
  status?: ScheduleStatus;
}

export class Timers {
  readonly #timers = new Map<string, TimerState>();
  #stopped = false;

  constructor(
    private readonly invoker: Invoker,
    private readonly statusDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  add(fn: RegisteredFunction): void {
    const t = fn.trigger as { schedule?: string };
    if (!t.schedule) throw new Error(`timer function '${fn.name}' has no schedule`);
    const tz = process.env.WEBSITE_TIME_ZONE || process.env.TZ || 'UTC';
    let schedule: Schedule;
    try {
      schedule = parseSchedule(t.schedule, process.env, tz);
    } catch (err) {
      throw new Error(`function '${fn.name}': ${(err as Error).message}`);
    }
    this.#timers.set(fn.name.toLowerCase(), { fn, schedule, status: this.#readStatus(fn.name) });
  }

  start(): void {
    for (const state of this.#timers.values()) {
      const trigger = state.fn.trigger as { runOnStartup?: boolean };
      const now = this.now();
      const missed = state.status && new Date(state.status.next) < now;
      if (missed) void this.#run(state, new Date(state.status!.next), true);
      else if (trigger.runOnStartup) void this.#run(state, now, false);
      else this.#arm(state, state.status ? new Date(state.status.next) : state.schedule.next(now));
    }
  }

  /** Runs a timer function now, as `POST /admin/functions/<name>` does. */
  async runNow(name: string): Promise<boolean> {
    const state = this.#timers.get(name.toLowerCase());
    if (!state) return false;
    void this.#run(state, this.now(), false, true);
    return true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const s of this.#timers.values()) clearTimeout(s.handle);
    await Promise.all([...this.#timers.values()].map((s) => s.running));
  }

  #arm(state: TimerState, at: Date): void {
    if (this.#stopped) return;
    clearTimeout(state.handle);
    this.#writeStatus(state, at);
    const delay = Math.max(0, at.getTime() - this.now().getTime());
    // setTimeout caps at ~24.8 days; re-arm in steps for long schedules.
    const step = Math.min(delay, 2 ** 31 - 1);
    state.handle = setTimeout(() => {
      if (at.getTime() > this.now().getTime()) this.#arm(state, at);
      else void this.#run(state, at, false);
    }, step);
    state.handle.unref?.();
  }

  async #run(state: TimerState, scheduledFor: Date, isPastDue: boolean, manual = false): Promise<void> {
    if (state.running) {
      // Never overlap: a manual run while one is in flight waits for it, a due tick is skipped.
      if (!manual) return;
      await state.running;
    }
    const last = state.status?.last ?? new Date(0).toISOString();
    const payload = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: state.status ? { Last: last, Next: state.status.next, LastUpdated: state.status.lastUpdated } : null,
      IsPastDue: isPastDue,
    };
    const run = (async () => {
      // A failed run is logged by the invoker and does not change the schedule.
      await this.invoker.invoke(state.fn, { trigger: { json: JSON.stringify(payload) } }).catch(() => undefined);
    })();
    state.running = run;
    await run;
    state.running = undefined;
    const now = this.now();
    state.status = { last: scheduledFor.toISOString(), next: state.status?.next ?? now.toISOString(), lastUpdated: now.toISOString() };
    if (manual) {
      this.#arm(state, state.schedule.next(now));
      return;
    }
    // A run that overran its next occurrence is followed at once by one past-due run.
    const next = state.schedule.next(scheduledFor);
    if (next <= now && !isPastDue) void this.#run(state, next, true);
    else this.#arm(state, state.schedule.next(now));
  }

  #statusFile(name: string): string {
    return path.join(this.statusDir, `${name.toLowerCase()}.json`);
  }

  #readStatus(name: string): ScheduleStatus | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.#statusFile(name), 'utf8')) as ScheduleStatus;
    } catch {
      return undefined;
    }
  }

  #writeStatus(state: TimerState, next: Date): void {
    const now = this.now().toISOString();
    state.status = { last: state.status?.last ?? now, next: next.toISOString(), lastUpdated: now };
    fs.mkdirSync(this.statusDir, { recursive: true });
    fs.writeFileSync(this.#statusFile(state.fn.name), JSON.stringify(state.status));
  }
}
