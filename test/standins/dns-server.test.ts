import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { promises as dns } from 'node:dns';
import { DnsServer } from '../../local/azure/dns/server';
import { RecordSetView, type DnsRecordSet } from '../../local/azure/dns/answer';
import { CompositeView, TrafficManagerView, type TrafficProfileView } from '../../local/azure/dns/traffic-view';

const ZONE = 'privatelink.westeurope.dicom.example.com';
let sets: DnsRecordSet[] = [];
const profiles: TrafficProfileView[] = [
  { relativeName: 'dicom-private-weu', ttl: 5, endpoints: [{ target: 'zone1-weu-aks.internal.example.com', priority: 1, enabled: true }] },
];
// A live view: every query reads the current records, as the stand-in's store does.
const live = {
  zones: () => new RecordSetView([{ name: ZONE }], sets).zones(),
  lookup: (n: string) => new RecordSetView([{ name: ZONE }], sets).lookup(n),
  hasDescendant: (n: string) => new RecordSetView([{ name: ZONE }], sets).hasDescendant(n),
};
const server = new DnsServer({ port: 0, view: new CompositeView([live, new TrafficManagerView(() => profiles)]) });
let resolver: dns.Resolver;

beforeAll(async () => {
  sets = [
    { name: `ws1-dicom.${ZONE}`, type: 'A', ttl: 10, values: ['10.0.0.4'] },
    { name: `ws1-tm.${ZONE}`, type: 'CNAME', ttl: 10, values: ['dicom-private-weu.trafficmanager.net'] },
    { name: `big.${ZONE}`, type: 'TXT', ttl: 10, values: Array.from({ length: 12 }, (_, i) => `${i}:${'x'.repeat(200)}`) },
  ];
  await server.start();
  resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
});
afterAll(() => server.stop());

describe('the stand-in DNS server, through node’s resolver', () => {
  test('A, CNAME into Traffic Manager, NXDOMAIN, NODATA and REFUSED', async () => {
    expect(await resolver.resolve4(`WS1-DICOM.${ZONE}`)).toEqual(['10.0.0.4']);
    expect(await resolver.resolveCname(`ws1-tm.${ZONE}`)).toEqual(['dicom-private-weu.trafficmanager.net']);
    expect(await resolver.resolveCname('dicom-private-weu.trafficmanager.net')).toEqual(['zone1-weu-aks.internal.example.com']);
    await expect(resolver.resolve4(`nope.${ZONE}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolveTxt(`ws1-dicom.${ZONE}`)).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolve4('example.org')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  test('a TXT answer too big for UDP is truncated and fetched over TCP', async () => {
    const txt = await resolver.resolveTxt(`big.${ZONE}`);
    expect(txt).toHaveLength(1);
    expect(txt[0]).toHaveLength(12);
  });

  test('a change answers on the next query; a disabled endpoint moves the Traffic Manager name', async () => {
    sets = [...sets.filter((s) => s.name !== `ws1-dicom.${ZONE}`), { name: `ws1-dicom.${ZONE}`, type: 'A', ttl: 10, values: ['10.0.0.7'] }];
    expect(await resolver.resolve4(`ws1-dicom.${ZONE}`)).toEqual(['10.0.0.7']);
    profiles[0]!.endpoints.push({ target: 'zone2-weu-aks.internal.example.com', priority: 2, enabled: true });
    profiles[0]!.endpoints[0]!.enabled = false;
    expect(await resolver.resolveCname('dicom-private-weu.trafficmanager.net')).toEqual(['zone2-weu-aks.internal.example.com']);
    profiles[0]!.endpoints[1]!.enabled = false;
    await expect(resolver.resolveCname('dicom-private-weu.trafficmanager.net')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

// dig runs in a child process (the server lives in this one, so a synchronous call would block it).
// .ci/run installs dnsutils; without it this suite fails with a clear message rather than skipping.
describe('the stand-in DNS server, through dig', () => {
  const digAvailable = spawnSync('dig', ['-v']).status === 0;
  const run = promisify(execFile);
  const dig = async (...args: string[]) => {
    if (!digAvailable) throw new Error('dig is not installed: apt-get install -y dnsutils');
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(server.port), '+time=2', '+tries=1', ...args], { encoding: 'utf8' });
    return stdout;
  };

  test('authoritative answers over UDP and TCP, with SOA in negative answers', async () => {
    const udp = await dig(`ws1-dicom.${ZONE}`, 'A');
    expect(udp).toMatch(/flags: qr aa rd/);
    expect(udp).toMatch(/status: NOERROR/);
    const tcp = await dig('+tcp', `ws1-dicom.${ZONE}`, 'A');
    expect(tcp).toMatch(/IN\s+A\s+10\.0\.0\.7/);
    const nx = await dig(`nope.${ZONE}`, 'A');
    expect(nx).toMatch(/status: NXDOMAIN/);
    expect(nx).toMatch(/AUTHORITY SECTION:\n\S+\s+\d+\s+IN\s+SOA/);
    expect(await dig('example.org', 'A')).toMatch(/status: REFUSED/);
  });

  test('several queries pipelined on one TCP connection', async () => {
    const out = await dig('+tcp', '+keepopen', `ws1-dicom.${ZONE}`, 'A', `ws1-tm.${ZONE}`, 'CNAME', ZONE, 'SOA');
    expect(out.match(/status: NOERROR/g)).toHaveLength(3);
  });

  test('a truncated UDP answer makes dig retry over TCP', async () => {
    const out = await dig(`big.${ZONE}`, 'TXT', '+ignore');
    expect(out).toMatch(/flags: qr aa tc rd/);
    expect(await dig(`big.${ZONE}`, 'TXT')).toMatch(/ANSWER: 1,/);
  });
});
