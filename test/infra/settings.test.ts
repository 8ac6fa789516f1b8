// Every app setting the deployed code reads is set by infra/controlplane.json (or is listed, with the
// reason, as deliberately unset on Azure), and the values the template sets are ones the code accepts.
import { AZURE_SETTINGS, azureServices } from '../../shared/azure/azure-services';
import { ConfigurationSchema } from '../../shared/domain/config';
import { parseBudget } from '../../shared/domain/write-budget';
import { parseSchedule } from '../../local/host/timers';
import { EXAMPLE_CONTEXT, Evaluator, Reference, exampleParameters, readJson, type Template } from './arm';
import { settingsReadByCode } from './source';

const template = readJson<Template>('infra/controlplane.json');
const listed = readJson<{ notOnAzure: Record<string, string>; platform: Record<string, string> }>('infra/settings.json');

function appSettings(hostingPlan: string): Record<string, unknown> {
  const ev = new Evaluator(template, { ...EXAMPLE_CONTEXT, parameters: exampleParameters('infra/controlplane.parameters.example.json', { hostingPlan }) });
  const config = ev.resources().filter((r) => r.type === 'Microsoft.Web/sites/config' && r.name.endsWith('/appsettings'));
  expect(config).toHaveLength(1);
  return config[0]!.properties as Record<string, unknown>;
}

const PLANS = ['FlexConsumption', 'ElasticPremium'];
const reads = settingsReadByCode();
const readNames = [...new Set(reads.map((r) => r.name))].sort();

test('the scan finds the settings we know the code reads (so an empty scan cannot pass)', () => {
  expect(readNames).toEqual(expect.arrayContaining(['DPL_CONFIG_JSON', 'SWEEP_SCHEDULE', 'DPL_WRITE_BUDGET', 'KEY_VAULT_URL', 'ADMIN_JWKS_URL']));
});

test.each(PLANS)('every setting the code reads is set on %s, or is listed as deliberately unset on Azure', (plan) => {
  const set = appSettings(plan);
  const missing = reads.filter((r) => !(r.name in set) && !(r.name in listed.notOnAzure)).map((r) => `${r.name} (read at ${r.file}:${r.line})`);
  expect(missing).toEqual([]);
});

test.each(PLANS)('every setting of AZURE_SETTINGS is set on %s', (plan) => {
  expect(AZURE_SETTINGS.filter((name) => !(name in appSettings(plan)))).toEqual([]);
});

test.each(PLANS)('settings that select the single-machine runtime stay unset on %s', (plan) => {
  const set = appSettings(plan);
  expect(Object.keys(listed.notOnAzure).filter((name) => name in set)).toEqual([]);
});

test('every entry of infra/settings.json notOnAzure is still read by the code', () => {
  expect(Object.keys(listed.notOnAzure).filter((name) => !readNames.includes(name))).toEqual([]);
});

test.each(PLANS)('every setting the template sets on %s is read by the code or by the platform', (plan) => {
  const unread = Object.keys(appSettings(plan)).filter((name) => !readNames.includes(name) && !(name in listed.platform));
  expect(unread).toEqual([]);
});

test('Flex Consumption gets no FUNCTIONS_* settings (it rejects them); Elastic Premium gets both', () => {
  expect(Object.keys(appSettings('FlexConsumption')).filter((k) => k.startsWith('FUNCTIONS_'))).toEqual([]);
  expect(appSettings('ElasticPremium')).toMatchObject({ FUNCTIONS_EXTENSION_VERSION: '~4', FUNCTIONS_WORKER_RUNTIME: 'node' });
});

test('the host storage is identity-based: an account name, never a connection string or key', () => {
  const set = appSettings('FlexConsumption');
  expect(set.AzureWebJobsStorage__accountName).toEqual(expect.any(String));
  expect(set).not.toHaveProperty('AzureWebJobsStorage');
  expect(Object.entries(set).filter(([, v]) => typeof v === 'string' && /AccountKey=|SharedAccessSignature=/i.test(v))).toEqual([]);
});

test('the values the template sets are ones the code accepts', () => {
  const set = appSettings('FlexConsumption');
  expect(ConfigurationSchema.safeParse(JSON.parse(String(set.DPL_CONFIG_JSON))).success).toBe(true);
  expect(() => parseBudget(String(set.DPL_WRITE_BUDGET))).not.toThrow();
  expect(() => parseSchedule('%SWEEP_SCHEDULE%', { SWEEP_SCHEDULE: String(set.SWEEP_SCHEDULE) })).not.toThrow();
  expect(set.DPL_DNS_RESOURCE_GROUP).toBe(EXAMPLE_CONTEXT.resourceGroup);
  expect(set.DPL_TRAFFIC_RESOURCE_GROUP).toBe(EXAMPLE_CONTEXT.resourceGroup);
  expect(set.AZURE_SUBSCRIPTION_ID).toBe(EXAMPLE_CONTEXT.subscriptionId);
  expect(String(set.ADMIN_JWT_ISSUER)).toMatch(/^https:\/\/login\.microsoftonline\.com\/.+\/v2\.0$/);
  expect(String(set.ADMIN_JWKS_URL)).toMatch(/^https:\/\/login\.microsoftonline\.com\/.+\/discovery\/v2\.0\/keys$/);
  // Endpoints come from the deployed resources, not from parameters someone could mistype.
  for (const name of ['COSMOS_ENDPOINT', 'KEY_VAULT_URL', 'EVENTGRID_TOPIC_ENDPOINT', 'APPLICATIONINSIGHTS_CONNECTION_STRING']) {
    expect(set[name]).toBeInstanceOf(Reference);
  }
});

test('the production composition starts from exactly these settings', () => {
  const set = appSettings('FlexConsumption');
  const deployed: Record<string, string> = {
    COSMOS_ENDPOINT: 'https://dpl-cosmos.documents.azure.com:443/',
    KEY_VAULT_URL: 'https://dpl-kv.vault.azure.net/',
    EVENTGRID_TOPIC_ENDPOINT: 'https://dpl-events.eastus-1.eventgrid.azure.net/api/events',
  };
  const env = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, v instanceof Reference ? (deployed[k] ?? 'x') : String(v)]));
  expect(() => azureServices(env)).not.toThrow();
});
