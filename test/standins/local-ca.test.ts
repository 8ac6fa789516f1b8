import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { LocalCa } from '../../local/azure/vault/local-ca';
import { tempDir } from '../support/host-process';

const run = promisify(execFile);
const DAY = 86_400_000;

describe('the local CA', () => {
  const dir = tempDir('ca');
  let ca: LocalCa;

  beforeAll(async () => {
    ca = await LocalCa.loadOrCreate(dir);
  });

  test('persists: a second load is the same CA and its key file is private', async () => {
    const again = await LocalCa.loadOrCreate(dir);
    expect(again.certificatePem).toBe(ca.certificatePem);
    expect(fs.statSync(path.join(dir, 'ca.key')).mode & 0o077).toBe(0);
  });

  test.each(['EC', 'RSA'] as const)('issues %s certificates that openssl verifies, with the SANs, usages and validity asked for', async (keyType) => {
    const now = Date.now();
    const issued = await ca.issue({
      subject: 'CN=ws1.dicom.example.com',
      dnsNames: ['ws1.dicom.example.com', '*.ws1.privatelink.dicom.example.com'],
      ipAddresses: ['127.0.0.1'],
      notBefore: new Date(now - 1000),
      notAfter: new Date(now + 30 * DAY),
      keyType,
      extendedUsages: ['serverAuth', 'clientAuth'],
    });
    const files = tempDir('verify');
    fs.writeFileSync(path.join(files, 'ca.pem'), ca.certificatePem);
    fs.writeFileSync(path.join(files, 'leaf.pem'), issued.certificatePem);
    const verified = await run('openssl', ['verify', '-CAfile', path.join(files, 'ca.pem'), path.join(files, 'leaf.pem')]);
    expect(verified.stdout.trim()).toBe(`${path.join(files, 'leaf.pem')}: OK`);
    const text = (await run('openssl', ['x509', '-in', path.join(files, 'leaf.pem'), '-noout', '-text'])).stdout;
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(keyType === 'EC' ? /id-ecPublicKey/ : /rsaEncryption/);

    const x = new X509Certificate(issued.certificatePem);
    expect(x.subjectAltName).toBe('DNS:ws1.dicom.example.com, DNS:*.ws1.privatelink.dicom.example.com, IP Address:127.0.0.1');
    expect(x.checkHost('a.ws1.privatelink.dicom.example.com')).toBe('*.ws1.privatelink.dicom.example.com');
    expect(x.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(Math.abs(new Date(x.validTo).getTime() - (now + 30 * DAY))).toBeLessThan(2000);
    expect(issued.thumbprint).toMatch(/^[0-9A-F]{40}$/);
  });

  test('a TLS server and client using its certificates complete mutual TLS; a stranger is refused', async () => {
    const now = Date.now();
    const window = { notBefore: new Date(now - 1000), notAfter: new Date(now + DAY) };
    const server = await ca.issue({ subject: 'CN=localhost', dnsNames: ['localhost'], ...window, extendedUsages: ['serverAuth'] });
    const client = await ca.issue({ subject: 'CN=proxy', dnsNames: ['proxy.internal'], ...window, extendedUsages: ['clientAuth'] });
    const otherCa = await LocalCa.loadOrCreate(tempDir('other-ca'));
    const stranger = await otherCa.issue({ subject: 'CN=stranger', ...window, extendedUsages: ['clientAuth'] });

    const seen: string[] = [];
    const srv = https.createServer(
      { cert: server.certificatePem, key: server.privateKeyPem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
        seen.push(peer.subject.CN as string);
        res.end('hello over mTLS');
      },
    );
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as { port: number }).port;
    const get = (cert?: { certificatePem: string; privateKeyPem: string }) =>
      new Promise<string>((resolve, reject) => {
        const req = https.get(
          { host: '127.0.0.1', port, servername: 'localhost', path: '/', ca: ca.certificatePem, cert: cert?.certificatePem, key: cert?.privateKeyPem, agent: false },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
      });
    try {
      expect(await get(client)).toBe('hello over mTLS');
      await expect(get(stranger)).rejects.toThrow();
      await expect(get()).rejects.toThrow();
      expect(seen).toEqual(['proxy']);
    } finally {
      srv.close();
    }
  });
});
