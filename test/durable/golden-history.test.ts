// Golden histories: the fixture app's orchestrations run on a real dpl-host (virtual clock), and
// for each the test checks the output and the recorded history (event types, order, the ids that
// link TaskScheduled/TimerCreated to their completions) against what the Durable Task Framework
// records for the same code (reference §3: one new event per episode, retry timers after every
// failed attempt, long timers as a chain of sub-timers, WaitForExternalEvent taking no id).
import path from 'node:path';
import { REPO, startHost, type HostProcess } from '../support/host-process';
import { compact, count, DurableHttp, type RawEvent } from './helpers';

const APP = path.join(REPO, 'test/fixtures/apps/durable');
const DAY = 86_400_000;

let host: HostProcess;
let df: DurableHttp;

beforeAll(async () => {
  host = await startHost({ app: APP, args: ['--no-keys'], env: { DPL_DURABLE_CLOCK: 'virtual' } });
  df = new DurableHttp(host.url);
});

afterAll(async () => {
  await host?.stop();
});

const ms = (iso: unknown) => Date.parse(String(iso));
/** How long after its creation each timer was set to fire. */
const timerDelays = (h: RawEvent[]) => h.filter((e) => e.EventType === 10).map((e) => ms(e.FireAt) - ms(e.Timestamp));

test('sequence: one activity per episode, ids in call order', async () => {
  await df.start('sequence', 'seq-1', ['Tokyo', 'Seattle', 'London']);
  const s = await df.done('seq-1');
  expect(s.runtimeStatus).toBe('Completed');
  expect(s.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
  expect(s.input).toEqual(['Tokyo', 'Seattle', 'London']);
  expect(compact(await df.history('seq-1'))).toBe(
    'OS ES TS#0:hello OC OS TC@0 TS#1:hello OC OS TC@1 TS#2:hello OC OS TC@2 EC:Completed OC',
  );
});

test('fan-out: Task.all schedules every activity in one episode, completions in any order', async () => {
  await df.start('fanOut', 'fan-1');
  const s = await df.done('fan-1');
  expect(s.output).toBe(6);
  const tokens = compact(await df.history('fan-1')).split(' ');
  expect(tokens.slice(0, 6).join(' ')).toBe('OS ES TS#0:echo TS#1:echo TS#2:echo OC');
  const completions = tokens.filter((t) => t.startsWith('TC@')).sort();
  expect(completions).toEqual(['TC@0', 'TC@1', 'TC@2']);
  expect(tokens.slice(-2).join(' ')).toBe('EC:Completed OC');
  expect(tokens.filter((t) => t === 'OS')).toHaveLength(4);
});

test('callActivityWithRetry: a retry timer after each failure, then the next attempt', async () => {
  await df.start('retrying', 'retry-1');
  const s = await df.done('retry-1', { advance: true });
  expect(s.output).toBe('ok after 3');
  const h = await df.history('retry-1');
  expect(compact(h)).toBe(
    'OS ES TS#0:flaky OC OS TF@0 TCr#1 OC OS TFi@1 TS#2:flaky OC OS TF@2 TCr#3 OC OS TFi@3 TS#4:flaky OC OS TC@4 EC:Completed OC',
  );
  expect(timerDelays(h)).toEqual([1000, 1000]);
});

test('callActivityWithRetry: the timer after the last failed attempt fires before the failure surfaces', async () => {
  await df.start('retryExhausted', 'retry-2');
  const s = await df.done('retry-2', { advance: true });
  expect(s.runtimeStatus).toBe('Completed');
  expect(String(s.output)).toContain("Activity function 'alwaysFails' failed: boom: x");
  const h = await df.history('retry-2');
  expect(compact(h)).toBe(
    'OS ES TS#0:alwaysFails OC OS TF@0 TCr#1 OC OS TFi@1 TS#2:alwaysFails OC OS TF@2 TCr#3 OC OS TFi@3 EC:Completed OC',
  );
  // firstRetryInterval 1 s, backoff 2: 1 s after the first failure, 2 s after the second.
  expect(timerDelays(h)).toEqual([1000, 2000]);
});

test('long timer: a 10-day timer runs as 3-day sub-timers, each with its own id', async () => {
  await df.start('longTimer', 'long-1');
  const s = await df.done('long-1', { advance: true });
  expect(s.output).toBe(10);
  const h = await df.history('long-1');
  expect(compact(h)).toBe('OS ES TCr#0 OC OS TFi@0 TCr#1 OC OS TFi@1 TCr#2 OC OS TFi@2 EC:Completed OC');
  expect(timerDelays(h)).toEqual([3 * DAY, 3 * DAY, 4 * DAY]);
});

test('waitForExternalEvent takes no id; an event raised early is kept until asked for', async () => {
  await df.start('earlyEvent', 'early-1');
  await df.historyUntil('early-1', (h) => count(h, 10) === 1, 'the timer to be created');
  expect(await df.raise('early-1', 'go', { early: true })).toBe(202);
  await df.historyUntil('early-1', (h) => count(h, 15) === 1, 'the event to be recorded');
  const s = await df.done('early-1', { advance: true });
  expect(s.output).toEqual({ early: true });
  expect(compact(await df.history('early-1'))).toBe('OS ES TCr#0 OC OS ER:go OC OS TFi@0 EC:Completed OC');
});

test('Task.any: the timer wins when no event comes', async () => {
  await df.start('anyTimeout', 'any-1');
  const s = await df.done('any-1', { advance: true });
  expect(s.output).toBe('timeout');
  expect(compact(await df.history('any-1'))).toBe('OS ES TCr#0 OC OS TFi@0 EC:Completed OC');
});

test('Task.any: the event wins and the timer is cancelled', async () => {
  await df.start('anyTimeout', 'any-2');
  await df.historyUntil('any-2', (h) => count(h, 10) === 1, 'the timer to be created');
  await df.raise('any-2', 'answer', 42);
  const s = await df.done('any-2');
  expect(s.output).toEqual({ answer: 42 });
  expect(compact(await df.history('any-2'))).toBe('OS ES TCr#0 OC OS ER:answer EC:Completed OC');
});

test('sub-orchestrations: explicit and deterministic child ids, results and failures reach the parent', async () => {
  await df.start('parent', 'par-1');
  const s = await df.done('par-1');
  expect(s.output).toEqual({
    named: 'Hello named',
    generated: 'Hello generated',
    failure: expect.stringContaining("Orchestrator function 'childThrows' failed: child exploded"),
  });
  const h = await df.history('par-1');
  expect(compact(h)).toBe(
    'OS ES SC#0:child OC OS SCC@0 SC#1:child OC OS SCC@1 SC#2:childThrows OC OS SCF@2 EC:Completed OC',
  );
  const childIds = h.filter((e) => e.EventType === 7).map((e) => e.InstanceId);
  expect(childIds).toEqual(['par-1-named', 'par-1:1', 'par-1:2']);
  const generated = await df.status('par-1:1');
  expect(generated).toMatchObject({ name: 'child', runtimeStatus: 'Completed', output: 'Hello generated', input: 'generated' });
  expect(compact(await df.history('par-1:1'))).toBe('OS ES TS#0:hello OC OS TC@0 EC:Completed OC');
  expect((await df.status('par-1:2'))?.runtimeStatus).toBe('Failed');
});

test('callSubOrchestratorWithRetry: each attempt is a new child instance, with a retry timer after each failure', async () => {
  await df.start('subRetry', 'sr-1');
  const s = await df.done('sr-1', { advance: true });
  expect(s.output).toBe('ok after 3');
  const h = await df.history('sr-1');
  expect(compact(h)).toBe(
    'OS ES SC#0:flakyChild OC OS SCF@0 TCr#1 OC OS TFi@1 SC#2:flakyChild OC OS SCF@2 TCr#3 OC OS TFi@3 SC#4:flakyChild OC OS SCC@4 EC:Completed OC',
  );
  expect(h.filter((e) => e.EventType === 7).map((e) => e.InstanceId)).toEqual(['sr-1:0', 'sr-1:2', 'sr-1:4']);
  expect(timerDelays(h)).toEqual([500, 500]);
  expect((await df.status('sr-1:0'))?.runtimeStatus).toBe('Failed');
});

test('continueAsNew restarts with the new input and a fresh history', async () => {
  await df.start('counter', 'cnt-1', 1);
  const s = await df.done('cnt-1');
  expect(s.output).toBe(3);
  expect(s.input).toBe(3);
  expect(compact(await df.history('cnt-1'))).toBe('OS ES TS#0:echo OC OS TC@0 EC:Completed OC');
});

test('continueAsNew carries events the execution did not consume', async () => {
  await df.start('carry', 'carry-1');
  await df.historyUntil('carry-1', (h) => count(h, 10) === 1, 'the timer to be created');
  await df.raise('carry-1', 'data', 'first');
  await df.raise('carry-1', 'data', 'second');
  await df.historyUntil('carry-1', (h) => count(h, 15) === 2, 'both events to be recorded');
  const s = await df.done('carry-1', { advance: true });
  expect(s.output).toEqual(['first', 'second']);
  expect(compact(await df.history('carry-1'))).toBe('OS ES OC OS ER:data EC:Completed OC');
});

test('setCustomStatus is visible while the orchestration runs', async () => {
  await df.start('customStatus', 'cs-1');
  const waiting = await df.historyUntil('cs-1', (h) => count(h, 5) === 1, 'the activity to complete');
  expect(compact(waiting)).toBe('OS ES TS#0:echo OC OS TC@0 OC');
  expect((await df.status('cs-1'))?.customStatus).toEqual({ step: 2 });
  await df.raise('cs-1', 'finish', null);
  const s = await df.done('cs-1');
  expect(s).toMatchObject({ output: 'finished', customStatus: { step: 2 } });
});

test('isReplaying is true while replaying and false for new code', async () => {
  await df.start('replayFlags', 'rf-1');
  const s = await df.done('rf-1');
  // The first push happens on replay during the second episode, the second push is new code.
  expect(s.output).toEqual([true, false]);
});

test('an orchestrator that throws fails with its message', async () => {
  await df.start('throws', 'throw-1');
  const s = await df.done('throw-1');
  expect(s.runtimeStatus).toBe('Failed');
  expect(s.output).toBe("Orchestrator function 'throws' failed: orchestrator exploded");
  expect(compact(await df.history('throw-1'))).toBe('OS ES TS#0:echo OC OS TC@0 EC:Failed OC');
});

test("a failed activity's message reaches the orchestrator", async () => {
  await df.start('activityFails', 'af-1');
  const s = await df.done('af-1');
  expect(s.runtimeStatus).toBe('Completed');
  expect(String(s.output)).toMatch(/^Activity function 'alwaysFails' failed: boom: plain/);
  expect(compact(await df.history('af-1'))).toBe('OS ES TS#0:alwaysFails OC OS TF@0 EC:Completed OC');
});

test('a non-deterministic orchestrator fails with an error naming the step and both actions', async () => {
  await df.start('nondeterministic', 'nd-1');
  const s = await df.done('nd-1');
  expect(s.runtimeStatus).toBe('Failed');
  expect(s.output).toBe(
    "Orchestrator function 'nondeterministic' failed: Non-Deterministic workflow detected: at step 0 the history recorded " +
      "CallActivity 'hello', but the orchestrator now scheduled CallActivity 'echo'. " +
      'Was a change made to the orchestrator code after this instance had already started running?',
  );
  expect(compact(await df.history('nd-1'))).toBe('OS ES TS#0:hello OC OS TC@0 EC:Failed OC');
});

test('maxConcurrentActivityFunctions from host.json bounds parallel activities', async () => {
  await df.start('probes', 'probe-1');
  const s = await df.done('probe-1');
  // host.json allows 4; twelve 20 ms activities fanned out reach the limit but never pass it.
  expect(s.output).toBeLessThanOrEqual(4);
  expect(s.output).toBeGreaterThanOrEqual(1);
});

test('terminate, suspend and resume are recorded; events wait while suspended', async () => {
  await df.start('waitEvent', 'sus-1');
  await df.historyUntil('sus-1', (h) => count(h, 13) === 1, 'the first episode');
  expect(await df.post('instances/sus-1/suspend?reason=pause')).toBe(202);
  await df.historyUntil('sus-1', (h) => count(h, 19) === 1, 'the suspension to be recorded');
  expect((await df.status('sus-1'))?.runtimeStatus).toBe('Suspended');
  expect(await df.raise('sus-1', 'approval', 'yes')).toBe(202);
  expect(await df.post('instances/sus-1/resume?reason=go')).toBe(202);
  const s = await df.done('sus-1');
  expect(s.output).toEqual({ approved: 'yes' });
  // The event, raised before the resume, was delivered only after it.
  expect(compact(await df.history('sus-1'))).toBe('OS ES OC OS SUS OC OS RES OC OS ER:approval EC:Completed OC');

  await df.start('waitEvent', 'term-1');
  await df.historyUntil('term-1', (h) => count(h, 13) === 1, 'the first episode');
  expect(await df.post('instances/term-1/terminate?reason=enough')).toBe(202);
  const t = await df.done('term-1');
  expect(t).toMatchObject({ runtimeStatus: 'Terminated', output: 'enough' });
  expect(compact(await df.history('term-1'))).toBe('OS ES OC OS ET EC:Terminated OC');
  expect(await df.post('instances/term-1/terminate')).toBe(410);
  expect(await df.raise('term-1', 'approval', 1)).toBe(410);
  expect(await df.post('instances/nope/terminate')).toBe(404);
});
