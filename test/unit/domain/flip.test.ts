import fc from 'fast-check';
import { complete, exposureOf, exposuresOf, next, request, settled, type FlipState, type FlipStep, type Paths } from '../../../shared/domain/flip';

const PUBLIC: Paths = { public: true, private: false };
const PRIVATE: Paths = { public: false, private: true };
const BOTH: Paths = { public: true, private: true };
const NEITHER: Paths = { public: false, private: false };
const TTL = 60;
const T0 = Date.UTC(2026, 0, 1);

/** Runs `next` and `complete` together, as the orchestration does after carrying a step out. */
const act = (state: FlipState, now: number): [FlipState, FlipStep] => {
  const step = next(state, now);
  return [complete(state, step, now), step];
};

describe('flip: public → private, step by step', () => {
  const start = request(settled('ws1', PUBLIC, 1, TTL), PRIVATE, 2);

  it('prepares the private path while traffic stays public', () => {
    expect(next(start, T0)).toEqual({
      type: 'prepare',
      generation: 2,
      exposure: { public: true, private: false, privateReady: true, resolveTo: 'public' },
    });
  });

  it('then enables the private path beside the public one and resolves privately', () => {
    const [prepared] = act(start, T0);
    expect(next(prepared, T0)).toEqual({
      type: 'enable',
      generation: 2,
      exposure: { public: true, private: true, privateReady: true, resolveTo: 'private' },
    });
  });

  it('waits out the TTL before disabling the public path, then waits again, then settles', () => {
    const [prepared] = act(start, T0);
    const [draining] = act(prepared, T0 + 1_000);
    expect(next(draining, T0 + 1_000 + TTL * 1000 - 1)).toEqual({ type: 'wait', generation: 2, until: T0 + 1_000 + TTL * 1000 });
    // Reporting a disable before the wait is over is refused: the old path stays up.
    expect(complete(draining, { type: 'disable', generation: 2, exposure: exposureOf(draining) }, T0 + 2_000)).toBe(draining);

    const t1 = T0 + 1_000 + TTL * 1000;
    const [settling, disable] = act(draining, t1);
    expect(disable).toEqual({ type: 'disable', generation: 2, exposure: { public: false, private: true, privateReady: true, resolveTo: 'private' } });
    expect(next(settling, t1 + 10)).toEqual({ type: 'wait', generation: 2, until: t1 + TTL * 1000 });

    const [done, finish] = act(settling, t1 + TTL * 1000);
    expect(finish.type).toBe('finish');
    expect(done.stage).toBe('settled');
    expect(exposureOf(done)).toEqual({ public: false, private: true, privateReady: true, resolveTo: 'private' });
    expect(next(done, t1 + TTL * 1000 * 10)).toEqual({ type: 'idle', generation: 2 });
  });

  it('private → public keeps the private routes until the second wait is over', () => {
    let s = request(settled('ws1', PRIVATE, 1, TTL), PUBLIC, 2);
    [s] = act(s, T0); // prepare
    [s] = act(s, T0); // enable
    expect(exposureOf(s)).toMatchObject({ public: true, private: true, resolveTo: 'public' });
    [s] = act(s, T0 + TTL * 1000); // disable private
    expect(exposureOf(s)).toEqual({ public: true, private: false, privateReady: true, resolveTo: 'public' });
    [s] = act(s, T0 + 2 * TTL * 1000); // finish
    expect(exposureOf(s)).toEqual({ public: true, private: false, privateReady: false, resolveTo: 'public' });
  });
});

describe('flip: generations', () => {
  it('ignores a request no newer than the current flip', () => {
    const s = request(settled('ws1', PUBLIC, 5, TTL), PRIVATE, 6);
    expect(request(s, PUBLIC, 6)).toBe(s);
    expect(request(s, PUBLIC, 3)).toBe(s);
  });

  it('refuses a step computed for an older flip once a newer one was requested', () => {
    const first = request(settled('ws1', PUBLIC, 1, TTL), PRIVATE, 2);
    const oldStep = next(first, T0);
    const second = request(first, PUBLIC, 3);
    expect(complete(second, oldStep, T0)).toBe(second);
  });

  it('a flip requested mid-way starts from every path currently enabled', () => {
    let s = request(settled('ws1', PUBLIC, 1, TTL), PRIVATE, 2);
    [s] = act(s, T0);
    [s] = act(s, T0); // both enabled now
    const back = request(s, PUBLIC, 3);
    expect(back).toMatchObject({ stage: 'preparing', from: BOTH, target: PUBLIC, generation: 3 });
    expect(exposureOf(back)).toMatchObject({ public: true, private: true });
  });

  it('an unreachable workspace gets its public path at once, before the private one is prepared', () => {
    const s = request(settled('ws1', NEITHER, 1, TTL), BOTH, 2);
    expect(exposureOf(s)).toMatchObject({ public: true, private: false, resolveTo: 'public' });
    expect(next(s, T0)).toMatchObject({ type: 'prepare', exposure: { public: true, private: false, privateReady: true } });
  });

  it('keeps private routes an interrupted flip had not yet torn down until the new flip settles', () => {
    let s = request(settled('ws1', PRIVATE, 1, TTL), PUBLIC, 2);
    [s] = act(s, T0);
    [s] = act(s, T0);
    [s] = act(s, T0 + TTL * 1000); // private disabled; its routes wait for the settle wait
    expect(s.stage).toBe('settling');
    let again = request(s, PUBLIC, 3);
    expect(again.lingerPrivate).toBe(true);
    let now = T0 + TTL * 1000;
    while (again.stage !== 'settled') {
      expect(exposureOf(again).privateReady).toBe(true);
      now += TTL * 1000;
      [again] = act(again, now);
    }
    expect(exposureOf(again)).toEqual({ public: true, private: false, privateReady: false, resolveTo: 'public' });
  });

  it('a request for what is already settled only records the generation', () => {
    const s = request(settled('ws1', PUBLIC, 1, TTL), PUBLIC, 2);
    expect(s).toMatchObject({ stage: 'settled', generation: 2 });
  });
});

describe('flip: feeding desired state', () => {
  it('lists the exposure of every flip in progress and nothing for settled ones', () => {
    const moving = request(settled('ws1', PUBLIC, 1, TTL), PRIVATE, 2);
    const still = settled('ws2', PUBLIC, 1, TTL);
    expect([...exposuresOf([moving, still])]).toEqual([['ws1', exposureOf(moving)]]);
  });
});

describe('flip: properties', () => {
  type Op =
    | { op: 'request'; publicAccess: boolean; approved: boolean; stale: boolean }
    | { op: 'tick'; ms: number }
    | { op: 'step' }
    | { op: 'replay-old-step'; index: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('request' as const), publicAccess: fc.boolean(), approved: fc.boolean(), stale: fc.boolean() }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3 * TTL * 1000 }) }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.constant(TTL * 1000) }),
    fc.record({ op: fc.constant('step' as const) }),
    fc.record({ op: fc.constant('step' as const) }),
    fc.record({ op: fc.constant('step' as const) }),
    fc.record({ op: fc.constant('replay-old-step' as const), index: fc.nat() }),
  );

  const enabled = (s: FlipState) => {
    const e = exposureOf(s);
    return e.public || e.private;
  };

  it('never has both paths disabled while the workspace has an approved connection and public access', () => {
    const stagesSeen = new Set<string>();
    fc.assert(
      fc.property(fc.constantFrom(PUBLIC, PRIVATE, BOTH, NEITHER), fc.array(opArb, { maxLength: 60 }), (initial, ops) => {
        let state = settled('ws1', initial, 1, TTL);
        let wanted: Paths = initial;
        let now = T0;
        let wasEnabled = initial.public || initial.private;
        const steps: FlipStep[] = [];
        for (const o of ops) {
          if (o.op === 'request') {
            const generation = o.stale ? state.generation : state.generation + 1;
            const target = { public: o.publicAccess, private: o.approved };
            const after = request(state, target, generation);
            if (after !== state) wanted = target;
            state = after;
          } else if (o.op === 'tick') now += o.ms;
          else if (o.op === 'step') {
            const step = next(state, now);
            steps.push(step);
            state = complete(state, step, now);
          } else if (steps.length > 0) {
            state = complete(state, steps[o.index % steps.length] as FlipStep, now);
          }
          const e = exposureOf(state);
          stagesSeen.add(state.stage);
          if (wanted.public && wanted.private) expect(enabled(state)).toBe(true);
          // More generally: what is reachable stays reachable while anything is wanted, and a wanted
          // public path is never dark (it needs no preparation).
          if (wanted.public || (wanted.private && wasEnabled)) expect(enabled(state)).toBe(true);
          wasEnabled = enabled(state);
          // Names only ever resolve to a path that is enabled.
          if (e.resolveTo !== undefined) expect(e[e.resolveTo]).toBe(true);
          // The private path is never enabled without its routes in place.
          if (e.private) expect(e.privateReady).toBe(true);
        }
      }),
      // A fixed seed: the coverage check below must not depend on the luck of a run (with random
      // seeds, 'settling' was occasionally never reached in 400 runs).
      { numRuns: 400, seed: 20261128 },
    );
    // The runs must reach every stage, or the property above says little.
    expect([...stagesSeen].sort()).toEqual(['draining', 'enabling', 'preparing', 'settled', 'settling']);
  });

  it('disables a path only after the TTL has passed since its replacement was enabled', () => {
    fc.assert(
      fc.property(fc.constantFrom(PUBLIC, PRIVATE, BOTH), fc.constantFrom(PUBLIC, PRIVATE, BOTH, NEITHER), fc.array(fc.integer({ min: 0, max: 2 * TTL * 1000 }), { maxLength: 20 }), (from, to, ticks) => {
        let state = request(settled('ws1', from, 1, TTL), to, 2);
        let now = T0;
        let enabledAt: number | undefined;
        for (const dt of [0, ...ticks]) {
          now += dt;
          const step = next(state, now);
          if (step.type === 'enable') enabledAt = now;
          if (step.type === 'disable') expect(now - (enabledAt ?? Infinity)).toBeGreaterThanOrEqual(TTL * 1000);
          state = complete(state, step, now);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('private routes outlive the private path by at least the TTL, whatever is requested meanwhile', () => {
    const reqArb = fc.record({ at: fc.integer({ min: 0, max: 6 }), target: fc.constantFrom(PUBLIC, PRIVATE, BOTH, NEITHER) });
    fc.assert(
      fc.property(fc.constantFrom(PUBLIC, PRIVATE, BOTH), fc.array(reqArb, { maxLength: 4 }), fc.array(fc.integer({ min: 0, max: TTL * 1000 }), { minLength: 5, maxLength: 30 }), (initial, requests, ticks) => {
        let state = settled('ws1', initial, 1, TTL);
        let now = T0;
        let privateOffSince: number | undefined = initial.private ? undefined : -Infinity;
        ticks.forEach((dt, i) => {
          for (const r of requests.filter((x) => x.at === i)) state = request(state, r.target, state.generation + 1);
          now += dt;
          state = complete(state, next(state, now), now);
          const e = exposureOf(state);
          if (e.private) privateOffSince = undefined;
          else if (privateOffSince === undefined) privateOffSince = now;
          if (!e.privateReady && privateOffSince !== undefined) expect(now - privateOffSince).toBeGreaterThanOrEqual(privateOffSince === -Infinity ? 0 : TTL * 1000);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('generations only grow', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom(PUBLIC, PRIVATE, BOTH)), { maxLength: 30 }), (requests) => {
        let state = settled('ws1', PUBLIC, 10, TTL);
        for (const [g, target] of requests) {
          const before = state.generation;
          state = request(state, target, g);
          expect(state.generation).toBeGreaterThanOrEqual(before);
          expect(state.generation).toBe(Math.max(before, g));
        }
      }),
      { numRuns: 200 },
    );
  });
});
