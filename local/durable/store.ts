// SQLite persistence for the engine: instances, their history, and the work queue (events for
// orchestrations, activity invocations). Every state change goes through `commit`, one transaction,
// so a kill -9 leaves either all of an episode or none of it.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Bookkeeping } from './bookkeeping';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';
export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export interface InstanceRow {
  id: string;
  name: string;
  version: string | null;
  executionId: string;
  status: RuntimeStatus;
  /** JSON text, or null when the instance has no input. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  parentId: string | null;
  parentExecutionId: string | null;
  parentTaskId: number | null;
  createdAt: number;
  updatedAt: number;
  book: Bookkeeping;
}

export type WorkKind = 'event' | 'activity';

export interface WorkRow {
  id: number;
  kind: WorkKind;
  instanceId: string;
  /** The execution an event belongs to; null for events addressed to whatever execution is current. */
  executionId: string | null;
  dueAt: number;
  payload: string;
}

export type NewWork = Omit<WorkRow, 'id'>;

export interface HistoryWrite {
  instanceId: string;
  /** Drop the previous execution's history first (new execution). */
  reset: boolean;
  /** Index of the first event in `events`. */
  startIdx: number;
  events: string[];
}

export interface Batch {
  deleteWork?: number[];
  insertWork?: NewWork[];
  instances?: InstanceRow[];
  history?: HistoryWrite[];
  purge?: string[];
}

export interface InstanceQuery {
  createdFrom?: number;
  createdTo?: number;
  statuses?: RuntimeStatus[];
  instanceIdPrefix?: string;
  /** Continue after this (createdAt, id). */
  after?: { createdAt: number; id: string };
  limit: number;
}

interface DbInstance {
  id: string;
  name: string;
  version: string | null;
  execution_id: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  parent_id: string | null;
  parent_execution_id: string | null;
  parent_task_id: number | null;
  created_at: number;
  updated_at: number;
  book: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT, execution_id TEXT NOT NULL, status TEXT NOT NULL,
  input TEXT, output TEXT, custom_status TEXT, parent_id TEXT, parent_execution_id TEXT, parent_task_id INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, book TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS instances_created ON instances(created_at, id);
CREATE TABLE IF NOT EXISTS history (
  instance_id TEXT NOT NULL, idx INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (instance_id, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS work (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, instance_id TEXT NOT NULL, execution_id TEXT,
  due_at INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS work_instance ON work(instance_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

function toRow(r: DbInstance): InstanceRow {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    executionId: r.execution_id,
    status: r.status,
    input: r.input,
    output: r.output,
    customStatus: r.custom_status,
    parentId: r.parent_id,
    parentExecutionId: r.parent_execution_id,
    parentTaskId: r.parent_task_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    book: JSON.parse(r.book) as Bookkeeping,
  };
}

export class DurableStore {
  readonly db: Database.Database;
  readonly #stmts;
  readonly #commit: (batch: Batch) => number[];

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    // A short busy timeout: the only contender is another host, which is refused, not waited for.
    this.db = new Database(path.join(dir, 'durable.sqlite'), { timeout: 250 });
    // One engine owns a data directory: the exclusive lock makes a second host fail fast instead
    // of both running the same work, and lets a restarted engine treat every claim as expired.
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process kill (commits are in the WAL); only power loss can
    // lose the last transactions.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.#stmts = {
      getInstance: db.prepare<[string], DbInstance>('SELECT * FROM instances WHERE id = ?'),
      upsertInstance: db.prepare(
        `INSERT INTO instances (id, name, version, execution_id, status, input, output, custom_status, parent_id,
           parent_execution_id, parent_task_id, created_at, updated_at, book)
         VALUES (@id, @name, @version, @executionId, @status, @input, @output, @customStatus, @parentId,
           @parentExecutionId, @parentTaskId, @createdAt, @updatedAt, @book)
         ON CONFLICT(id) DO UPDATE SET name=excluded.name, version=excluded.version, execution_id=excluded.execution_id,
           status=excluded.status, input=excluded.input, output=excluded.output, custom_status=excluded.custom_status,
           parent_id=excluded.parent_id, parent_execution_id=excluded.parent_execution_id,
           parent_task_id=excluded.parent_task_id, created_at=excluded.created_at, updated_at=excluded.updated_at,
           book=excluded.book`,
      ),
      history: db.prepare<[string], { event: string }>('SELECT event FROM history WHERE instance_id = ? ORDER BY idx'),
      appendHistory: db.prepare('INSERT INTO history (instance_id, idx, event) VALUES (?, ?, ?)'),
      clearHistory: db.prepare('DELETE FROM history WHERE instance_id = ?'),
      insertWork: db.prepare('INSERT INTO work (kind, instance_id, execution_id, due_at, payload) VALUES (?, ?, ?, ?, ?)'),
      deleteWork: db.prepare('DELETE FROM work WHERE id = ?'),
      purgeWork: db.prepare('DELETE FROM work WHERE instance_id = ?'),
      deleteInstance: db.prepare('DELETE FROM instances WHERE id = ?'),
      allWork: db.prepare<[], { id: number; kind: WorkKind; instance_id: string; execution_id: string | null; due_at: number; payload: string }>(
        'SELECT * FROM work ORDER BY due_at, id',
      ),
      workExists: db.prepare<[number], { id: number }>('SELECT id FROM work WHERE id = ?'),
      suspended: db.prepare<[], { id: string }>("SELECT id FROM instances WHERE status = 'Suspended'"),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
    const s = this.#stmts;
    this.#commit = db.transaction((batch: Batch): number[] => {
      for (const id of batch.purge ?? []) {
        s.clearHistory.run(id);
        s.purgeWork.run(id);
        s.deleteInstance.run(id);
      }
      for (const id of batch.deleteWork ?? []) s.deleteWork.run(id);
      for (const inst of batch.instances ?? []) s.upsertInstance.run({ ...inst, book: JSON.stringify(inst.book) });
      for (const h of batch.history ?? []) {
        if (h.reset) s.clearHistory.run(h.instanceId);
        h.events.forEach((e, i) => s.appendHistory.run(h.instanceId, h.startIdx + i, e));
      }
      const ids: number[] = [];
      for (const w of batch.insertWork ?? []) {
        ids.push(Number(s.insertWork.run(w.kind, w.instanceId, w.executionId, w.dueAt, w.payload).lastInsertRowid));
      }
      return ids;
    });
  }

  /** Applies a batch in one transaction; returns the ids of the inserted work rows, in order. */
  commit(batch: Batch): number[] {
    return this.#commit(batch);
  }

  getInstance(id: string): InstanceRow | undefined {
    const r = this.#stmts.getInstance.get(id);
    return r ? toRow(r) : undefined;
  }

  history(id: string): string[] {
    return this.#stmts.history.all(id).map((r) => r.event);
  }

  allWork(): WorkRow[] {
    return this.#stmts.allWork.all().map((r) => ({
      id: r.id,
      kind: r.kind,
      instanceId: r.instance_id,
      executionId: r.execution_id,
      dueAt: r.due_at,
      payload: r.payload,
    }));
  }

  workExists(id: number): boolean {
    return this.#stmts.workExists.get(id) !== undefined;
  }

  suspendedIds(): string[] {
    return this.#stmts.suspended.all().map((r) => r.id);
  }

  queryInstances(q: InstanceQuery): InstanceRow[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const add = (clause: string, ...values: Array<string | number>) => {
      where.push(clause);
      args.push(...values);
    };
    if (q.createdFrom !== undefined) add('created_at >= ?', q.createdFrom);
    if (q.createdTo !== undefined) add('created_at <= ?', q.createdTo);
    if (q.statuses?.length) add(`status IN (${q.statuses.map(() => '?').join(',')})`, ...q.statuses);
    if (q.instanceIdPrefix) add('substr(id, 1, ?) = ?', q.instanceIdPrefix.length, q.instanceIdPrefix);
    if (q.after) add('(created_at > ? OR (created_at = ? AND id > ?))', q.after.createdAt, q.after.createdAt, q.after.id);
    const sql = `SELECT * FROM instances ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at, id LIMIT ?`;
    return this.db
      .prepare<Array<string | number>, DbInstance>(sql)
      .all(...args, q.limit)
      .map(toRow);
  }

  getMeta(key: string): string | undefined {
    return this.#stmts.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#stmts.setMeta.run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
