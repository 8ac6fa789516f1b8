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
  const lines = fs.readFileSync(trafficFile, 'utf8').trim().split('\n').filter(Boolean);
  const issues: TrafficIssue[] = [];
  for (const [i, line] of lines.entries()) {
    const pair = JSON.parse(line);
    const result = await validator.validateLiveRequestResponse(pair);
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
  return { checked: lines.length, issues };
}
