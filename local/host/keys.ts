// Function keys, generated once per data directory (as the Functions host keeps them in storage),
// checked with a constant-time compare. Accepted as `x-functions-key` or `?code=`.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface HostKeys {
  masterKey: string;
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

export type AuthLevel = 'anonymous' | 'function' | 'admin' | 'system';

const newKey = () => randomBytes(32).toString('base64url');

export function loadOrCreateKeys(dataDir: string, systemKeyNames: string[]): HostKeys {
  const file = path.join(dataDir, 'host-keys.json');
  let keys: HostKeys | undefined;
  if (fs.existsSync(file)) keys = JSON.parse(fs.readFileSync(file, 'utf8')) as HostKeys;
  const next: HostKeys = keys ?? { masterKey: newKey(), functionKeys: { default: newKey() }, systemKeys: {} };
  let changed = !keys;
  for (const name of systemKeyNames) {
    if (!next.systemKeys[name]) {
      next.systemKeys[name] = newKey();
      changed = true;
    }
  }
  if (changed) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  }
  return next;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function presentedKey(headers: Record<string, string | string[] | undefined>, url: URL): string | undefined {
  const h = headers['x-functions-key'];
  return (Array.isArray(h) ? h[0] : h) ?? url.searchParams.get('code') ?? undefined;
}

/** Whether `key` satisfies `level`; `systemKey` names the extension key a system call needs. */
export function authorize(keys: HostKeys | undefined, level: AuthLevel, key: string | undefined, systemKey?: string): boolean {
  if (!keys || level === 'anonymous') return true;
  if (!key) return false;
  if (same(key, keys.masterKey)) return true;
  if (level === 'admin') return false;
  if (level === 'system') return systemKey !== undefined && keys.systemKeys[systemKey] !== undefined && same(key, keys.systemKeys[systemKey]);
  return Object.values(keys.functionKeys).some((k) => same(key, k));
}
