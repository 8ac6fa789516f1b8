import { PatchWorkspaceBodySchema, PutWorkspaceBodySchema, ConnectionDecisionBodySchema, PlanQuerySchema } from '../../../shared/domain/admin';
import { CertificateSchema, currentVersion, RenewalPolicySchema } from '../../../shared/domain/certificate';
import { ConfigurationSchema, privateZoneOf } from '../../../shared/domain/config';
import { LinkIdSchema, PrivateEndpointConnectionSchema } from '../../../shared/domain/connection';
import { DnsRecordSetSchema } from '../../../shared/domain/dns-record';
import { normaliseDnsName } from '../../../shared/domain/dns-name';
import { parseWith, type FieldIssue } from '../../../shared/domain/result';
import { RouteSchema } from '../../../shared/domain/route';
import { WorkspaceSchema } from '../../../shared/domain/workspace';
import { config } from './builders';

const issuesOf = (r: ReturnType<typeof parseWith>): FieldIssue[] => (r.ok ? [] : r.issues);

describe('LinkID', () => {
  it.each([
    [0, 0],
    [305419896, 305419896],
    ['4294967295', 4294967295],
    [' 42 ', 42],
  ])('accepts %p as the uint32 %p', (input, expected) => {
    expect(LinkIdSchema.parse(input)).toBe(expected);
  });

  it.each([[-1], [4294967296], ['0x12'], ['1.5'], [1.5], ['']])('rejects %p', (input) => {
    expect(LinkIdSchema.safeParse(input).success).toBe(false);
  });
});

describe('Workspace', () => {
  it('fills defaults: public access on, sync policy, no auto-approval, generation 0', () => {
    const w = WorkspaceSchema.parse({ name: 'Contoso01', region: 'eastus', cluster: 'z1', services: [{ name: 'svc1' }] });
    expect(w).toEqual({
      name: 'contoso01',
      region: 'eastus',
      cluster: 'z1',
      services: [{ name: 'svc1' }],
      publicNetworkAccess: 'Enabled',
      policy: 'sync',
      approval: { autoApproveSubscriptions: [], rejectSubscriptions: [] },
      generation: 0,
    });
  });

  it('says which field is wrong and why', () => {
    const r = parseWith(WorkspaceSchema, {
      name: 'x',
      region: 'eastus',
      cluster: 'z1',
      services: [{ name: 'svc1' }, { name: 'svc1' }],
      publicNetworkAccess: 'Sometimes',
      policy: 'yolo',
      approval: { autoApproveSubscriptions: ['not-a-guid'] },
    });
    expect(issuesOf(r)).toEqual(
      expect.arrayContaining([
        { path: '$.name', reason: 'must be at least 3 characters' },
        { path: '$.services', reason: 'service names must be unique' },
        { path: '$.publicNetworkAccess', reason: expect.stringContaining('Enabled') },
        { path: '$.policy', reason: expect.stringContaining('upsert-only') },
        { path: '$.approval.autoApproveSubscriptions[0]', reason: 'must be a subscription GUID' },
      ]),
    );
  });

  it('refuses unknown fields instead of silently dropping them', () => {
    const r = parseWith(WorkspaceSchema, { name: 'abc', region: 'eastus', cluster: 'z1', services: [], publicAccess: 'Disabled' });
    expect(issuesOf(r)).toEqual([{ path: '$', reason: expect.stringContaining('publicAccess') }]);
  });
});

describe('PrivateEndpointConnection', () => {
  it('reads ARM string link identifiers and lower-cases the subscription', () => {
    const c = PrivateEndpointConnectionSchema.parse({
      id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateLinkServices/p/privateEndpointConnections/c',
      privateLinkServiceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateLinkServices/p',
      linkId: '536870913',
      state: 'Pending',
      requestingSubscription: 'ABCDEF00-0000-0000-0000-000000000000',
    });
    expect(c.linkId).toBe(536870913);
    expect(c.requestingSubscription).toBe('abcdef00-0000-0000-0000-000000000000');
  });

  it('rejects an unknown state and a malformed private IP by field', () => {
    const r = parseWith(PrivateEndpointConnectionSchema, {
      id: '/subscriptions/s/x',
      privateLinkServiceId: '/subscriptions/s/y',
      linkId: 1,
      privateIp: '10.0.0.256',
      state: 'Removed',
      requestingSubscription: 's',
    });
    expect(issuesOf(r).map((i) => i.path).sort()).toEqual(['$.privateIp', '$.state']);
  });
});

describe('Route and DNS record set', () => {
  it('requires at least one host on a route', () => {
    const r = parseWith(RouteSchema, { privateLinkServiceId: 'pls', linkId: 1, workspace: 'w', hosts: [], backend: 'b', generation: 0 });
    expect(issuesOf(r)).toEqual([{ path: '$.hosts', reason: expect.stringContaining('1') }]);
  });

  it('holds exactly one value in a CNAME record set', () => {
    const r = parseWith(DnsRecordSetSchema, { zone: 'z', name: 'n', type: 'CNAME', values: ['a.example.com', 'b.example.com'] });
    expect(issuesOf(r)).toEqual([{ path: '$.values', reason: 'a CNAME record set holds exactly one value' }]);
  });

  it('normalises DNS names: case and the root dot', () => {
    expect(normaliseDnsName(' Dpl-EastUS-Public.TrafficManager.NET. ')).toBe('dpl-eastus-public.trafficmanager.net');
  });
});

describe('Configuration', () => {
  it('defaults the owner, the TTL and the policy, and derives the private zone per region', () => {
    expect(config.defaultTtl).toBe(60);
    expect(config.defaultPolicy).toBe('sync');
    expect(privateZoneOf(config, config.regions[0]!)).toBe('privatelink.eastus.dicom.example.com');
  });

  it('rejects duplicate regions and a bad domain by field', () => {
    const region = config.regions[0]!;
    const r = parseWith(ConfigurationSchema, { domain: 'not a domain', regions: [region, region] });
    expect(issuesOf(r)).toEqual(
      expect.arrayContaining([
        { path: '$.domain', reason: 'must be a DNS name' },
      ]),
    );
    const dup = parseWith(ConfigurationSchema, { domain: 'dicom.example.com', regions: [region, region] });
    expect(issuesOf(dup)).toEqual([{ path: '$.regions', reason: 'region names must be unique' }]);
  });
});

describe('Certificate', () => {
  it('reads durations in configuration units', () => {
    expect(RenewalPolicySchema.parse({ renewBefore: '30d' }).renewBefore).toBe(30 * 86_400_000);
    expect(RenewalPolicySchema.parse({ failSafeMargin: '12h' }).failSafeMargin).toBe(12 * 3_600_000);
  });

  it('refuses renewBefore and renewBeforePercentage together', () => {
    const r = parseWith(RenewalPolicySchema, { renewBefore: '1d', renewBeforePercentage: 20 });
    expect(issuesOf(r)).toEqual([{ path: '$.renewBeforePercentage', reason: 'set renewBefore or renewBeforePercentage, not both' }]);
  });

  it('serves the newest version that has started', () => {
    const cert = CertificateSchema.parse({
      name: 'proxy-tls',
      purpose: 'private-tls',
      versions: [
        { version: 'a', notBefore: 0, notAfter: 100, thumbprint: 'A' },
        { version: 'b', notBefore: 50, notAfter: 150, thumbprint: 'B' },
        { version: 'c', notBefore: 500, notAfter: 600, thumbprint: 'C' },
      ],
    });
    expect(currentVersion(cert, 60)?.version).toBe('b');
    expect(currentVersion(cert, 10)?.version).toBe('a');
    expect(currentVersion({ ...cert, versions: [] }, 10)).toBeUndefined();
  });
});

describe('admin API bodies', () => {
  it('takes a workspace without its name and generation (the URL and server own those)', () => {
    const r = parseWith(PutWorkspaceBodySchema, { region: 'eastus', cluster: 'z1', services: [{ name: 'svc1' }], generation: 3 });
    expect(issuesOf(r)).toEqual([{ path: '$', reason: expect.stringContaining('generation') }]);
  });

  it('refuses an empty patch', () => {
    expect(issuesOf(parseWith(PatchWorkspaceBodySchema, {}))).toEqual([{ path: '$', reason: 'must set at least one field' }]);
    expect(parseWith(PatchWorkspaceBodySchema, { publicNetworkAccess: 'Disabled' }).ok).toBe(true);
  });

  it('accepts only a final decision for a connection', () => {
    expect(issuesOf(parseWith(ConnectionDecisionBodySchema, { state: 'Pending' }))).toEqual([
      { path: '$.state', reason: expect.stringContaining('Approved') },
    ]);
  });

  it('defaults the dry-run format to JSON', () => {
    expect(PlanQuerySchema.parse({})).toEqual({ format: 'json' });
  });
});
