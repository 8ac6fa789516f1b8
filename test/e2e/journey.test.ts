// The main journey on the one-command system, with a real DICOMweb client and server:
// dicomweb-client → `dpl dev tunnel` (PROXY v2 + LinkID) → the proxy (TLS, tenant checks) → nginx
// (client certificate required) → Orthanc.
import { promises as dnsPromises } from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { DocStore } from '../../local/azure/doc-store';
import { LocalTrafficManager } from '../../local/azure/traffic-manager';
import { waitFor } from '../support/wait';
import { adminApi } from './support/admin';
import { dpl, dplOk, tunnel, type TunnelProcess } from './support/cli';
import { dicomWebClient, makeInstance, privateEndpointAgent, toArrayBuffer, type Instance } from './support/dicom';
import { PrivateClient } from './support/private-client';
import { startSystem, type RunningSystem } from './support/system';

const CARDIO = 'cardio-dicom.privatelink.dicom.localtest';

let system: RunningSystem;
let api: Awaited<ReturnType<typeof adminApi>>;
const tunnels: TunnelProcess[] = [];
let cardio: { name: string; linkId: number };
let neuro: { name: string; linkId: number };
let viaCardio: PrivateClient;
let viaNeuro: PrivateClient;
const stored: Instance[] = [];

beforeAll(async () => {
  system = await startSystem();
  api = await adminApi(system);
});

afterAll(async () => {
  for (const t of tunnels) await t.close();
  const code = await system?.stop();
  expect(code).toBe(0);
});

test('npm start runs Orthanc behind nginx as the backend (Debian packages orthanc, orthanc-dicomweb, nginx)', () => {
  expect(system.file.backend).toBe('orthanc');
  expect(system.output()).toMatch(/^orthanc\s+\| .*Orthanc has started/m);
});

test('before approval the workspace is unreachable through its private endpoint (403)', async () => {
  await api.putWorkspace('cardio', { publicNetworkAccess: 'Enabled' });
  await api.putWorkspace('neuro', { publicNetworkAccess: 'Disabled' });
  cardio = await dplOk(system.dataDir, ['dev', 'private-endpoint', 'create', '--workspace', 'cardio', '--name', 'pe-cardio', '--json']);
  neuro = await dplOk(system.dataDir, ['dev', 'private-endpoint', 'create', '--workspace', 'neuro', '--name', 'pe-neuro', '--json']);
  const t1 = await tunnel(system.dataDir, cardio.linkId);
  const t2 = await tunnel(system.dataDir, neuro.linkId);
  tunnels.push(t1, t2);
  viaCardio = new PrivateClient(CARDIO, t1, system.file.caFile);
  viaNeuro = new PrivateClient(CARDIO, t2, system.file.caFile);

  // The ARM event the dev command delivered makes the control plane see the connection as Pending.
  await waitFor(async () => {
    const list = await dplOk<{ value: Array<{ name: string; state: string }> }>(system.dataDir, ['connections', 'cardio', '--json']);
    return list.value.some((c) => c.name === cardio.name && c.state === 'Pending');
  }, { timeoutMs: 30_000, intervalMs: 500, what: 'the pending connection' });
  const res = await viaCardio.request('/dicom-web/studies');
  expect(res.status).toBe(403);
});

test('after approval STOW-RS stores instances, QIDO-RS finds them and WADO-RS returns them byte-identical', async () => {
  await dplOk(system.dataDir, ['approve', 'cardio', cardio.name]);
  await dplOk(system.dataDir, ['approve', 'neuro', neuro.name]);
  await api.ready('cardio', 'cardio to converge after approval');
  // The proxy polls the route table; the first 200 is when the route has reached it.
  await waitFor(async () => (await viaCardio.request('/dicom-web/studies')).status === 200, { timeoutMs: 20_000, intervalMs: 250, what: 'the route to reach the proxy' });

  const client = dicomWebClient(CARDIO, viaCardio.tunnel.port, viaCardio.agent);
  const first = makeInstance();
  const rest = [makeInstance({ study: first.study, series: first.series }), makeInstance({ study: first.study })];
  stored.push(first, ...rest);
  await client.storeInstances({ datasets: stored.map((i) => toArrayBuffer(i.bytes)) });

  const studies = await client.searchForStudies({ queryParams: { StudyInstanceUID: first.study } });
  expect(studies).toHaveLength(1);
  const instances = await client.searchForInstances({ studyInstanceUID: first.study });
  expect(instances.map((i) => (i['00080018']?.Value as string[])[0]).sort()).toEqual(stored.map((i) => i.sop).sort());
  for (const i of stored) {
    const got = await client.retrieveInstance({ studyInstanceUID: i.study, seriesInstanceUID: i.series, sopInstanceUID: i.sop });
    const bytes = new Uint8Array(Array.isArray(got) ? got[0]! : got);
    expect(Buffer.from(bytes).equals(Buffer.from(i.bytes))).toBe(true);
  }
});

test("another workspace's LinkID is rejected for this workspace's name", async () => {
  const res = await viaNeuro.request('/dicom-web/studies');
  expect(res.status).toBe(403);
  // The same LinkID through its own connection still works for its own workspace's name.
  const own = await viaCardio.request('/dicom-web/studies');
  expect(own.status).toBe(200);
});

test('after the flip to private-only the public path is disabled, and the private one still serves', async () => {
  await api.putWorkspace('cardio', { publicNetworkAccess: 'Disabled' });
  const view = await waitFor(async () => {
    const w = await api.workspace('cardio');
    return w.generation >= 2 && w.state === 'Ready' && w.flip?.stage === 'settled' && w.flip.target.public === false ? w : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250, what: 'cardio to settle private-only' });
  expect(view.flip?.target).toEqual({ public: false, private: true });

  const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([system.file.dns]);
  // The workspace's name now leads to the private profile, and no workspace keeps the public one up.
  expect(await resolver.resolveCname('cardio-dicom.privatelink.local.dicom.localtest')).toEqual(['dicom-private-local.trafficmanager.net']);
  // Ingress endpoints are shared by the fleet, so the sweep (which sees every workspace) turns them off.
  await dplOk(system.dataDir, ['sweep']);
  await expect(resolver.resolveCname('dicom-public-local.trafficmanager.net')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  expect((await viaCardio.request('/dicom-web/studies')).status).toBe(200);
});

test('a certificate rotation during a long WADO-RS download lets it finish; later handshakes see the new certificate', async () => {
  const big = makeInstance({ pixelBytes: 48 * 1024 * 1024 });
  await dicomWebClient(CARDIO, viaCardio.tunnel.port, viaCardio.agent).storeInstances({ datasets: [toArrayBuffer(big.bytes)] });
  const before = await viaCardio.thumbprint();

  // Start the download, take the first bytes, then hold it open (backpressure) while the rotation runs.
  const download = new Promise<{ status: number; body: Buffer; served: string }>((resolve, reject) => {
    const req = https.request(
      {
        host: CARDIO,
        port: viaCardio.tunnel.port,
        agent: privateEndpointAgent(CARDIO, viaCardio.tunnel, fs.readFileSync(system.file.caFile)),
        path: `/dicom-web/studies/${big.study}/series/${big.series}/instances/${big.sop}`,
        headers: { accept: 'multipart/related; type="application/dicom"' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const served = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint.replace(/:/g, '') ?? '';
        res.once('data', (c: Buffer) => {
          chunks.push(c);
          res.pause();
          held.resolve();
          res.on('data', (more: Buffer) => chunks.push(more));
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), served }));
        res.on('error', reject);
        resume = () => res.resume();
      },
    );
    req.on('error', reject);
    req.end();
  });
  let resume: () => void = () => undefined;
  const held = deferred();
  await held.promise;

  const rollout = await dplOk<{ runtimeStatus?: string; customStatus?: { verified?: string } }>(system.dataDir, ['rotate', 'private-tls', '--json']);
  expect(JSON.stringify(rollout)).toContain('served');
  resume();
  const done = await download;
  expect(done.status).toBe(200);
  expect(done.served).toBe(before);
  expect(done.body.includes(Buffer.from(big.bytes))).toBe(true);

  const after = await waitFor(async () => {
    const t = await viaCardio.thumbprint();
    return t !== before ? t : undefined;
  }, { timeoutMs: 20_000, intervalMs: 250, what: 'a handshake with the new certificate' });
  expect(after).not.toBe(before);
});

test('disabling the Traffic Manager endpoint the backend name resolves through moves later requests to the other ingress', async () => {
  const proxyPid = system.file.pids.proxy;
  expect((await viaCardio.request('/dicom-web/studies')).headers['x-dpl-ingress']).toBe('zone-0');
  // The operator's failover, on the stand-in Traffic Manager (what `az network traffic-manager endpoint update` does).
  const store = new DocStore(path.join(system.dataDir, 'azure.db'));
  try {
    const tm = new LocalTrafficManager(store);
    const profile = system.file.ingresses[0]!.profile;
    await tm.setEndpointStatus(profile, 'zone-1', 'Enabled');
    await tm.setEndpointStatus(profile, 'zone-0', 'Disabled');
  } finally {
    store.close();
  }
  await waitFor(async () => (await viaCardio.request('/dicom-web/studies')).headers['x-dpl-ingress'] === 'zone-1', {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: 'requests to reach zone-1',
  });
  // Nothing restarted: the same proxy process, and the data is still there behind the other ingress.
  expect(JSON.parse(fs.readFileSync(path.join(system.dataDir, 'system.json'), 'utf8')).pids.proxy).toBe(proxyPid);
  const client = dicomWebClient(CARDIO, viaCardio.tunnel.port, viaCardio.agent);
  expect(await client.searchForStudies({ queryParams: { StudyInstanceUID: stored[0]!.study } })).toHaveLength(1);
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('dpl demo walks the main journey on the running system to the end', async () => {
  const r = await dpl(system.dataDir, ['demo', '--workspace', 'tour']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Demo finished: \d+ checks passed\./m);
  expect(r.stdout).toContain('✓ WADO-RS returns it byte for byte');
});
