// The proxy's manifests (infra/k8s): valid against the Kubernetes schemas (kubernetes-models), and
// consistent with the proxy's own configuration schema and code, with the control-plane template and
// with each other.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { ConfigSchema, type ProxyConfig } from '../../proxy/config';
import { EXAMPLE_CONTEXT, Evaluator, ROOT, exampleParameters, readJson, type Template } from './arm';

const K8S = path.join(ROOT, 'infra/k8s');
type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };
const load = (file: string) => yaml.loadAll(fs.readFileSync(path.join(K8S, file), 'utf8')).filter(Boolean) as Doc[];

const kustomization = load('kustomization.yaml')[0] as unknown as { namespace: string; resources: string[]; images: Array<{ name: string; newName?: string; newTag: string }> };
const docs = kustomization.resources.flatMap(load);
const one = <T = Doc>(kind: string): T => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found.map((d) => d.metadata.name)).toHaveLength(1);
  return found[0] as T;
};

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are walked as plain data after schema validation */
const deployment = one<any>('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const service = one<any>('Service');
const configMap = one<any>('ConfigMap');
const spc = one<any>('SecretProviderClass');
const hpa = one<any>('HorizontalPodAutoscaler');
const pdb = one<any>('PodDisruptionBudget');
const netpol = one<any>('NetworkPolicy');
const serviceAccount = one<any>('ServiceAccount');
/* eslint-enable @typescript-eslint/no-explicit-any */
const config: ProxyConfig = ConfigSchema.parse(JSON.parse(configMap.data['config.json']));
const portOf = (name: string) => (container.ports as Array<{ name: string; containerPort: number }>).find((p) => p.name === name)?.containerPort;
const version = fs.readFileSync(path.join(ROOT, 'proxy/VERSION'), 'utf8').trim();

// kubernetes-models v5 is ESM only, which jest's CommonJS registry cannot load, so the schema
// validation runs in a Node process of its own (validate-k8s.mjs).
function validate(objects: unknown[]): Array<{ kind: string; known: boolean; valid?: boolean; error?: string }> {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'validate-k8s.mjs')], { input: JSON.stringify(objects), cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as ReturnType<typeof validate>;
}
// Custom resources kubernetes-models has no schema for get structural checks below.
const CUSTOM = new Set(['secrets-store.csi.x-k8s.io/v1/SecretProviderClass']);

test('the kustomization lists every manifest in infra/k8s, and only those', () => {
  const files = fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  expect([...kustomization.resources].sort()).toEqual(files.sort());
});

test('every manifest validates against the Kubernetes schema', () => {
  const standard = docs.filter((d) => !CUSTOM.has(`${d.apiVersion}/${d.kind}`));
  const results = validate(standard);
  expect(results).toEqual(standard.map((d) => ({ kind: `${d.apiVersion}/${d.kind}`, known: true, valid: true })));
  expect(results.map((r) => r.kind).sort()).toEqual(
    ['apps/v1/Deployment', 'autoscaling/v2/HorizontalPodAutoscaler', 'networking.k8s.io/v1/NetworkPolicy', 'policy/v1/PodDisruptionBudget', 'v1/ConfigMap', 'v1/Namespace', 'v1/Service', 'v1/ServiceAccount'],
  );
});

test('the schema check is real: a wrongly typed field is rejected', () => {
  const broken = JSON.parse(JSON.stringify(deployment));
  broken.spec.template.spec.terminationGracePeriodSeconds = '45s';
  expect(validate([broken])).toEqual([expect.objectContaining({ known: true, valid: false, error: expect.stringContaining('terminationGracePeriodSeconds') })]);
});

test('namespace and service account match the workload identity the template federates', () => {
  const params = readJson<Template>('infra/controlplane.json').parameters!;
  expect(one('Namespace').metadata.name).toBe(kustomization.namespace);
  expect(params.proxyNamespace!.defaultValue).toBe(kustomization.namespace);
  expect(params.proxyServiceAccount!.defaultValue).toBe(serviceAccount.metadata.name);
  expect(pod.serviceAccountName).toBe(serviceAccount.metadata.name);
  expect(serviceAccount.metadata.annotations['azure.workload.identity/client-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(deployment.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
});

test('the image tag is the proxy version, in the Deployment and in the kustomization', () => {
  const [name, tag] = String(container.image).split(':');
  expect(tag).toBe(version);
  expect(kustomization.images).toEqual([expect.objectContaining({ name, newTag: version })]);
  expect(fs.readFileSync(path.join(ROOT, 'proxy/version.ts'), 'utf8')).toContain(`PROXY_VERSION = '${version}'`);
});

test('the proxy runs non-root on a read-only root filesystem, with no privileges and bounded resources', () => {
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
  expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  // The namespace enforces the restricted Pod Security Standard, which allows only these volume types.
  const allowed = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  expect(one('Namespace').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  expect((pod.volumes as Array<Record<string, unknown>>).flatMap((v) => Object.keys(v).filter((k) => k !== 'name' && !allowed.includes(k)))).toEqual([]);
  // One worker per core of the limit: inside a container Node counts the node's cores instead.
  expect(config.workers).toBeGreaterThan(0);
  expect(config.workers).toBeLessThanOrEqual(Number(container.resources.limits.cpu));
});

test('the configuration is valid for the proxy and agrees with the Service and the control plane', () => {
  expect(config.proxyProtocol.mode).toBe('required');
  const pls = service.metadata.annotations['service.beta.kubernetes.io/azure-pls-name'];
  expect(config.listeners.map((l) => l.privateLinkServiceId.split('/').pop())).toEqual([pls]);
  const template = readJson<Template>('infra/controlplane.json');
  const ev = new Evaluator(template, { ...EXAMPLE_CONTEXT, parameters: exampleParameters('infra/controlplane.parameters.example.json') });
  const containers = ev.resources().filter((r) => r.type === 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').map((r) => r.name.split('/').slice(1).join('/'));
  expect(config.routes).toMatchObject({ kind: 'cosmos' });
  if (config.routes.kind === 'cosmos') expect(containers).toContain(`${config.routes.database}/${config.routes.container}`);
  // The fleet configuration the control plane gets names the same Private Link Service.
  const fleet = exampleParameters('infra/controlplane.parameters.example.json').fleetConfig as { regions: Array<{ privateLinkServices: string[] }> };
  expect(fleet.regions.flatMap((r) => r.privateLinkServices)).toEqual(config.listeners.map((l) => l.privateLinkServiceId));
  expect(args()).toEqual(['--config', `${mountOf('config')}/config.json`]);
});

function mountOf(volume: string): string {
  return (container.volumeMounts as Array<{ name: string; mountPath: string }>).find((m) => m.name === volume)!.mountPath;
}
const args = () => container.args as string[];

test('probes use the admin port the configuration opens, and the paths the proxy serves', () => {
  expect(config.admin.host).toBe('0.0.0.0');
  expect(portOf('admin')).toBe(config.admin.port);
  expect(portOf('proxy')).toBe(config.listeners[0]!.port);
  expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
  expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
  const main = fs.readFileSync(path.join(ROOT, 'proxy/main.ts'), 'utf8');
  for (const p of ['/readyz', '/healthz', '/metrics']) expect(main).toContain(`'${p}'`);
});

test('termination grace outlasts the preStop pause, the drain and the proxy\'s own hard-exit margin', () => {
  const main = fs.readFileSync(path.join(ROOT, 'proxy/main.ts'), 'utf8');
  const margin = Number(/config\.drainTimeoutMs \+ (\d+)/.exec(main)?.[1]);
  expect(margin).toBeGreaterThan(0);
  const preStop = Number(container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStop + config.drainTimeoutMs + margin);
});

test('metrics are scraped from the admin port', () => {
  expect(deployment.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(config.admin.port), 'prometheus.io/path': '/metrics' });
});

test('the Service creates an internal load balancer with a Private Link Service speaking PROXY protocol v2', () => {
  expect(service.spec.type).toBe('LoadBalancer');
  expect(service.metadata.annotations).toMatchObject({
    'service.beta.kubernetes.io/azure-load-balancer-internal': 'true',
    'service.beta.kubernetes.io/azure-pls-create': 'true',
    'service.beta.kubernetes.io/azure-pls-proxy-protocol': 'true',
    'service.beta.kubernetes.io/azure-pls-name': expect.stringMatching(/^[A-Za-z0-9][\w.-]*$/),
    'service.beta.kubernetes.io/azure-pls-ip-configuration-subnet': expect.any(String),
  });
  // The control plane decides every connection: nothing is auto-approved.
  expect(service.metadata.annotations).not.toHaveProperty(['service.beta.kubernetes.io/azure-pls-auto-approval']);
  // With PROXY protocol on, the Local policy's health check (kube-proxy) cannot parse the probes.
  expect(service.spec.externalTrafficPolicy).toBe('Cluster');
  expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  expect(service.spec.ports).toEqual([expect.objectContaining({ targetPort: 'proxy', protocol: 'TCP' })]);
});

test('the autoscaler scales the Deployment on CPU, and the disruption budget lets a node drain', () => {
  expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
  expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
});

test('the network policy admits the proxy and admin ports and lets out only DNS and TLS', () => {
  expect(netpol.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  const inPorts = (netpol.spec.ingress as Array<{ ports: Array<{ port: number }> }>).flatMap((r) => r.ports.map((p) => p.port));
  expect(new Set(inPorts)).toEqual(new Set([config.listeners[0]!.port, config.admin.port]));
  const outPorts = (netpol.spec.egress as Array<{ ports: Array<{ port: number }> }>).flatMap((r) => r.ports.map((p) => p.port));
  expect(new Set(outPorts)).toEqual(new Set([53, 443]));
});

describe('the Key Vault SecretProviderClass (custom resource: structural check)', () => {
  const objects = (yaml.load(spc.spec.parameters.objects) as { array: string[] }).array.map((o) => yaml.load(o) as Record<string, string>);

  test('is a v1 SecretProviderClass for the Azure provider, authenticated by the workload identity', () => {
    expect(spc.apiVersion).toBe('secrets-store.csi.x-k8s.io/v1');
    expect(spc.spec.provider).toBe('azure');
    expect(spc.spec.parameters).toMatchObject({ usePodIdentity: 'false', keyvaultName: expect.stringMatching(/.+/), tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(spc.spec.parameters.clientID).toBe(serviceAccount.metadata.annotations['azure.workload.identity/client-id']);
    expect(Object.keys(spc.spec).sort()).toEqual(['parameters', 'provider']);
  });

  test('fetches always the latest version (rotation), each object once, as secrets (key and chain)', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      expect(Object.keys(o).sort()).toEqual(['objectName', 'objectType']);
      expect(o.objectType).toBe('secret');
    }
    expect(new Set(objects.map((o) => o.objectName)).size).toBe(objects.length);
  });

  test('is mounted read-only, and every certificate file the proxy reads is one of its objects (and each object is read)', () => {
    const volume = (pod.volumes as Array<{ name: string; csi?: { driver: string; readOnly: boolean; volumeAttributes: Record<string, string> } }>).find((v) => v.csi);
    expect(volume?.csi).toEqual({ driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: spc.metadata.name } });
    const mount = mountOf(volume!.name);
    const files = [...config.tls.certificates.flatMap((c) => [c.certFile, c.keyFile]), config.upstream.caFile, config.upstream.certFile, config.upstream.keyFile];
    const provided = objects.map((o) => `${mount}/${o.objectName}`);
    expect(files.filter((f) => !provided.includes(f))).toEqual([]);
    expect(provided.filter((f) => !files.includes(f))).toEqual([]);
  });

  test('rotation is switched on where it lives (the AKS add-on), as docs/DEPLOY.md says', () => {
    expect(fs.readFileSync(path.join(ROOT, 'docs/DEPLOY.md'), 'utf8')).toContain('--enable-secret-rotation');
  });
});

test('a read-only root filesystem still gets a writable /tmp', () => {
  const tmp = (pod.volumes as Array<{ name: string; emptyDir?: unknown }>).find((v) => v.emptyDir);
  expect(tmp && mountOf(tmp.name)).toBe('/tmp');
});
