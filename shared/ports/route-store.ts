import type { Route as DomainRoute, RouteKey as DomainRouteKey } from '../domain/route';
import type { DeleteCondition, Versioned, WriteCondition } from './versioned';

export type { Versioned } from './versioned';

/** (Private Link Service ARM id, LinkID as uint32): what the proxy reads from the PROXY v2 header and its listener. */
export type RouteKey = DomainRouteKey;
/** The routing table row; the schema lives in shared/domain/route.ts. */
export type Route = DomainRoute;

export interface RouteChange {
  key: RouteKey;
  /** The row after the change; absent when `deleted`. */
  route?: Versioned<Route>;
  deleted: boolean;
}

/**
 * The proxy's routing table (Cosmos DB in Azure, SQLite locally).
 * Errors: PortError only — `put` with a failing condition is PreconditionFailed; `delete` of a
 * missing key is NotFound only when `ifMatch` was given (an unconditional delete is idempotent).
 */
export interface RouteStore {
  get(key: RouteKey): Promise<Versioned<Route> | undefined>;
  /** Full snapshot. */
  list(): Promise<Versioned<Route>[]>;
  /**
   * Changes after `cursor` (all rows as changes when absent), and the cursor to ask with next time.
   * The proxy tails this to reload routes without a full re-read (the Cosmos change feed).
   */
  changedSince(cursor?: string): Promise<{ changes: RouteChange[]; cursor: string }>;
  put(route: Route, condition?: WriteCondition): Promise<Versioned<Route>>;
  delete(key: RouteKey, condition?: DeleteCondition): Promise<void>;
}
