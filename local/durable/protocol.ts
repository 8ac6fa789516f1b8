// The out-of-proc protocol between the Durable extension and the `durable-functions` library:
// history event and action shapes, as the library reads and writes them (reference §3).

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export const EVENT_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(EventType).map(([k, v]) => [v, k]));

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export const ACTION_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ActionType).map(([k, v]) => [v, k]));

/** A history event as the host sends it: PascalCase, `Timestamp` an ISO string. */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export interface RetryOptionsWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryOptionsWire;
  instanceId?: string;
  version?: string;
  fireAt?: Date | string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
}

/** What the orchestrator handler returns (or embeds in its thrown error). */
export interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

/** The state a failing orchestrator embeds in its error message, or undefined for other errors. */
export function parseOutOfProcError(err: unknown): OrchestratorState | undefined {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  if (!message) return undefined;
  const i = message.indexOf(OUT_OF_PROC_LABEL);
  if (i < 0) return undefined;
  try {
    return JSON.parse(message.slice(i + OUT_OF_PROC_LABEL.length)) as OrchestratorState;
  } catch {
    return undefined;
  }
}

/** Depth-first walk of the action tree: the order in which the library hands out sequence ids. */
export function flattenActions(groups: Action[][]): Action[] {
  const out: Action[] = [];
  const walk = (a: Action) => {
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      for (const c of a.compoundActions ?? []) walk(c);
    } else out.push(a);
  };
  for (const group of groups) for (const a of group) walk(a);
  return out;
}

/** The name an action is compared by in the determinism check. */
export function actionName(a: Action): string {
  return a.functionName ?? a.externalEventName ?? a.instanceId ?? '';
}

export function describeAction(type: number, name: string): string {
  const kind = ACTION_TYPE_NAMES[type] ?? `action type ${type}`;
  return name ? `${kind} '${name}'` : kind;
}

/**
 * Activity and continueAsNew inputs arrive pre-encoded when they are strings (the library
 * JSON-encodes strings only); everything else is a plain value. Returns the JSON text.
 */
export function preEncodedToWire(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  return typeof input === 'string' ? input : JSON.stringify(input);
}

export function valueToWire(input: unknown): string | undefined {
  return input === undefined ? undefined : JSON.stringify(input);
}

/** .NET TimeSpan text ("d.hh:mm:ss") the binding info carries for the timer limits. */
export function timeSpan(ms: number): string {
  const d = Math.floor(ms / 86_400_000);
  let rest = ms - d * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  const s = Math.floor((rest - m * 60_000) / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d}.${p(h)}:${p(m)}:${p(s)}`;
}

export const DAY_MS = 86_400_000;
/** Production values: timers longer than 6 days are split into 3-day sub-timers. */
export const MAX_SHORT_TIMER_MS = 6 * DAY_MS;
export const LONG_TIMER_INTERVAL_MS = 3 * DAY_MS;
/** Schema V4 (ctx.df.lock needs it; V3+ needs the two timer durations). */
export const SCHEMA_VERSION = 3;
