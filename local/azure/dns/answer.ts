// How an authoritative server answers one question from the zones it holds: pure, so every case
// (CNAME chasing, NODATA, NXDOMAIN with SOA, REFUSED outside our zones) is unit-tested without sockets.

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'SOA';

export interface DnsRecordSet {
  /** Fully qualified, lower-case, no trailing dot. */
  name: string;
  type: RecordType;
  ttl: number;
  /** A/AAAA: addresses; CNAME: one target; TXT: one entry per string. */
  values: string[];
}

export interface Soa {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
  ttl: number;
}

export interface DnsView {
  /** Zones we are authoritative for (lower-case, no trailing dot), with their SOA. */
  zones(): Array<{ name: string; soa: Soa }>;
  /** Every record set owned by exactly `fqdn`. */
  lookup(fqdn: string): DnsRecordSet[];
  /** Whether some record set lives below `fqdn` (an empty non-terminal answers NODATA, not NXDOMAIN). */
  hasDescendant(fqdn: string): boolean;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export interface DnsAnswer {
  rcode: Rcode;
  authoritative: boolean;
  answers: DnsRecordSet[];
  /** The zone's SOA for negative answers. */
  authority: Array<{ zone: string; soa: Soa }>;
}

const MAX_CHASE = 8;

export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function findZone(view: DnsView, fqdn: string): { name: string; soa: Soa } | undefined {
  let best: { name: string; soa: Soa } | undefined;
  for (const z of view.zones()) {
    if ((fqdn === z.name || fqdn.endsWith('.' + z.name)) && (!best || z.name.length > best.name.length)) best = z;
  }
  return best;
}

export function answer(view: DnsView, qname: string, qtype: string): DnsAnswer {
  const name = normaliseName(qname);
  const zone = findZone(view, name);
  if (!zone) return { rcode: 'REFUSED', authoritative: false, answers: [], authority: [] };

  const answers: DnsRecordSet[] = [];
  let current = name;
  let currentZone = zone;
  for (let hop = 0; hop <= MAX_CHASE; hop++) {
    if (qtype === 'SOA' && current === currentZone.name) {
      const s = currentZone.soa;
      answers.push({ name: current, type: 'SOA', ttl: s.ttl, values: [soaText(s)] });
      return { rcode: 'NOERROR', authoritative: true, answers, authority: [] };
    }
    const sets = view.lookup(current);
    const exact = sets.filter((s) => s.type === qtype);
    if (exact.length) return { rcode: 'NOERROR', authoritative: true, answers: [...answers, ...exact], authority: [] };
    const cname = sets.find((s) => s.type === 'CNAME');
    if (cname && qtype !== 'CNAME' && cname.values[0]) {
      answers.push(cname);
      const target = normaliseName(cname.values[0]);
      const targetZone = findZone(view, target);
      // A target outside our zones is for the client's resolver to follow.
      if (!targetZone) return { rcode: 'NOERROR', authoritative: true, answers, authority: [] };
      current = target;
      currentZone = targetZone;
      continue;
    }
    const exists = sets.length > 0 || current === currentZone.name || view.hasDescendant(current);
    const authority = [{ zone: currentZone.name, soa: currentZone.soa }];
    // After a CNAME, the rcode describes the last name in the chain (RFC 6604).
    return { rcode: exists ? 'NOERROR' : 'NXDOMAIN', authoritative: true, answers, authority };
  }
  return { rcode: 'NOERROR', authoritative: true, answers, authority: [] };
}

function soaText(s: Soa): string {
  return `${s.mname} ${s.rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
}

export function defaultSoa(zone: string, serial = 1): Soa {
  return { mname: `ns1.${zone}`, rname: `hostmaster.${zone}`, serial, refresh: 3600, retry: 300, expire: 2419200, minimum: 10, ttl: 3600 };
}

/** A view over plain record sets, for tests and for stand-ins that keep their records in memory. */
export class RecordSetView implements DnsView {
  readonly #zones = new Map<string, Soa>();
  readonly #byName = new Map<string, DnsRecordSet[]>();

  constructor(zones: Array<{ name: string; soa?: Soa }>, sets: DnsRecordSet[]) {
    for (const z of zones) this.#zones.set(normaliseName(z.name), z.soa ?? defaultSoa(normaliseName(z.name)));
    for (const s of sets) {
      const n = normaliseName(s.name);
      const list = this.#byName.get(n) ?? [];
      list.push({ ...s, name: n });
      this.#byName.set(n, list);
    }
  }

  zones() {
    return [...this.#zones].map(([name, soa]) => ({ name, soa }));
  }

  lookup(fqdn: string): DnsRecordSet[] {
    return this.#byName.get(fqdn) ?? [];
  }

  hasDescendant(fqdn: string): boolean {
    const suffix = '.' + fqdn;
    for (const n of this.#byName.keys()) if (n.endsWith(suffix)) return true;
    return false;
  }
}
