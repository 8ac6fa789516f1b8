// kill -9 in the middle of the journey: first of the functions host alone (the supervisor brings it
// back), then of the whole system; a second start on the same DATA_DIR and ports finishes the journey
// with nothing lost — the approval, the flip and the stored instances.
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../support/wait';
import { adminApi } from './support/admin';
import { dplOk, tunnel, type TunnelProcess } from './support/cli';
import { dicomWebClient, makeInstance, toArrayBuffer } from './support/dicom';
import { PrivateClient } from './support/private-client';
import { startSystem, type RunningSystem } from './support/system';
import type { SystemFile } from '../../local/system/system-file';

const HOST = 'oncology-dicom.privatelink.dicom.localtest';

let system: RunningSystem | undefined;
let t: TunnelProcess | undefined;

afterAll(async () => {
  await t?.close();
  await system?.stop();
});

const systemFile = (dataDir: string) => JSON.parse(fs.readFileSync(path.join(dataDir, 'system.json'), 'utf8')) as SystemFile;
const portOf = (address: string) => address.split(':').pop()!;

test('kill -9 of the functions host, then of everything, in the middle of the journey: it completes with nothing lost', async () => {
  system = await startSystem();
  const { dataDir } = system;
  let api = await adminApi(system);
  await api.putWorkspace('oncology', { publicNetworkAccess: 'Enabled' });
  const pe = await dplOk<{ name: string; linkId: number }>(dataDir, ['dev', 'private-endpoint', 'create', '--workspace', 'oncology', '--json']);
  t = await tunnel(dataDir, pe.linkId);
  const client = new PrivateClient(HOST, t, system.file.caFile);
  await waitFor(async () => (await dplOk<{ value: Array<{ name: string }> }>(dataDir, ['connections', 'oncology', '--json'])).value.some((c) => c.name === pe.name), {
    timeoutMs: 30_000,
    intervalMs: 500,
    what: 'the connection',
  });

  // 1. The approval is accepted, then the functions host dies before it can be carried out.
  await dplOk(dataDir, ['approve', 'oncology', pe.name, '--no-wait']);
  const functionsPid = system.file.pids.functions!;
  process.kill(functionsPid, 'SIGKILL');
  await waitFor(() => (systemFile(dataDir).pids.functions ?? functionsPid) !== functionsPid, { timeoutMs: 30_000, what: 'the supervisor to restart the functions host' });
  await api.ready('oncology', 'the approval to be carried out after the restart', 90_000);
  await waitFor(async () => (await client.request('/dicom-web/studies')).status === 200, { timeoutMs: 20_000, intervalMs: 250, what: 'the route' });

  const instances = [makeInstance(), makeInstance()];
  await dicomWebClient(HOST, t.port, client.agent).storeInstances({ datasets: instances.map((i) => toArrayBuffer(i.bytes)) });

  // 2. A flip to private-only is accepted, and the whole system is killed at once.
  const first = system.file;
  await api.putWorkspace('oncology', { publicNetworkAccess: 'Disabled' });
  await system.kill9();
  system = undefined;
  expect(fs.existsSync(path.join(dataDir, 'system.json'))).toBe(true);

  // 3. `npm start` again, on the same data and ports (the tunnel keeps pointing at the same proxy).
  system = await startSystem({
    dataDir,
    env: {
      PORT: portOf(first.functions),
      DNS_PORT: portOf(first.dns),
      PROXY_PORT: portOf(first.proxy),
      PROXY_ADMIN_PORT: portOf(first.proxyAdmin),
      BACKEND_PORT: portOf(first.ingresses[0]!.url),
      ORTHANC_PORT: portOf(first.orthanc!),
    },
  });
  expect(system.output()).not.toMatch(/created certificate/);
  api = await adminApi(system);
  const settled = await waitFor(async () => {
    const w = await api.workspace('oncology');
    return w.state === 'Ready' && w.flip?.stage === 'settled' && w.flip.target.public === false ? w : undefined;
  }, { timeoutMs: 90_000, intervalMs: 250, what: 'the flip accepted before the crash to finish' });
  expect(settled.flip?.target).toEqual({ public: false, private: true });

  // Nothing lost: the connection is still approved and the instances come back byte for byte.
  const conns = await dplOk<{ value: Array<{ name: string; state: string }> }>(dataDir, ['connections', 'oncology', '--json']);
  expect(conns.value.find((c) => c.name === pe.name)?.state).toBe('Approved');
  const dicom = await waitFor(async () => ((await client.request('/dicom-web/studies')).status === 200 ? dicomWebClient(HOST, t!.port, client.agent) : undefined), {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: 'the private path after the restart',
  });
  for (const i of instances) {
    const got = await dicom.retrieveInstance({ studyInstanceUID: i.study, seriesInstanceUID: i.series, sopInstanceUID: i.sop });
    expect(Buffer.from(new Uint8Array(Array.isArray(got) ? got[0]! : got)).equals(Buffer.from(i.bytes))).toBe(true);
  }
});
