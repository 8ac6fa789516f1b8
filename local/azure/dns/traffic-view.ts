// Traffic Manager's DNS behaviour for priority routing: `<profile>.trafficmanager.net` is a CNAME
// to the highest-priority (lowest number) enabled endpoint's target; with none enabled, NXDOMAIN.
import { defaultSoa, normaliseName, type DnsRecordSet, type DnsView, type Soa } from './answer';

export const TRAFFIC_MANAGER_ZONE = 'trafficmanager.net';

export interface TrafficProfileView {
  /** The profile's relative DNS name (`<name>.trafficmanager.net`). */
  relativeName: string;
  ttl: number;
  endpoints: Array<{ target: string; priority: number; enabled: boolean }>;
}

export class TrafficManagerView implements DnsView {
  readonly #soa: Soa = defaultSoa(TRAFFIC_MANAGER_ZONE);

  constructor(private readonly profiles: () => TrafficProfileView[]) {}

  zones() {
    return [{ name: TRAFFIC_MANAGER_ZONE, soa: this.#soa }];
  }

  lookup(fqdn: string): DnsRecordSet[] {
    const profile = this.profiles().find((p) => `${normaliseName(p.relativeName)}.${TRAFFIC_MANAGER_ZONE}` === fqdn);
    if (!profile) return [];
    const best = profile.endpoints
      .filter((e) => e.enabled)
      .sort((a, b) => a.priority - b.priority || a.target.localeCompare(b.target))[0];
    return best ? [{ name: fqdn, type: 'CNAME', ttl: profile.ttl, values: [normaliseName(best.target)] }] : [];
  }

  hasDescendant(): boolean {
    return false;
  }
}

/** Answers from several views, each for its own zones. */
export class CompositeView implements DnsView {
  constructor(private readonly views: DnsView[]) {}

  zones() {
    return this.views.flatMap((v) => v.zones());
  }

  #owner(fqdn: string): DnsView | undefined {
    let best: { view: DnsView; len: number } | undefined;
    for (const view of this.views) {
      for (const z of view.zones()) {
        if ((fqdn === z.name || fqdn.endsWith('.' + z.name)) && (!best || z.name.length > best.len)) best = { view, len: z.name.length };
      }
    }
    return best?.view;
  }

  lookup(fqdn: string): DnsRecordSet[] {
    return this.#owner(fqdn)?.lookup(fqdn) ?? [];
  }

  hasDescendant(fqdn: string): boolean {
    return this.#owner(fqdn)?.hasDescendant(fqdn) ?? false;
  }
}
