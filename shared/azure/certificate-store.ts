// CertificateStore on @azure/keyvault-certificates (+ the secret for exportable certificates).
// Key Vault has no etags on certificates, so the version stands for one: a certificate "changes"
// when it gets a new version.
import { CertificateClient, type CertificateProperties, type KeyVaultCertificateWithPolicy } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import type { Certificate, CertificateVersion } from '../domain/certificate';
import type { CertificateMaterial, CertificateOperation, CertificateOperationStatus, CertificateStore } from '../ports/certificate-store';
import { fatal, isNotFound, notFound, preconditionFailed } from '../ports/errors';
import type { Page, PageRequest } from '../ports/paging';
import type { Versioned } from '../ports/versioned';
import { pipelineOptions, type AzureEndpointOptions } from './client-options';
import { call, toPortError } from './errors';
import { purposeFromTags, renewalFromLifetimeActions, thumbprintHex } from './key-vault-mapping';

export interface KeyVaultCertificateStoreOptions extends AzureEndpointOptions {
  vaultUrl: string;
}

const toPem = (der: Uint8Array) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

function versionOf(p: CertificateProperties): CertificateVersion | undefined {
  if (!p.version || !p.notBefore || !p.expiresOn) return undefined;
  return { version: p.version, notBefore: p.notBefore.getTime(), notAfter: p.expiresOn.getTime(), thumbprint: thumbprintHex(p.x509Thumbprint) };
}

const STATUS: Record<string, CertificateOperationStatus> = { inprogress: 'inProgress', completed: 'completed', failed: 'failed', cancelled: 'cancelled', canceled: 'cancelled' };

export class KeyVaultCertificateStore implements CertificateStore {
  readonly #certs: CertificateClient;
  readonly #secrets: SecretClient;

  constructor(options: KeyVaultCertificateStoreOptions) {
    // A vault URL that is not *.vault.azure.net (the local fake) needs the challenge check relaxed.
    const clientOptions = { ...pipelineOptions(options), disableChallengeResourceVerification: Boolean(options.endpoint) };
    const url = options.endpoint ?? options.vaultUrl;
    this.#certs = new CertificateClient(url, options.credential, clientOptions);
    this.#secrets = new SecretClient(url, options.credential, clientOptions);
  }

  async #versions(name: string): Promise<CertificateVersion[]> {
    const out: CertificateVersion[] = [];
    for await (const p of this.#certs.listPropertiesOfCertificateVersions(name)) {
      const v = versionOf(p);
      if (v) out.push(v);
    }
    return out;
  }

  async get(name: string): Promise<Versioned<Certificate> | undefined> {
    let cert: KeyVaultCertificateWithPolicy;
    try {
      cert = await call('certificateStore.get', () => this.#certs.getCertificate(name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const versions = await call('certificateStore.get', () => this.#versions(name));
    const value: Certificate = {
      name,
      purpose: purposeFromTags(cert.properties.tags),
      policy: renewalFromLifetimeActions(cert.policy?.lifetimeActions),
      versions,
    };
    return { value, etag: `${cert.properties.version ?? ''}:${versions.length}` };
  }

  async list(request: PageRequest = {}): Promise<Page<Versioned<Certificate>>> {
    return call('certificateStore.list', async () => {
      const pages = this.#certs.listPropertiesOfCertificates().byPage({
        ...(request.maxPageSize ? { maxPageSize: request.maxPageSize } : {}),
        ...(request.continuationToken ? { continuationToken: request.continuationToken } : {}),
      });
      const first = await pages.next();
      const page = (first.done ? [] : first.value) as CertificateProperties[] & { continuationToken?: string };
      const items: Versioned<Certificate>[] = [];
      for (const p of page) {
        const c = p.name ? await this.get(p.name) : undefined;
        if (c) items.push(c);
      }
      return page.continuationToken ? { items, continuationToken: page.continuationToken } : { items };
    });
  }

  async listVersions(name: string, request: PageRequest = {}): Promise<Page<CertificateVersion>> {
    return call('certificateStore.listVersions', async () => {
      const pages = this.#certs.listPropertiesOfCertificateVersions(name).byPage({
        ...(request.maxPageSize ? { maxPageSize: request.maxPageSize } : {}),
        ...(request.continuationToken ? { continuationToken: request.continuationToken } : {}),
      });
      const first = await pages.next();
      const page = (first.done ? [] : first.value) as CertificateProperties[] & { continuationToken?: string };
      const items = page.flatMap((p) => versionOf(p) ?? []);
      return page.continuationToken ? { items, continuationToken: page.continuationToken } : { items };
    });
  }

  async getMaterial(name: string, version?: string): Promise<CertificateMaterial> {
    const cert = await call('certificateStore.getMaterial', () =>
      version ? this.#certs.getCertificateVersion(name, version) : this.#certs.getCertificate(name),
    );
    if (!cert.cer || !cert.properties.version) throw fatal(`certificateStore.getMaterial: '${name}' has no certificate yet`);
    const material: CertificateMaterial = { name, version: cert.properties.version, certificatePem: toPem(cert.cer), chainPem: [] };
    const exportable = version ? (await call('certificateStore.getMaterial', () => this.#certs.getCertificatePolicy(name))).exportable : (cert as KeyVaultCertificateWithPolicy).policy?.exportable;
    if (!exportable) return material;
    const secret = await call('certificateStore.getMaterial', () => this.#secrets.getSecret(name, { version: cert.properties.version }));
    const pem = secret.value ?? '';
    const key = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----\n?/.exec(pem)?.[0];
    const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    return { ...material, chainPem: certs.slice(1), ...(key ? { privateKeyPem: key } : {}) };
  }

  async beginNewVersion(name: string): Promise<CertificateOperation> {
    const policy = await call('certificateStore.beginNewVersion', () => this.#certs.getCertificatePolicy(name));
    try {
      // The POST was accepted (202) once this returns; the operation's progress is getOperation's.
      await this.#certs.beginCreateCertificate(name, policy);
      return { name, status: 'inProgress' };
    } catch (err) {
      // Key Vault refuses a create while another is in progress with 409.
      if ((err as { statusCode?: number }).statusCode === 409) throw preconditionFailed(`certificateStore.beginNewVersion: '${name}' already has a pending operation`, { cause: err });
      throw toPortError(err, 'certificateStore.beginNewVersion');
    }
  }

  async getOperation(name: string): Promise<CertificateOperation | undefined> {
    try {
      const poller = await call('certificateStore.getOperation', () => this.#certs.getCertificateOperation(name));
      const op = poller.getOperationState().certificateOperation;
      if (!op) return undefined;
      return {
        name,
        status: STATUS[(op.status ?? '').toLowerCase()] ?? 'inProgress',
        ...(op.requestId ? { version: op.requestId } : {}),
        ...(op.error ? { error: { code: op.error.code ?? 'unknown', message: op.error.message ?? '' } } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) {
        if (!(await this.get(name))) throw notFound(`certificateStore.getOperation: '${name}' does not exist`);
        return undefined;
      }
      throw err;
    }
  }
}
