// The engine's notion of "now". Real time by default; a virtual clock for tests, which stands still
// until told to jump to the next due timer, so timers of days run in milliseconds.

export interface Clock {
  readonly virtual: boolean;
  now(): number;
}

export class RealClock implements Clock {
  readonly virtual = false;
  now(): number {
    return Date.now();
  }
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  /** Moves forward to `t` (never backwards). */
  advanceTo(t: number): void {
    if (t > this.#now) this.#now = t;
  }
}
