// Orchestrations: deterministic (time from the replay, no I/O), one instance per workspace
// (`ws:<name>`) and one sweep (`sweep`). Each re-reads the facts, plans with the pure core, applies
// the plan kind by kind with bounded parallelism, and turns throttling into durable timers.
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { renderJson, summarise, type Change, type Plan } from '../shared/domain/plan';
import { reconcileFleet, reconcileWorkspace, wantedPathsOf, type Facts } from '../shared/domain/reconcile';
import { complete, next, request, settled, type Exposure, type FlipState } from '../shared/domain/flip';
import type { ApplyResult } from './activities';

const PARALLEL = 10;
const MAX_ATTEMPTS = 8;
const DEBOUNCE_MS = 2_000;

export interface ReconcileInput {
  workspace: string;
  attempt?: number;
}

export interface ReconcileStatus {
  workspace?: string;
  stage: 'planning' | 'applying' | 'waiting' | 'flipping' | 'done' | 'failed';
  flip?: { stage: string; generation: number; step: string; until?: string };
  plan?: ReturnType<typeof renderJson>;
  failed?: Array<{ key: string; kind: string; error: string }>;
  throttledUntil?: string;
  attempt: number;
}

export const workspaceInstanceId = (workspace: string) => `ws:${workspace.toLowerCase()}`;
export const SWEEP_INSTANCE_ID = 'sweep';

/** Applies a plan's changes in its order, a batch at a time; yields the activity results. */
function* apply(context: OrchestrationContext, changes: Change[]): Generator<df.Task, ApplyResult[], unknown> {
  const results: ApplyResult[] = [];
  for (let i = 0; i < changes.length; i += PARALLEL) {
    const batch = changes.slice(i, i + PARALLEL).map((c) => context.df.callActivity('applyChange', c));
    results.push(...((yield context.df.Task.all(batch)) as ApplyResult[]));
    if (results.some((r) => !r.ok && r.error.kind === 'Throttled')) break; // no more writes into a 429 storm
  }
  return results;
}

/** After a failed pass: wait out throttling or back off, then start over from fresh facts. */
function* retryLater(context: OrchestrationContext, results: ApplyResult[], attempt: number): Generator<df.Task, string | undefined, unknown> {
  const failures = results.filter((r): r is Extract<ApplyResult, { ok: false }> => !r.ok);
  if (failures.length === 0 || attempt >= MAX_ATTEMPTS) return undefined;
  const throttled = failures.filter((f) => f.error.kind === 'Throttled');
  const retryable = failures.every((f) => ['Throttled', 'Transient', 'PreconditionFailed', 'NotFound'].includes(f.error.kind));
  if (!retryable) return undefined;
  // Honour Retry-After exactly; otherwise exponential backoff, capped at five minutes.
  const waitMs = throttled.length ? Math.max(...throttled.map((t) => t.error.retryAfterMs ?? 1000)) : Math.min(1000 * 2 ** attempt, 300_000);
  const until = new Date(context.df.currentUtcDateTime.getTime() + waitMs);
  yield context.df.createTimer(until);
  return until.toISOString();
}

/** A change that arrived while we worked ('dirty', raised by a trigger) earns a fresh pass. */
function* dirtyAgain(context: OrchestrationContext): Generator<df.Task, boolean, unknown> {
  const dirty = context.df.waitForExternalEvent('dirty');
  const quiet = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + DEBOUNCE_MS));
  const winner = yield context.df.Task.any([dirty, quiet]);
  if (winner === dirty) quiet.cancel();
  return winner === dirty;
}

const failedOf = (results: ApplyResult[]) =>
  results.flatMap((r) => (r.ok ? [] : [{ key: r.key, kind: r.kind, error: `${r.error.kind}: ${r.error.message}` }]));

function* reconcileOnce(
  context: OrchestrationContext,
  readInput: { workspace?: string },
  planOf: (facts: Facts) => Plan,
  status: (s: Omit<ReconcileStatus, 'attempt'>) => void,
): Generator<df.Task, { plan: Plan; results: ApplyResult[]; facts: Facts }, unknown> {
  status({ stage: 'planning' });
  const facts = (yield context.df.callActivity('readFacts', readInput)) as Facts;
  const p = planOf(facts);
  status({ stage: 'applying', plan: renderJson(p) });
  const results = yield* apply(context, p.changes);
  return { plan: p, results, facts };
}

type FlipOutcome = { ok: true } | { ok: false; retry: ApplyResult[] };

/**
 * Runs the workspace's staged flip, if its wanted paths changed: prepare the target, enable it,
 * wait out the DNS TTL, disable the old path, wait again, finish. Each step applies the plan for
 * the step's exposure, then records the step in the flip state (guarded by its etag).
 */
function* runFlip(context: OrchestrationContext, workspace: string, status: (s: Omit<ReconcileStatus, 'attempt'>) => void): Generator<df.Task, FlipOutcome, unknown> {
  const facts = (yield context.df.callActivity('readFacts', { workspace })) as Facts;
  const w = facts.workspaces[0];
  if (!w) return { ok: true };
  const wanted = wantedPathsOf(facts, workspace);
  let etag = facts.flip?.etag;
  let state: FlipState = facts.flip?.value ?? settled(workspace, wanted, 0, facts.config.defaultTtl);
  const save = function* (next: FlipState): Generator<df.Task, boolean, unknown> {
    const r = (yield context.df.callActivity('saveFlip', { state: next, ...(etag ? { etag } : {}) })) as { ok: boolean; etag?: string };
    if (r.ok) {
      etag = r.etag;
      state = next;
    }
    return r.ok;
  };
  if (!facts.flip) {
    // The first state is what the workspace asks for: nothing was live before, so nothing to stage.
    if (!(yield* save(state))) return { ok: false, retry: [] };
  } else if (state.stage === 'settled' && (state.target.public !== wanted.public || state.target.private !== wanted.private)) {
    if (!(yield* save(request(state, wanted, state.generation + 1, facts.config.defaultTtl)))) return { ok: false, retry: [] };
  }
  for (;;) {
    const now = context.df.currentUtcDateTime.getTime();
    const step = next(state, now);
    if (step.type === 'idle') return { ok: true };
    if (step.type === 'wait') {
      status({ stage: 'flipping', flip: { stage: state.stage, generation: state.generation, step: 'wait', until: new Date(step.until).toISOString() } });
      yield context.df.createTimer(new Date(step.until));
      continue;
    }
    status({ stage: 'flipping', flip: { stage: state.stage, generation: state.generation, step: step.type } });
    const exposure: Exposure = step.exposure;
    const stepFacts = (yield context.df.callActivity('readFacts', { workspace })) as Facts;
    const results = yield* apply(context, reconcileWorkspace(stepFacts, workspace, exposure).plan.changes);
    if (results.some((r) => !r.ok)) return { ok: false, retry: results };
    if (!(yield* save(complete(state, step, context.df.currentUtcDateTime.getTime())))) return { ok: false, retry: [] };
  }
}

df.app.orchestration('reconcileWorkspace', function* (context: OrchestrationContext) {
  const input = context.df.getInput() as ReconcileInput;
  const attempt = input.attempt ?? 0;
  const set = (s: Omit<ReconcileStatus, 'attempt'>) => context.df.setCustomStatus({ workspace: input.workspace, attempt, ...s });
  const flip = yield* runFlip(context, input.workspace, set);
  if (!flip.ok) {
    // Lost a race for the flip state or a write failed: wait as the failures ask, then start over.
    const lost: ApplyResult[] = [{ key: 'flip', kind: 'dns', action: 'update', ok: false, error: { name: 'PortError', kind: 'PreconditionFailed', message: 'the flip state changed under us' } }];
    const failures = flip.retry.length ? flip.retry : lost;
    if (yield* retryLater(context, failures, attempt)) {
      context.df.continueAsNew({ workspace: input.workspace, attempt: attempt + 1 });
      return undefined;
    }
    const failedStatus: ReconcileStatus = { workspace: input.workspace, stage: 'failed', failed: failedOf(failures), attempt };
    context.df.setCustomStatus(failedStatus);
    return failedStatus;
  }
  const { plan: p, results } = yield* reconcileOnce(context, { workspace: input.workspace }, (f) => reconcileWorkspace(f, input.workspace).plan, set);
  const failed = failedOf(results);
  if (failed.length) {
    set({ stage: 'waiting', plan: renderJson(p), failed });
    const until = yield* retryLater(context, results, attempt);
    if (until) {
      context.df.continueAsNew({ workspace: input.workspace, attempt: attempt + 1 });
      return undefined;
    }
  }
  const outcome: ReconcileStatus = { workspace: input.workspace, stage: failed.length ? 'failed' : 'done', plan: renderJson(p), failed, attempt };
  context.df.setCustomStatus(outcome);
  if (yield* dirtyAgain(context)) {
    context.df.continueAsNew({ workspace: input.workspace });
    return undefined;
  }
  return { ...outcome, summary: summarise(p) };
});

df.app.orchestration('sweep', function* (context: OrchestrationContext) {
  const input = (context.df.getInput() as { attempt?: number } | null) ?? {};
  const attempt = input.attempt ?? 0;
  const names = (yield context.df.callActivity('listWorkspaceNames')) as string[];
  for (let i = 0; i < names.length; i += PARALLEL * 10) {
    yield context.df.callActivity('wakeWorkspaces', names.slice(i, i + PARALLEL * 10));
  }
  // Certificates whose renewal time has come: each gets its rollout from its own instance.
  const due = (yield context.df.callActivity('listDueCertificates')) as Array<{ name: string; version?: string }>;
  if (due.length) yield context.df.callActivity('wakeCertificates', due);
  const set = (s: Omit<ReconcileStatus, 'attempt'>) => context.df.setCustomStatus({ attempt, ...s });
  const { plan: p, results } = yield* reconcileOnce(context, {}, (f) => reconcileFleet(f).plan, set);
  const failed = failedOf(results);
  if (failed.length) {
    const until = yield* retryLater(context, results, attempt);
    if (until) {
      context.df.continueAsNew({ attempt: attempt + 1 });
      return undefined;
    }
  }
  const outcome = { stage: failed.length ? 'failed' : 'done', workspaces: names.length, plan: renderJson(p), failed, attempt };
  context.df.setCustomStatus(outcome);
  if (yield* dirtyAgain(context)) {
    context.df.continueAsNew({});
    return undefined;
  }
  return outcome;
});
