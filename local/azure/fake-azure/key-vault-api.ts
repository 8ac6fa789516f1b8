// Key Vault's certificate data plane (api-version 2025-07-01) and the secret that carries an
// exportable certificate's key, served from the stand-in vault. Authentication is the 401 bearer
// challenge, handled by the server before these handlers run.
import { X509Certificate } from 'node:crypto';
import { PURPOSE_TAG, purposeFromTags } from '../../../shared/azure/key-vault-mapping';
import { isPortError } from '../../../shared/ports/errors';
import type { LocalVault, StoredCertificate, StoredVersion, VaultPolicy } from '../vault/vault';
import { armError, send, sendPortError, type Exchange } from './http';
import { pemBundle } from '../vault/local-ca';

export const KEY_VAULT_CERTIFICATES_PATH = /^\/certificates(?:\/([^/]+)(?:\/([^/]*))?)?\/?$/;
export const KEY_VAULT_SECRETS_PATH = /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/;

const seconds = (ms: number) => Math.floor(ms / 1000);
const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
const derBase64 = (pem: string) => new X509Certificate(pem).raw.toString('base64');

interface KvPolicy {
  key_props?: { exportable?: boolean; kty?: string; key_size?: number; crv?: string };
  x509_props?: { subject?: string; sans?: { dns_names?: string[] }; ekus?: string[]; validity_months?: number };
  lifetime_actions?: Array<{ trigger?: { lifetime_percentage?: number; days_before_expiry?: number }; action?: { action_type?: string } }>;
}

const EKU_OIDS: Record<string, 'serverAuth' | 'clientAuth'> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' };
const OID_OF = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

function policyFromKv(p: KvPolicy | undefined): VaultPolicy | undefined {
  if (!p) return undefined;
  const ekus = (p.x509_props?.ekus ?? []).map((o) => EKU_OIDS[o]).filter((x): x is 'serverAuth' | 'clientAuth' => Boolean(x));
  return {
    subject: p.x509_props?.subject ?? 'CN=unnamed',
    dnsNames: p.x509_props?.sans?.dns_names ?? [],
    validityInMonths: p.x509_props?.validity_months ?? 12,
    keyType: p.key_props?.kty?.startsWith('RSA') ? 'RSA' : 'EC',
    ...(p.key_props?.key_size ? { keySize: p.key_props.key_size } : {}),
    exportable: p.key_props?.exportable ?? true,
    extendedUsages: ekus.length ? ekus : ['serverAuth'],
    lifetimeActions: (p.lifetime_actions ?? []).map((a) => ({
      trigger: {
        ...(a.trigger?.lifetime_percentage !== undefined ? { lifetimePercentage: a.trigger.lifetime_percentage } : {}),
        ...(a.trigger?.days_before_expiry !== undefined ? { daysBeforeExpiry: a.trigger.days_before_expiry } : {}),
      },
      action: a.action?.action_type === 'EmailContacts' ? 'EmailContacts' : 'AutoRenew',
    })),
  };
}

function policyToKv(vaultUrl: string, c: StoredCertificate) {
  const p = c.policy;
  return {
    id: `${vaultUrl}/certificates/${c.name}/policy`,
    key_props: { exportable: p.exportable, kty: p.keyType, ...(p.keyType === 'RSA' ? { key_size: p.keySize ?? 2048 } : { crv: 'P-256' }), reuse_key: false },
    secret_props: { contentType: 'application/x-pem-file' },
    x509_props: {
      subject: p.subject,
      sans: { dns_names: p.dnsNames },
      ekus: p.extendedUsages.map((u) => OID_OF[u]),
      key_usage: ['digitalSignature', 'keyAgreement'],
      validity_months: p.validityInMonths ?? 1,
    },
    lifetime_actions: p.lifetimeActions.map((a) => ({
      trigger: {
        ...(a.trigger.lifetimePercentage !== undefined ? { lifetime_percentage: a.trigger.lifetimePercentage } : {}),
        ...(a.trigger.daysBeforeExpiry !== undefined ? { days_before_expiry: a.trigger.daysBeforeExpiry } : {}),
      },
      action: { action_type: a.action },
    })),
    issuer: { name: 'Self' },
    attributes: { enabled: true },
  };
}

function attributes(v: StoredVersion) {
  return { enabled: true, nbf: seconds(v.notBefore), exp: seconds(v.notAfter), created: seconds(v.notBefore), updated: seconds(v.notBefore), recoveryLevel: 'Recoverable+Purgeable' };
}

function tagsOf(c: StoredCertificate): Record<string, string> {
  return { ...(c.tags ?? {}), [PURPOSE_TAG]: c.purpose };
}

function bundle(vaultUrl: string, c: StoredCertificate, v: StoredVersion) {
  return {
    id: `${vaultUrl}/certificates/${c.name}/${v.version}`,
    kid: `${vaultUrl}/keys/${c.name}/${v.version}`,
    sid: `${vaultUrl}/secrets/${c.name}/${v.version}`,
    x5t: b64url(v.thumbprint),
    cer: derBase64(v.certificatePem),
    attributes: attributes(v),
    policy: policyToKv(vaultUrl, c),
    tags: tagsOf(c),
  };
}

function operationJson(vaultUrl: string, c: StoredCertificate) {
  const op = c.operation!;
  return {
    id: `${vaultUrl}/certificates/${c.name}/pending`,
    issuer: { name: 'Self' },
    csr: '',
    cancellation_requested: false,
    status: op.status,
    status_details: op.status === 'failed' ? (op.error?.message ?? '') : '',
    ...(op.error ? { error: { code: op.error.code, message: op.error.message } } : {}),
    target: `${vaultUrl}/certificates/${c.name}`,
    request_id: op.version ?? '',
  };
}

const latest = (c: StoredCertificate) => c.versions.reduce<StoredVersion | undefined>((b, v) => (!b || v.notBefore >= b.notBefore ? v : b), undefined);

export async function keyVaultCertificatesApi(vault: LocalVault, x: Exchange, m: RegExpExecArray): Promise<void> {
  const [, name, sub] = m as unknown as [string, string | undefined, string | undefined];
  const method = x.req.method ?? 'GET';
  const vaultUrl = `https://${x.req.headers.host}`;
  try {
    if (!name) {
      if (method !== 'GET') return armError(x.res, 405, 'MethodNotAllowed', 'not supported');
      const page = await vault.list({ maxPageSize: Number(x.url.searchParams.get('maxresults') ?? 25), continuationToken: x.url.searchParams.get('$skiptoken') ?? undefined });
      const value = page.items.map((i) => {
        const c = vault.stored(i.value.name)!;
        const v = latest(c)!;
        return { id: `${vaultUrl}/certificates/${c.name}`, x5t: b64url(v.thumbprint), attributes: attributes(v), tags: tagsOf(c) };
      });
      const next = new URL(x.url);
      if (page.continuationToken) next.searchParams.set('$skiptoken', page.continuationToken);
      return send(x.res, 200, { value, nextLink: page.continuationToken ? next.toString() : null });
    }
    if (method === 'POST' && sub === 'create') {
      const body = (x.body ?? {}) as { policy?: KvPolicy; tags?: Record<string, string> };
      const op = await vault.beginCreate(name, purposeFromTags(body.tags), policyFromKv(body.policy), body.tags);
      const c = vault.stored(name)!;
      return send(x.res, 202, operationJson(vaultUrl, { ...c, operation: op }), { location: `${vaultUrl}/certificates/${name}/pending?api-version=2025-07-01&request_id=${op.version}` });
    }
    if (method !== 'GET') return armError(x.res, 405, 'MethodNotAllowed', `${method} is not supported by the stand-in`);
    const c = vault.stored(name);
    if (!c) return armError(x.res, 404, 'CertificateNotFound', `A certificate with (name/id) ${name} was not found in this key vault.`);
    if (sub === 'pending') {
      return c.operation ? send(x.res, 200, operationJson(vaultUrl, c)) : armError(x.res, 404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
    }
    if (sub === 'policy') return send(x.res, 200, policyToKv(vaultUrl, c));
    if (sub === 'versions') {
      const start = Number(x.url.searchParams.get('$skiptoken') ?? 0);
      const size = Number(x.url.searchParams.get('maxresults') ?? 25);
      const slice = c.versions.slice(start, start + size);
      const next = new URL(x.url);
      next.searchParams.set('$skiptoken', String(start + size));
      return send(x.res, 200, {
        value: slice.map((v) => ({ id: `${vaultUrl}/certificates/${c.name}/${v.version}`, x5t: b64url(v.thumbprint), attributes: attributes(v), tags: tagsOf(c) })),
        nextLink: start + size < c.versions.length ? next.toString() : null,
      });
    }
    const v = sub ? c.versions.find((x2) => x2.version === sub) : latest(c);
    if (!v) return armError(x.res, 404, 'CertificateNotFound', `Certificate version ${sub ?? ''} of ${name} was not found.`);
    return send(x.res, 200, bundle(vaultUrl, c, v));
  } catch (err) {
    // Key Vault answers a create during a pending operation with 409 Conflict.
    if (isPortError(err) && err.kind === 'PreconditionFailed') return armError(x.res, 409, 'Conflict', err.message);
    sendPortError(x.res, err);
  }
}

/** GET /secrets/{name}/{version}: the PEM (key first, then the chain) of an exportable certificate. */
export async function keyVaultSecretsApi(vault: LocalVault, x: Exchange, m: RegExpExecArray): Promise<void> {
  const [, name, version] = m as unknown as [string, string, string | undefined];
  const vaultUrl = `https://${x.req.headers.host}`;
  const c = vault.stored(name);
  const v = c && (version ? c.versions.find((y) => y.version === version) : latest(c));
  if (!c || !v) return armError(x.res, 404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
  if (!c.policy.exportable || !v.privateKeyPem) return armError(x.res, 403, 'Forbidden', 'The certificate is not exportable.');
  return send(x.res, 200, {
    value: pemBundle(v.privateKeyPem, v.certificatePem, ...v.chainPem),
    contentType: 'application/x-pem-file',
    id: `${vaultUrl}/secrets/${name}/${v.version}`,
    kid: `${vaultUrl}/keys/${name}/${v.version}`,
    managed: true,
    attributes: attributes(v),
  });
}
