// The stand-in Private DNS: zones and record sets with ARM's semantics (etags, conditional writes,
// metadata-borne ownership, paging), and the DnsView the local DNS server answers from.
import { notFound } from '../../shared/ports/errors';
import type { DnsZone, RecordSetKey } from '../../shared/ports/dns-zone';
import type { Page, PageRequest } from '../../shared/ports/paging';
import type { DeleteCondition, Versioned, WriteCondition } from '../../shared/ports/versioned';
import type { DnsRecordSet } from '../../shared/domain/dns-record';
import { defaultSoa, normaliseName, type DnsRecordSet as WireRecordSet, type DnsView, type Soa } from './dns/answer';
import type { DocStore } from './doc-store';

const ZONE_KIND = 'dns.zone';
const RECORD_KIND = 'dns.recordset';
/** Azure's TTL for a record set written without one. */
export const DEFAULT_RECORD_TTL = 3600;
/** ARM's default page size for record set listings. */
const ARM_PAGE = 100;

const recordKey = (zone: string, name: string, type: string) => `${normaliseName(zone)}|${name.toLowerCase()}|${type}`;

export class LocalPrivateDns implements DnsZone, DnsView {
  constructor(private readonly store: DocStore) {}

  /** Creates a private zone (infrastructure does this on Azure; the control plane never does). */
  createZone(zone: string): void {
    const name = normaliseName(zone);
    if (!this.store.get(ZONE_KIND, name)) this.store.put(ZONE_KIND, name, { name, serial: 1 });
  }

  #requireZone(zone: string): string {
    const name = normaliseName(zone);
    if (!this.store.get(ZONE_KIND, name)) throw notFound(`private DNS zone '${zone}' does not exist`);
    return name;
  }

  async list(zone: string, request: PageRequest = {}): Promise<Page<Versioned<DnsRecordSet>>> {
    const name = this.#requireZone(zone);
    const size = Math.max(1, Math.min(request.maxPageSize ?? ARM_PAGE, ARM_PAGE));
    const docs = this.store.list<DnsRecordSet>(RECORD_KIND, { prefix: `${name}|`, afterKey: request.continuationToken, limit: size + 1 });
    const items = docs.slice(0, size).map((d) => ({ value: d.value, etag: d.etag }));
    return docs.length > size ? { items, continuationToken: docs[size - 1]!.key } : { items };
  }

  async get(key: RecordSetKey): Promise<Versioned<DnsRecordSet> | undefined> {
    this.#requireZone(key.zone);
    const doc = this.store.get<DnsRecordSet>(RECORD_KIND, recordKey(key.zone, key.name, key.type));
    return doc && { value: doc.value, etag: doc.etag };
  }

  async put(record: DnsRecordSet, condition: WriteCondition = {}): Promise<Versioned<DnsRecordSet>> {
    const zone = this.#requireZone(record.zone);
    const doc = this.store.put(RECORD_KIND, recordKey(zone, record.name, record.type), { ...record, zone }, condition);
    this.#bumpSerial(zone);
    return { value: doc.value, etag: doc.etag };
  }

  async delete(key: RecordSetKey, condition: DeleteCondition = {}): Promise<void> {
    const zone = this.#requireZone(key.zone);
    if (this.store.delete(RECORD_KIND, recordKey(zone, key.name, key.type), condition)) this.#bumpSerial(zone);
  }

  #bumpSerial(zone: string): void {
    const doc = this.store.get<{ name: string; serial: number }>(ZONE_KIND, zone);
    if (doc) this.store.put(ZONE_KIND, zone, { ...doc.value, serial: doc.value.serial + 1 });
  }

  // ---- DnsView: what the authoritative server answers

  zones(): Array<{ name: string; soa: Soa }> {
    return this.store.list<{ name: string; serial: number }>(ZONE_KIND).map((d) => ({ name: d.value.name, soa: defaultSoa(d.value.name, d.value.serial) }));
  }

  lookup(fqdn: string): WireRecordSet[] {
    const zone = this.zones().filter((z) => fqdn === z.name || fqdn.endsWith('.' + z.name)).sort((a, b) => b.name.length - a.name.length)[0];
    if (!zone) return [];
    const relative = fqdn === zone.name ? '@' : fqdn.slice(0, -(zone.name.length + 1));
    return (['A', 'CNAME', 'TXT'] as const).flatMap((type) => {
      const doc = this.store.get<DnsRecordSet>(RECORD_KIND, recordKey(zone.name, relative, type));
      return doc ? [{ name: fqdn, type, ttl: doc.value.ttl ?? DEFAULT_RECORD_TTL, values: doc.value.values }] : [];
    });
  }

  hasDescendant(fqdn: string): boolean {
    const zone = this.zones().find((z) => fqdn === z.name || fqdn.endsWith('.' + z.name));
    if (!zone || fqdn === zone.name) return false;
    const relative = fqdn.slice(0, -(zone.name.length + 1));
    return this.store.list<DnsRecordSet>(RECORD_KIND, { prefix: `${zone.name}|` }).some((d) => d.value.name.toLowerCase().endsWith('.' + relative));
  }
}
