import type { Certificate, CertificateVersion } from '../domain/certificate';
import type { Page, PageRequest } from './paging';
import type { Versioned } from './versioned';

export type CertificateOperationStatus = 'inProgress' | 'completed' | 'failed' | 'cancelled';

/** A pending "create new version" in Key Vault; one at a time per certificate (a second create is 409). */
export interface CertificateOperation {
  name: string;
  status: CertificateOperationStatus;
  /** The version being created, once Key Vault has named it. */
  version?: string;
  error?: { code: string; message: string };
}

/** What the proxy loads: PEM text of the leaf and its chain, and the key when it is exportable. */
export interface CertificateMaterial {
  name: string;
  version: string;
  certificatePem: string;
  chainPem: string[];
  privateKeyPem?: string;
}

/**
 * Key Vault certificates (the proxy's private TLS certificate, its backend client certificate, the
 * trust bundle). Errors: PortError only (unknown name or version → NotFound; a create while one is in
 * progress → PreconditionFailed; 429 → Throttled).
 */
export interface CertificateStore {
  get(name: string): Promise<Versioned<Certificate> | undefined>;
  list(request?: PageRequest): Promise<Page<Versioned<Certificate>>>;
  listVersions(name: string, request?: PageRequest): Promise<Page<CertificateVersion>>;
  getMaterial(name: string, version?: string): Promise<CertificateMaterial>;
  /** Starts a new version under the certificate's policy; returns at once with the pending operation. */
  beginNewVersion(name: string): Promise<CertificateOperation>;
  getOperation(name: string): Promise<CertificateOperation | undefined>;
}
