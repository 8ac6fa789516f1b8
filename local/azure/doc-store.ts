// The stand-ins' persistence: JSON documents by (kind, key) in SQLite under DATA_DIR, with the
// etag rules Azure's services apply (If-Match → 412 on mismatch, If-None-Match: * → 412 when it
// exists). WAL and synchronous=FULL: a write that returned survives kill -9.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { notFound, preconditionFailed } from '../../shared/ports/errors';
import type { DeleteCondition, Versioned, WriteCondition } from '../../shared/ports/versioned';

export interface StoredDoc<T> extends Versioned<T> {
  key: string;
  /** Monotonic per store; orders changes for changed-since queries. */
  seq: number;
}

export class DocStore {
  readonly #db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    // Several processes share the file (host, proxy, CLI): wait for the lock rather than fail.
    this.#db = new Database(file, { timeout: 10_000 });
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, key));
      CREATE TABLE IF NOT EXISTS tombstones (kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (kind, key));
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
  }

  close(): void {
    this.#db.close();
  }

  #nextSeq(): number {
    const row = this.#db.prepare(`INSERT INTO counters(name, value) VALUES ('seq', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value`).get() as { value: number };
    return row.value;
  }

  get<T>(kind: string, key: string): StoredDoc<T> | undefined {
    const row = this.#db.prepare('SELECT key, etag, seq, body FROM docs WHERE kind = ? AND key = ?').get(kind, key) as
      | { key: string; etag: string; seq: number; body: string }
      | undefined;
    return row && { key: row.key, etag: row.etag, seq: row.seq, value: JSON.parse(row.body) as T };
  }

  /** Documents of a kind whose key starts with `prefix`, in key order, after `afterKey` (paging). */
  list<T>(kind: string, options: { prefix?: string; afterKey?: string; limit?: number } = {}): StoredDoc<T>[] {
    const rows = this.#db
      .prepare('SELECT key, etag, seq, body FROM docs WHERE kind = ? AND key >= ? AND key > ? ORDER BY key LIMIT ?')
      .all(kind, options.prefix ?? '', options.afterKey ?? '', options.limit ?? -1) as Array<{ key: string; etag: string; seq: number; body: string }>;
    return rows
      .filter((r) => r.key.startsWith(options.prefix ?? ''))
      .map((r) => ({ key: r.key, etag: r.etag, seq: r.seq, value: JSON.parse(r.body) as T }));
  }

  /** Documents and deletions of a kind after sequence number `since`. */
  changedSince<T>(kind: string, since: number): { docs: StoredDoc<T>[]; deleted: Array<{ key: string; seq: number }>; seq: number } {
    const docs = (this.#db.prepare('SELECT key, etag, seq, body FROM docs WHERE kind = ? AND seq > ? ORDER BY seq').all(kind, since) as Array<{
      key: string;
      etag: string;
      seq: number;
      body: string;
    }>).map((r) => ({ key: r.key, etag: r.etag, seq: r.seq, value: JSON.parse(r.body) as T }));
    const deleted = this.#db.prepare('SELECT key, seq FROM tombstones WHERE kind = ? AND seq > ? ORDER BY seq').all(kind, since) as Array<{ key: string; seq: number }>;
    const row = this.#db.prepare(`SELECT value FROM counters WHERE name = 'seq'`).get() as { value: number } | undefined;
    return { docs, deleted, seq: row?.value ?? 0 };
  }

  put<T>(kind: string, key: string, value: T, condition: WriteCondition = {}): StoredDoc<T> {
    // IMMEDIATE: take the write lock before reading, so a check-then-write cannot be upgraded into a
    // busy error by another process's commit in between (WAL snapshots are not upgradable).
    return this.#db.transaction(() => {
      const current = this.#db.prepare('SELECT etag FROM docs WHERE kind = ? AND key = ?').get(kind, key) as { etag: string } | undefined;
      if (condition.ifNoneMatch === '*' && current) throw preconditionFailed(`${kind} '${key}' already exists`);
      if (condition.ifMatch !== undefined && current?.etag !== condition.ifMatch) {
        throw current ? preconditionFailed(`${kind} '${key}' was changed (etag mismatch)`) : notFound(`${kind} '${key}' does not exist`);
      }
      const etag = randomUUID();
      const seq = this.#nextSeq();
      this.#db
        .prepare('INSERT INTO docs(kind, key, etag, seq, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET etag = excluded.etag, seq = excluded.seq, body = excluded.body')
        .run(kind, key, etag, seq, JSON.stringify(value));
      this.#db.prepare('DELETE FROM tombstones WHERE kind = ? AND key = ?').run(kind, key);
      return { key, etag, seq, value };
    }).immediate();
  }

  delete(kind: string, key: string, condition: DeleteCondition = {}): boolean {
    return this.#db.transaction(() => {
      const current = this.#db.prepare('SELECT etag FROM docs WHERE kind = ? AND key = ?').get(kind, key) as { etag: string } | undefined;
      if (!current) {
        if (condition.ifMatch !== undefined) throw notFound(`${kind} '${key}' does not exist`);
        return false;
      }
      if (condition.ifMatch !== undefined && current.etag !== condition.ifMatch) throw preconditionFailed(`${kind} '${key}' was changed (etag mismatch)`);
      this.#db.prepare('DELETE FROM docs WHERE kind = ? AND key = ?').run(kind, key);
      this.#db.prepare('INSERT INTO tombstones(kind, key, seq) VALUES (?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET seq = excluded.seq').run(kind, key, this.#nextSeq());
      return true;
    }).immediate();
  }
}
