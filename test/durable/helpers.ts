// Talking to a running dpl-host's Durable engine over HTTP, and rendering histories compactly so a
// test can state the whole expected Durable Task history on one line.
import { waitFor } from '../support/wait';

export interface RawEvent {
  EventType: number;
  EventId: number;
  Timestamp: string;
  [k: string]: unknown;
}

export interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Array<Record<string, unknown>>;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated']);

/**
 * One token per event: OS/OC replay markers, ES start, TS#id:name scheduled activity, TC@id / TF@id
 * its completion / failure, TCr#id timer created, TFi@id timer fired, SC#id:name sub-orchestration
 * created, SCC@id / SCF@id its completion / failure, ER:name event raised, EC:status completion,
 * ET terminated, SUS / RES suspended / resumed, CAN continued as new.
 */
export function compact(events: RawEvent[]): string {
  return events
    .map((e) => {
      switch (e.EventType) {
        case 0:
          return 'ES';
        case 1:
          return `EC:${String(e.OrchestrationStatus)}`;
        case 3:
          return 'ET';
        case 4:
          return `TS#${e.EventId}:${String(e.Name)}`;
        case 5:
          return `TC@${String(e.TaskScheduledId)}`;
        case 6:
          return `TF@${String(e.TaskScheduledId)}`;
        case 7:
          return `SC#${e.EventId}:${String(e.Name)}`;
        case 8:
          return `SCC@${String(e.TaskScheduledId)}`;
        case 9:
          return `SCF@${String(e.TaskScheduledId)}`;
        case 10:
          return `TCr#${e.EventId}`;
        case 11:
          return `TFi@${String(e.TimerId)}`;
        case 12:
          return 'OS';
        case 13:
          return 'OC';
        case 15:
          return `ER:${String(e.Name)}`;
        case 16:
          return 'CAN';
        case 19:
          return 'SUS';
        case 20:
          return 'RES';
        default:
          return `?${e.EventType}`;
      }
    })
    .join(' ');
}

export class DurableHttp {
  constructor(
    readonly hostUrl: string,
    /** The system key, for /runtime/webhooks/durabletask; undefined when keys are off. */
    readonly systemKey?: string,
  ) {}

  rpc(path: string): string {
    return `${this.hostUrl}/durabletask/${path}`;
  }

  async start(name: string, id: string, input?: unknown): Promise<void> {
    const res = await fetch(this.rpc(`orchestrators/${name}/${encodeURIComponent(id)}`), {
      method: 'POST',
      body: input === undefined ? '' : JSON.stringify(input),
    });
    if (res.status !== 202) throw new Error(`start ${name} answered ${res.status}: ${await res.text()}`);
  }

  async status(id: string): Promise<Status | undefined> {
    const res = await fetch(this.rpc(`instances/${encodeURIComponent(id)}`));
    if (res.status === 404) return undefined;
    return (await res.json()) as Status;
  }

  async history(id: string): Promise<RawEvent[]> {
    const res = await fetch(this.rpc(`instances/${encodeURIComponent(id)}/history`));
    if (res.status !== 200) throw new Error(`history of ${id} answered ${res.status}`);
    return ((await res.json()) as { historyEvents: RawEvent[] }).historyEvents;
  }

  async raise(id: string, name: string, data: unknown): Promise<number> {
    const res = await fetch(this.rpc(`instances/${encodeURIComponent(id)}/raiseEvent/${name}`), { method: 'POST', body: JSON.stringify(data) });
    return res.status;
  }

  async post(path: string): Promise<number> {
    return (await fetch(this.rpc(path), { method: 'POST' })).status;
  }

  /** Virtual clock: jump to the next due timer. */
  async advance(): Promise<boolean> {
    const res = await fetch(this.rpc('clock/advance'), { method: 'POST' });
    if (res.status !== 200) throw new Error(`clock/advance answered ${res.status}`);
    return ((await res.json()) as { advanced: boolean }).advanced;
  }

  /** Waits until the instance finishes; with `advance`, jumps the virtual clock while it waits. */
  async done(id: string, opts: { advance?: boolean; timeoutMs?: number } = {}): Promise<Status> {
    return waitFor(
      async () => {
        const s = await this.status(id);
        if (s && TERMINAL.has(s.runtimeStatus)) return s;
        if (opts.advance) await this.advance();
        return undefined;
      },
      { timeoutMs: opts.timeoutMs ?? 20_000, what: `instance ${id} to finish` },
    );
  }

  /** Waits until the instance's history matches `pred`. */
  async historyUntil(id: string, pred: (h: RawEvent[]) => boolean, what: string): Promise<RawEvent[]> {
    return waitFor(
      async () => {
        const h = await this.history(id).catch(() => undefined);
        return h && pred(h) ? h : undefined;
      },
      { timeoutMs: 20_000, what },
    );
  }
}

export const count = (h: RawEvent[], type: number) => h.filter((e) => e.EventType === type).length;
