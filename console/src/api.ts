// The session (a bearer token and what it says about its holder) and calls to the admin API.
// The token lives in sessionStorage: it dies with the tab, and is never written anywhere else.

export const ADMIN_ROLE = 'PrivateLink.Admin';
export const READER_ROLE = 'PrivateLink.Reader';
const STORAGE_KEY = 'dpl.console.token';

export interface Session {
  token: string;
  subject: string;
  roles: string[];
  /** Epoch ms, or null when the token does not say. */
  expiresAt: number | null;
  /** 'pasted' locally; 'app-service' when App Service Authentication handed us the token. */
  source: 'pasted' | 'app-service';
}

export const isAdmin = (s: Session | null): boolean => Boolean(s?.roles.includes(ADMIN_ROLE));

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Reads a token's claims to decide what to show. This is not verification (the API verifies every
 * call); it only keeps a reader from seeing buttons that would answer 403.
 */
export function readToken(token: string, source: Session['source']): Session | string {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return 'That is not a JWT (three base64url parts separated by dots).';
  let claims: { sub?: unknown; roles?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(base64UrlDecode(parts[1]!)) as typeof claims;
  } catch {
    return 'The token’s claims could not be read.';
  }
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  if (expiresAt !== null && expiresAt <= Date.now()) return 'This token has expired; mint a new one.';
  if (!roles.includes(ADMIN_ROLE) && !roles.includes(READER_ROLE)) return `This token carries neither ${READER_ROLE} nor ${ADMIN_ROLE}.`;
  return { token, subject: typeof claims.sub === 'string' ? claims.sub : 'unknown', roles, expiresAt, source };
}

let current: Session | null = null;

export function session(): Session | null {
  if (current && current.expiresAt !== null && current.expiresAt <= Date.now()) signOut();
  return current;
}

export function restoreSession(): Session | null {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (!stored) return null;
  const s = readToken(stored, 'pasted');
  if (typeof s === 'string') {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
  current = s;
  return s;
}

export function signIn(s: Session): void {
  current = s;
  // App Service keeps its own token store; only a pasted token needs to survive a reload.
  if (s.source === 'pasted') sessionStorage.setItem(STORAGE_KEY, s.token);
}

export function signOut(): void {
  current = null;
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * On Azure behind App Service Authentication (Entra ID), /.auth/me returns the signed-in user's
 * access token for the admin API's audience (see docs/CONSOLE.md). Locally there is no such route.
 */
export async function appServiceSession(refresh = false): Promise<Session | null> {
  try {
    if (refresh) await fetch('/.auth/refresh', { credentials: 'same-origin' });
    const res = await fetch('/.auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null;
    const body = (await res.json()) as Array<{ access_token?: unknown }>;
    const token = Array.isArray(body) ? body.find((x) => typeof x.access_token === 'string')?.access_token : undefined;
    if (typeof token !== 'string') return null;
    const s = readToken(token, 'app-service');
    return typeof s === 'string' ? null : s;
  } catch {
    return null;
  }
}

export interface Problem {
  title?: string;
  detail?: string;
  status?: number;
  errors?: Array<{ path: string; reason: string }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ? `${problem.title ?? `HTTP ${status}`}: ${problem.detail}` : (problem.title ?? `HTTP ${status}`));
  }
}

/** Called when the API refuses the token, so the shell can go back to sign-in. */
let onUnauthorised: () => void = () => undefined;
export const setUnauthorisedHandler = (fn: () => void): void => {
  onUnauthorised = fn;
};

export async function api<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown, retried = false): Promise<T> {
  const s = session();
  if (!s) {
    onUnauthorised();
    throw new ApiError(401, { title: 'Signed out' });
  }
  const res = await fetch(`/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${s.token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    cache: 'no-store',
  });
  if (res.status === 401 && s.source === 'app-service' && !retried) {
    const renewed = await appServiceSession(true);
    if (renewed) {
      signIn(renewed);
      return api<T>(method, path, body, true);
    }
  }
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (!res.ok) {
    let problem: Problem = { title: `HTTP ${res.status}` };
    if (type.includes('json') && text) {
      try {
        problem = JSON.parse(text) as Problem;
      } catch {
        /* keep the status line */
      }
    }
    if (res.status === 401) {
      signOut();
      onUnauthorised();
    }
    throw new ApiError(res.status, problem);
  }
  if (!text) return undefined as T;
  return (type.includes('json') ? JSON.parse(text) : text) as T;
}

export const enc = encodeURIComponent;
