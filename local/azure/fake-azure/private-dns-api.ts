// Private DNS record sets over ARM REST (api-version 2020-06-01), served from the stand-in.
import { OWNER_METADATA_KEY, WORKSPACE_METADATA_KEY, type DnsRecordSet, type RecordType } from '../../../shared/domain/dns-record';
import type { Versioned } from '../../../shared/ports/versioned';
import type { LocalPrivateDns } from '../private-dns';
import { armError, header, send, sendPortError, unquote, type Exchange } from './http';

const MANAGED: RecordType[] = ['A', 'CNAME', 'TXT'];
export const PRIVATE_DNS_PATH =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/i;

interface ArmRecordSet {
  id: string;
  name: string;
  type: string;
  etag: string;
  properties: Record<string, unknown>;
}

function toArm(base: string, v: Versioned<DnsRecordSet>): ArmRecordSet {
  const r = v.value;
  const metadata: Record<string, string> = {};
  if (r.owner) metadata[OWNER_METADATA_KEY] = r.owner;
  if (r.workspace) metadata[WORKSPACE_METADATA_KEY] = r.workspace;
  const fqdn = r.name === '@' ? `${r.zone}.` : `${r.name}.${r.zone}.`;
  const properties: Record<string, unknown> = { metadata, ttl: r.ttl ?? 3600, fqdn, isAutoRegistered: false };
  if (r.type === 'A') properties.aRecords = r.values.map((ipv4Address) => ({ ipv4Address }));
  if (r.type === 'CNAME') properties.cnameRecord = { cname: r.values[0] };
  if (r.type === 'TXT') properties.txtRecords = r.values.map((value) => ({ value: [value] }));
  return { id: `${base}/${r.type}/${r.name}`, name: r.name, type: `Microsoft.Network/privateDnsZones/${r.type}`, etag: v.etag, properties };
}

function fromArm(zone: string, name: string, type: RecordType, body: unknown): DnsRecordSet | string {
  const props = (body as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!props || typeof props !== 'object') return 'the body must have properties';
  const metadata = (props.metadata ?? {}) as Record<string, string>;
  let values: string[] = [];
  if (type === 'A') values = ((props.aRecords ?? []) as Array<{ ipv4Address: string }>).map((a) => a.ipv4Address);
  if (type === 'CNAME') values = (props.cnameRecord as { cname?: string } | undefined)?.cname ? [(props.cnameRecord as { cname: string }).cname] : [];
  if (type === 'TXT') values = ((props.txtRecords ?? []) as Array<{ value: string[] }>).map((t) => t.value.join(''));
  if (values.length === 0) return `a ${type} record set needs at least one record`;
  return {
    zone,
    name,
    type,
    values,
    ...(typeof props.ttl === 'number' ? { ttl: props.ttl } : {}),
    ...(metadata[OWNER_METADATA_KEY] ? { owner: metadata[OWNER_METADATA_KEY] } : {}),
    ...(metadata[WORKSPACE_METADATA_KEY] ? { workspace: metadata[WORKSPACE_METADATA_KEY] } : {}),
  };
}

export async function privateDnsApi(dns: LocalPrivateDns, x: Exchange, m: RegExpExecArray): Promise<void> {
  const [, sub, rg, zone, typeSeg, name] = m as unknown as [string, string, string, string, string | undefined, string | undefined];
  const base = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateDnsZones/${zone}`;
  const method = x.req.method ?? 'GET';
  try {
    if (!typeSeg) return armError(x.res, 405, 'MethodNotAllowed', 'zone operations are not served by the stand-in');
    const all = typeSeg.toUpperCase() === 'ALL' || typeSeg.toLowerCase() === 'recordsets';
    const type = typeSeg.toUpperCase() as RecordType;
    if (!all && !MANAGED.includes(type)) return armError(x.res, 400, 'BadRequest', `record type ${typeSeg} is not managed by the stand-in`);
    if (!name && method === 'GET') {
      const top = Number(x.url.searchParams.get('$top') ?? 100);
      const page = await dns.list(zone, { maxPageSize: top, continuationToken: x.url.searchParams.get('$skipToken') ?? undefined });
      const items = page.items.filter((i) => all || i.value.type === type).map((i) => toArm(base, i));
      const next = new URL(x.url);
      if (page.continuationToken) next.searchParams.set('$skipToken', page.continuationToken);
      return send(x.res, 200, { value: items, ...(page.continuationToken ? { nextLink: next.toString() } : {}) });
    }
    if (!name || all) return armError(x.res, 405, 'MethodNotAllowed', `${method} is not supported here`);
    const key = { zone, name, type };
    if (method === 'GET') {
      const got = await dns.get(key);
      return got ? send(x.res, 200, toArm(base, got)) : armError(x.res, 404, 'NotFound', `The resource record '${name}' does not exist in resource group '${rg}'.`);
    }
    if (method === 'PUT' || method === 'PATCH') {
      let record = fromArm(zone, name, type, x.body);
      if (method === 'PATCH') {
        const current = await dns.get(key);
        if (!current) return armError(x.res, 404, 'NotFound', `The resource record '${name}' does not exist.`);
        record = typeof record === 'string' ? current.value : { ...current.value, ...record };
      }
      if (typeof record === 'string') return armError(x.res, 400, 'BadRequest', record);
      const ifMatch = unquote(header(x.req, 'if-match'));
      const ifNoneMatch = header(x.req, 'if-none-match');
      const existed = Boolean(await dns.get(key));
      const written = await dns.put(record, {
        ...(ifMatch && ifMatch !== '*' ? { ifMatch } : {}),
        ...(ifNoneMatch === '*' ? { ifNoneMatch: '*' as const } : {}),
      });
      return send(x.res, existed ? 200 : 201, toArm(base, written));
    }
    if (method === 'DELETE') {
      const ifMatch = unquote(header(x.req, 'if-match'));
      const existed = Boolean(await dns.get(key));
      await dns.delete(key, ifMatch && ifMatch !== '*' ? { ifMatch } : {});
      return send(x.res, existed ? 200 : 204);
    }
    return armError(x.res, 405, 'MethodNotAllowed', `${method} is not supported`);
  } catch (err) {
    sendPortError(x.res, err);
  }
}
