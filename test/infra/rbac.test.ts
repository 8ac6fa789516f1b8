// Least privilege, checked against the code. Every Azure SDK call in shared/azure/ must be mapped to
// the RBAC actions it needs (infra/operations.json); each identity must be granted exactly the actions
// of the calls it makes (nothing missing, nothing unused), each on the one kind of resource the call
// touches; no Owner, Contributor or RG-wide assignment anywhere.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { RECORD_TYPES } from '../../shared/domain/dns-record';
import { EXAMPLE_CONTEXT, Evaluator, ROOT, exampleParameters, readJson, resourceTypeOf, type Resource, type Template } from './arm';
import { callersOf, reachableCalls, scanSdkCalls, walk, type SdkCall } from './source';

interface SdkCallEntry {
  service?: string;
  actions?: string[];
  /** A long-running operation's status polls, which ARM authorizes apart from the operation. */
  alsoPolls?: { service: string; actions: string[] };
  noRequest?: string;
  onlyFrom?: string[];
}
interface Operations {
  services: Record<string, { scopeType: string; plane: string }>;
  endpointTypes: string[];
  sdkCalls: Record<string, SdkCallEntry>;
  principals: { proxy: { calls: { class: string; portMethodsUsedBy: string }; csi: Record<string, string[]> } };
  platform: Array<{ principal: string; roleDefinitionId: string; role: string; scopeType: string; why: string }>;
  forbiddenRoleDefinitionIds: Record<string, string>;
  builtInRoles: Record<string, { role: string; actions: string[] }>;
}

const ops = readJson<Operations>('infra/operations.json');
const scan = scanSdkCalls();

function expand(action: string): string[] {
  if (action.includes('{recordType}')) return RECORD_TYPES.map((t) => action.replace('{recordType}', t));
  if (action.includes('{endpointType}')) return ops.endpointTypes.map((t) => action.replace('{endpointType}', t));
  return [action];
}
const actionsOfEntry = (e: SdkCallEntry | undefined) => [...(e?.actions ?? []), ...(e?.alsoPolls?.actions ?? [])].flatMap(expand);
const actionsOf = (calls: SdkCall[]) => new Set(calls.flatMap((c) => actionsOfEntry(ops.sdkCalls[c.call])));
const isProductionCall = (c: SdkCall) => {
  const entry = ops.sdkCalls[c.call];
  return !!entry && !entry.noRequest && !entry.onlyFrom;
};
const actionService = new Map(
  Object.values(ops.sdkCalls).flatMap((e) => [
    ...(e.actions ?? []).flatMap(expand).map((a) => [a, e.service!] as const),
    ...(e.alsoPolls?.actions ?? []).flatMap(expand).map((a) => [a, e.alsoPolls!.service] as const),
  ]),
);
/** Subscription scope is allowed only for actions that exist nowhere else (operation status under /locations). */
const subscriptionOnly = (g: { actions: string[] }) => g.actions.length > 0 && g.actions.every((a) => ops.services[actionService.get(a) ?? '']?.scopeType === 'subscription');

// ---- what the templates grant ----------------------------------------------------------------

const FUNCTION_APP = 'functionApp';
type Principal = 'functionApp' | 'proxy' | 'eventGridTopics';

function principalOf(value: unknown): Principal {
  const text = String(value);
  if (text === 'principal-of-function-app' || text.includes('/providers/Microsoft.Web/sites/')) return FUNCTION_APP;
  if (text.includes('/providers/Microsoft.ManagedIdentity/userAssignedIdentities/')) return 'proxy';
  if (text.includes('/providers/Microsoft.EventGrid/systemTopics/')) return 'eventGridTopics';
  throw new Error(`a role assignment to an unknown principal: ${text}`);
}

interface Grant {
  template: string;
  principal: Principal;
  roleDefinitionId: string;
  builtIn: boolean;
  scope: string;
  scopeType: string;
  actions: string[];
  cosmos: boolean;
}

function grantsOf(template: string, resources: Resource[]): Grant[] {
  const customRoles = new Map(
    resources
      .filter((r) => r.type === 'Microsoft.Authorization/roleDefinitions')
      .map((r) => {
        const p = (r.properties as { permissions: Array<{ actions?: string[]; dataActions?: string[]; notActions?: string[]; notDataActions?: string[] }> }).permissions;
        return [r.name, p.flatMap((x) => [...(x.actions ?? []), ...(x.dataActions ?? [])])] as const;
      }),
  );
  const cosmosRoles = new Map(
    resources
      .filter((r) => r.type === 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions')
      .map((r) => [r.id, (r.properties as { permissions: Array<{ dataActions: string[] }> }).permissions.flatMap((x) => x.dataActions)] as const),
  );
  const out: Grant[] = [];
  for (const r of resources) {
    if (r.type === 'Microsoft.Authorization/roleAssignments') {
      const p = r.properties as { roleDefinitionId: string; principalId: unknown };
      const guid = p.roleDefinitionId.split('/').pop()!;
      const custom = customRoles.get(guid);
      // Without a `scope`, an assignment applies to where it is deployed: its id's prefix.
      const scope = r.scope ?? r.id.slice(0, r.id.indexOf('/providers/Microsoft.Authorization/roleAssignments/'));
      out.push({
        template,
        principal: principalOf(p.principalId),
        roleDefinitionId: guid,
        builtIn: !custom,
        scope,
        scopeType: resourceTypeOf(scope),
        actions: custom ?? ops.builtInRoles[guid]?.actions ?? [],
        cosmos: false,
      });
    }
    if (r.type === 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments') {
      const p = r.properties as { roleDefinitionId: string; principalId: unknown; scope: string };
      const actions = cosmosRoles.get(p.roleDefinitionId);
      out.push({
        template,
        principal: principalOf(p.principalId),
        roleDefinitionId: p.roleDefinitionId.split('/').pop()!,
        builtIn: !actions,
        scope: p.scope,
        scopeType: 'Microsoft.DocumentDB/databaseAccounts',
        actions: actions ?? [],
        cosmos: true,
      });
    }
  }
  return out;
}

const controlPlane = new Evaluator(readJson<Template>('infra/controlplane.json'), {
  ...EXAMPLE_CONTEXT,
  parameters: exampleParameters('infra/controlplane.parameters.example.json', { registerEventSubscriptions: true }),
}).resources();
const linkAccessParameters = exampleParameters('infra/link-service-access.parameters.example.json', { controlPlanePrincipalId: 'principal-of-function-app' });
const linkAccess = new Evaluator(readJson<Template>('infra/link-service-access.json'), { ...EXAMPLE_CONTEXT, resourceGroup: 'MC_dpl_dpl-aks_eastus', parameters: linkAccessParameters }).resources();
const grants = [...grantsOf('controlplane.json', controlPlane), ...grantsOf('link-service-access.json', linkAccess)];

const isPlatform = (g: Grant) => ops.platform.some((p) => p.principal === g.principal && p.roleDefinitionId === g.roleDefinitionId && p.scopeType === g.scopeType);
const grantedTo = (principal: Principal) => new Set(grants.filter((g) => g.principal === principal && !isPlatform(g)).flatMap((g) => g.actions));
const diff = (needed: Set<string>, granted: Set<string>) => ({
  missing: [...needed].filter((a) => !granted.has(a)).sort(),
  unused: [...granted].filter((a) => !needed.has(a)).sort(),
});

// ---- the code's side ---------------------------------------------------------------------------

test('the scan sees the adapters\' SDK calls (so an empty scan cannot pass)', () => {
  const files = new Set(scan.calls.map((c) => path.basename(c.file)));
  expect([...files]).toEqual(expect.arrayContaining(['certificate-store.ts', 'private-dns-zone.ts', 'traffic-router.ts', 'link-service.ts', 'cosmos-documents.ts', 'event-sink.ts']));
  expect(scan.calls.map((c) => c.call)).toEqual(expect.arrayContaining(['RecordSets.createOrUpdate', 'Endpoints.update', 'Item.replace', 'CertificateClient.beginCreateCertificate']));
});

test('every Azure SDK call in shared/azure/ is mapped in infra/operations.json', () => {
  const unmapped = scan.calls.filter((c) => !ops.sdkCalls[c.call]).map((c) => `${c.call} (${c.file}:${c.line}, in ${c.within})`);
  expect(unmapped).toEqual([]);
});

test('every mapping in infra/operations.json is a call the code still makes', () => {
  const made = new Set(scan.calls.map((c) => c.call));
  expect(Object.keys(ops.sdkCalls).filter((k) => !made.has(k))).toEqual([]);
});

test('every mapped call either needs actions on a known service or says why it needs none', () => {
  for (const [call, e] of Object.entries(ops.sdkCalls)) {
    const kinds = [e.actions ? 'actions' : '', e.noRequest ? 'noRequest' : '', e.onlyFrom ? 'onlyFrom' : ''].filter(Boolean);
    expect({ call, kinds }).toEqual({ call, kinds: [kinds[0]] });
    if (e.actions) expect({ call, service: e.service && ops.services[e.service] ? e.service : undefined }).toEqual({ call, service: e.service });
    if (e.alsoPolls) expect({ call, polls: ops.services[e.alsoPolls.service] ? e.alsoPolls.service : undefined }).toEqual({ call, polls: e.alsoPolls.service });
  }
});

test('calls mapped as onlyFrom are reached from nothing else, and that entry point is never called by deployed code', () => {
  for (const [call, e] of Object.entries(ops.sdkCalls).filter(([, x]) => x.onlyFrom)) {
    for (const site of scan.calls.filter((c) => c.call === call)) {
      const chain = new Set([site.within, ...callersOf(scan, site.within)]);
      const entries = [...new Set([...chain].filter((name) => !callersOf(scan, name).size).map((n) => n.split('.').pop()))];
      expect({ call, entries }).toEqual({ call, entries: e.onlyFrom });
    }
    for (const entry of e.onlyFrom!) {
      const deployedCallers = [...walk('functions'), ...walk('shared'), ...walk('proxy')].filter((f) => fs.readFileSync(path.join(ROOT, f), 'utf8').includes(`.${entry}(`));
      expect({ entry, deployedCallers }).toEqual({ entry, deployedCallers: [] });
    }
  }
});

test('{endpointType} expands to the endpoint types the Traffic Manager adapter writes', () => {
  const source = fs.readFileSync(path.join(ROOT, 'shared/azure/traffic-router.ts'), 'utf8');
  const table = /const ENDPOINT_TYPES[^{]*\{([^}]*)\}/.exec(source)?.[1] ?? '';
  const types = [...table.matchAll(/'([A-Za-z]+Endpoints)'/g)].map((m) => m[1]!.charAt(0).toLowerCase() + m[1]!.slice(1));
  expect(types.sort()).toEqual([...ops.endpointTypes].sort());
});

// ---- the grants --------------------------------------------------------------------------------

test('no Owner, Contributor or other broad role, no wildcard action, and no assignment at resource group or subscription scope', () => {
  expect(grants.length).toBeGreaterThan(10);
  for (const g of grants) {
    const where = `${g.template}: ${g.principal} on ${g.scope}`;
    expect({ where, forbidden: ops.forbiddenRoleDefinitionIds[g.roleDefinitionId] }).toEqual({ where, forbidden: undefined });
    expect({ where, wildcards: g.actions.filter((a) => a.includes('*')) }).toEqual({ where, wildcards: [] });
    const wide = g.scopeType === 'resourceGroup' || (g.scopeType === 'subscription' && !subscriptionOnly(g));
    expect({ where, scopeType: wide ? g.scopeType : 'a resource, or operation status only' }).toEqual({ where, scopeType: 'a resource, or operation status only' });
  }
});

test('every built-in role is either one the code\'s operations need (known actions) or a listed platform need', () => {
  const unexplained = grants.filter((g) => g.builtIn && !isPlatform(g) && !ops.builtInRoles[g.roleDefinitionId]).map((g) => `${g.principal}: ${g.roleDefinitionId} on ${g.scope}`);
  expect(unexplained).toEqual([]);
  for (const p of ops.platform) expect({ role: p.role, granted: grants.some((g) => isPlatform(g) && g.roleDefinitionId === p.roleDefinitionId) }).toEqual({ role: p.role, granted: true });
});

test('the Function app identity holds exactly the actions of the SDK calls the control plane makes', () => {
  const needed = actionsOf(scan.calls.filter(isProductionCall));
  expect(diff(needed, grantedTo(FUNCTION_APP))).toEqual({ missing: [], unused: [] });
});

function proxyNeeds(): Set<string> {
  const { class: cls, portMethodsUsedBy } = ops.principals.proxy.calls;
  const used = [...fs.readFileSync(path.join(ROOT, portMethodsUsedBy), 'utf8').matchAll(/this\.store\.(\w+)\(/g)].map((m) => m[1]!);
  expect(used.length).toBeGreaterThan(0);
  const calls = reachableCalls(scan, [`${cls}.constructor`, ...used.map((m) => `${cls}.${m}`)]);
  const spc = yaml.load(fs.readFileSync(path.join(ROOT, 'infra/k8s/secretproviderclass.yaml'), 'utf8')) as { spec: { parameters: { objects: string } } };
  const objects = (yaml.load(spc.spec.parameters.objects) as { array: string[] }).array.map((o) => yaml.load(o) as { objectType: string });
  const csi = objects.flatMap((o) => {
    const actions = ops.principals.proxy.csi[o.objectType];
    if (!actions) throw new Error(`no RBAC mapping for CSI objectType ${o.objectType} (infra/operations.json principals.proxy.csi)`);
    return actions;
  });
  return new Set([...actionsOf(calls.filter(isProductionCall)), ...csi]);
}

test('the proxy\'s workload identity holds exactly the actions of its route reads and its certificate mounts', () => {
  const needed = proxyNeeds();
  expect(needed).toEqual(new Set(['Microsoft.DocumentDB/databaseAccounts/readMetadata', 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery', 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read', 'Microsoft.KeyVault/vaults/secrets/getSecret/action']));
  expect(diff(needed, grantedTo('proxy'))).toEqual({ missing: [], unused: [] });
});

test('each action is granted on the kind of resource it acts on', () => {
  for (const g of grants.filter((x) => !isPlatform(x))) {
    for (const action of g.actions) {
      const service = actionService.get(action);
      expect({ action, service: service ?? 'unmapped' }).toEqual({ action, service: expect.not.stringMatching(/^unmapped$/) });
      expect({ action, scopeType: g.scopeType }).toEqual({ action, scopeType: ops.services[service!]!.scopeType });
    }
  }
});

test('Cosmos DB data roles are scoped to the database (control plane) and to the routes container (proxy), never the account', () => {
  const account = controlPlane.find((r) => r.type === 'Microsoft.DocumentDB/databaseAccounts')!;
  const cosmos = grants.filter((g) => g.cosmos);
  expect(cosmos.map((g) => [g.principal, g.scope]).sort()).toEqual([
    [FUNCTION_APP, `${account.id}/dbs/privatelink`],
    ['proxy', `${account.id}/dbs/privatelink/colls/routes`],
  ]);
});

test('every private DNS zone and Traffic Manager profile the template creates is writable by the control plane', () => {
  const targets = controlPlane.filter((r) => r.type === 'Microsoft.Network/privateDnsZones' || r.type === 'Microsoft.Network/trafficManagerProfiles');
  expect(targets.length).toBe(3);
  for (const t of targets) expect({ resource: t.id, granted: grants.some((g) => g.principal === FUNCTION_APP && g.scope === t.id) }).toEqual({ resource: t.id, granted: true });
});

test('the connection role covers the Private Link Services the Service creates and the fleet configuration names', () => {
  const service = yaml.load(fs.readFileSync(path.join(ROOT, 'infra/k8s/service.yaml'), 'utf8')) as { metadata: { annotations: Record<string, string> } };
  const plsName = service.metadata.annotations['service.beta.kubernetes.io/azure-pls-name'];
  expect(linkAccessParameters.privateLinkServiceNames).toEqual([plsName]);
  const fleet = exampleParameters('infra/controlplane.parameters.example.json').fleetConfig as { regions: Array<{ privateLinkServices: string[] }> };
  const configured = fleet.regions.flatMap((r) => r.privateLinkServices);
  const covered = grants.filter((g) => g.scopeType === 'Microsoft.Network/privateLinkServices').map((g) => g.scope.toLowerCase());
  expect(configured.map((id) => id.toLowerCase()).filter((id) => !covered.includes(id))).toEqual([]);
});
