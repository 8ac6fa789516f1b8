import { z } from 'zod';

/**
 * The public ↔ private flip of one workspace as a staged, TTL-aware state machine:
 *
 *   settled ──request(g+1)──► preparing ──prepare──► enabling ──enable──► draining
 *      ▲                                                                    │ wait until enabledAt + TTL
 *      └──────finish── settling ◄──── wait until disabledAt + TTL ◄──disable─┘
 *
 * `next(state, now)` says what to do; the orchestrator does it (apply the plan for `step.exposure`)
 * and reports back with `complete(state, step, now)`. Every step carries the flip's generation, so a
 * step computed for an older flip is refused after a newer one was requested.
 */

export const PathsSchema = z.strictObject({ public: z.boolean(), private: z.boolean() });
export type Paths = z.infer<typeof PathsSchema>;

export const NO_PATHS: Paths = { public: false, private: false };

/** What desired state should express for a workspace at one moment of a flip. */
export const ExposureSchema = z.strictObject({
  /** The region's public profile may carry the workspace. */
  public: z.boolean(),
  /** The region's private profile may carry the workspace. */
  private: z.boolean(),
  /** Private routes and the backend record exist (before enabling, and until the settle wait is over). */
  privateReady: z.boolean(),
  /** Which profile the workspace's service names resolve to; undefined means they do not resolve. */
  resolveTo: z.enum(['public', 'private']).optional(),
});
export type Exposure = z.infer<typeof ExposureSchema>;

export const FlipStageSchema = z.enum(['settled', 'preparing', 'enabling', 'draining', 'settling']);
export type FlipStage = z.infer<typeof FlipStageSchema>;

export const FlipStateSchema = z.strictObject({
  workspace: z.string().min(1),
  generation: z.number().int().nonnegative(),
  stage: FlipStageSchema,
  from: PathsSchema,
  target: PathsSchema,
  /** Epoch ms when the current wait began (enable or disable completed). */
  since: z.number().int().optional(),
  /** Seconds resolvers may keep an old answer: the records' TTL (and the profiles' TTL, whichever is larger). */
  ttlSeconds: z.number().int().nonnegative(),
  /**
   * Private routes left by an interrupted flip whose settle wait had not ended: they stay until this
   * flip settles, so a newer request never cuts them short.
   */
  lingerPrivate: z.boolean().optional(),
});
export type FlipState = z.infer<typeof FlipStateSchema>;

export type FlipStep =
  | { type: 'idle'; generation: number }
  | { type: 'prepare'; generation: number; exposure: Exposure }
  | { type: 'enable'; generation: number; exposure: Exposure }
  | { type: 'wait'; generation: number; until: number }
  | { type: 'disable'; generation: number; exposure: Exposure }
  | { type: 'finish'; generation: number; exposure: Exposure };

/** Resolution follows the public path while it exists: only a private-only workspace resolves privately. */
export function preferredResolution(paths: Paths): Exposure['resolveTo'] {
  if (paths.public) return 'public';
  if (paths.private) return 'private';
  return undefined;
}

const union = (a: Paths, b: Paths): Paths => ({ public: a.public || b.public, private: a.private || b.private });
const samePaths = (a: Paths, b: Paths): boolean => a.public === b.public && a.private === b.private;

export const settledExposure = (paths: Paths): Exposure => ({
  public: paths.public,
  private: paths.private,
  privateReady: paths.private,
  resolveTo: preferredResolution(paths),
});

/** A workspace with no flip in progress. */
export const settled = (workspace: string, paths: Paths, generation: number, ttlSeconds: number): FlipState => ({
  workspace,
  generation,
  stage: 'settled',
  from: paths,
  target: paths,
  ttlSeconds,
});

/** The exposure in force once the stage's last step has been applied. */
export function exposureOf(state: FlipState): Exposure {
  const { from, target } = state;
  const both = readiness(state);
  switch (state.stage) {
    case 'settled':
      return settledExposure(target);
    case 'preparing':
      return { ...settledExposure(from), privateReady: from.private || state.lingerPrivate === true };
    case 'enabling':
      return { ...settledExposure(from), privateReady: both.private };
    case 'draining':
      return { ...both, privateReady: both.private, resolveTo: preferredResolution(target) ?? preferredResolution(from) };
    case 'settling':
      return { ...target, privateReady: both.private, resolveTo: preferredResolution(target) };
  }
}

/**
 * Starts a flip towards `target`. Requests no newer than the current generation are stale and change
 * nothing. A flip requested mid-way starts from everything currently enabled, so no path is dropped
 * before its replacement has been enabled and the TTL has passed.
 */
export function request(state: FlipState, target: Paths, generation: number, ttlSeconds = state.ttlSeconds): FlipState {
  if (generation <= state.generation) return state;
  const current = exposureOf(state);
  // The public path needs no preparation (its ingress and profile always exist), so a workspace that
  // is unreachable gets it at once rather than staying dark while the private path is prepared.
  const from: Paths =
    current.public || current.private ? { public: current.public, private: current.private } : { public: target.public, private: false };
  const linger = current.privateReady && !current.private;
  if (samePaths(from, target) && !linger) {
    return settled(state.workspace, target, generation, ttlSeconds);
  }
  return { workspace: state.workspace, generation, stage: 'preparing', from, target, ttlSeconds, ...(linger ? { lingerPrivate: true } : {}) };
}

export function next(state: FlipState, now: number): FlipStep {
  const { generation } = state;
  const both = readiness(state);
  switch (state.stage) {
    case 'settled':
      return { type: 'idle', generation };
    case 'preparing':
      return { type: 'prepare', generation, exposure: { ...settledExposure(state.from), privateReady: both.private } };
    case 'enabling':
      return {
        type: 'enable',
        generation,
        exposure: { ...both, privateReady: both.private, resolveTo: preferredResolution(state.target) ?? preferredResolution(state.from) },
      };
    case 'draining': {
      const until = waitEnd(state);
      if (now < until) return { type: 'wait', generation, until };
      return { type: 'disable', generation, exposure: { ...state.target, privateReady: both.private, resolveTo: preferredResolution(state.target) } };
    }
    case 'settling': {
      const until = waitEnd(state);
      if (now < until) return { type: 'wait', generation, until };
      return { type: 'finish', generation, exposure: settledExposure(state.target) };
    }
  }
}

/** Paths enabled at some point of the flip; `private` also covers routes kept from an interrupted flip. */
const readiness = (state: FlipState): Paths => {
  const both = union(state.from, state.target);
  return state.lingerPrivate ? { ...both, private: true } : both;
};

const waitEnd = (state: FlipState): number => (state.since ?? 0) + state.ttlSeconds * 1000;

/** Records that `step` was carried out at `now`. Steps of another generation, or out of turn, change nothing. */
export function complete(state: FlipState, step: FlipStep, now: number): FlipState {
  if (step.generation !== state.generation) return state;
  switch (step.type) {
    case 'prepare':
      return state.stage === 'preparing' ? { ...state, stage: 'enabling', since: undefined } : state;
    case 'enable':
      return state.stage === 'enabling' ? { ...state, stage: 'draining', since: now } : state;
    case 'disable':
      return state.stage === 'draining' && now >= waitEnd(state) ? { ...state, stage: 'settling', since: now } : state;
    case 'finish':
      return state.stage === 'settling' && now >= waitEnd(state)
        ? settled(state.workspace, state.target, state.generation, state.ttlSeconds)
        : state;
    case 'idle':
    case 'wait':
      return state;
  }
}

/** The paths a workspace asks for: public while public access is enabled, private once a connection is approved. */
export const wantedPaths = (publicAccess: boolean, hasApprovedConnection: boolean): Paths => ({
  public: publicAccess,
  private: hasApprovedConnection,
});

/** The exposures desired state should use: one per workspace with a flip in progress. Settled flips need none. */
export function exposuresOf(states: ReadonlyArray<FlipState>): Map<string, Exposure> {
  const out = new Map<string, Exposure>();
  for (const s of states) if (s.stage !== 'settled') out.set(s.workspace, exposureOf(s));
  return out;
}
