// Validates recorded traffic against Azure's official REST specs with Azure's own validator (oav).
import fs from 'node:fs';
import path from 'node:path';
import { LiveValidator } from 'oav/dist/lib/liveValidation/liveValidator';

/** ../shared/azure-specs beside the repository: test data, never needed at run time. */
export const SPECS_DIR = path.resolve(__dirname, '../../../shared/azure-specs');

export const SPEC_FILES = [
  'specification/privatedns/resource-manager/Microsoft.Network/stable/2020-06-01/privatedns.json',
  'specification/trafficmanager/resource-manager/Microsoft.Network/stable/2022-04-01/trafficmanager.json',
  'specification/keyvault/data-plane/Microsoft.KeyVault/stable/2025-07-01/certificates.json',
  'specification/eventgrid/data-plane/Microsoft.EventGrid/stable/2018-01-01/EventGrid.json',
];

export interface TrafficIssue {
  line: number;
  method: string;
  url: string;
  where: 'request' | 'response' | 'operation';
  code: string;
  message: string;
}

export async function validateTraffic(trafficFile: string, specsDir = SPECS_DIR): Promise<{ checked: number; issues: TrafficIssue[] }> {
  if (!fs.existsSync(specsDir)) {
    throw new Error(`The Azure REST specs are not at ${specsDir}; the contract gate needs them (CI always has them).`);
  }
  const validator = new LiveValidator({
    directory: specsDir,
    swaggerPathsPattern: SPEC_FILES,
    git: { shouldClone: false },
    loadValidatorInBackground: false,
    loadValidatorInInitialize: true,
  }, () => undefined);
  await validator.initialize();
  preferLiteralSegments(validator);
  const lines = fs.readFileSync(trafficFile, 'utf8').trim().split('\n').filter(Boolean);
  const issues: TrafficIssue[] = [];
  let checked = 0;
  for (const [i, line] of lines.entries()) {
    const pair = normaliseDataPlaneUrl(JSON.parse(line));
    if (pair === undefined) continue;
    checked++;
    const result = await validator.validateLiveRequestResponse(pair as unknown as Parameters<LiveValidator['validateLiveRequestResponse']>[0]);
    const base = { line: i + 1, method: pair.liveRequest.method, url: pair.liveRequest.url };
    if (result.runtimeException) issues.push({ ...base, where: 'operation', code: result.runtimeException.code, message: result.runtimeException.message });
    for (const [where, r] of [
      ['request', result.requestValidationResult],
      ['response', result.responseValidationResult],
    ] as const) {
      if (r.runtimeException) issues.push({ ...base, where, code: r.runtimeException.code, message: r.runtimeException.message });
      for (const e of r.errors) issues.push({ ...base, where, code: String(e.code), message: `${e.message} at ${e.pathsInPayload.join(', ')}` });
    }
  }
  return { checked, issues };
}

type Pair = { liveRequest: { url: string; method: string; headers?: Record<string, string> }; liveResponse: unknown };

/**
 * Two things oav's URL matcher cannot follow in Key Vault's data plane, which we adjust in the URL
 * only (bodies and headers are validated as sent):
 * - the SDK percent-encodes the hyphen of `api-version`;
 * - "the latest version" is an empty `{certificate-version}` segment (`/certificates/name/`), which
 *   the matcher will not bind; we bind it to the literal `latest`;
 * - Event Grid's CloudEvents publish (the spec's `?overload=cloudEvent` path) is checked separately.
 * The secrets data plane has no spec in the test data, so its exchanges are not checked here.
 */
function normaliseDataPlaneUrl(pair: Pair): Pair | undefined {
  const url = new URL(pair.liveRequest.url.replace(/api%2Dversion/gi, 'api-version'));
  if (url.pathname.startsWith('/secrets/')) return undefined;
  // privateLinkService.json does not load on its own (its $refs into the rest of the network spec
  // are not in the test data); those exchanges are checked structurally by checkPrivateLinkTraffic.
  if (/\/privateLinkServices\//i.test(url.pathname)) return undefined;
  if (/^\/certificates\/[^/]+\/$/.test(url.pathname)) url.pathname += 'latest';
  // Event Grid's spec tells its publish overloads apart by an `overload` query (x-ms-paths) that oav
  // does not match on; CloudEvents publishes are checked by checkCloudEventTraffic instead.
  if (url.pathname === '/api/events' && /cloudevents/i.test(pair.liveRequest.headers?.['content-type'] ?? '')) return undefined;
  return { ...pair, liveRequest: { ...pair.liveRequest, url: url.toString() } };
}

/**
 * Key Vault's spec has paths that differ only by a literal against a parameter (`/certificates/{name}/pending`
 * and `/certificates/{name}/{version}`). The service routes literals first, as every HTTP router does;
 * oav reports the ambiguity instead. We make its searcher prefer the match with the most literal segments.
 */
function preferLiteralSegments(validator: LiveValidator): void {
  type Match = { operation: { _path: { _pathTemplate: string } } };
  const searcher = (validator as unknown as { operationSearcher: { getPotentialOperations(r: unknown): { matches: Match[] } } }).operationSearcher;
  const original = searcher.getPotentialOperations.bind(searcher);
  const literals = (m: Match) => m.operation._path._pathTemplate.split('/').filter((s) => s && !s.startsWith('{')).length;
  searcher.getPotentialOperations = (requestInfo: unknown) => {
    const result = original(requestInfo);
    if (result.matches.length > 1) {
      const best = Math.max(...result.matches.map(literals));
      result.matches = result.matches.filter((m) => literals(m) === best);
    }
    return result;
  };
}

const PLS_SPEC = 'specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/privateLinkService.json';

/**
 * Structural check of private endpoint connection traffic against the official definitions: every
 * property we send or answer exists in the spec's PrivateEndpointConnection(Properties) and
 * PrivateLinkServiceConnectionState, with the spec's JSON type.
 */
export function checkPrivateLinkTraffic(trafficFile: string, specsDir = SPECS_DIR): { checked: number; issues: string[] } {
  const spec = JSON.parse(fs.readFileSync(path.join(specsDir, PLS_SPEC), 'utf8')) as { definitions: Record<string, { properties?: Record<string, { type?: string; $ref?: string }> }> };
  const defs = spec.definitions;
  const issues: string[] = [];
  const check = (obj: unknown, defName: string, where: string) => {
    const def = defs[defName];
    if (!def?.properties || typeof obj !== 'object' || obj === null) return;
    for (const [k, v] of Object.entries(obj)) {
      const prop = def.properties[k];
      if (!prop) {
        if (!['id', 'name', 'type', 'etag'].includes(k)) issues.push(`${where}: '${k}' is not a property of ${defName}`);
        continue;
      }
      const jsType = Array.isArray(v) ? 'array' : typeof v;
      if (prop.type && prop.type !== jsType && !(prop.type === 'integer' && jsType === 'number')) issues.push(`${where}.${k}: ${jsType}, the spec says ${prop.type}`);
      const ref = prop.$ref?.startsWith('#/definitions/') ? prop.$ref.slice('#/definitions/'.length) : undefined;
      if (ref) check(v, ref, `${where}.${k}`);
    }
  };
  let checked = 0;
  for (const line of fs.readFileSync(trafficFile, 'utf8').trim().split('\n')) {
    const pair = JSON.parse(line);
    if (!/\/privateLinkServices\/[^/]+\/privateEndpointConnections/i.test(pair.liveRequest.url)) continue;
    checked++;
    if (!/api-version=\d{4}-\d{2}-\d{2}/.test(pair.liveRequest.url)) issues.push(`${pair.liveRequest.url}: no api-version`);
    if (pair.liveRequest.body) check(pair.liveRequest.body, 'PrivateEndpointConnection', `request ${pair.liveRequest.method}`);
    const body = pair.liveResponse.body;
    const items = body && Array.isArray(body.value) ? body.value : body && body.properties ? [body] : [];
    for (const item of items) check(item, 'PrivateEndpointConnection', `response ${pair.liveRequest.method}`);
  }
  return { checked, issues };
}

const EVENT_GRID_SPEC = 'specification/eventgrid/data-plane/Microsoft.EventGrid/stable/2018-01-01/EventGrid.json';

/** CloudEvents publishes against the spec's CloudEventEvent definition: required fields and types. */
export function checkCloudEventTraffic(trafficFile: string, specsDir = SPECS_DIR): { checked: number; issues: string[] } {
  const spec = JSON.parse(fs.readFileSync(path.join(specsDir, EVENT_GRID_SPEC), 'utf8')) as {
    definitions: Record<string, { required?: string[]; properties: Record<string, { type?: string }> }>;
    'x-ms-paths': Record<string, { post?: { consumes?: string[] } }>;
  };
  const def = spec.definitions.CloudEventEvent!;
  const consumes = spec['x-ms-paths']['/api/events?overload=cloudEvent']?.post?.consumes ?? [];
  const issues: string[] = [];
  let checked = 0;
  for (const line of fs.readFileSync(trafficFile, 'utf8').trim().split('\n')) {
    const pair = JSON.parse(line);
    const contentType = String(pair.liveRequest.headers?.['content-type'] ?? '');
    if (!pair.liveRequest.url.includes('/api/events') || !/cloudevents/i.test(contentType)) continue;
    checked++;
    if (!consumes.some((c) => c.replace(/\s/g, '').toLowerCase() === contentType.replace(/\s/g, '').toLowerCase())) issues.push(`content-type ${contentType} is not one of ${consumes.join(', ')}`);
    if (!/api-version=2018-01-01/.test(pair.liveRequest.url)) issues.push('api-version is not 2018-01-01');
    if (!Array.isArray(pair.liveRequest.body)) issues.push('the body is not an array');
    for (const [i, e] of (pair.liveRequest.body ?? []).entries()) {
      for (const r of def.required ?? []) if (!(r in e)) issues.push(`event ${i}: missing ${r}`);
      for (const [k, v] of Object.entries(e)) {
        const t = def.properties[k]?.type;
        const jsType = Array.isArray(v) ? 'array' : typeof v;
        if (t && t !== jsType) issues.push(`event ${i}.${k}: ${jsType}, the spec says ${t}`);
      }
    }
    if (!['200', '201', '202'].includes(String(pair.liveResponse.statusCode))) issues.push(`answered ${pair.liveResponse.statusCode}`);
  }
  return { checked, issues };
}
