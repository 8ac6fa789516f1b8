import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { DocStore } from '../../local/azure/doc-store';
import { LocalCa, pemBundle } from '../../local/azure/vault/local-ca';
import tls from 'node:tls';
import { LocalVault, type KeyVaultEvent, type VaultPolicy } from '../../local/azure/vault/vault';
import { parseEvents } from '../../shared/domain/events';
import { tempDir } from '../support/host-process';

const MIN = 60_000;
const policy = (over: Partial<VaultPolicy> = {}): VaultPolicy => ({
  subject: 'CN=*.privatelink.dicom.example.com',
  dnsNames: ['*.privatelink.dicom.example.com'],
  validityMs: 100 * MIN,
  keyType: 'EC',
  exportable: true,
  extendedUsages: ['serverAuth'],
  lifetimeActions: [{ trigger: { lifetimePercentage: 50 }, action: 'AutoRenew' }],
  ...over,
});

describe('the stand-in vault', () => {
  let now = Date.parse('2026-11-27T12:00:00Z');
  const events: KeyVaultEvent[] = [];
  const dir = tempDir('vault');
  const mountDir = path.join(dir, 'mount');
  let vault: LocalVault;
  let ca: LocalCa;

  beforeAll(async () => {
    ca = await LocalCa.loadOrCreate(path.join(dir, 'ca'));
    vault = new LocalVault({
      store: new DocStore(path.join(dir, 'azure.db')),
      ca,
      vaultName: 'dpl-local',
      resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.KeyVault/vaults/dpl-local',
      mountDir,
      publish: (e) => events.push(e),
      now: () => now,
      nearExpiryDays: 20 / (24 * 60), // 20 minutes, scaled to the test's 100-minute certificates
    });
  });

  test('create issues a first version, mounts its files and emits CertificateNewVersionCreated in the real shape', async () => {
    const created = await vault.create('private-tls', 'private-tls', policy());
    expect(created.value.versions).toHaveLength(1);
    const material = await vault.getMaterial('private-tls');
    const x = new X509Certificate(material.certificatePem);
    expect(x.subjectAltName).toBe('DNS:*.privatelink.dicom.example.com');
    expect(x.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(new X509Certificate(material.certificatePem).fingerprint.replace(/:/g, '')).toBe(created.value.versions[0]!.thumbprint);
    expect(material.privateKeyPem).toMatch(/BEGIN PRIVATE KEY/);
    expect(fs.readFileSync(path.join(mountDir, 'private-tls.crt'), 'utf8')).toBe(pemBundle(material.certificatePem, ca.certificatePem));
    // The bundle is a valid chain for TLS (each block on its own lines).
    expect(() => tls.createSecureContext({ cert: fs.readFileSync(path.join(mountDir, 'private-tls.crt')), key: fs.readFileSync(path.join(mountDir, 'private-tls.key')) })).not.toThrow();
    expect(fs.statSync(path.join(mountDir, 'private-tls.key')).mode & 0o077).toBe(0);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventType: 'Microsoft.KeyVault.CertificateNewVersionCreated', subject: 'private-tls' });
    expect(events[0]!.data).toMatchObject({ ObjectType: 'Certificate', ObjectName: 'private-tls', VaultName: 'dpl-local', Version: material.version });
    // Our own edge schema accepts what the stand-in emits.
    const parsed = parseEvents(events);
    expect(parsed.ok).toBe(true);
  });

  test('a second create while one is pending is refused; unknown names are NotFound', async () => {
    const op = await vault.beginNewVersion('private-tls');
    expect(op.status).toBe('inProgress');
    await expect(vault.beginNewVersion('private-tls')).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    await vault.settled('private-tls');
    expect((await vault.getOperation('private-tls'))?.status).toBe('completed');
    expect((await vault.get('private-tls'))!.value.versions).toHaveLength(2);
    await expect(vault.getMaterial('nope')).rejects.toMatchObject({ kind: 'NotFound' });
    await expect(vault.beginNewVersion('nope')).rejects.toMatchObject({ kind: 'NotFound' });
  });

  test('a non-exportable certificate never hands out its key', async () => {
    await vault.create('backend-client', 'backend-client', policy({ exportable: false, extendedUsages: ['clientAuth'], lifetimeActions: [] }));
    expect((await vault.getMaterial('backend-client')).privateKeyPem).toBeUndefined();
  });

  test('lifetime actions renew at the percentage; NearExpiry and Expired fire once each', async () => {
    events.length = 0;
    now += 49 * MIN;
    expect(await vault.tick()).toEqual([]);
    now += 2 * MIN; // 51% of the newest private-tls version's lifetime
    expect(await vault.tick()).toEqual(['private-tls']);
    await vault.settled('private-tls');
    expect(events.map((e) => e.eventType)).toEqual(['Microsoft.KeyVault.CertificateNewVersionCreated']);

    events.length = 0;
    now += 35 * MIN; // backend-client (no lifetime actions, expires at +100 min): within 20 minutes of expiry
    await vault.tick();
    await vault.tick();
    expect(events.filter((e) => e.subject === 'backend-client').map((e) => e.eventType)).toEqual(['Microsoft.KeyVault.CertificateNearExpiry']);
    now += 30 * MIN;
    await vault.tick();
    await vault.tick();
    expect(events.filter((e) => e.subject === 'backend-client').map((e) => e.eventType)).toEqual([
      'Microsoft.KeyVault.CertificateNearExpiry',
      'Microsoft.KeyVault.CertificateExpired',
    ]);
  });

  test('lists page through certificates and versions', async () => {
    const first = await vault.list({ maxPageSize: 1 });
    expect(first.items.map((c) => c.value.name)).toEqual(['backend-client']);
    const second = await vault.list({ maxPageSize: 1, continuationToken: first.continuationToken });
    expect(second.items.map((c) => c.value.name)).toEqual(['private-tls']);
    expect(second.continuationToken).toBeUndefined();
    const versions = await vault.listVersions('private-tls', { maxPageSize: 2 });
    expect(versions.items).toHaveLength(2);
    expect(versions.continuationToken).toBeDefined();
  });
});

describe('the stand-ins’ document store', () => {
  test('etag rules, changed-since and persistence across reopening', () => {
    const file = path.join(tempDir('docs'), 'azure.db');
    const store = new DocStore(file);
    const a = store.put('k', 'a', { n: 1 }, { ifNoneMatch: '*' });
    expect(() => store.put('k', 'a', { n: 2 }, { ifNoneMatch: '*' })).toThrow(expect.objectContaining({ kind: 'PreconditionFailed' }));
    expect(() => store.put('k', 'a', { n: 2 }, { ifMatch: 'stale' })).toThrow(expect.objectContaining({ kind: 'PreconditionFailed' }));
    expect(() => store.put('k', 'missing', { n: 2 }, { ifMatch: 'x' })).toThrow(expect.objectContaining({ kind: 'NotFound' }));
    const b = store.put('k', 'a', { n: 2 }, { ifMatch: a.etag });
    expect(b.etag).not.toBe(a.etag);
    const mark = store.changedSince('k', 0).seq;
    store.put('k', 'b', { n: 3 });
    expect(() => store.delete('k', 'a', { ifMatch: a.etag })).toThrow(expect.objectContaining({ kind: 'PreconditionFailed' }));
    expect(store.delete('k', 'a', { ifMatch: b.etag })).toBe(true);
    const changes = store.changedSince('k', mark);
    expect(changes.docs.map((d) => d.key)).toEqual(['b']);
    expect(changes.deleted.map((d) => d.key)).toEqual(['a']);
    store.close();
    const reopened = new DocStore(file);
    expect(reopened.get('k', 'b')?.value).toEqual({ n: 3 });
    expect(reopened.get('k', 'a')).toBeUndefined();
    reopened.close();
  });
});

describe('the document store shared by processes', () => {
  test('two processes writing the same file at once both succeed (no SQLITE_BUSY)', async () => {
    const { spawn } = await import('node:child_process');
    const file = path.join(tempDir('docs-shared'), 'azure.db');
    const store = new DocStore(file);
    const script = `const { DocStore } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/local/azure/doc-store.js'))});
      const s = new DocStore(${JSON.stringify(file)});
      for (let i = 0; i < 300; i++) { const cur = s.get('k', 'shared'); s.put('k', 'child-' + i, { i }); s.put('k', 'shared', { by: 'child', i }, cur ? {} : {}); }
      s.close();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 300; i++) {
      store.put('k', `parent-${i}`, { i });
      // A read-then-conditional-write racing the other process.
      const cur = store.get<{ by: string }>('k', 'shared');
      try {
        store.put('k', 'shared', { by: 'parent', i }, cur ? { ifMatch: cur.etag } : {});
      } catch (err) {
        expect((err as { kind?: string }).kind).toBe('PreconditionFailed');
      }
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(store.list('k', { prefix: 'child-' })).toHaveLength(300);
    expect(store.list('k', { prefix: 'parent-' })).toHaveLength(300);
    store.close();
  });
});
