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

type Pair = { liveRequest: { url: string; method: string }; liveResponse: unknown };

/**
 * Two things oav's URL matcher cannot follow in Key Vault's data plane, which we adjust in the URL
 * only (bodies and headers are validated as sent):
 * - the SDK percent-encodes the hyphen of `api-version`;
 * - "the latest version" is an empty `{certificate-version}` segment (`/certificates/name/`), which
 *   the matcher will not bind; we bind it to the literal `latest`.
 * The secrets data plane has no spec in the test data, so its exchanges are not checked here.
 */
function normaliseDataPlaneUrl(pair: Pair): Pair | undefined {
  const url = new URL(pair.liveRequest.url.replace(/api%2Dversion/gi, 'api-version'));
  if (url.pathname.startsWith('/secrets/')) return undefined;
  if (/^\/certificates\/[^/]+\/$/.test(url.pathname)) url.pathname += 'latest';
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
