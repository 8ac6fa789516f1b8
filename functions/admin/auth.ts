// Bearer tokens for the admin API, validated with `jose`: in production against the configured
// issuer, audience and JWKS (Entra ID: app roles arrive in `roles`); on one machine against the
// signing key the local host keeps in DATA_DIR (`npx dpl token` mints tokens with it).
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import path from 'node:path';
import { problem } from './problem';

export const READER = 'PrivateLink.Reader';
export const ADMIN = 'PrivateLink.Admin';
export type Role = typeof READER | typeof ADMIN;

export interface Principal {
  subject: string;
  roles: Role[];
}

interface Verifier {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
}

let verifier: Promise<Verifier> | undefined;

async function buildVerifier(): Promise<Verifier> {
  if ((process.env.DPL_MODE === 'local' || process.env.DPL_MODE === 'fake-azure') && !process.env.ADMIN_JWKS_URL) {
    const { localSigningKey, LOCAL_AUDIENCE, LOCAL_ISSUER } = await import('../../local/admin-token');
    const key = await localSigningKey(path.resolve(process.env.DATA_DIR ?? '.data'));
    return { keys: createLocalJWKSet({ keys: [key.publicJwk] }), issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE };
  }
  const jwks = process.env.ADMIN_JWKS_URL;
  const issuer = process.env.ADMIN_JWT_ISSUER;
  const audience = process.env.ADMIN_JWT_AUDIENCE;
  if (!jwks || !issuer || !audience) throw new Error('ADMIN_JWKS_URL, ADMIN_JWT_ISSUER and ADMIN_JWT_AUDIENCE must be set');
  return { keys: createRemoteJWKSet(new URL(jwks)), issuer, audience };
}

/** The caller, or the problem to answer: 401 without a valid token, 403 without the role. */
export async function authorize(request: HttpRequest, needed: Role): Promise<Principal | HttpResponseInit> {
  const header = request.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const challenge = { 'www-authenticate': 'Bearer realm="dicom-privatelink"' };
  if (!token) return { ...problem(401, 'Authentication required', 'send a bearer token'), headers: { 'content-type': 'application/problem+json', ...challenge } };
  let principal: Principal;
  try {
    verifier ??= buildVerifier();
    const v = await verifier;
    const { payload } = await jwtVerify(token, v.keys, { issuer: v.issuer, audience: v.audience });
    const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is Role => r === READER || r === ADMIN);
    principal = { subject: String(payload.sub ?? 'unknown'), roles };
  } catch (err) {
    return { ...problem(401, 'Invalid token', (err as Error).message), headers: { 'content-type': 'application/problem+json', ...challenge } };
  }
  // Admins may read; readers may not change anything.
  const allowed = principal.roles.includes(ADMIN) || (needed === READER && principal.roles.includes(READER));
  return allowed ? principal : problem(403, 'Forbidden', `this operation needs the ${needed} role`);
}

export const isPrincipal = (x: Principal | HttpResponseInit): x is Principal => 'roles' in x;
