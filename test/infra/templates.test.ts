// The control-plane template deploys what the code expects to find: the hosting the issue asks for,
// identity-only storage, the Cosmos database and containers the stores open (names and partition keys
// read from the stores themselves), the private zones and Traffic Manager profiles of the fleet
// configuration, and resource bodies the Azure REST specs accept (when ../shared/azure-specs is there).
import fs from 'node:fs';
import path from 'node:path';
import { azureServices } from '../../shared/azure/azure-services';
import { ensureContainer, type CosmosContainerOptions } from '../../shared/azure/cosmos-documents';
import { ConfigurationSchema, privateZoneOf } from '../../shared/domain/config';
import { EXAMPLE_CONTEXT, Evaluator, ROOT, Reference, exampleParameters, readJson, type Resource, type Template } from './arm';

const template = readJson<Template>('infra/controlplane.json');
const PARAMS = 'infra/controlplane.parameters.example.json';
const deploy = (overrides: Record<string, unknown> = {}) => new Evaluator(template, { ...EXAMPLE_CONTEXT, parameters: exampleParameters(PARAMS, overrides) }).resources();
const resources = deploy();
const ofType = (type: string, from: Resource[] = resources) => from.filter((r) => r.type === type);
const only = (type: string, from: Resource[] = resources) => {
  const found = ofType(type, from);
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0]!;
};
/* eslint-disable @typescript-eslint/no-explicit-any -- template bodies are plain JSON */
const props = (r: Resource) => r.properties as any;

test('the Functions app runs on Flex Consumption by default and on Elastic Premium on request, with a system-assigned identity', () => {
  expect(only('Microsoft.Web/serverfarms').sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
  const site = only('Microsoft.Web/sites');
  expect(site.identity).toEqual({ type: 'SystemAssigned' });
  expect(site.kind).toBe('functionapp,linux');
  expect(props(site).functionAppConfig.deployment.storage.authentication).toEqual({ type: 'SystemAssignedIdentity' });
  expect(props(site).functionAppConfig.runtime).toEqual({ name: 'node', version: '20' });
  const premium = deploy({ hostingPlan: 'ElasticPremium' });
  expect(only('Microsoft.Web/serverfarms', premium).sku).toEqual({ name: 'EP1', tier: 'ElasticPremium' });
  expect(props(only('Microsoft.Web/sites', premium)).functionAppConfig).toBeNull();
  expect(props(only('Microsoft.Web/sites', premium)).siteConfig.linuxFxVersion).toBe('Node|20');
  // The runtime the app is built for.
  expect(readJson<{ engines: { node: string } }>('package.json').engines.node).toBe('>=20');
});

test('storage takes identities only, and the deployment and dead-letter containers exist', () => {
  const storage = only('Microsoft.Storage/storageAccounts');
  expect(props(storage)).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2' });
  const containers = ofType('Microsoft.Storage/storageAccounts/blobServices/containers').map((c) => c.name.split('/').pop());
  const site = only('Microsoft.Web/sites');
  expect(containers).toContain(String(props(site).functionAppConfig.deployment.storage.value).split('/').pop());
  expect(containers).toContain('eventgrid-deadletter');
});

test('Application Insights takes Entra ID telemetry only, on a Log Analytics workspace', () => {
  const ai = only('Microsoft.Insights/components');
  expect(props(ai).DisableLocalAuth).toBe(true);
  expect(props(ai).WorkspaceResourceId).toBe(only('Microsoft.OperationalInsights/workspaces').id);
});

test('Key Vault is in RBAC mode, with purge protection', () => {
  const vault = props(only('Microsoft.KeyVault/vaults'));
  expect(vault).toMatchObject({ enableRbacAuthorization: true, enablePurgeProtection: true });
  expect(vault).not.toHaveProperty('accessPolicies');
});

test('Cosmos DB is serverless by default and provisioned (autoscale) on request, with keys off', () => {
  expect(props(only('Microsoft.DocumentDB/databaseAccounts'))).toMatchObject({ capabilities: [{ name: 'EnableServerless' }], disableLocalAuth: true });
  const provisioned = deploy({ cosmosServerless: false });
  expect(props(only('Microsoft.DocumentDB/databaseAccounts', provisioned)).capabilities).toEqual([]);
  expect(props(only('Microsoft.DocumentDB/databaseAccounts/sqlDatabases', provisioned)).options).toEqual({ autoscaleSettings: { maxThroughput: expect.any(Number) } });
});

test('the Cosmos database and containers are the ones the stores open, with the partition key and TTL they create locally', async () => {
  const settings = props(only('Microsoft.Web/sites/config'));
  const env = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v instanceof Reference ? 'https://dpl.documents.azure.com:443/' : String(v)]));
  const services = azureServices(env);
  const opened = [services.workspaces, services.routes].map((s) => (s as unknown as { options: CosmosContainerOptions }).options);
  // What ensureContainer (the local and test path) creates is what the template must create.
  const expected = await Promise.all(
    opened.map(async (o) => {
      let definition: { id: string; partitionKey: { paths: string[] }; defaultTtl?: number } | undefined;
      const database = { containers: { createIfNotExists: async (d: typeof definition) => ((definition = d), {}) } };
      const container = { database: { client: { databases: { createIfNotExists: async () => ({ database }) } } } };
      await ensureContainer(container as never, o);
      return { database: o.database, id: definition!.id, partitionKey: definition!.partitionKey.paths, defaultTtl: definition!.defaultTtl };
    }),
  );
  const deployed = ofType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').map((c) => ({
    database: c.name.split('/')[1],
    id: props(c).resource.id,
    partitionKey: props(c).resource.partitionKey.paths,
    defaultTtl: props(c).resource.defaultTtl,
  }));
  expect(deployed).toEqual(expected);
  expect(ofType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases').map((d) => d.name.split('/')[1])).toEqual([...new Set(expected.map((e) => e.database))]);
});

const fleet = ConfigurationSchema.parse(exampleParameters(PARAMS).fleetConfig);

test('one private DNS zone per region, named as the control plane derives it, linked to the cluster VNet', () => {
  const zones = ofType('Microsoft.Network/privateDnsZones');
  expect(zones.map((z) => z.name)).toEqual(fleet.regions.map((r) => privateZoneOf(fleet, r)));
  const links = ofType('Microsoft.Network/privateDnsZones/virtualNetworkLinks');
  expect(links.map((l) => l.name.split('/')[0])).toEqual(zones.map((z) => z.name));
  for (const l of links) expect(props(l)).toEqual({ registrationEnabled: false, virtualNetwork: { id: exampleParameters(PARAMS).vnetId } });
  // Also with a region that names its own zone.
  const custom = { ...exampleParameters(PARAMS).fleetConfig as object, regions: [{ ...fleet.regions[0], privateZone: 'privatelink.custom.example.org' }] };
  expect(ofType('Microsoft.Network/privateDnsZones', deploy({ fleetConfig: custom })).map((z) => z.name)).toEqual(['privatelink.custom.example.org']);
});

test('a public and a private Traffic Manager profile per region, with one endpoint per cluster ingress', () => {
  const profiles = ofType('Microsoft.Network/trafficManagerProfiles');
  const expected = fleet.regions.flatMap((r) => [
    { name: r.trafficManager.public.name, fqdn: r.trafficManager.public.fqdn, targets: r.clusters.map((c) => [c.name, c.publicIngress]) },
    { name: r.trafficManager.private.name, fqdn: r.trafficManager.private.fqdn, targets: r.clusters.map((c) => [c.name, c.privateIngress]) },
  ]);
  expect(
    profiles.map((p) => ({
      name: p.name,
      fqdn: `${props(p).dnsConfig.relativeName}.trafficmanager.net`,
      targets: props(p).endpoints.map((e: any) => [e.name, e.properties.target]),
    })),
  ).toEqual(expected);
  for (const p of profiles) {
    expect(props(p).dnsConfig.ttl).toBe(fleet.defaultTtl);
    for (const e of props(p).endpoints) expect(e.type).toBe('Microsoft.Network/trafficManagerProfiles/externalEndpoints');
  }
  // Private endpoints start disabled: the control plane enables a cluster while a private workspace uses it.
  const privateNames = new Set(fleet.regions.map((r) => r.trafficManager.private.name));
  for (const p of profiles.filter((x) => privateNames.has(x.name))) for (const e of props(p).endpoints) expect(e.properties.endpointStatus).toBe('Disabled');
});

test('the outbound topic takes the CloudEvents the event sink sends, with Entra ID only', () => {
  const sink = fs.readFileSync(path.join(ROOT, 'shared/azure/event-sink.ts'), 'utf8');
  expect(sink).toMatch(/EventGridPublisherClient\(options\.topicEndpoint, 'CloudEvent'/);
  expect(props(only('Microsoft.EventGrid/topics'))).toEqual({ inputSchema: 'CloudEventSchemaV1_0', disableLocalAuth: true });
});

// ---- the Azure REST specs, for the resource types they cover -----------------------------------

const SPECS = path.resolve(ROOT, '../shared/azure-specs/specification');
type Schema = { $ref?: string; properties?: Record<string, Schema>; allOf?: Schema[]; enum?: string[]; type?: string; items?: Schema; readOnly?: boolean; additionalProperties?: unknown; 'x-ms-client-flatten'?: boolean };

/** Problems of `value` against a swagger schema: undeclared or read-only properties, values outside an enum. */
function check(value: unknown, schema: Schema, defs: Record<string, Schema>, at: string): string[] {
  const resolve = (s: Schema): Schema => (s.$ref?.startsWith('#/definitions/') ? resolve(defs[s.$ref.slice('#/definitions/'.length)]!) : s);
  const s = resolve(schema);
  if (s.$ref) return []; // a common-types reference: not followed
  if (s.enum && typeof value === 'string' && !s.enum.some((e) => e.toLowerCase() === value.toLowerCase())) return [`${at}: '${value}' is not one of ${s.enum.join(', ')}`];
  if (Array.isArray(value)) return s.items ? value.flatMap((v, k) => check(v, s.items!, defs, `${at}[${k}]`)) : [];
  if (value === null || typeof value !== 'object') return [];
  const declared: Record<string, Schema> = {};
  const collect = (x: Schema) => {
    const r = resolve(x);
    Object.assign(declared, r.properties ?? {});
    (r.allOf ?? []).forEach(collect);
  };
  collect(s);
  if (!Object.keys(declared).length) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = declared[k];
    if (!p) return [`${at}.${k} is not in the spec`];
    if (p.readOnly) return [`${at}.${k} is read-only`];
    return check(v, p, defs, `${at}.${k}`);
  });
}

const SPEC_CHECKS = [
  { type: 'Microsoft.Network/trafficManagerProfiles', file: 'trafficmanager/resource-manager/Microsoft.Network/stable/{v}/trafficmanager.json', definition: 'ProfileProperties' },
  { type: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', file: 'privatedns/resource-manager/Microsoft.Network/stable/{v}/privatedns.json', definition: 'VirtualNetworkLinkProperties' },
  { type: 'Microsoft.Network/privateDnsZones', file: 'privatedns/resource-manager/Microsoft.Network/stable/{v}/privatedns.json', definition: 'PrivateZoneProperties' },
];

test('Traffic Manager and Private DNS bodies use API versions and properties the Azure REST specs define', () => {
  if (!fs.existsSync(SPECS)) {
    // The product never needs the specs; without them this check has nothing to compare with.
    expect(fs.existsSync(SPECS)).toBe(false);
    return;
  }
  let checked = 0;
  for (const c of SPEC_CHECKS) {
    for (const r of ofType(c.type)) {
      const file = path.join(SPECS, c.file.replace('{v}', String(r.apiVersion)));
      expect({ type: c.type, apiVersion: r.apiVersion, specExists: fs.existsSync(file) }).toEqual({ type: c.type, apiVersion: r.apiVersion, specExists: true });
      const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as { definitions: Record<string, Schema> };
      expect(spec.definitions[c.definition]).toBeDefined();
      expect({ resource: r.name, problems: check(r.properties ?? {}, { $ref: `#/definitions/${c.definition}` }, spec.definitions, 'properties') }).toEqual({ resource: r.name, problems: [] });
      checked++;
    }
  }
  expect(checked).toBe(ofType('Microsoft.Network/trafficManagerProfiles').length + 2 * ofType('Microsoft.Network/privateDnsZones').length);
});

test('the spec check is real: an endpoint status outside the spec\'s enum is reported', () => {
  if (!fs.existsSync(SPECS)) {
    expect(fs.existsSync(SPECS)).toBe(false);
    return;
  }
  const spec = JSON.parse(fs.readFileSync(path.join(SPECS, 'trafficmanager/resource-manager/Microsoft.Network/stable/2022-04-01/trafficmanager.json'), 'utf8')) as { definitions: Record<string, Schema> };
  const body = { endpoints: [{ name: 'x', type: 'Microsoft.Network/trafficManagerProfiles/externalEndpoints', properties: { target: 'a.example', endpointStatus: 'Paused', colour: 'red' } }] };
  expect(check(body, { $ref: '#/definitions/ProfileProperties' }, spec.definitions, 'properties')).toEqual([
    "properties.endpoints[0].properties.endpointStatus: 'Paused' is not one of Enabled, Disabled",
    'properties.endpoints[0].properties.colour is not in the spec',
  ]);
});
