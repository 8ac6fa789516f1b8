// Where the CLI finds the control plane and how it proves who it is: the URL from --url / DPL_URL /
// DATA_DIR/system.json (written by `npm start`), the token from --token / DPL_TOKEN or, on this
// machine only, minted with the signing key the local host keeps in DATA_DIR. Errors of the admin
// API (problem documents) become CliErrors with the exit code scripts expect.
import fs from 'node:fs';
import path from 'node:path';
import { mintLocalToken } from '../admin-token';
import { readSystemFile, type SystemFile } from '../system/system-file';
import { CliError, EXIT, str, type Options, type Values } from './framework';

export const DEFAULT_URL = 'http://127.0.0.1:7071';

export const dataDirOf = (values: Values): string => path.resolve(str(values, 'data-dir') ?? process.env.DATA_DIR ?? '.data');

/** What `npm start` wrote once it was ready (`local/system/system-file.ts`); absent before the first start. */
export const readSystem = (dataDir: string): Partial<SystemFile> | undefined => readSystemFile(dataDir);

export const CONNECTION_OPTIONS: Options = {
  url: { type: 'string', value: '<url>', help: `the control plane (DPL_URL; default: DATA_DIR/system.json, else ${DEFAULT_URL})` },
  token: { type: 'string', value: '<jwt>', help: 'bearer token (DPL_TOKEN; default: minted locally for a loopback URL)' },
  role: { type: 'string', value: '<reader|admin>', help: "role of a locally minted token (default: what the command needs)" },
  'data-dir': { type: 'string', value: '<dir>', help: 'the local system\'s state (DATA_DIR; default .data)' },
};

export interface Target {
  /** Base of the admin API, e.g. http://127.0.0.1:7071/api. */
  api: string;
  /** Base of the Functions host, e.g. http://127.0.0.1:7071 (webhooks live here). */
  functions: string;
}

function parseBase(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${what} is not a URL: '${text}'`, EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`${what} must be http(s), got '${text}'`, EXIT.usage);
  return url;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/** `--url` may name the host (…:7071) or the admin API itself (…:7071/api). */
export function resolveTarget(values: Values, dataDir: string): Target {
  const given = str(values, 'url') ?? process.env.DPL_URL;
  if (given) {
    const base = trimSlash(parseBase(given, given === str(values, 'url') ? '--url' : 'DPL_URL').toString());
    return base.endsWith('/api') ? { api: base, functions: base.slice(0, -4) } : { api: `${base}/api`, functions: base };
  }
  const system = readSystem(dataDir);
  if (system?.functions || system?.adminApi) {
    const functions = trimSlash(system.functions ?? system.adminApi!.replace(/\/api\/?$/, ''));
    return { api: trimSlash(system.adminApi ?? `${functions}/api`), functions };
  }
  return { api: `${DEFAULT_URL}/api`, functions: DEFAULT_URL };
}

export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export type Role = 'reader' | 'admin';
const ROLE_CLAIMS: Record<Role, string> = { reader: 'PrivateLink.Reader', admin: 'PrivateLink.Admin' };

export function parseRole(text: string | undefined, fallback: Role): Role {
  if (text === undefined) return fallback;
  if (text !== 'reader' && text !== 'admin') throw new CliError(`--role must be reader or admin, got '${text}'`, EXIT.usage);
  return text;
}

export async function resolveToken(values: Values, target: Target, dataDir: string, needed: Role): Promise<string> {
  const given = str(values, 'token') ?? process.env.DPL_TOKEN;
  if (given) return given.trim();
  const role = parseRole(str(values, 'role'), needed);
  if (!isLoopback(target.api)) {
    throw new CliError(`no token for ${target.api}: pass --token or set DPL_TOKEN`, EXIT.auth, ['(tokens are minted locally only for a control plane on this machine)']);
  }
  // Minting into a directory the host does not use would create a key nobody trusts.
  if (!fs.existsSync(dataDir)) {
    throw new CliError(`no token: ${dataDir} does not exist`, EXIT.auth, ['pass --data-dir (or DATA_DIR) of the running system, or --token']);
  }
  return mintLocalToken(dataDir, [ROLE_CLAIMS[role]], `dpl-cli-${role}`, 15 * 60);
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
}

interface Problem {
  title?: string;
  detail?: string;
  status?: number;
  errors?: Array<{ path?: string; reason?: string }>;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class ApiClient {
  constructor(
    readonly target: Target,
    private readonly token: string | undefined,
    /** The role a locally minted token carries, for hints on 403. */
    private readonly role?: Role,
  ) {}

  /** Sends a request; any answer but 2xx becomes a CliError with the matching exit code. */
  async request(method: string, apiPath: string, options: { body?: unknown; headers?: Record<string, string>; accept?: string } = {}): Promise<ApiResponse> {
    const url = `${this.target.api}${apiPath}`;
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json', ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw unreachable(this.target.api, err);
    }
    const text = await res.text().catch(() => '');
    let json: unknown;
    if (/json/.test(res.headers.get('content-type') ?? '') && text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const response = { status: res.status, headers: res.headers, text, json };
    if (res.status >= 200 && res.status < 300) return response;
    throw this.#failure(method, apiPath, response);
  }

  async getJson<T>(apiPath: string): Promise<T> {
    return (await this.request('GET', apiPath)).json as T;
  }

  #failure(method: string, apiPath: string, res: ApiResponse): CliError {
    const p = (res.json && typeof res.json === 'object' ? res.json : {}) as Problem;
    const what = p.title ? `${p.title}${p.detail && p.status !== 400 ? `: ${p.detail}` : ''}` : `HTTP ${res.status} from ${method} ${apiPath}${res.text ? `: ${res.text.slice(0, 200)}` : ''}`;
    const details = (p.errors ?? []).map((e) => `  ${e.path ?? '$'}: ${e.reason ?? 'invalid'}`);
    if (res.status === 400) return new CliError(what, EXIT.usage, details.length ? details : p.detail ? [`  ${p.detail}`] : []);
    if (res.status === 401) {
      return new CliError(what, EXIT.auth, this.token ? ['the token was not accepted; is --data-dir the one the control plane uses, or has the token expired?'] : []);
    }
    if (res.status === 403) return new CliError(what, EXIT.auth, this.role ? [`(the token was minted with --role ${this.role}; an operator needs --role admin)`] : []);
    if (res.status === 404) return new CliError(what, EXIT.notFound);
    if (res.status === 409 || res.status === 412) {
      return new CliError(what, EXIT.conflict, res.status === 412 ? ['someone changed it since you read it: read it again and retry'] : []);
    }
    return new CliError(what, EXIT.failed);
  }
}

function unreachable(api: string, err: unknown): CliError {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const why = e.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
  return new CliError(`cannot reach the control plane at ${api} (${why})`, EXIT.unreachable, ['is it running? (`npm start`), or pass --url / DPL_URL']);
}

/** The client for a command, with a token carrying the role the command needs. */
export async function connect(values: Values, needed: Role): Promise<ApiClient> {
  const dataDir = dataDirOf(values);
  const target = resolveTarget(values, dataDir);
  const explicit = str(values, 'token') ?? process.env.DPL_TOKEN;
  const token = await resolveToken(values, target, dataDir, needed);
  return new ApiClient(target, token, explicit ? undefined : parseRole(str(values, 'role'), needed));
}
