// How Key Vault's certificate policy and tags carry what the control plane needs: the purpose in a
// tag, the renewal policy in the lifetime actions (AutoRenew at a percentage of the lifetime or a
// number of days before expiry). One mapping, used by the adapter and by the stand-in alike.
import type { CertificatePurpose, RenewalPolicy } from '../domain/certificate';

export const PURPOSE_TAG = 'dpl-purpose';
const DAY_MS = 86_400_000;

export interface LifetimeActionLike {
  lifetimePercentage?: number;
  daysBeforeExpiry?: number;
  action?: string;
}

/** Key Vault renews at `lifetimePercentage` of the lifetime; we express that as renewing before. */
export function renewalFromLifetimeActions(actions: LifetimeActionLike[] | undefined): RenewalPolicy {
  const renew = (actions ?? []).find((a) => a.action === 'AutoRenew');
  if (renew?.lifetimePercentage !== undefined) return { renewBeforePercentage: 100 - renew.lifetimePercentage };
  if (renew?.daysBeforeExpiry !== undefined) return { renewBefore: renew.daysBeforeExpiry * DAY_MS };
  return {};
}

export function purposeFromTags(tags: Record<string, string> | undefined): CertificatePurpose {
  const p = tags?.[PURPOSE_TAG];
  return p === 'backend-client' || p === 'trust-bundle' ? p : 'private-tls';
}

/** Key Vault's x5t (SHA-1 of the DER) as upper-case hex. */
export const thumbprintHex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex').toUpperCase();
