// TrafficRouter on @azure/arm-trafficmanager. Traffic Manager has no etags, so the adapter derives a
// version from what the control plane cares about (target and status) and checks If-Match itself
// before the PATCH; the window between read and write is the service's, not ours to close.
import { createHash } from 'node:crypto';
import { TrafficManagerManagementClient, type Endpoint, type EndpointType, type Profile } from '@azure/arm-trafficmanager';
import type { EndpointStatus, TrafficEndpoint } from '../domain/traffic';
import { fatal, notFound, preconditionFailed } from '../ports/errors';
import type { TrafficProfileInfo, TrafficRouter } from '../ports/traffic-router';
import type { Versioned, WriteCondition } from '../ports/versioned';
import { pipelineOptions, type AzureEndpointOptions } from './client-options';
import { call } from './errors';

export interface TrafficRouterOptions extends AzureEndpointOptions {
  subscriptionId: string;
  resourceGroup: string;
}

const versionOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);

const ENDPOINT_TYPES: Record<string, EndpointType> = {
  azureendpoints: 'AzureEndpoints',
  externalendpoints: 'ExternalEndpoints',
  nestedendpoints: 'NestedEndpoints',
};

function endpointType(e: Endpoint): EndpointType {
  const t = e.type?.split('/').pop()?.toLowerCase() ?? 'externalendpoints';
  return ENDPOINT_TYPES[t] ?? 'ExternalEndpoints';
}

function toEndpoint(profile: string, e: Endpoint): Versioned<TrafficEndpoint> {
  if (!e.name || !e.target) throw fatal('trafficRouter: the service returned an endpoint without a name or target');
  const value: TrafficEndpoint = { profile, endpoint: e.name, target: e.target, status: (e.endpointStatus ?? 'Enabled') as EndpointStatus };
  return { value, etag: versionOf(value) };
}

export class AzureTrafficRouter implements TrafficRouter {
  readonly #client: TrafficManagerManagementClient;

  constructor(private readonly options: TrafficRouterOptions) {
    this.#client = new TrafficManagerManagementClient(options.credential, options.subscriptionId, {
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...pipelineOptions(options),
    });
  }

  #profile(profile: string): Promise<Profile> {
    return call('trafficRouter.getProfile', () => this.#client.profiles.get(this.options.resourceGroup, profile));
  }

  async getProfile(profile: string): Promise<Versioned<TrafficProfileInfo>> {
    const p = await this.#profile(profile);
    const value: TrafficProfileInfo = { name: p.name ?? profile, fqdn: p.dnsConfig?.fqdn ?? '', ttlSeconds: p.dnsConfig?.ttl ?? 300 };
    return { value, etag: versionOf(value) };
  }

  async listEndpoints(profile: string): Promise<Versioned<TrafficEndpoint>[]> {
    return ((await this.#profile(profile)).endpoints ?? []).map((e) => toEndpoint(profile, e));
  }

  async getEndpoint(profile: string, endpoint: string): Promise<Versioned<TrafficEndpoint> | undefined> {
    const found = ((await this.#profile(profile)).endpoints ?? []).find((e) => e.name?.toLowerCase() === endpoint.toLowerCase());
    return found && toEndpoint(profile, found);
  }

  async setEndpointStatus(
    profile: string,
    endpoint: string,
    status: EndpointStatus,
    condition: Pick<WriteCondition, 'ifMatch'> = {},
  ): Promise<Versioned<TrafficEndpoint>> {
    const current = ((await this.#profile(profile)).endpoints ?? []).find((e) => e.name?.toLowerCase() === endpoint.toLowerCase());
    if (!current) throw notFound(`trafficRouter.setEndpointStatus: endpoint '${endpoint}' not in profile '${profile}'`);
    if (condition.ifMatch !== undefined && toEndpoint(profile, current).etag !== condition.ifMatch) {
      throw preconditionFailed(`trafficRouter.setEndpointStatus: endpoint '${endpoint}' changed since it was read`);
    }
    const updated = await call('trafficRouter.setEndpointStatus', () =>
      this.#client.endpoints.update(this.options.resourceGroup, profile, endpointType(current), current.name!, { endpointStatus: status }),
    );
    return toEndpoint(profile, updated);
  }
}
