// Turns one episode (the new event plus what the replay returned) into history and work: mirrors the
// library's id allocation (retry and long-timer chains first, then new actions in depth-first order),
// checks determinism, and decides completion, failure or continue-as-new. Pure: no I/O, no clock.
import { retryDelayMs, retryExpired, type Bookkeeping, type RetryTracker } from './bookkeeping';
import {
  ActionType,
  EventType,
  LONG_TIMER_INTERVAL_MS,
  MAX_SHORT_TIMER_MS,
  actionName,
  describeAction,
  flattenActions,
  preEncodedToWire,
  valueToWire,
  type Action,
  type HistoryEvent,
  type OrchestratorState,
} from './protocol';

export interface ActivityWork {
  name: string;
  input: string | undefined;
  taskId: number;
}

export interface SubStart {
  taskId: number;
  childId: string;
  name: string;
  version: string | undefined;
  input: string | undefined;
}

/** An event for this execution, due at `dueAt` (timers, retry timeouts). */
export interface SelfEvent {
  dueAt: number;
  event: HistoryEvent;
}

export type Completion =
  | { status: 'Completed'; output: string }
  | { status: 'Failed'; output: string; reason: string; details: string };

export interface EpisodePlan {
  /** Events after OrchestratorStarted + the new event, OrchestratorCompleted included. */
  append: HistoryEvent[];
  activities: ActivityWork[];
  selfEvents: SelfEvent[];
  subStarts: SubStart[];
  customStatus: string | null;
  completion?: Completion;
  continueAsNew?: { input: string | undefined; carried: HistoryEvent[] };
}

export type ReplayResult = { kind: 'state'; state: OrchestratorState; failed: boolean } | { kind: 'crash'; message: string };

export interface EpisodeInput {
  instanceId: string;
  name: string;
  book: Bookkeeping;
  event: HistoryEvent;
  time: number;
  result: ReplayResult;
  /** The execution's history before this episode (parsed lazily; only continue-as-new needs it). */
  history: () => HistoryEvent[];
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function historyEvent(type: number, time: number, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: iso(time), ...fields };
}

const UNSUPPORTED: Record<number, string> = {
  [ActionType.CallEntity]: 'callEntity',
  [ActionType.SignalEntity]: 'signalEntity',
  [ActionType.LockEntities]: 'lock',
  [ActionType.ReleaseEntities]: 'lock release',
  [ActionType.CallHttp]: 'callHttp',
};

/** Deduplicates by object identity: a task yielded again inside a new Task.all/any is not new. */
function flattenUnique(groups: Action[][]): Action[] {
  const seen = new Set<Action>();
  return flattenActions(groups).filter((a) => (seen.has(a) ? false : (seen.add(a), true)));
}

export function planEpisode(input: EpisodeInput): EpisodePlan {
  const { book, time: T } = input;
  const plan: EpisodePlan = { append: [], activities: [], selfEvents: [], subStarts: [], customStatus: null };
  const take = () => book.nextSeq++;

  const startTimer = (id: number, fireAt: number) => {
    plan.append.push(historyEvent(EventType.TimerCreated, T, { FireAt: iso(fireAt) }, id));
    plan.selfEvents.push({ dueAt: fireAt, event: historyEvent(EventType.TimerFired, fireAt, { TimerId: id, FireAt: iso(fireAt) }) });
  };

  const startAttempt = (t: RetryTracker, id: number) => {
    if (t.kind === 'activity') {
      plan.append.push(historyEvent(EventType.TaskScheduled, T, { Name: t.name, Input: t.input }, id));
    } else {
      const childId = t.childId ?? `${input.instanceId}:${id}`;
      plan.append.push(historyEvent(EventType.SubOrchestrationInstanceCreated, T, { Name: t.name, InstanceId: childId, Input: t.input, Version: t.version }, id));
    }
    if (retryExpired(t, T)) {
      // The library always expects the attempt it asked for; past the retry timeout DTFx would
      // stop retrying, so the attempt fails at once with the last failure instead of running.
      const type = t.kind === 'activity' ? EventType.TaskFailed : EventType.SubOrchestrationInstanceFailed;
      const reason = `${t.lastReason ?? 'failed'} (retry timeout of ${t.options.retryTimeoutInMilliseconds} ms expired; attempt ${t.attempt} was not run)`;
      plan.selfEvents.push({ dueAt: T, event: historyEvent(type, T, { TaskScheduledId: id, Reason: reason, Details: t.lastDetails ?? '' }) });
    } else if (t.kind === 'activity') {
      plan.activities.push({ name: t.name, input: t.input, taskId: id });
    } else {
      plan.subStarts.push({ taskId: id, childId: t.childId ?? `${input.instanceId}:${id}`, name: t.name, version: t.version, input: t.input });
    }
  };

  // 1. Chains the library extends while it processes the new event, before user code resumes.
  const ev = input.event;
  const key = String(ev.TaskScheduledId ?? ev.TimerId ?? '');
  switch (ev.EventType) {
    case EventType.TaskCompleted:
    case EventType.SubOrchestrationInstanceCompleted:
      delete book.retries[key];
      break;
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceFailed: {
      const t = book.retries[key];
      if (t && !t.waitingOnTimer) {
        delete book.retries[key];
        t.lastReason = typeof ev.Reason === 'string' ? ev.Reason : undefined;
        t.lastDetails = typeof ev.Details === 'string' ? ev.Details : undefined;
        // DTFx creates the retry timer after every failed attempt, the last one included.
        const id = take();
        startTimer(id, T + (retryExpired(t, T) ? 0 : retryDelayMs(t.options, t.attempt)));
        t.waitingOnTimer = true;
        book.retries[id] = t;
      }
      break;
    }
    case EventType.TimerFired: {
      const t = book.retries[key];
      if (t && t.waitingOnTimer) {
        delete book.retries[key];
        if (t.attempt < t.options.maxNumberOfAttempts) {
          const id = take();
          t.attempt++;
          t.waitingOnTimer = false;
          book.retries[id] = t;
          startAttempt(t, id);
        }
      }
      const final = book.longTimers[key];
      if (final !== undefined) {
        delete book.longTimers[key];
        if (final > T) {
          const id = take();
          book.longTimers[id] = final;
          startTimer(id, final - T > MAX_SHORT_TIMER_MS ? T + LONG_TIMER_INTERVAL_MS : final);
        }
      }
      break;
    }
  }

  const finish = (completion: Completion) => {
    plan.completion = completion;
    const fields: Record<string, unknown> = { OrchestrationStatus: completion.status, Result: completion.output };
    if (completion.status === 'Failed') fields.FailureDetails = { ErrorType: 'OrchestrationFailure', ErrorMessage: completion.reason };
    plan.append.push(historyEvent(EventType.ExecutionCompleted, T, fields));
  };
  const fail = (message: string, details = '') => {
    const reason = `Orchestrator function '${input.name}' failed: ${message}`;
    finish({ status: 'Failed', output: JSON.stringify(reason), reason, details });
  };

  // 2. The replay's answer.
  const result = input.result;
  if (result.kind === 'crash') {
    fail(result.message);
    plan.append.push(historyEvent(EventType.OrchestratorCompleted, T));
    return plan;
  }
  const state = result.state;
  plan.customStatus = state.customStatus === undefined ? null : (valueToWire(state.customStatus) ?? null);
  const actions = flattenUnique(state.actions ?? []);
  const known = book.known;

  const mismatch = checkDeterminism(known, actions);
  if (mismatch) {
    fail(mismatch);
  } else if (result.failed) {
    fail(state.error ?? 'unknown error');
  } else {
    const fresh = actions.slice(known.length);
    const unsupported = fresh.find((a) => UNSUPPORTED[a.actionType]);
    if (unsupported) {
      fail(
        `${UNSUPPORTED[unsupported.actionType]} is not supported by the local Durable engine ` +
          `(durable entities and callHttp are not implemented; see docs/DURABLE.md)`,
      );
    } else if (state.isDone) {
      const can = actions.find((a) => a.actionType === ActionType.ContinueAsNew);
      if (can) {
        plan.continueAsNew = { input: preEncodedToWire(can.input), carried: unconsumedEvents(input.history(), ev, actions) };
        plan.append.push(historyEvent(EventType.ContinueAsNew, T, { Result: preEncodedToWire(can.input) }));
      } else {
        finish({ status: 'Completed', output: valueToWire(state.output) ?? 'null' });
      }
    } else {
      for (const a of fresh) {
        known.push([a.actionType, actionName(a)]);
        schedule(a);
      }
    }
  }
  plan.append.push(historyEvent(EventType.OrchestratorCompleted, T));
  return plan;

  function schedule(a: Action): void {
    switch (a.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const id = take();
        const wire = preEncodedToWire(a.input);
        plan.append.push(historyEvent(EventType.TaskScheduled, T, { Name: a.functionName, Input: wire }, id));
        plan.activities.push({ name: a.functionName!, input: wire, taskId: id });
        if (a.actionType === ActionType.CallActivityWithRetry && a.retryOptions) {
          book.retries[id] = tracker('activity', a, wire);
        }
        break;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const id = take();
        const wire = valueToWire(a.input);
        const childId = a.instanceId || `${input.instanceId}:${id}`;
        plan.append.push(
          historyEvent(EventType.SubOrchestrationInstanceCreated, T, { Name: a.functionName, InstanceId: childId, Input: wire, Version: a.version }, id),
        );
        plan.subStarts.push({ taskId: id, childId, name: a.functionName!, version: a.version, input: wire });
        if (a.actionType === ActionType.CallSubOrchestratorWithRetry && a.retryOptions) {
          book.retries[id] = tracker('sub', a, wire);
        }
        break;
      }
      case ActionType.CreateTimer: {
        const id = take();
        const fireAt = new Date(a.fireAt as Date | string).getTime();
        // The library made this a LongTimerTask if it was longer than the maximum short timer when
        // created; it then waits for a chain of interval-long sub-timers, each with its own id.
        if (fireAt - T > MAX_SHORT_TIMER_MS) {
          book.longTimers[id] = fireAt;
          startTimer(id, T + LONG_TIMER_INTERVAL_MS);
        } else startTimer(id, fireAt);
        break;
      }
      default:
        // WaitForExternalEvent takes no id (it is keyed by name); ContinueAsNew ends the episode.
        break;
    }
  }

  function tracker(kind: 'activity' | 'sub', a: Action, wire: string | undefined): RetryTracker {
    return {
      kind,
      name: a.functionName!,
      input: wire,
      childId: kind === 'sub' ? a.instanceId || undefined : undefined,
      version: a.version,
      options: a.retryOptions!,
      attempt: 1,
      firstAttemptAt: T,
      waitingOnTimer: false,
    };
  }
}

/** Compares the remembered actions with the replay's (type and name); a message on mismatch. */
export function checkDeterminism(known: Array<[number, string]>, actions: Action[]): string | undefined {
  for (let i = 0; i < known.length; i++) {
    const [type, name] = known[i]!;
    const now = actions[i];
    if (!now) {
      return (
        `Non-Deterministic workflow detected: at step ${i} the history recorded ${describeAction(type, name)}, ` +
        `but the orchestrator did not schedule it this time. Was a change made to the orchestrator code after this instance had already started running?`
      );
    }
    if (now.actionType !== type || actionName(now) !== name) {
      return (
        `Non-Deterministic workflow detected: at step ${i} the history recorded ${describeAction(type, name)}, ` +
        `but the orchestrator now scheduled ${describeAction(now.actionType, actionName(now))}. ` +
        `Was a change made to the orchestrator code after this instance had already started running?`
      );
    }
  }
  return undefined;
}

/**
 * EventRaised events the execution never consumed, carried into the next one (as DTFx does): per
 * name, the events beyond the number of waitForExternalEvent calls, latest last.
 */
export function unconsumedEvents(history: HistoryEvent[], current: HistoryEvent, actions: Action[]): HistoryEvent[] {
  const waits = new Map<string, number>();
  for (const a of actions) {
    if (a.actionType === ActionType.WaitForExternalEvent) waits.set(a.externalEventName!, (waits.get(a.externalEventName!) ?? 0) + 1);
  }
  const byName = new Map<string, HistoryEvent[]>();
  for (const e of [...history, current]) {
    if (e.EventType !== EventType.EventRaised) continue;
    const list = byName.get(String(e.Name)) ?? [];
    list.push(e);
    byName.set(String(e.Name), list);
  }
  const out: HistoryEvent[] = [];
  for (const [name, list] of byName) out.push(...list.slice(Math.min(list.length, waits.get(name) ?? 0)));
  return out;
}
