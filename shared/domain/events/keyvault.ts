import { z } from 'zod';
import { fail, issuesFromZod, ok, type Result } from '../result';

export const KEY_VAULT_CERTIFICATE_EVENTS = {
  'Microsoft.KeyVault.CertificateNewVersionCreated': 'NewVersionCreated',
  'Microsoft.KeyVault.CertificateNearExpiry': 'NearExpiry',
  'Microsoft.KeyVault.CertificateExpired': 'Expired',
} as const;
export type KeyVaultCertificateEventType = keyof typeof KEY_VAULT_CERTIFICATE_EVENTS;
export type CertificateEventKind = (typeof KEY_VAULT_CERTIFICATE_EVENTS)[KeyVaultCertificateEventType];

export const isKeyVaultCertificateEventType = (t: string): t is KeyVaultCertificateEventType =>
  Object.prototype.hasOwnProperty.call(KEY_VAULT_CERTIFICATE_EVENTS, t);

/**
 * Key Vault sends PascalCase keys; the SDK typings (and some relays) use camelCase; the documented
 * sample has `"ObjectName "` with a trailing space. All fold onto the wire spelling.
 */
const CANONICAL_KEYS: Record<string, string> = {
  id: 'Id',
  vaultname: 'VaultName',
  objecttype: 'ObjectType',
  objectname: 'ObjectName',
  version: 'Version',
  nbf: 'NBF',
  exp: 'EXP',
};

function canonicalise(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const canonical = CANONICAL_KEYS[key.trim().toLowerCase()] ?? key;
    // The first spelling wins; a payload carrying both casings is treated as one field, not two.
    if (!(canonical in out)) out[canonical] = typeof value === 'string' ? value.trim() : value;
  }
  return out;
}

/** Unix seconds, as a number or (in the documented sample) a numeric string. */
const UnixSeconds = z.union([
  z.number().int('must be whole Unix seconds').nonnegative(),
  z.string().regex(/^\d+$/, 'must be Unix seconds').transform(Number),
]);

export const KeyVaultDataSchema = z.looseObject({
  Id: z.url({ message: 'must be the object URL' }),
  VaultName: z.string().min(1, 'must not be empty'),
  ObjectType: z.string().min(1, 'must not be empty'),
  ObjectName: z.string().min(1, 'must not be empty'),
  Version: z.string().min(1, 'must not be empty'),
  NBF: UnixSeconds.optional(),
  EXP: UnixSeconds.optional(),
});
export type KeyVaultData = z.infer<typeof KeyVaultDataSchema>;

export interface CertificateEvent {
  kind: 'certificate';
  event: CertificateEventKind;
  eventId: string;
  vaultName: string;
  certificate: string;
  version: string;
  /** `https://{vault}.vault.azure.net/certificates/{name}/{version}` */
  objectId: string;
  /** Epoch milliseconds. */
  notBefore: number | undefined;
  notAfter: number | undefined;
  /** Key Vault may deliver an event twice; (object id, event) names the fact regardless of envelope id. */
  dedupeKey: string;
}

export function parseKeyVaultCertificateData(
  type: KeyVaultCertificateEventType,
  eventId: string,
  data: unknown,
  at: PropertyKey[] = [],
): Result<CertificateEvent> {
  const parsed = KeyVaultDataSchema.safeParse(canonicalise(data));
  if (!parsed.success) return fail(issuesFromZod(parsed.error, [...at, 'data']));
  const d = parsed.data;
  if (d.ObjectType.toLowerCase() !== 'certificate') {
    return fail(issuesFromZod(new z.ZodError([{ code: 'custom', path: ['data', 'ObjectType'], message: `must be "Certificate" for ${type}`, input: d.ObjectType }]), at));
  }
  if (d.NBF !== undefined && d.EXP !== undefined && d.EXP <= d.NBF) {
    return fail(issuesFromZod(new z.ZodError([{ code: 'custom', path: ['data', 'EXP'], message: 'must be after NBF', input: d.EXP }]), at));
  }
  const event = KEY_VAULT_CERTIFICATE_EVENTS[type];
  return ok({
    kind: 'certificate',
    event,
    eventId,
    vaultName: d.VaultName,
    certificate: d.ObjectName,
    version: d.Version,
    objectId: d.Id,
    notBefore: d.NBF === undefined ? undefined : d.NBF * 1000,
    notAfter: d.EXP === undefined ? undefined : d.EXP * 1000,
    dedupeKey: `${d.Id.toLowerCase()}|${event}`,
  });
}
