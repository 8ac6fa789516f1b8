// The stand-in Key Vault: certificates with a Key Vault-like policy, versions issued by the local CA,
// one pending operation at a time, lifetime actions (AutoRenew at a percentage or days before
// expiry), the Key Vault events in their real shape, and the issued files written where the proxy
// reads them (as the AKS Key Vault CSI driver mounts them: replaced in place).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Certificate, CertificatePurpose, CertificateVersion } from '../../../shared/domain/certificate';
import { renewalFromLifetimeActions } from '../../../shared/azure/key-vault-mapping';
import type { CertificateMaterial, CertificateOperation, CertificateStore } from '../../../shared/ports/certificate-store';
import { fatal, notFound, preconditionFailed } from '../../../shared/ports/errors';
import type { Page, PageRequest } from '../../../shared/ports/paging';
import type { Versioned } from '../../../shared/ports/versioned';
import type { DocStore } from '../doc-store';
import { pemBundle, type ExtendedUsage, type KeyType, type LocalCa } from './local-ca';
import { writeFileAtomic } from '../../atomic-file';

export interface LifetimeAction {
  trigger: { lifetimePercentage?: number; daysBeforeExpiry?: number };
  action: 'AutoRenew' | 'EmailContacts';
}

/** The parts of Key Vault's certificate policy the stand-in honours. */
export interface VaultPolicy {
  subject: string;
  dnsNames: string[];
  /** Key Vault counts in months; tests need minutes, so the stand-in also takes milliseconds. */
  validityInMonths?: number;
  validityMs?: number;
  keyType: KeyType;
  keySize?: number;
  exportable: boolean;
  extendedUsages: ExtendedUsage[];
  lifetimeActions: LifetimeAction[];
}

export interface StoredVersion extends CertificateVersion {
  certificatePem: string;
  chainPem: string[];
  privateKeyPem?: string;
  /** Events already emitted for this version, so each fires once. */
  notified: Array<'NearExpiry' | 'Expired'>;
}

export interface StoredCertificate {
  name: string;
  purpose: CertificatePurpose;
  policy: VaultPolicy;
  tags?: Record<string, string>;
  versions: StoredVersion[];
  operation?: CertificateOperation;
}

/** A Key Vault certificate event in the Event Grid schema, `data` PascalCase as on the wire. */
export interface KeyVaultEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: { Id: string; VaultName: string; ObjectType: 'Certificate'; ObjectName: string; Version: string; NBF: number; EXP: number };
  dataVersion: '1';
  metadataVersion: '1';
}

export interface VaultOptions {
  store: DocStore;
  ca: LocalCa;
  vaultName: string;
  /** ARM id of the vault, the events' topic. */
  resourceId: string;
  /** Where issued certificates are written for the proxy (CSI-style); none when absent. */
  mountDir?: string;
  publish?: (event: KeyVaultEvent) => void;
  now?: () => number;
  /** Days before expiry at which CertificateNearExpiry fires (Key Vault: 30). */
  nearExpiryDays?: number;
  /** How long issuance takes (Key Vault: seconds); keeps a pending operation observable. */
  issueDelayMs?: number;
}

const KIND = 'vault.certificate';
const DAY = 86_400_000;
const MONTH = 30 * DAY;

const toCertificate = (c: StoredCertificate): Certificate => ({
  name: c.name,
  purpose: c.purpose,
  policy: renewalFromLifetimeActions(c.policy.lifetimeActions.map((a) => ({ ...a.trigger, action: a.action }))),
  versions: c.versions.map(({ version, notBefore, notAfter, thumbprint }) => ({ version, notBefore, notAfter, thumbprint })),
});

export class LocalVault implements CertificateStore {
  readonly #pending = new Map<string, Promise<void>>();
  readonly #now: () => number;

  constructor(private readonly options: VaultOptions) {
    this.#now = options.now ?? Date.now;
  }

  get vaultUrl(): string {
    return `https://${this.options.vaultName}.vault.azure.net`;
  }

  // ---- management (what an operator does in the portal or with az keyvault certificate create)

  /** Creates a certificate with its first version, as `az keyvault certificate create` does. */
  async create(name: string, purpose: CertificatePurpose, policy: VaultPolicy): Promise<Versioned<Certificate>> {
    await this.beginCreate(name, purpose, policy);
    await this.settled(name);
    return (await this.get(name))!;
  }

  /** Key Vault's `create`: a new certificate, or a new version (with an updated policy) of an existing one. */
  async beginCreate(name: string, purpose: CertificatePurpose, policy?: VaultPolicy, tags?: Record<string, string>): Promise<CertificateOperation> {
    if (!/^[0-9a-zA-Z-]{1,127}$/.test(name)) throw fatal(`certificate name '${name}' must be 1-127 letters, digits or dashes`);
    const doc = this.options.store.get<StoredCertificate>(KIND, name);
    if (!doc) {
      if (!policy) throw fatal(`certificate '${name}' does not exist, so a policy is required`);
      this.options.store.put<StoredCertificate>(KIND, name, { name, purpose, policy, versions: [], ...(tags ? { tags } : {}) }, { ifNoneMatch: '*' });
    } else if (policy || tags) {
      if (doc.value.operation?.status === 'inProgress') throw preconditionFailed(`certificate '${name}' already has a pending operation`);
      this.options.store.put<StoredCertificate>(KIND, name, { ...doc.value, ...(policy ? { policy } : {}), ...(tags ? { tags } : {}) }, { ifMatch: doc.etag });
    }
    return this.beginNewVersion(name);
  }

  /** The stored form, for the fake-Azure REST layer. */
  stored(name: string): StoredCertificate | undefined {
    return this.options.store.get<StoredCertificate>(KIND, name)?.value;
  }

  /** Resolves when the pending operation (if any) has finished. */
  async settled(name: string): Promise<void> {
    await this.#pending.get(name);
  }

  // ---- the port

  async get(name: string): Promise<Versioned<Certificate> | undefined> {
    const doc = this.options.store.get<StoredCertificate>(KIND, name);
    return doc && { value: toCertificate(doc.value), etag: doc.etag };
  }

  async list(request: PageRequest = {}): Promise<Page<Versioned<Certificate>>> {
    const size = Math.max(1, Math.min(request.maxPageSize ?? 25, 25));
    const docs = this.options.store.list<StoredCertificate>(KIND, { afterKey: request.continuationToken, limit: size + 1 });
    const items = docs.slice(0, size).map((d) => ({ value: toCertificate(d.value), etag: d.etag }));
    return docs.length > size ? { items, continuationToken: docs[size - 1]!.key } : { items };
  }

  async listVersions(name: string, request: PageRequest = {}): Promise<Page<CertificateVersion>> {
    const cert = this.#require(name);
    const all = toCertificate(cert).versions;
    const start = Number(request.continuationToken ?? 0);
    const size = Math.max(1, request.maxPageSize ?? 25);
    const items = all.slice(start, start + size);
    return start + size < all.length ? { items, continuationToken: String(start + size) } : { items };
  }

  async getMaterial(name: string, version?: string): Promise<CertificateMaterial> {
    const cert = this.#require(name);
    const v = version ? cert.versions.find((x) => x.version === version) : latest(cert);
    if (!v) throw notFound(`certificate '${name}' has no version ${version ?? ''}`.trim());
    return {
      name,
      version: v.version,
      certificatePem: v.certificatePem,
      chainPem: v.chainPem,
      ...(cert.policy.exportable && v.privateKeyPem ? { privateKeyPem: v.privateKeyPem } : {}),
    };
  }

  async beginNewVersion(name: string): Promise<CertificateOperation> {
    const doc = this.options.store.get<StoredCertificate>(KIND, name);
    if (!doc) throw notFound(`certificate '${name}' does not exist`);
    if (doc.value.operation?.status === 'inProgress') throw preconditionFailed(`certificate '${name}' already has a pending operation`);
    const version = randomUUID().replace(/-/g, '');
    const operation: CertificateOperation = { name, status: 'inProgress', version };
    this.options.store.put<StoredCertificate>(KIND, name, { ...doc.value, operation }, { ifMatch: doc.etag });
    const work = this.#issue(name, version).finally(() => this.#pending.delete(name));
    this.#pending.set(name, work);
    return operation;
  }

  async getOperation(name: string): Promise<CertificateOperation | undefined> {
    return this.#require(name).operation;
  }

  // ---- lifetime: what Key Vault does on its own as time passes

  /** Applies lifetime actions and emits NearExpiry / Expired; call from a timer. Returns what it renewed. */
  async tick(): Promise<string[]> {
    const now = this.#now();
    const renewed: string[] = [];
    for (const doc of this.options.store.list<StoredCertificate>(KIND)) {
      const cert = doc.value;
      const current = latest(cert);
      if (!current) continue;
      const lifetime = current.notAfter - current.notBefore;
      const due = cert.policy.lifetimeActions.some((a) => {
        if (a.action !== 'AutoRenew') return false;
        const at =
          a.trigger.lifetimePercentage !== undefined
            ? current.notBefore + (lifetime * a.trigger.lifetimePercentage) / 100
            : current.notAfter - (a.trigger.daysBeforeExpiry ?? 0) * DAY;
        return now >= at;
      });
      if (due && cert.operation?.status !== 'inProgress') {
        await this.beginNewVersion(cert.name);
        renewed.push(cert.name);
      }
      const nearAt = current.notAfter - (this.options.nearExpiryDays ?? 30) * DAY;
      const fire: Array<'NearExpiry' | 'Expired'> = [];
      if (now >= current.notAfter && !current.notified.includes('Expired')) fire.push('Expired');
      else if (now >= nearAt && now < current.notAfter && !current.notified.includes('NearExpiry')) fire.push('NearExpiry');
      if (fire.length) {
        const fresh = this.options.store.get<StoredCertificate>(KIND, cert.name)!;
        const versions = fresh.value.versions.map((v) => (v.version === current.version ? { ...v, notified: [...v.notified, ...fire] } : v));
        this.options.store.put<StoredCertificate>(KIND, cert.name, { ...fresh.value, versions }, { ifMatch: fresh.etag });
        for (const f of fire) this.#emit(`Certificate${f}`, cert.name, current);
      }
    }
    return renewed;
  }

  async #issue(name: string, version: string): Promise<void> {
    if (this.options.issueDelayMs) await new Promise((r) => setTimeout(r, this.options.issueDelayMs));
    try {
      const cert = this.#require(name);
      const now = this.#now();
      const validity = cert.policy.validityMs ?? (cert.policy.validityInMonths ?? 12) * MONTH;
      const issued = await this.options.ca.issue({
        subject: cert.policy.subject,
        dnsNames: cert.policy.dnsNames,
        notBefore: new Date(now),
        notAfter: new Date(now + validity),
        keyType: cert.policy.keyType,
        keySize: cert.policy.keySize,
        extendedUsages: cert.policy.extendedUsages,
      });
      const stored: StoredVersion = {
        version,
        notBefore: issued.notBefore.getTime(),
        notAfter: issued.notAfter.getTime(),
        thumbprint: issued.thumbprint,
        certificatePem: issued.certificatePem,
        chainPem: issued.chainPem,
        privateKeyPem: issued.privateKeyPem,
        notified: [],
      };
      const doc = this.options.store.get<StoredCertificate>(KIND, name)!;
      this.options.store.put<StoredCertificate>(
        KIND,
        name,
        { ...doc.value, versions: [...doc.value.versions, stored], operation: { name, status: 'completed', version } },
        { ifMatch: doc.etag },
      );
      this.#mount(name, stored);
      this.#emit('CertificateNewVersionCreated', name, stored);
    } catch (err) {
      const doc = this.options.store.get<StoredCertificate>(KIND, name);
      if (doc) {
        const error = { code: 'Certificate issuer error', message: (err as Error).message };
        this.options.store.put<StoredCertificate>(KIND, name, { ...doc.value, operation: { name, status: 'failed', version, error } });
      }
    }
  }

  #mount(name: string, v: StoredVersion): void {
    const dir = this.options.mountDir;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    // Replace, never truncate-and-write: a reader sees the old file or the new one, not half of one.
    const write = (file: string, text: string, mode = 0o644) => writeFileAtomic(path.join(dir, file), text, mode);
    write(`${name}.crt`, pemBundle(v.certificatePem, ...v.chainPem));
    if (v.privateKeyPem) write(`${name}.key`, v.privateKeyPem, 0o600);
    write(`${name}.ca.crt`, pemBundle(...v.chainPem));
  }

  #emit(type: string, name: string, v: CertificateVersion): void {
    this.options.publish?.({
      id: randomUUID(),
      topic: this.options.resourceId,
      subject: name,
      eventType: `Microsoft.KeyVault.${type}`,
      eventTime: new Date(this.#now()).toISOString(),
      data: {
        Id: `${this.vaultUrl}/certificates/${name}/${v.version}`,
        VaultName: this.options.vaultName,
        ObjectType: 'Certificate',
        ObjectName: name,
        Version: v.version,
        NBF: Math.floor(v.notBefore / 1000),
        EXP: Math.floor(v.notAfter / 1000),
      },
      dataVersion: '1',
      metadataVersion: '1',
    });
  }

  #require(name: string): StoredCertificate {
    const doc = this.options.store.get<StoredCertificate>(KIND, name);
    if (!doc) throw notFound(`certificate '${name}' does not exist`);
    return doc.value;
  }
}

function latest(cert: { versions: StoredVersion[] }): StoredVersion | undefined {
  return cert.versions.reduce<StoredVersion | undefined>((best, v) => (!best || v.notBefore >= best.notBefore ? v : best), undefined);
}
