// A certificate whose renewal time comes is renewed by the sweep and rolled out: the TLS probe sees
// the new version served from the files the vault mounts (as the AKS CSI driver does for the proxy).
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate, createHash } from 'node:crypto';
import { mintLocalToken } from '../../local/admin-token';
import { localServices, type LocalServices } from '../../local/azure/local-services';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';
import { privateTlsPolicy } from '../support/certificates';

let host: HostProcess;
let local: LocalServices;
let server: tls.Server;
let dataDir: string;

const thumbprint = (pem: string) => createHash('sha1').update(new X509Certificate(pem).raw).digest('hex').toUpperCase();

beforeAll(async () => {
  dataDir = tempDir('rotation');
  local = await localServices(dataDir, {});
  // Stands where the proxy will: serves whatever certificate files are mounted now, per handshake.
  const mount = path.join(dataDir, 'certs');
  server = tls.createServer({
    SNICallback: (_name, cb) => {
      try {
        cb(null, tls.createSecureContext({ cert: fs.readFileSync(path.join(mount, 'private-tls.crt')), key: fs.readFileSync(path.join(mount, 'private-tls.key')) }));
      } catch (err) {
        cb(err as Error, undefined);
      }
    },
  });
  server.on('secureConnection', (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *', DPL_PROBE_ADDRESS: `127.0.0.1:${port}` } });
});
afterAll(async () => {
  await host?.stop();
  server?.close();
});

test('a short-lived certificate is renewed when due and the probe sees the new version served', async () => {
  await local.vault.create(
    'private-tls',
    'private-tls',
    // Renew 95% before expiry: due three seconds after issuance.
    privateTlsPolicy({ validityInMonths: undefined, validityMs: 60_000, lifetimeActions: [{ trigger: { lifetimePercentage: 5 }, action: 'AutoRenew' }] }),
  );
  const first = (await local.vault.getMaterial('private-tls')).certificatePem;
  const admin = await mintLocalToken(dataDir, ['PrivateLink.Admin']);
  const api = (method: string, p: string) => fetch(`${host.url}/api${p}`, { method, headers: { authorization: `Bearer ${admin}` } });
  await waitFor(async () => {
    const list = (await (await api('GET', '/certificates')).json()) as { value: Array<{ renewal: { status: string } }> };
    return list.value[0]?.renewal.status === 'due';
  }, { timeoutMs: 15_000, intervalMs: 200, what: 'the renewal time' });

  expect((await api('POST', '/sweep')).status).toBe(202);
  const rollout = await waitFor(async () => {
    const o = (await (await api('GET', '/operations/cert%3Aprivate-tls')).json()) as { runtimeStatus?: string; customStatus?: { verified?: string } };
    return o.runtimeStatus === 'Completed' && o;
  }, { timeoutMs: 40_000, intervalMs: 500, what: 'the rollout' });
  expect(rollout.customStatus).toMatchObject({ verified: 'served' });
  expect(rollout).toBeTruthy();
  const versions = (await local.vault.get('private-tls'))!.value.versions;
  expect(versions).toHaveLength(2);
  const second = (await local.vault.getMaterial('private-tls')).certificatePem;
  expect(thumbprint(second)).not.toBe(thumbprint(first));
  // What a client sees now is the new version.
  const served = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'ws1.privatelink.dicom.localtest', rejectUnauthorized: false }, () => {
      resolve(createHash('sha1').update(s.getPeerCertificate().raw).digest('hex').toUpperCase());
      s.end();
    });
    s.on('error', reject);
  });
  expect(served).toBe(thumbprint(second));
  const logs = host.logs().filter((l) => String(l.category).startsWith('Function.rotateCertificate'));
  expect(logs.some((l) => /Succeeded/.test(String(l.message)))).toBe(true);
});
