// A local certificate authority that issues real X.509 certificates (ECDSA P-256 by default, RSA on
// request), so TLS servers and clients on one machine do exactly what they do with Key Vault's.
import 'reflect-metadata';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyType = 'EC' | 'RSA';
export type ExtendedUsage = 'serverAuth' | 'clientAuth';

export interface IssueRequest {
  /** X.500 subject, e.g. `CN=ws1.dicom.example.com`. */
  subject: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore: Date;
  notAfter: Date;
  keyType?: KeyType;
  /** RSA modulus bits (2048, 3072, 4096); ignored for EC. */
  keySize?: number;
  extendedUsages?: ExtendedUsage[];
  /** Serial number as hex; random when absent. */
  serialNumber?: string;
}

export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** Issuer chain, leaf excluded (here: the CA). */
  chainPem: string[];
  /** SHA-1 of the DER, upper-case hex: what Key Vault calls x5t (base64url there). */
  thumbprint: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

const EKU = { serverAuth: x509.ExtendedKeyUsage.serverAuth, clientAuth: x509.ExtendedKeyUsage.clientAuth } as const;

function algorithm(keyType: KeyType, keySize = 2048): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return keyType === 'RSA'
    ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: keySize }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

const signingAlgorithm = (keyType: KeyType) => (keyType === 'RSA' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', hash: 'SHA-256' });

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function randomSerial(): string {
  // Positive 16-byte serial (top bit clear), as CAs issue them.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** Concatenates PEM blocks so that each ends its own line (some encoders omit the final newline). */
export const pemBundle = (...pems: string[]): string => pems.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');

export function thumbprintOf(certificatePem: string): string {
  const der = new X509Certificate(certificatePem).raw;
  return createHash('sha1').update(der).digest('hex').toUpperCase();
}

export class LocalCa {
  private constructor(
    readonly certificatePem: string,
    private readonly cert: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
    private readonly keyType: KeyType,
  ) {}

  /** Loads the CA kept in `dir`, or creates one there (key file mode 0600). */
  static async loadOrCreate(dir: string, options: { name?: string; keyType?: KeyType; validityDays?: number } = {}): Promise<LocalCa> {
    const certFile = path.join(dir, 'ca.pem');
    const keyFile = path.join(dir, 'ca.key');
    const keyType = options.keyType ?? 'EC';
    if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
      const certificatePem = fs.readFileSync(certFile, 'utf8');
      const cert = new x509.X509Certificate(certificatePem);
      const loadedType: KeyType = cert.publicKey.algorithm.name === 'ECDSA' ? 'EC' : 'RSA';
      const alg = algorithm(loadedType);
      const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(fs.readFileSync(keyFile, 'utf8')), alg, false, ['sign']);
      const publicKey = await cert.publicKey.export(alg, ['verify']);
      return new LocalCa(certificatePem, cert, { privateKey, publicKey } as CryptoKeyPair, loadedType);
    }
    const keys = (await webcrypto.subtle.generateKey(algorithm(keyType), true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=${options.name ?? 'dicom-privatelink local CA'}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + (options.validityDays ?? 3650) * 86_400_000),
      keys,
      signingAlgorithm: signingAlgorithm(keyType),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(keyFile, await exportKeyPem(keys.privateKey), { mode: 0o600 });
    const certificatePem = cert.toString('pem');
    fs.writeFileSync(certFile, certificatePem);
    return new LocalCa(certificatePem, cert, keys, keyType);
  }

  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const keyType = req.keyType ?? 'EC';
    const keys = (await webcrypto.subtle.generateKey(algorithm(keyType, req.keySize), true, ['sign', 'verify'])) as CryptoKeyPair;
    const usages = req.extendedUsages ?? ['serverAuth'];
    const altNames = [
      ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    const keyUsage =
      keyType === 'RSA'
        ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement;
    const serialNumber = req.serialNumber ?? randomSerial();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: req.subject,
      issuer: this.cert.subject,
      notBefore: req.notBefore,
      notAfter: req.notAfter,
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: signingAlgorithm(this.keyType),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(keyUsage, true),
        new x509.ExtendedKeyUsageExtension(usages.map((u) => EKU[u])),
        ...(altNames.length ? [new x509.SubjectAlternativeNameExtension(altNames)] : []),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    const certificatePem = cert.toString('pem');
    return {
      certificatePem,
      privateKeyPem: await exportKeyPem(keys.privateKey),
      chainPem: [this.certificatePem],
      thumbprint: thumbprintOf(certificatePem),
      serialNumber,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    };
  }
}
