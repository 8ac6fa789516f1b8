import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { RouteSchema, routeKeyString, type Route, type RouteKey } from '../shared/domain/route';
import type { RouteChange, RouteStore } from '../shared/ports/route-store';

/** Where the proxy's route table comes from: a snapshot, then changes, and point reads on a miss. */
export interface RouteSource {
  snapshot(): Promise<{ routes: Route[]; cursor: string }>;
  changedSince(cursor: string): Promise<{ changes: RouteChange[]; cursor: string }>;
  get(key: RouteKey): Promise<Route | undefined>;
  close?(): void;
}

/** Any RouteStore (SQLite locally, Cosmos in Azure) as a route source. */
export class StoreRouteSource implements RouteSource {
  constructor(private readonly store: RouteStore) {}
  async snapshot(): Promise<{ routes: Route[]; cursor: string }> {
    // changedSince() without a cursor is "every row, and the cursor to continue from": a snapshot that
    // cannot miss a write made between the read and the first poll (list() has no cursor).
    const { changes, cursor } = await this.store.changedSince(undefined);
    return { routes: changes.flatMap((c) => (c.deleted || !c.route ? [] : [c.route.value])), cursor };
  }
  changedSince(cursor: string): Promise<{ changes: RouteChange[]; cursor: string }> {
    return this.store.changedSince(cursor || undefined);
  }
  async get(key: RouteKey): Promise<Route | undefined> {
    return (await this.store.get(key))?.value;
  }
}

const RouteFileSchema = z.union([z.array(RouteSchema), z.strictObject({ routes: z.array(RouteSchema) }).transform((f) => f.routes)]);

/**
 * A JSON file of routes (an array, or `{routes: [...]}`), re-read when its size/mtime/inode changes.
 * A file that does not parse or validate is ignored (the previous table stays) and reported once.
 */
export class FileRouteSource implements RouteSource {
  private version = 0;
  private sig = '';
  private current = new Map<string, Route>();
  constructor(
    private readonly path: string,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  private async reload(): Promise<boolean> {
    const st = await stat(this.path);
    const sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (sig === this.sig) return false;
    let routes: Route[];
    try {
      routes = RouteFileSchema.parse(JSON.parse(await readFile(this.path, 'utf8')));
    } catch (err) {
      this.onError(new Error(`route file ${this.path} rejected: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`));
      this.sig = sig;
      return false;
    }
    this.sig = sig;
    const next = new Map<string, Route>();
    for (const r of routes) next.set(routeKeyString(r), r);
    const prev = this.current;
    this.current = next;
    this.version++;
    this.lastChanges = [];
    for (const [k, r] of next) {
      const old = prev.get(k);
      if (!old || JSON.stringify(old) !== JSON.stringify(r)) this.lastChanges.push({ key: { privateLinkServiceId: r.privateLinkServiceId, linkId: r.linkId }, route: { value: r, etag: String(r.generation) }, deleted: false });
    }
    for (const [k, r] of prev) if (!next.has(k)) this.lastChanges.push({ key: { privateLinkServiceId: r.privateLinkServiceId, linkId: r.linkId }, deleted: true });
    return true;
  }
  private lastChanges: RouteChange[] = [];

  async snapshot(): Promise<{ routes: Route[]; cursor: string }> {
    this.sig = '';
    await this.reload();
    return { routes: [...this.current.values()], cursor: String(this.version) };
  }
  async changedSince(cursor: string): Promise<{ changes: RouteChange[]; cursor: string }> {
    const before = this.version;
    await this.reload();
    if (this.version === before) return { changes: [], cursor: String(this.version) };
    // The file only keeps the latest diff; a caller that is further behind gets a full diff-from-empty.
    const changes =
      cursor === String(before)
        ? this.lastChanges
        : [...this.current.values()].map((r) => ({ key: { privateLinkServiceId: r.privateLinkServiceId, linkId: r.linkId }, route: { value: r, etag: String(r.generation) }, deleted: false }));
    return { changes, cursor: String(this.version) };
  }
  async get(key: RouteKey): Promise<Route | undefined> {
    return this.current.get(routeKeyString(key));
  }
}

/** A route as the hot path needs it: lowercased host set. */
export interface ActiveRoute {
  route: Route;
  hosts: Set<string>;
}

export interface RouteTableOptions {
  /** Only routes of these Private Link Services are kept (the ones this proxy sits behind). */
  privateLinkServiceIds: string[];
  pollIntervalMs: number;
  negativeCacheMs: number;
  onError?: (err: Error) => void;
  onChange?: () => void;
}

/**
 * The in-memory route table: full snapshot at start, incremental polling, point read on a miss with
 * a negative cache so unknown LinkIDs cannot hammer the store.
 */
export class RouteTable {
  private readonly routes = new Map<string, ActiveRoute>();
  private readonly negative = new Map<string, number>();
  private readonly pending = new Map<string, Promise<ActiveRoute | undefined>>();
  private readonly services: Set<string>;
  private cursor = '';
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  loaded = false;
  lastSyncAt = 0;

  constructor(
    private readonly source: RouteSource,
    private readonly opts: RouteTableOptions,
  ) {
    this.services = new Set(opts.privateLinkServiceIds.map((s) => s.toLowerCase()));
  }

  get size(): number {
    return this.routes.size;
  }

  async start(): Promise<void> {
    const snap = await this.source.snapshot();
    this.routes.clear();
    for (const r of snap.routes) this.apply(r);
    this.cursor = snap.cursor;
    this.loaded = true;
    this.lastSyncAt = Date.now();
    this.opts.onChange?.();
    this.timer = setInterval(() => void this.poll(), this.opts.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.source.close?.();
  }

  /** One incremental poll (also called by tests to avoid waiting for the interval). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { changes, cursor } = await this.source.changedSince(this.cursor);
      for (const c of changes) {
        const k = routeKeyString(c.key);
        if (c.deleted || !c.route) this.routes.delete(k);
        else this.apply(c.route.value);
      }
      this.cursor = cursor;
      this.lastSyncAt = Date.now();
      if (changes.length) {
        this.negative.clear();
        this.opts.onChange?.();
      }
    } catch (err) {
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.polling = false;
    }
  }

  private apply(r: Route): void {
    if (!this.services.has(r.privateLinkServiceId.toLowerCase())) return;
    const k = routeKeyString(r);
    const old = this.routes.get(k);
    // Never let an older generation replace a newer one (an out-of-order poll or point read).
    if (old && old.route.generation > r.generation) return;
    this.routes.set(k, { route: r, hosts: new Set(r.hosts.map((h) => h.toLowerCase())) });
    this.negative.delete(k);
  }

  /** Synchronous hot-path lookup (no store access). */
  peek(keyString: string): ActiveRoute | undefined {
    return this.routes.get(keyString);
  }

  /** Lookup with a point read on a miss, deduplicated, negatively cached. */
  lookup(key: RouteKey): ActiveRoute | undefined | Promise<ActiveRoute | undefined> {
    const k = routeKeyString(key);
    const hit = this.routes.get(k);
    if (hit) return hit;
    if (!this.services.has(key.privateLinkServiceId.toLowerCase())) return undefined;
    const neg = this.negative.get(k);
    if (neg !== undefined && neg > Date.now()) return undefined;
    let p = this.pending.get(k);
    if (!p) {
      p = this.source
        .get(key)
        .then(
          (r) => {
            if (r) this.apply(r);
            const got = this.routes.get(k);
            if (!got) this.negative.set(k, Date.now() + this.opts.negativeCacheMs);
            return got;
          },
          (err: unknown) => {
            this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
            return undefined;
          },
        )
        .finally(() => this.pending.delete(k));
      this.pending.set(k, p);
      if (this.negative.size > 100_000) this.negative.clear();
    }
    return p;
  }
}
