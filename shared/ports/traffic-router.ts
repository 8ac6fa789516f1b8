import type { EndpointStatus, TrafficEndpoint } from '../domain/traffic';
import type { Versioned, WriteCondition } from './versioned';

export interface TrafficProfileInfo {
  name: string;
  fqdn: string;
  /** Seconds resolvers may cache an answer; the flip waits at least this long. */
  ttlSeconds: number;
}

/**
 * Traffic Manager profiles (per region: `public` and `private`) and their endpoints (ingresses).
 * The control plane never creates or removes endpoints; it only enables and disables them.
 * A profile holds at most 200 endpoints, so listings are not paged.
 * Errors: PortError only (unknown profile or endpoint → NotFound).
 */
export interface TrafficRouter {
  getProfile(profile: string): Promise<Versioned<TrafficProfileInfo>>;
  listEndpoints(profile: string): Promise<Versioned<TrafficEndpoint>[]>;
  getEndpoint(profile: string, endpoint: string): Promise<Versioned<TrafficEndpoint> | undefined>;
  /** PATCH of `endpointStatus` only; `ifMatch` guards against a concurrent change of the same endpoint. */
  setEndpointStatus(profile: string, endpoint: string, status: EndpointStatus, condition?: Pick<WriteCondition, 'ifMatch'>): Promise<Versioned<TrafficEndpoint>>;
}
