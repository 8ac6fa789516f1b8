/**
 * DNS names compare case-insensitively and the root dot is optional (RFC 4343, RFC 1034 §3.1), so every
 * name is brought to one spelling before it is compared, keyed or written.
 */
export function normaliseDnsName(name: string): string {
  // Most names arrive already normal; checking is cheaper than rebuilding 100,000 strings per plan.
  if (isNormalDnsName(name)) return name;
  const trimmed = name.trim().toLowerCase();
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}

/** No upper-case letter, no surrounding white space, no trailing dot. */
export function isNormalDnsName(name: string): boolean {
  if (name.length === 0) return true;
  const first = name.charCodeAt(0);
  const last = name.charCodeAt(name.length - 1);
  if (last === 46 || last <= 32 || first <= 32) return false;
  // V8 returns the very same string when nothing changes, which makes this the cheapest check.
  return name.toLowerCase() === name;
}

/** A label as Azure accepts it in record-set names and workspace names (letters, digits, hyphens). */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export const DNS_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

export function joinDnsName(relative: string, zone: string): string {
  const rel = normaliseDnsName(relative);
  const z = normaliseDnsName(zone);
  return rel === '@' || rel === '' ? z : `${rel}.${z}`;
}
