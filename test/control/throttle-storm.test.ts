// A 429 storm: 30% of ARM writes answer 429 with Retry-After. The control plane (its production
// adapters against the stand-ins over HTTPS) still converges, and no write comes back before the
// service said it may.
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_PLS_ID, localServices, type LocalServices } from '../../local/azure/local-services';
import { WorkspaceSchema } from '../../shared/domain/workspace';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';

const CUSTOMER = '55555555-0000-0000-0000-000000000000';
let host: HostProcess;
let local: LocalServices;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir('storm');
  local = await localServices(dataDir, {});
  host = await startHost({
    app: REPO,
    dataDir,
    env: { DPL_MODE: 'fake-azure', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *', DPL_FAULTS: JSON.stringify({ throttleRate: 0.3, retryAfterMs: 1000, seed: 3 }) },
  });
});
afterAll(() => host?.stop());

test('everything converges and no call precedes its Retry-After', async () => {
  const names = ['neuro', 'cardio', 'ortho'];
  const endpoints: Array<ReturnType<LocalServices['privateLinkService']['createEndpoint']>> = [];
  for (const name of names) {
    await local.workspaces.put(WorkspaceSchema.parse({ name, region: 'local', cluster: 'local-1', services: [{ name: 'dicom' }, { name: 'viewer' }], approval: { autoApproveSubscriptions: [CUSTOMER] } }));
    endpoints.push(local.privateLinkService.createEndpoint({ privateLinkServiceId: LOCAL_PLS_ID, endpointName: `pe-${name}`, requestingSubscription: CUSTOMER, workspace: name }));
  }
  expect((await fetch(`${host.url}/admin/functions/sweepTimer`, { method: 'POST', body: '{}', headers: { 'x-functions-key': host.keys.masterKey } })).status).toBe(202);
  for (const [i, name] of names.entries()) {
    await waitFor(
      async () => {
        const settled = (await local.workspaces.getFlip(name))?.value.stage === 'settled';
        const route = await local.routes.get({ privateLinkServiceId: LOCAL_PLS_ID, linkId: endpoints[i]!.value.linkId });
        const records = await Promise.all(['', '-dicom', '-viewer'].map((suffix) => local.privateDns.get({ zone: 'privatelink.local.dicom.localtest', name: `${name}${suffix}`, type: 'CNAME' })));
        const approved = (await local.links.getConnection(endpoints[i]!.value.id))?.value.state === 'Approved';
        return settled && route && approved && records.every(Boolean);
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `${name} to converge under the storm` },
    );
  }
  const stats = JSON.parse(fs.readFileSync(path.join(dataDir, 'fault-stats.json'), 'utf8')) as { writes: number; throttled: number; earlyCalls: number };
  expect(stats.throttled).toBeGreaterThan(2);
  expect(stats.throttled / stats.writes).toBeGreaterThan(0.15);
  expect(stats.earlyCalls).toBe(0);
});
