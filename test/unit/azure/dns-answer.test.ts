import { answer, RecordSetView, type DnsRecordSet } from '../../../local/azure/dns/answer';
import { CompositeView, TrafficManagerView } from '../../../local/azure/dns/traffic-view';

const ZONE = 'privatelink.westeurope.dicom.example.com';
const sets: DnsRecordSet[] = [
  { name: `ws1-dicom.${ZONE}`, type: 'A', ttl: 10, values: ['10.0.0.4', '10.0.0.5'] },
  { name: `ws1-alias.${ZONE}`, type: 'CNAME', ttl: 30, values: [`ws1-dicom.${ZONE}.`] },
  { name: `ws1-out.${ZONE}`, type: 'CNAME', ttl: 30, values: ['elsewhere.example.org'] },
  { name: `ws1-tm.${ZONE}`, type: 'CNAME', ttl: 30, values: ['dicom-private-weu.trafficmanager.net'] },
  { name: `_owner.ws1-dicom.${ZONE}`, type: 'TXT', ttl: 60, values: ['heritage=dpl', 'owner=test'] },
  { name: `deep.sub.${ZONE}`, type: 'A', ttl: 10, values: ['10.0.0.9'] },
];
const profiles = [
  {
    relativeName: 'dicom-private-weu',
    ttl: 5,
    endpoints: [
      { target: 'zone1-weu-aks.internal.example.com', priority: 1, enabled: false },
      { target: 'zone2-weu-aks.internal.example.com', priority: 2, enabled: true },
      { target: 'zone3-weu-aks.internal.example.com', priority: 3, enabled: true },
    ],
  },
  { relativeName: 'dicom-dark', ttl: 5, endpoints: [{ target: 'x.example.com', priority: 1, enabled: false }] },
];
const view = new CompositeView([new RecordSetView([{ name: ZONE }], sets), new TrafficManagerView(() => profiles)]);

describe('authoritative answers', () => {
  test('A records, case-insensitive, trailing dot tolerated', () => {
    const a = answer(view, `WS1-Dicom.${ZONE.toUpperCase()}.`, 'A');
    expect(a.rcode).toBe('NOERROR');
    expect(a.authoritative).toBe(true);
    expect(a.answers.map((s) => s.values)).toEqual([['10.0.0.4', '10.0.0.5']]);
  });

  test('CNAME is chased within our zones, and left for the resolver outside them', () => {
    const chased = answer(view, `ws1-alias.${ZONE}`, 'A');
    expect(chased.answers.map((s) => s.type)).toEqual(['CNAME', 'A']);
    const out = answer(view, `ws1-out.${ZONE}`, 'A');
    expect(out.answers.map((s) => s.type)).toEqual(['CNAME']);
    expect(answer(view, `ws1-alias.${ZONE}`, 'CNAME').answers).toHaveLength(1);
  });

  test('a CNAME into a Traffic Manager profile resolves to its highest-priority enabled endpoint', () => {
    const a = answer(view, `ws1-tm.${ZONE}`, 'A');
    expect(a.answers.map((s) => s.values[0])).toEqual(['dicom-private-weu.trafficmanager.net', 'zone2-weu-aks.internal.example.com']);
  });

  test('a profile with no enabled endpoint is NXDOMAIN', () => {
    expect(answer(view, 'dicom-dark.trafficmanager.net', 'CNAME').rcode).toBe('NXDOMAIN');
  });

  test('TXT with several strings; SOA at the apex', () => {
    expect(answer(view, `_owner.ws1-dicom.${ZONE}`, 'TXT').answers[0]!.values).toEqual(['heritage=dpl', 'owner=test']);
    const soa = answer(view, ZONE, 'SOA');
    expect(soa.answers[0]!.type).toBe('SOA');
  });

  test('NODATA for an existing name without that type, and for an empty non-terminal', () => {
    const nodata = answer(view, `ws1-dicom.${ZONE}`, 'TXT');
    expect(nodata).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(nodata.authority[0]!.zone).toBe(ZONE);
    expect(answer(view, `sub.${ZONE}`, 'A')).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  test('NXDOMAIN with the SOA for a missing name, REFUSED outside our zones', () => {
    const nx = answer(view, `nope.${ZONE}`, 'A');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.authority).toHaveLength(1);
    expect(answer(view, 'example.org', 'A')).toMatchObject({ rcode: 'REFUSED', authoritative: false });
  });
});
