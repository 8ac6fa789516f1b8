import type { DnsRecordSet, RecordType } from '../domain/dns-record';
import type { Page, PageRequest } from './paging';
import type { DeleteCondition, Versioned, WriteCondition } from './versioned';

export interface RecordSetKey {
  zone: string;
  /** Relative name, `@` for the apex. */
  name: string;
  type: RecordType;
}

/**
 * Private DNS record sets, one zone per region. The adapter folds ownership metadata
 * (`dpl-owner`, `dpl-workspace`) into `owner` / `workspace`, and writes it back on put.
 * Azure has no batch API: every write is one ARM call against ~60 writes per minute per zone.
 * Errors: PortError only (unknown zone → NotFound; etag mismatch → PreconditionFailed; 429 → Throttled).
 */
export interface DnsZone {
  /** Record sets of the managed types (A, CNAME, TXT) in `zone`, paged as ARM pages them. */
  list(zone: string, request?: PageRequest): Promise<Page<Versioned<DnsRecordSet>>>;
  get(key: RecordSetKey): Promise<Versioned<DnsRecordSet> | undefined>;
  /** Create or replace. `ifNoneMatch: '*'` for create-only, `ifMatch` to replace exactly what was read. */
  put(record: DnsRecordSet, condition?: WriteCondition): Promise<Versioned<DnsRecordSet>>;
  delete(key: RecordSetKey, condition?: DeleteCondition): Promise<void>;
}
