// The embedded Durable engine: dispatches orchestration episodes (one new event each, never two of
// one instance at once) and activity invocations under host.json's concurrency limits, fires timers
// from its clock, and answers the management operations. SQLite (store.ts) is the truth; the queues
// here are a cache of the work table, rebuilt from it on start.
import { randomUUID } from 'node:crypto';
import type { FunctionRegistry, RegisteredFunction } from '../host/core-api';
import type { Invoker } from '../host/invoker';
import type { Logger } from '../host/logger';
import { freshBookkeeping } from './bookkeeping';
import type { Clock } from './clock';
import { VirtualClock } from './clock';
import { historyEvent, iso, planEpisode, type EpisodePlan, type ReplayResult } from './planner';
import {
  EventType,
  LONG_TIMER_INTERVAL_MS,
  MAX_SHORT_TIMER_MS,
  SCHEMA_VERSION,
  parseOutOfProcError,
  timeSpan,
  type HistoryEvent,
  type OrchestratorState,
} from './protocol';
import { TERMINAL, type Batch, type DurableStore, type InstanceQuery, type InstanceRow, type NewWork, type RuntimeStatus } from './store';
import { TimerQueue } from './timer-queue';

export interface EngineOptions {
  store: DurableStore;
  registry: FunctionRegistry;
  invoker: Invoker;
  logger: Logger;
  clock: Clock;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
}

interface QueuedEvent {
  workId: number;
  instanceId: string;
  executionId: string | null;
  event: HistoryEvent;
}

interface QueuedActivity {
  workId: number;
  instanceId: string;
  executionId: string | null;
  name: string;
  input: string | undefined;
  taskId: number;
}

interface Cached {
  row: InstanceRow;
  history: string[];
}

export class NotFoundError extends Error {}
export class ConflictError extends Error {}
export class InvalidInputError extends Error {}

/** Azure's rules for instance ids (they end up in storage keys and URLs). */
export function instanceIdProblem(id: string): string | undefined {
  if (id.length > 256) return 'an instance id may not be longer than 256 characters';
  // eslint-disable-next-line no-control-regex
  if (/[/\\#?\u0000-\u001f\u007f]/.test(id)) return "an instance id may not contain '/', '\\', '#', '?' or control characters";
  return undefined;
}

export type OpResult = 'accepted' | 'not-found' | 'gone';

export const ORCHESTRATION_TRIGGER = 'orchestrationtrigger';
export const ACTIVITY_TRIGGER = 'activitytrigger';
const CATEGORY = 'Host.Triggers.DurableTask';
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const START_DUE = 0;
const CARRIED_DUE = 1;

export class DurableEngine {
  readonly #o: EngineOptions;
  readonly #events = new Map<string, QueuedEvent[]>();
  readonly #ready = new Set<string>();
  readonly #busy = new Set<string>();
  readonly #suspended = new Set<string>();
  readonly #timers = new TimerQueue<QueuedEvent>();
  #activities: QueuedActivity[] = [];
  #activityHead = 0;
  #runningActivities = 0;
  #runningEpisodes = 0;
  readonly #cache = new Map<string, Cached>();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #pumpScheduled = false;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];
  /** Counters for the benchmark and diagnostics. */
  readonly stats = { episodes: 0, activities: 0 };

  constructor(options: EngineOptions) {
    this.#o = options;
  }

  get clock(): Clock {
    return this.#o.clock;
  }

  /** Rebuilds the queues from the work table: whatever was claimed when the last process died runs again. */
  start(): void {
    const now = this.#now();
    for (const id of this.#o.store.suspendedIds()) this.#suspended.add(id);
    for (const w of this.#o.store.allWork()) {
      const p = JSON.parse(w.payload) as Record<string, unknown>;
      if (w.kind === 'activity') {
        this.#activities.push({
          workId: w.id,
          instanceId: w.instanceId,
          executionId: w.executionId,
          name: p.name as string,
          input: p.input as string | undefined,
          taskId: p.taskId as number,
        });
      } else {
        const q: QueuedEvent = { workId: w.id, instanceId: w.instanceId, executionId: w.executionId, event: p as unknown as HistoryEvent };
        if (w.dueAt <= now) this.#enqueue(q, false);
        else this.#timers.push(w.dueAt, q);
      }
    }
    this.#armTimer();
    this.#schedulePump();
  }

  /** Stops dispatching and waits (bounded) for running episodes and activities to commit. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#inFlight]), new Promise((r) => (t = setTimeout(r, timeoutMs)))]);
    clearTimeout(t);
  }

  /** Resolves when nothing is running or due (pending timers aside). For tests and the benchmark. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  // ---- management operations -------------------------------------------------------------

  startNew(name: string, opts: { instanceId?: string; input?: string; version?: string } = {}): string {
    const fn = this.#orchestrator(name);
    if (!fn) throw new NotFoundError(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    const id = opts.instanceId || randomUUID().replace(/-/g, '');
    const problem = instanceIdProblem(id);
    if (problem) throw new InvalidInputError(problem);
    const existing = this.#row(id);
    if (existing && !TERMINAL.has(existing.status)) {
      throw new ConflictError(`An Orchestration instance with the status ${existing.status} already exists.`);
    }
    const now = this.#now();
    const row = this.#newInstanceRow(id, fn.name, opts.version ?? null, opts.input ?? null, now, null);
    const started = this.#startedEvent(row, now);
    const batch: Batch = { instances: [row], history: [{ instanceId: id, reset: true, startIdx: 0, events: [] }], insertWork: [this.#eventWork(id, row.executionId, START_DUE, started)] };
    const [workId] = this.#o.store.commit(batch);
    this.#cache.set(id, { row, history: [] });
    this.#enqueue({ workId: workId!, instanceId: id, executionId: row.executionId, event: started }, true);
    this.#schedulePump();
    return id;
  }

  raiseEvent(id: string, name: string, input: string | undefined): OpResult {
    return this.#send(id, historyEvent(EventType.EventRaised, this.#now(), { Name: name, Input: input }));
  }

  terminate(id: string, reason: string | undefined): OpResult {
    return this.#send(id, historyEvent(EventType.ExecutionTerminated, this.#now(), { Input: reason === undefined ? undefined : JSON.stringify(reason) }));
  }

  suspend(id: string, reason: string | undefined): OpResult {
    return this.#send(id, historyEvent(EventType.ExecutionSuspended, this.#now(), { Reason: reason }));
  }

  resume(id: string, reason: string | undefined): OpResult {
    return this.#send(id, historyEvent(EventType.ExecutionResumed, this.#now(), { Reason: reason }));
  }

  getInstance(id: string): InstanceRow | undefined {
    return this.#row(id);
  }

  getHistory(id: string): HistoryEvent[] | undefined {
    const c = this.#load(id);
    return c ? c.history.map((e) => JSON.parse(e) as HistoryEvent) : undefined;
  }

  query(q: InstanceQuery): InstanceRow[] {
    return this.#o.store.queryInstances(q);
  }

  /** Deletes a finished instance's state; returns how many instances went. */
  purge(ids: string[]): number {
    const gone = ids.filter((id) => {
      const row = this.#row(id);
      return row && TERMINAL.has(row.status) && !this.#busy.has(id);
    });
    if (!gone.length) return 0;
    this.#o.store.commit({ purge: gone });
    const set = new Set(gone);
    for (const id of gone) {
      this.#cache.delete(id);
      this.#events.delete(id);
      this.#ready.delete(id);
    }
    this.#timers.removeWhere((q) => set.has(q.instanceId));
    return gone.length;
  }

  /** Virtual clock only: jumps to the next due timer and fires it. Returns the new time, or undefined if none. */
  advanceClock(): number | undefined {
    const clock = this.#o.clock;
    if (!(clock instanceof VirtualClock)) throw new Error('the engine runs on the real clock');
    const due = this.#timers.peekDue();
    if (due === undefined) return undefined;
    clock.advanceTo(due);
    this.#releaseTimers();
    return clock.now();
  }

  // ---- dispatch ----------------------------------------------------------------------------

  #now(): number {
    return this.#o.clock.now();
  }

  #isIdle(): boolean {
    return this.#runningEpisodes === 0 && this.#runningActivities === 0 && this.#ready.size === 0 && this.#activityHead >= this.#activities.length;
  }

  #enqueue(q: QueuedEvent, front: boolean): void {
    let list = this.#events.get(q.instanceId);
    if (!list) this.#events.set(q.instanceId, (list = []));
    if (front) {
      // A new execution's start (and the events it carries) goes before anything already queued.
      let i = 0;
      while (i < list.length && list[i]!.event.EventType === EventType.ExecutionStarted) i++;
      list.splice(q.event.EventType === EventType.ExecutionStarted ? 0 : i, 0, q);
    } else list.push(q);
    if (!this.#busy.has(q.instanceId)) this.#ready.add(q.instanceId);
  }

  #send(id: string, event: HistoryEvent): OpResult {
    const row = this.#row(id);
    if (!row) return 'not-found';
    if (TERMINAL.has(row.status)) return 'gone';
    const [workId] = this.#o.store.commit({ insertWork: [this.#eventWork(id, null, this.#now(), event)] });
    this.#enqueue({ workId: workId!, instanceId: id, executionId: null, event }, false);
    this.#schedulePump();
    return 'accepted';
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#stopped) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#stopped) return;
    const { maxConcurrentOrchestrations, maxConcurrentActivities } = this.#o;
    for (const id of this.#ready) {
      if (this.#runningEpisodes >= maxConcurrentOrchestrations) break;
      this.#ready.delete(id);
      if (this.#busy.has(id)) continue;
      const item = this.#nextFor(id);
      if (!item) continue;
      this.#busy.add(id);
      this.#runningEpisodes++;
      this.#track(
        this.#runEpisode(item)
          .catch((err) => this.#episodeCrashed(item, err))
          .finally(() => {
            this.#busy.delete(id);
            this.#runningEpisodes--;
            if (this.#hasNext(id)) this.#ready.add(id);
          }),
      );
    }
    while (this.#runningActivities < maxConcurrentActivities && this.#activityHead < this.#activities.length) {
      const a = this.#activities[this.#activityHead++]!;
      if (this.#activityHead > 1024 && this.#activityHead * 2 > this.#activities.length) {
        this.#activities = this.#activities.slice(this.#activityHead);
        this.#activityHead = 0;
      }
      this.#runningActivities++;
      this.#track(
        this.#runActivity(a)
          .catch((err) => this.#o.logger.log({ level: 'error', category: CATEGORY, message: `activity '${a.name}' (${a.instanceId}) could not be recorded: ${(err as Error).stack ?? err}` }))
          .finally(() => this.#runningActivities--),
      );
    }
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p);
    void p.finally(() => {
      this.#inFlight.delete(p);
      this.#schedulePump();
      if (this.#idleWaiters.length) {
        setImmediate(() => {
          if (this.#isIdle()) for (const w of this.#idleWaiters.splice(0)) w();
        });
      }
    });
  }

  /** The next event an instance may process: while suspended, only resume and terminate. */
  #nextFor(id: string): QueuedEvent | undefined {
    const list = this.#events.get(id);
    if (!list?.length) return undefined;
    let i = 0;
    if (this.#suspended.has(id)) {
      i = list.findIndex((q) => q.event.EventType === EventType.ExecutionResumed || q.event.EventType === EventType.ExecutionTerminated);
      if (i < 0) return undefined;
    }
    const [item] = list.splice(i, 1);
    if (!list.length) this.#events.delete(id);
    return item;
  }

  #hasNext(id: string): boolean {
    const list = this.#events.get(id);
    if (!list?.length) return false;
    if (!this.#suspended.has(id)) return true;
    return list.some((q) => q.event.EventType === EventType.ExecutionResumed || q.event.EventType === EventType.ExecutionTerminated);
  }

  #armTimer(): void {
    if (this.#o.clock.virtual || this.#stopped) return;
    clearTimeout(this.#timer);
    const due = this.#timers.peekDue();
    if (due === undefined) return;
    const wait = Math.min(Math.max(0, due - this.#now()), MAX_TIMEOUT_MS);
    this.#timer = setTimeout(() => this.#releaseTimers(), wait);
    this.#timer.unref?.();
  }

  #releaseTimers(): void {
    for (const q of this.#timers.popDue(this.#now())) this.#enqueue(q, false);
    this.#armTimer();
    this.#schedulePump();
  }

  #later(dueAt: number, q: QueuedEvent): void {
    if (dueAt <= this.#now()) this.#enqueue(q, false);
    else {
      const before = this.#timers.peekDue();
      this.#timers.push(dueAt, q);
      if (before === undefined || dueAt < before) this.#armTimer();
    }
  }

  #episodeCrashed(item: QueuedEvent, err: unknown): void {
    // A bug or a storage error, not an orchestrator failure: the work row is still there, so try
    // again a little later rather than lose the event.
    let pending = true;
    try {
      pending = this.#o.store.workExists(item.workId);
    } catch {
      // the store itself is failing: keep the event and try again
    }
    this.#o.logger.log({
      level: 'error',
      category: CATEGORY,
      message: `episode for '${item.instanceId}' failed${pending ? ' and will be retried' : ''}: ${(err as Error).stack ?? err}`,
    });
    // Only if it was not committed: a retry of a committed episode would deliver its event twice.
    if (pending) this.#later(this.#now() + 1000, item);
  }

  // ---- episodes ----------------------------------------------------------------------------

  /** The instance row alone (no history read), from the cache or the store. */
  #row(id: string): InstanceRow | undefined {
    return this.#cache.get(id)?.row ?? this.#o.store.getInstance(id);
  }

  #load(id: string): Cached | undefined {
    let c = this.#cache.get(id);
    if (!c) {
      const row = this.#o.store.getInstance(id);
      if (!row) return undefined;
      c = { row, history: this.#o.store.history(id) };
      if (!TERMINAL.has(row.status)) this.#cache.set(id, c);
    }
    return c;
  }

  #drop(item: QueuedEvent): void {
    this.#o.store.commit({ deleteWork: [item.workId] });
  }

  async #runEpisode(item: QueuedEvent): Promise<void> {
    const c = this.#load(item.instanceId);
    const ev = item.event;
    if (!c) return this.#drop(item);
    const row = c.row;
    const isStart = ev.EventType === EventType.ExecutionStarted;
    if (item.executionId !== null && item.executionId !== row.executionId) return this.#drop(item);
    if (TERMINAL.has(row.status) && !isStart) return this.#drop(item);
    // A start is only valid for an execution that has not begun (a restart makes a new execution id).
    if (isStart && row.status !== 'Pending' && row.status !== 'ContinuedAsNew') return this.#drop(item);
    const T = Math.max(this.#now(), row.book.lastTime);
    const os = historyEvent(EventType.OrchestratorStarted, T);
    const delivered: HistoryEvent = { ...ev, Timestamp: iso(T) };

    switch (ev.EventType) {
      case EventType.ExecutionTerminated: {
        const reason = typeof ev.Input === 'string' ? ev.Input : 'null';
        const done = historyEvent(EventType.ExecutionCompleted, T, { OrchestrationStatus: 'Terminated', Result: reason });
        return this.#commitControl(item, c, T, 'Terminated', [os, delivered, done, historyEvent(EventType.OrchestratorCompleted, T)], reason);
      }
      case EventType.ExecutionSuspended:
        if (row.status !== 'Running' && row.status !== 'Pending') return this.#drop(item);
        return this.#commitControl(item, c, T, 'Suspended', [os, delivered, historyEvent(EventType.OrchestratorCompleted, T)]);
      case EventType.ExecutionResumed:
        if (row.status !== 'Suspended') return this.#drop(item);
        return this.#commitControl(item, c, T, 'Running', [os, delivered, historyEvent(EventType.OrchestratorCompleted, T)]);
    }

    const fn = this.#orchestrator(row.name);
    const prior = isStart ? [] : c.history;
    const book = isStart ? freshBookkeeping(T) : structuredClone(row.book);
    let result: ReplayResult;
    if (!fn) {
      result = { kind: 'crash', message: `The function '${row.name}' doesn't exist, is disabled, or is not an orchestrator function.` };
    } else {
      result = await this.#replay(fn, row, prior, os, delivered);
    }
    this.stats.episodes++;
    const plan = planEpisode({
      instanceId: row.id,
      name: row.name,
      book,
      event: delivered,
      time: T,
      result,
      history: () => prior.map((e) => JSON.parse(e) as HistoryEvent),
    });
    book.lastTime = T;
    this.#commitEpisode(item, c, T, isStart, [os, delivered, ...plan.append], plan, book);
  }

  async #replay(fn: RegisteredFunction, row: InstanceRow, prior: string[], os: HistoryEvent, ev: HistoryEvent): Promise<ReplayResult> {
    // Serialised fresh every time: the library turns Timestamp strings into Dates in place.
    const history = prior.length ? `${prior.join(',')},${JSON.stringify(os)},${JSON.stringify(ev)}` : `${JSON.stringify(os)},${JSON.stringify(ev)}`;
    const payload =
      `{"history":[${history}],"instanceId":${JSON.stringify(row.id)},"isReplaying":false,` +
      `"upperSchemaVersion":${SCHEMA_VERSION},` +
      (row.input !== null ? `"input":${row.input},` : '') +
      (row.parentId !== null ? `"parentInstanceId":${JSON.stringify(row.parentId)},` : '') +
      `"maximumShortTimerDuration":"${timeSpan(MAX_SHORT_TIMER_MS)}","longRunningTimerIntervalDuration":"${timeSpan(LONG_TIMER_INTERVAL_MS)}",` +
      `"defaultHttpAsyncRequestSleepTimeMillseconds":30000}`;
    try {
      const res = await this.#o.invoker.invoke(fn, { trigger: { json: payload } });
      const state = res.result as OrchestratorState | undefined;
      if (!state || !Array.isArray(state.actions)) return { kind: 'crash', message: 'the orchestrator returned no orchestration state' };
      return { kind: 'state', state, failed: false };
    } catch (err) {
      const state = parseOutOfProcError(err);
      if (state) return { kind: 'state', state, failed: true };
      return { kind: 'crash', message: err instanceof Error ? err.message : String(err) };
    }
  }

  #commitControl(item: QueuedEvent, c: Cached, T: number, status: RuntimeStatus, events: HistoryEvent[], output?: string): void {
    const row: InstanceRow = { ...c.row, status, updatedAt: T, book: { ...c.row.book, lastTime: T } };
    if (output !== undefined) row.output = output;
    const work: NewWork[] = [];
    if (status === 'Terminated') {
      const parent = this.#parentNotice(row, { status: 'Failed', reason: `Orchestrator function '${row.name}' was terminated: ${output}`, details: '' }, T);
      if (parent) work.push(parent);
    }
    const strings = events.map((e) => JSON.stringify(e));
    const ids = this.#o.store.commit({
      deleteWork: [item.workId],
      instances: [row],
      history: [{ instanceId: row.id, reset: false, startIdx: c.history.length, events: strings }],
      insertWork: work,
    });
    c.row = row;
    c.history.push(...strings);
    if (status === 'Suspended') this.#suspended.add(row.id);
    else this.#suspended.delete(row.id);
    this.#afterCommit(work, ids);
    if (TERMINAL.has(status)) this.#cache.delete(row.id);
  }

  #commitEpisode(item: QueuedEvent, c: Cached, T: number, isStart: boolean, events: HistoryEvent[], plan: EpisodePlan, book: InstanceRow['book']): void {
    const row: InstanceRow = { ...c.row, book, updatedAt: T, customStatus: plan.customStatus, status: 'Running' };
    const work: NewWork[] = [];
    const children: InstanceRow[] = [];
    const resets: Batch['history'] = [];
    const exec = row.executionId;

    for (const a of plan.activities) {
      work.push({ kind: 'activity', instanceId: row.id, executionId: exec, dueAt: T, payload: JSON.stringify(a) });
    }
    for (const s of plan.selfEvents) work.push(this.#eventWork(row.id, exec, s.dueAt, s.event));
    for (const s of plan.subStarts) {
      const fail = (reason: string) =>
        work.push(this.#eventWork(row.id, exec, T, historyEvent(EventType.SubOrchestrationInstanceFailed, T, { TaskScheduledId: s.taskId, Reason: reason, Details: '' })));
      const existing = this.#row(s.childId);
      const childFn = this.#orchestrator(s.name);
      if (!childFn) fail(`The function '${s.name}' doesn't exist, is disabled, or is not an orchestrator function.`);
      else if (existing && !TERMINAL.has(existing.status)) fail(`An orchestration with instance ID '${s.childId}' already exists and is ${existing.status}.`);
      else {
        const child = this.#newInstanceRow(s.childId, childFn.name, s.version ?? null, s.input ?? null, T, { id: row.id, executionId: exec, taskId: s.taskId });
        children.push(child);
        resets.push({ instanceId: child.id, reset: true, startIdx: 0, events: [] });
        work.push(this.#eventWork(child.id, child.executionId, START_DUE, this.#startedEvent(child, T)));
      }
    }

    if (plan.completion) {
      row.status = plan.completion.status;
      row.output = plan.completion.output;
      const notice = this.#parentNotice(row, plan.completion, T);
      if (notice) work.push(notice);
    } else if (plan.continueAsNew) {
      row.executionId = randomUUID();
      row.status = 'ContinuedAsNew';
      row.input = plan.continueAsNew.input ?? null;
      row.output = null;
      row.book = freshBookkeeping(T);
      work.push(this.#eventWork(row.id, row.executionId, START_DUE, this.#startedEvent(row, T)));
      for (const e of plan.continueAsNew.carried) work.push(this.#eventWork(row.id, null, CARRIED_DUE, { ...e, EventId: -1 }));
    }

    const strings = events.map((e) => JSON.stringify(e));
    const ids = this.#o.store.commit({
      deleteWork: [item.workId],
      instances: [row, ...children],
      history: [{ instanceId: row.id, reset: isStart, startIdx: isStart ? 0 : c.history.length, events: strings }, ...resets],
      insertWork: work,
    });
    c.row = row;
    c.history = isStart ? strings : c.history.concat(strings);
    for (const child of children) this.#cache.set(child.id, { row: child, history: [] });
    this.#afterCommit(work, ids);
    if (TERMINAL.has(row.status)) this.#cache.delete(row.id);
  }

  /** Mirrors committed work rows into the in-memory queues. */
  #afterCommit(work: NewWork[], ids: number[]): void {
    work.forEach((w, i) => {
      const workId = ids[i]!;
      const p = JSON.parse(w.payload) as Record<string, unknown>;
      if (w.kind === 'activity') {
        this.#activities.push({ workId, instanceId: w.instanceId, executionId: w.executionId, name: p.name as string, input: p.input as string | undefined, taskId: p.taskId as number });
        return;
      }
      const q: QueuedEvent = { workId, instanceId: w.instanceId, executionId: w.executionId, event: p as unknown as HistoryEvent };
      if (w.dueAt === START_DUE || w.dueAt === CARRIED_DUE) this.#enqueue(q, true);
      else this.#later(w.dueAt, q);
    });
  }

  #parentNotice(row: InstanceRow, completion: { status: string; output?: string; reason?: string; details?: string }, T: number): NewWork | undefined {
    if (row.parentId === null || row.parentTaskId === null) return undefined;
    const event =
      completion.status === 'Completed'
        ? historyEvent(EventType.SubOrchestrationInstanceCompleted, T, { TaskScheduledId: row.parentTaskId, Result: completion.output })
        : historyEvent(EventType.SubOrchestrationInstanceFailed, T, { TaskScheduledId: row.parentTaskId, Reason: completion.reason, Details: completion.details ?? '' });
    return this.#eventWork(row.parentId, row.parentExecutionId, T, event);
  }

  // ---- activities --------------------------------------------------------------------------

  async #runActivity(a: QueuedActivity): Promise<void> {
    const fn = this.#o.registry.get(a.name);
    let event: HistoryEvent;
    if (!fn || fn.trigger.type.toLowerCase() !== ACTIVITY_TRIGGER) {
      event = historyEvent(EventType.TaskFailed, this.#now(), {
        TaskScheduledId: a.taskId,
        Reason: `The function '${a.name}' doesn't exist, is disabled, or is not an activity function.`,
        Details: '',
      });
    } else {
      try {
        const res = await this.#o.invoker.invoke(fn, { trigger: a.input === undefined ? undefined : { json: a.input } });
        event = historyEvent(EventType.TaskCompleted, this.#now(), { TaskScheduledId: a.taskId, Result: res.result === undefined ? 'null' : JSON.stringify(res.result) });
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        event = historyEvent(EventType.TaskFailed, this.#now(), { TaskScheduledId: a.taskId, Reason: `Activity function '${a.name}' failed: ${e.message}`, Details: e.stack ?? '' });
      }
    }
    this.stats.activities++;
    // At least once: the invocation and this commit are not atomic; a crash in between runs it again.
    const w = this.#eventWork(a.instanceId, a.executionId, this.#now(), event);
    const ids = this.#o.store.commit({ deleteWork: [a.workId], insertWork: [w] });
    this.#afterCommit([w], ids);
  }

  // ---- helpers -----------------------------------------------------------------------------

  #orchestrator(name: string): RegisteredFunction | undefined {
    const fn = this.#o.registry.get(name);
    return fn && fn.trigger.type.toLowerCase() === ORCHESTRATION_TRIGGER ? fn : undefined;
  }

  #eventWork(instanceId: string, executionId: string | null, dueAt: number, event: HistoryEvent): NewWork {
    return { kind: 'event', instanceId, executionId, dueAt, payload: JSON.stringify(event) };
  }

  #newInstanceRow(id: string, name: string, version: string | null, input: string | null, now: number, parent: { id: string; executionId: string; taskId: number } | null): InstanceRow {
    return {
      id,
      name,
      version,
      executionId: randomUUID(),
      status: 'Pending',
      input,
      output: null,
      customStatus: null,
      parentId: parent?.id ?? null,
      parentExecutionId: parent?.executionId ?? null,
      parentTaskId: parent?.taskId ?? null,
      createdAt: now,
      updatedAt: now,
      book: freshBookkeeping(now),
    };
  }

  #startedEvent(row: InstanceRow, T: number): HistoryEvent {
    const fields: Record<string, unknown> = {
      Name: row.name,
      Version: row.version ?? '',
      Input: row.input ?? undefined,
      OrchestrationInstance: { InstanceId: row.id, ExecutionId: row.executionId },
    };
    if (row.parentId) fields.ParentInstance = { OrchestrationInstance: { InstanceId: row.parentId, ExecutionId: row.parentExecutionId }, TaskScheduleId: row.parentTaskId };
    return historyEvent(EventType.ExecutionStarted, T, fields);
  }
}
