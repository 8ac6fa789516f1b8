/**
 * Time as a port, so that the domain never reads the clock. Orchestrations use their replay-safe
 * current time instead; activities and the proxy use this.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** A clock that moves only when told to; for tests and simulations. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(start: number): ManualClock {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
