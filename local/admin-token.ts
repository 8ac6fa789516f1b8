// The local host's token issuer: an ES256 key kept in DATA_DIR (mode 0600), and tokens carrying the
// admin API's roles, so the single-machine system authenticates exactly as it does on Azure.
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export const LOCAL_ISSUER = 'https://dpl-local/issuer';
export const LOCAL_AUDIENCE = 'api://dicom-privatelink';

export interface LocalKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function localSigningKey(dataDir: string): Promise<LocalKey> {
  const file = path.join(dataDir, 'admin-signing-key.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalKey;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `local-${Date.now().toString(36)}`;
  const key: LocalKey = { privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
  fs.mkdirSync(dataDir, { recursive: true });
  // Another process may have written it first; keep whichever landed.
  try {
    fs.writeFileSync(file, JSON.stringify(key), { mode: 0o600, flag: 'wx' });
  } catch {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalKey;
  }
  return key;
}

export async function mintLocalToken(dataDir: string, roles: string[], subject = 'local-operator', ttlSeconds = 8 * 3600): Promise<string> {
  const key = await localSigningKey(dataDir);
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'ES256', kid: key.privateJwk.kid! })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await importJWK(key.privateJwk, 'ES256'));
}
