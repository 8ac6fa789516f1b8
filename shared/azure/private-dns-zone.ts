// DnsZone on @azure/arm-privatedns: record sets of the managed types, ownership folded from and into
// record-set metadata, conditional writes with If-Match / If-None-Match, ARM paging.
import { getContinuationToken, PrivateDnsManagementClient, type RecordSet } from '@azure/arm-privatedns';
import { OWNER_METADATA_KEY, RECORD_TYPES, WORKSPACE_METADATA_KEY, type DnsRecordSet, type RecordType } from '../domain/dns-record';
import type { DnsZone, RecordSetKey } from '../ports/dns-zone';
import { fatal, notFound } from '../ports/errors';
import type { Page, PageRequest } from '../ports/paging';
import type { DeleteCondition, Versioned, WriteCondition } from '../ports/versioned';
import { pipelineOptions, type AzureEndpointOptions } from './client-options';
import { call } from './errors';

export interface PrivateDnsZoneOptions extends AzureEndpointOptions {
  subscriptionId: string;
  resourceGroup: string;
}

interface ListPosition {
  type: RecordType;
  nextLink?: string;
}

const encodeToken = (p: ListPosition) => Buffer.from(JSON.stringify(p)).toString('base64url');

function decodeToken(token: string | undefined): ListPosition {
  if (!token) return { type: RECORD_TYPES[0] };
  try {
    const p = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ListPosition;
    if ((RECORD_TYPES as readonly string[]).includes(p.type)) return p;
  } catch {
    // fall through
  }
  throw fatal('dnsZone.list: the continuation token is not one this adapter issued');
}

export function recordSetFromArm(zone: string, rs: RecordSet): DnsRecordSet | undefined {
  const type = rs.type?.split('/').pop()?.toUpperCase() as RecordType | undefined;
  if (!type || !(RECORD_TYPES as readonly string[]).includes(type) || !rs.name) return undefined;
  const values =
    type === 'A'
      ? (rs.aRecords ?? []).map((a) => a.ipv4Address ?? '')
      : type === 'CNAME'
        ? rs.cnameRecord?.cname
          ? [rs.cnameRecord.cname]
          : []
        : (rs.txtRecords ?? []).map((t) => (t.value ?? []).join(''));
  const metadata = rs.metadata ?? {};
  return {
    zone,
    name: rs.name,
    type,
    values,
    ...(rs.ttl !== undefined ? { ttl: rs.ttl } : {}),
    ...(metadata[OWNER_METADATA_KEY] ? { owner: metadata[OWNER_METADATA_KEY] } : {}),
    ...(metadata[WORKSPACE_METADATA_KEY] ? { workspace: metadata[WORKSPACE_METADATA_KEY] } : {}),
  };
}

export function recordSetToArm(r: DnsRecordSet): RecordSet {
  const metadata: Record<string, string> = {};
  if (r.owner) metadata[OWNER_METADATA_KEY] = r.owner;
  if (r.workspace) metadata[WORKSPACE_METADATA_KEY] = r.workspace;
  return {
    metadata,
    ...(r.ttl !== undefined ? { ttl: r.ttl } : {}),
    ...(r.type === 'A' ? { aRecords: r.values.map((ipv4Address) => ({ ipv4Address })) } : {}),
    ...(r.type === 'CNAME' ? { cnameRecord: { cname: r.values[0] } } : {}),
    ...(r.type === 'TXT' ? { txtRecords: r.values.map((value) => ({ value: [value] })) } : {}),
  };
}

function versioned(zone: string, rs: RecordSet, operation: string): Versioned<DnsRecordSet> {
  const value = recordSetFromArm(zone, rs);
  if (!value || !rs.etag) throw fatal(`${operation}: the service returned a record set without a name, type or etag`);
  return { value, etag: rs.etag };
}

export class AzurePrivateDnsZone implements DnsZone {
  readonly #client: PrivateDnsManagementClient;

  constructor(private readonly options: PrivateDnsZoneOptions) {
    this.#client = new PrivateDnsManagementClient(options.credential, options.subscriptionId, {
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...pipelineOptions(options),
    });
  }

  async list(zone: string, request: PageRequest = {}): Promise<Page<Versioned<DnsRecordSet>>> {
    // One listing per managed type (the spec's ALL listing is ambiguous with ListByType for
    // validators); the continuation token carries the type and ARM's nextLink.
    const at = decodeToken(request.continuationToken);
    return call('dnsZone.list', async () => {
      const pages = this.#client.recordSets
        .listByType(this.options.resourceGroup, zone, at.type, { top: request.maxPageSize ?? 100 })
        .byPage(at.nextLink ? { continuationToken: at.nextLink } : {});
      const first = await pages.next();
      const page = (first.done ? [] : first.value) as RecordSet[];
      const items = page.flatMap((rs) => (recordSetFromArm(zone, rs) && rs.etag ? [versioned(zone, rs, 'dnsZone.list')] : []));
      const nextLink = first.done ? undefined : getContinuationToken(page);
      const nextType = RECORD_TYPES[RECORD_TYPES.indexOf(at.type) + 1];
      const next = nextLink ? encodeToken({ type: at.type, nextLink }) : nextType ? encodeToken({ type: nextType }) : undefined;
      return next ? { items, continuationToken: next } : { items };
    });
  }

  async get(key: RecordSetKey): Promise<Versioned<DnsRecordSet> | undefined> {
    try {
      return await call('dnsZone.get', async () =>
        versioned(key.zone, await this.#client.recordSets.get(this.options.resourceGroup, key.zone, key.type, key.name), 'dnsZone.get'),
      );
    } catch (err) {
      if ((err as { kind?: string }).kind === 'NotFound' && /does not exist|ResourceNotFound|NotFound/i.test((err as Error).message)) {
        await this.#requireZone(key.zone);
        return undefined;
      }
      throw err;
    }
  }

  async put(record: DnsRecordSet, condition: WriteCondition = {}): Promise<Versioned<DnsRecordSet>> {
    return call('dnsZone.put', async () =>
      versioned(
        record.zone,
        await this.#client.recordSets.createOrUpdate(this.options.resourceGroup, record.zone, record.type, record.name, recordSetToArm(record), {
          ...(condition.ifMatch ? { ifMatch: condition.ifMatch } : {}),
          ...(condition.ifNoneMatch ? { ifNoneMatch: condition.ifNoneMatch } : {}),
        }),
        'dnsZone.put',
      ),
    );
  }

  async delete(key: RecordSetKey, condition: DeleteCondition = {}): Promise<void> {
    await call('dnsZone.delete', () =>
      this.#client.recordSets.delete(this.options.resourceGroup, key.zone, key.type, key.name, condition.ifMatch ? { ifMatch: condition.ifMatch } : {}),
    );
  }

  // A 404 on a record set and on its zone look alike; only the zone's absence is an error.
  async #requireZone(zone: string): Promise<void> {
    try {
      await this.#client.recordSets.listByType(this.options.resourceGroup, zone, 'A', { top: 1 }).byPage().next();
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404) throw notFound(`private DNS zone '${zone}' does not exist`, { cause: err });
      throw err;
    }
  }
}
