import type { CertificateStore } from '../../shared/ports/certificate-store';
import type { VaultPolicy } from '../../local/azure/vault/vault';

/** The certificate every CertificateStore contract run starts from. */
export const CONTRACT_CERTIFICATE: { name: string; policy: VaultPolicy } = {
  name: 'private-tls',
  policy: {
    subject: 'CN=*.privatelink.dicom.example.com',
    dnsNames: ['*.privatelink.dicom.example.com'],
    validityInMonths: 12,
    keyType: 'EC',
    exportable: true,
    extendedUsages: ['serverAuth'],
    lifetimeActions: [{ trigger: { lifetimePercentage: 80 }, action: 'AutoRenew' }],
  },
};
import { waitFor } from '../support/wait';

/** `name` exists with one version, an exportable key, and no pending operation. */
export function certificateStoreContract(name: string, setup: () => Promise<{ port: CertificateStore; name: string }>): void {
  describe(`CertificateStore contract: ${name}`, () => {
    let s: { port: CertificateStore; name: string };
    beforeAll(async () => {
      s = await setup();
    });

    test('reads the certificate, its versions and its material', async () => {
      const cert = (await s.port.get(s.name))!;
      expect(cert.value.name).toBe(s.name);
      expect(cert.value.versions).toHaveLength(1);
      const v = cert.value.versions[0]!;
      expect(v.notAfter).toBeGreaterThan(v.notBefore);
      const material = await s.port.getMaterial(s.name);
      expect(material.version).toBe(v.version);
      expect(material.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(material.privateKeyPem).toMatch(/BEGIN PRIVATE KEY/);
      expect((await s.port.listVersions(s.name)).items.map((x) => x.version)).toEqual([v.version]);
      expect(await s.port.get('does-not-exist')).toBeUndefined();
    });

    test('a new version goes through a pending operation; a second one meanwhile is refused', async () => {
      const op = await s.port.beginNewVersion(s.name);
      expect(['inProgress', 'completed']).toContain(op.status);
      if (op.status === 'inProgress') {
        await expect(s.port.beginNewVersion(s.name)).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      }
      const done = await waitFor(async () => {
        const o = await s.port.getOperation(s.name);
        return o?.status !== 'inProgress' && o;
      });
      expect(done.status).toBe('completed');
      const versions = (await s.port.get(s.name))!.value.versions;
      expect(versions).toHaveLength(2);
      expect((await s.port.getMaterial(s.name)).version).toBe(done.version);
    });

    test('unknown names are NotFound', async () => {
      await expect(s.port.getMaterial('does-not-exist')).rejects.toMatchObject({ kind: 'NotFound' });
      await expect(s.port.beginNewVersion('does-not-exist')).rejects.toMatchObject({ kind: 'NotFound' });
    });
  });
}
