// The stand-in Traffic Manager: profiles per region with priority-routed endpoints (ingresses), the
// endpoint-status PATCH the control plane uses, and the DNS behaviour of `<profile>.trafficmanager.net`.
import { notFound } from '../../shared/ports/errors';
import type { TrafficProfileInfo, TrafficRouter } from '../../shared/ports/traffic-router';
import type { Versioned, WriteCondition } from '../../shared/ports/versioned';
import type { EndpointStatus, TrafficEndpoint } from '../../shared/domain/traffic';
import type { DocStore } from './doc-store';
import { TRAFFIC_MANAGER_ZONE, TrafficManagerView } from './dns/traffic-view';

const PROFILE_KIND = 'tm.profile';
const ENDPOINT_KIND = 'tm.endpoint';

interface StoredProfile {
  name: string;
  relativeName: string;
  ttlSeconds: number;
}

interface StoredEndpoint extends TrafficEndpoint {
  priority: number;
}

export class LocalTrafficManager implements TrafficRouter {
  readonly view: TrafficManagerView;

  constructor(private readonly store: DocStore) {
    this.view = new TrafficManagerView(() =>
      this.store.list<StoredProfile>(PROFILE_KIND).map((p) => ({
        relativeName: p.value.relativeName,
        ttl: p.value.ttlSeconds,
        endpoints: this.#endpoints(p.value.name).map((e) => ({ target: e.value.target, priority: e.value.priority, enabled: e.value.status === 'Enabled' })),
      })),
    );
  }

  /** Creates or updates a profile and its endpoints (infrastructure's job on Azure). */
  defineProfile(profile: StoredProfile, endpoints: Array<{ endpoint: string; target: string; priority: number; status: EndpointStatus }>): void {
    this.store.put(PROFILE_KIND, profile.name.toLowerCase(), profile);
    for (const e of endpoints) {
      this.store.put<StoredEndpoint>(ENDPOINT_KIND, `${profile.name.toLowerCase()}|${e.endpoint.toLowerCase()}`, { profile: profile.name, ...e });
    }
  }

  hasProfile(profile: string): boolean {
    return Boolean(this.store.get(PROFILE_KIND, profile.toLowerCase()));
  }

  /** Priority routing order of an endpoint (infrastructure's setting, not part of the port). */
  priorityOf(profile: string, endpoint: string): number {
    return this.store.get<StoredEndpoint>(ENDPOINT_KIND, `${profile.toLowerCase()}|${endpoint.toLowerCase()}`)?.value.priority ?? 1;
  }

  #endpoints(profile: string) {
    return this.store.list<StoredEndpoint>(ENDPOINT_KIND, { prefix: `${profile.toLowerCase()}|` });
  }

  #requireProfile(profile: string) {
    const doc = this.store.get<StoredProfile>(PROFILE_KIND, profile.toLowerCase());
    if (!doc) throw notFound(`Traffic Manager profile '${profile}' does not exist`);
    return doc;
  }

  async getProfile(profile: string): Promise<Versioned<TrafficProfileInfo>> {
    const doc = this.#requireProfile(profile);
    const p = doc.value;
    return { value: { name: p.name, fqdn: `${p.relativeName}.${TRAFFIC_MANAGER_ZONE}`, ttlSeconds: p.ttlSeconds }, etag: doc.etag };
  }

  async listEndpoints(profile: string): Promise<Versioned<TrafficEndpoint>[]> {
    this.#requireProfile(profile);
    return this.#endpoints(profile).map((d) => ({ value: strip(d.value), etag: d.etag }));
  }

  async getEndpoint(profile: string, endpoint: string): Promise<Versioned<TrafficEndpoint> | undefined> {
    this.#requireProfile(profile);
    const doc = this.store.get<StoredEndpoint>(ENDPOINT_KIND, `${profile.toLowerCase()}|${endpoint.toLowerCase()}`);
    return doc && { value: strip(doc.value), etag: doc.etag };
  }

  async setEndpointStatus(
    profile: string,
    endpoint: string,
    status: EndpointStatus,
    condition: Pick<WriteCondition, 'ifMatch'> = {},
  ): Promise<Versioned<TrafficEndpoint>> {
    this.#requireProfile(profile);
    const key = `${profile.toLowerCase()}|${endpoint.toLowerCase()}`;
    const doc = this.store.get<StoredEndpoint>(ENDPOINT_KIND, key);
    if (!doc) throw notFound(`endpoint '${endpoint}' does not exist in profile '${profile}'`);
    const next = this.store.put<StoredEndpoint>(ENDPOINT_KIND, key, { ...doc.value, status }, condition.ifMatch ? { ifMatch: condition.ifMatch } : {});
    return { value: strip(next.value), etag: next.etag };
  }
}

function strip(e: StoredEndpoint): TrafficEndpoint {
  return { profile: e.profile, endpoint: e.endpoint, target: e.target, status: e.status };
}
