// A token bucket for ARM writes (ARM allows a burst of about 200 and refills about 10 per second
// per principal and region). Pure: the caller passes the time and keeps the state.

export interface BudgetConfig {
  /** Tokens the bucket holds when full (the burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export interface BudgetState {
  tokens: number;
  /** Epoch ms of the last refill computation. */
  at: number;
}

export const DEFAULT_WRITE_BUDGET: BudgetConfig = { capacity: 200, refillPerSecond: 10 };

export const fullBudget = (config: BudgetConfig, now: number): BudgetState => ({ tokens: config.capacity, at: now });

/** Takes one token, or says how long until one is available (never less than 1 ms). */
export function take(config: BudgetConfig, state: BudgetState, now: number): { ok: true; state: BudgetState } | { ok: false; state: BudgetState; retryAfterMs: number } {
  const elapsed = Math.max(0, now - state.at) / 1000;
  const tokens = Math.min(config.capacity, state.tokens + elapsed * config.refillPerSecond);
  if (tokens >= 1) return { ok: true, state: { tokens: tokens - 1, at: now } };
  const retryAfterMs = Math.max(1, Math.ceil(((1 - tokens) / config.refillPerSecond) * 1000));
  return { ok: false, state: { tokens, at: now }, retryAfterMs };
}

/** `DPL_WRITE_BUDGET` as `<capacity>/<refill per second>`, e.g. `200/10`. */
export function parseBudget(text: string | undefined): BudgetConfig {
  if (!text) return DEFAULT_WRITE_BUDGET;
  const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) <= 0) throw new Error(`the write budget must look like 200/10 (capacity/refill per second), got '${text}'`);
  return { capacity: Number(m[1]), refillPerSecond: Number(m[2]) };
}
