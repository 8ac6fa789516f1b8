// Fault injection for the stand-ins, per operation: 429 with a Retry-After, 5xx, added latency, and
// "someone else wrote first" (the next conditional write loses with 412). Seeded, so a failing run
// can be replayed. The plan also records what callers did, so tests can prove nothing retried early.
import { preconditionFailed, throttled, transient } from '../../shared/ports/errors';

const TIMER_SLACK_MS = 5;

export interface FaultRule {
  /** Method name on the port (`put`, `setEndpointStatus`, …) or `*`. */
  operation: string;
  throttleRate?: number;
  retryAfterMs?: number;
  errorRate?: number;
  latencyMs?: number;
}

export interface CallRecord {
  port: string;
  operation: string;
  at: number;
  outcome: 'ok' | 'throttled' | 'error' | 'conflict';
  retryAfterMs?: number;
}

/** Mulberry32: a tiny seeded generator; fault decisions must be reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  readonly calls: CallRecord[] = [];
  readonly #random: () => number;
  readonly #conflicts = new Map<string, number>();
  /** Per port+operation: until when a caller was told to wait. */
  readonly #blockedUntil = new Map<string, number>();
  earlyCalls = 0;

  constructor(
    public rules: FaultRule[] = [],
    seed = 1,
    private readonly now: () => number = Date.now,
  ) {
    this.#random = seeded(seed);
  }

  /** The next `count` conditional writes of `operation` lose, as if another writer got there first. */
  conflictNext(operation: string, count = 1): void {
    this.#conflicts.set(operation, (this.#conflicts.get(operation) ?? 0) + count);
  }

  /**
   * Decides the fate of one call; throws the PortError the service would have produced. `target`
   * names the resource, so "came back early" means a retry of the same write before its Retry-After
   * (a concurrent first attempt at another resource is not a retry).
   */
  async before(port: string, operation: string, conditional: boolean, target = ''): Promise<void> {
    const now = this.now();
    const key = `${port}.${operation}${target ? `:${target}` : ''}`;
    // Node timers may fire a millisecond or two before Date.now() reaches the deadline.
    if ((this.#blockedUntil.get(key) ?? 0) - TIMER_SLACK_MS > now) this.earlyCalls++;
    const rule = this.rules.find((r) => r.operation === operation) ?? this.rules.find((r) => r.operation === '*');
    if (rule?.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
    const record = (outcome: CallRecord['outcome'], retryAfterMs?: number) =>
      this.calls.push({ port, operation, at: now, outcome, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    if (rule?.throttleRate && this.#random() < rule.throttleRate) {
      const retryAfterMs = rule.retryAfterMs ?? 1000;
      this.#blockedUntil.set(key, now + retryAfterMs);
      record('throttled', retryAfterMs);
      throw throttled(`${operation}: too many requests`, retryAfterMs, { operation: `${port}.${operation}` });
    }
    if (rule?.errorRate && this.#random() < rule.errorRate) {
      record('error');
      throw transient(`${operation}: the service is unavailable (503)`, { operation: `${port}.${operation}` });
    }
    const pending = this.#conflicts.get(operation) ?? 0;
    if (conditional && pending > 0) {
      this.#conflicts.set(operation, pending - 1);
      record('conflict');
      throw preconditionFailed(`${operation}: the resource was changed by another writer`, { operation: `${port}.${operation}` });
    }
    record('ok');
  }
}

const IDENTITY = ['zone', 'name', 'type', 'id', 'profile', 'endpoint', 'privateLinkServiceId', 'linkId'];

/** The resource a call is about: string arguments, or the identifying fields of the first object. */
function targetOf(args: unknown[]): string {
  const parts: string[] = [];
  for (const a of args) {
    if (typeof a === 'string') parts.push(a);
    else if (a && typeof a === 'object' && !('ifMatch' in a) && !('ifNoneMatch' in a)) {
      for (const k of IDENTITY) if (k in a) parts.push(String((a as Record<string, unknown>)[k]));
      break;
    }
  }
  return parts.join('|');
}

const isConditional = (args: unknown[]) =>
  args.some((a) => typeof a === 'object' && a !== null && ('ifMatch' in a || 'ifNoneMatch' in a));

/** Wraps every async method of a port so the plan can fail it before the real work runs. */
export function withFaults<T extends object>(target: T, plan: FaultPlan, port: string): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return async (...args: unknown[]) => {
        await plan.before(port, prop, isConditional(args), targetOf(args));
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}
