// The engine's side of the protocol, in-process: DTFx retry delays, the long-timer chain, the
// retry timeout, the determinism check's messages, events carried over by continue-as-new, and the
// durable-functions version pin.
import { freshBookkeeping, retryDelayMs } from '../../local/durable/bookkeeping';
import { instanceIdProblem } from '../../local/durable/engine';
import { checkDeterminism, historyEvent, planEpisode, unconsumedEvents, type ReplayResult } from '../../local/durable/planner';
import { ActionType, EventType, flattenActions, type Action, type HistoryEvent } from '../../local/durable/protocol';
import { loadedDurableFunctions, PINNED_DURABLE_FUNCTIONS, versionProblems } from '../../local/durable/version';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const running = (actions: Action[]): ReplayResult => ({ kind: 'state', state: { isDone: false, actions: [actions] }, failed: false });

test('retry delays follow DTFx: first interval times backoff^(attempt-1), capped', () => {
  const o = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 5000 };
  expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(o, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  expect(retryDelayMs({ firstRetryIntervalInMilliseconds: 300, maxNumberOfAttempts: 2 }, 3)).toBe(300);
});

test('a 13-day timer becomes 3-day sub-timers until less than 6 days remain', () => {
  const book = freshBookkeeping(T0);
  const final = T0 + 13 * DAY;
  const timer: Action = { actionType: ActionType.CreateTimer, fireAt: new Date(final), isCanceled: false };
  const start = historyEvent(EventType.ExecutionStarted, T0);
  let plan = planEpisode({ instanceId: 'i', name: 'o', book, event: start, time: T0, result: running([timer]), history: () => [] });
  const fires: number[] = [];
  for (let guard = 0; guard < 10 && plan.selfEvents.length; guard++) {
    const next = plan.selfEvents[0]!;
    fires.push(next.dueAt);
    plan = planEpisode({ instanceId: 'i', name: 'o', book, event: next.event, time: next.dueAt, result: running([timer]), history: () => [] });
  }
  expect(fires.map((t) => (t - T0) / DAY)).toEqual([3, 6, 9, 13]);
  expect(book.nextSeq).toBe(4); // one id per sub-timer, as the library's LongTimerTask allocates them
});

test('past the retry timeout the next attempt fails at once instead of running', () => {
  const book = freshBookkeeping(T0);
  const call: Action = {
    actionType: ActionType.CallActivityWithRetry,
    functionName: 'f',
    input: 1,
    retryOptions: { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, retryTimeoutInMilliseconds: 1500 },
  };
  planEpisode({ instanceId: 'i', name: 'o', book, event: historyEvent(EventType.ExecutionStarted, T0), time: T0, result: running([call]), history: () => [] });
  const failed = historyEvent(EventType.TaskFailed, T0 + 100, { TaskScheduledId: 0, Reason: 'nope', Details: '' });
  const p1 = planEpisode({ instanceId: 'i', name: 'o', book, event: failed, time: T0 + 100, result: running([call]), history: () => [] });
  expect(p1.selfEvents.map((s) => s.dueAt - T0)).toEqual([1100]);
  const fired = p1.selfEvents[0]!;
  const p2 = planEpisode({ instanceId: 'i', name: 'o', book, event: fired.event, time: T0 + 2000, result: running([call]), history: () => [] });
  expect(p2.activities).toEqual([]);
  expect(p2.selfEvents).toHaveLength(1);
  expect(p2.selfEvents[0]!.event).toMatchObject({ EventType: EventType.TaskFailed, TaskScheduledId: 2 });
  expect(String(p2.selfEvents[0]!.event.Reason)).toContain('retry timeout of 1500 ms expired');
});

test('the determinism check names the step and both actions', () => {
  const known: Array<[number, string]> = [
    [ActionType.CallActivity, 'a'],
    [ActionType.CreateTimer, ''],
  ];
  const now: Action[] = [
    { actionType: ActionType.CallActivity, functionName: 'a' },
    { actionType: ActionType.CallSubOrchestrator, functionName: 'child' },
  ];
  expect(checkDeterminism(known, now)).toBe(
    "Non-Deterministic workflow detected: at step 1 the history recorded CreateTimer, but the orchestrator now scheduled CallSubOrchestrator 'child'. " +
      'Was a change made to the orchestrator code after this instance had already started running?',
  );
  expect(checkDeterminism(known, now.slice(0, 1))).toContain('at step 1 the history recorded CreateTimer, but the orchestrator did not schedule it');
  expect(checkDeterminism(known, [now[0]!, { actionType: ActionType.CreateTimer, fireAt: new Date() }])).toBeUndefined();
});

test('Task.all/any flatten depth-first, the order the library hands out ids', () => {
  const a = (n: string): Action => ({ actionType: ActionType.CallActivity, functionName: n });
  const tree: Action[] = [a('1'), { actionType: ActionType.WhenAll, compoundActions: [a('2'), { actionType: ActionType.WhenAny, compoundActions: [a('3'), a('4')] }, a('5')] }];
  expect(flattenActions([tree]).map((x) => x.functionName)).toEqual(['1', '2', '3', '4', '5']);
});

test('continue-as-new carries the events beyond the ones waited for, per name', () => {
  const raised = (name: string, input: string) => historyEvent(EventType.EventRaised, T0, { Name: name, Input: JSON.stringify(input) });
  const history: HistoryEvent[] = [raised('x', '1'), raised('y', 'a'), raised('x', '2')];
  const waits: Action[] = [{ actionType: ActionType.WaitForExternalEvent, externalEventName: 'x' }];
  const carried = unconsumedEvents(history, raised('x', '3'), waits);
  expect(carried.map((e) => `${String(e.Name)}=${JSON.parse(String(e.Input))}`)).toEqual(['x=2', 'x=3', 'y=a']);
});

test('durable-functions is the pinned version, and any other version is reported', () => {
  const copies = loadedDurableFunctions();
  expect(copies.length).toBeGreaterThan(0);
  expect(copies.every((c) => c.version === PINNED_DURABLE_FUNCTIONS)).toBe(true);
  expect(versionProblems()).toEqual([]);
  expect(versionProblems([{ dir: '/x/node_modules/durable-functions', version: '3.6.0' }])[0]).toMatch(
    /^durable-functions 3\.6\.0 is installed at \/x\/node_modules\/durable-functions, but the local Durable engine is verified against exactly 3\.5\.0/,
  );
});

test('instance ids follow Azure rules', () => {
  expect(instanceIdProblem('ws:contoso')).toBeUndefined();
  expect(instanceIdProblem('cert:a.b-c_d')).toBeUndefined();
  for (const bad of ['a/b', 'a\\b', 'a#b', 'a?b', 'a\nb', 'x'.repeat(257)]) expect(instanceIdProblem(bad)).toBeDefined();
});
