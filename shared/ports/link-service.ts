import type { ConnectionState, PrivateEndpointConnection } from '../domain/connection';
import type { Page, PageRequest } from './paging';
import type { DeleteCondition, Versioned, WriteCondition } from './versioned';

/**
 * Private endpoint connections of our Private Link Services (1,000 per service). Consumers create
 * them in their own subscriptions, so no event may announce a new one: sweeps list them.
 * Errors: PortError only (unknown service or connection → NotFound; 429 → Throttled; an operation
 * already running on the service → Transient).
 */
export interface LinkService {
  listConnections(privateLinkServiceId: string, request?: PageRequest): Promise<Page<Versioned<PrivateEndpointConnection>>>;
  getConnection(connectionId: string): Promise<Versioned<PrivateEndpointConnection> | undefined>;
  /** Approve or reject; rejecting keeps the connection (and its LinkID) until it is deleted. */
  setConnectionState(
    connectionId: string,
    state: Extract<ConnectionState, 'Approved' | 'Rejected'>,
    description?: string,
    condition?: Pick<WriteCondition, 'ifMatch'>,
  ): Promise<Versioned<PrivateEndpointConnection>>;
  deleteConnection(connectionId: string, condition?: DeleteCondition): Promise<void>;
}
