// Structural checks of the proxy image (proxy/Dockerfile). CI does not build it: there is no
// podman or buildah here and no registry to pull the base images from (docs/DEPLOY.md), so these
// checks stand in for a build: pinned bases, a non-root user, nothing secret copied in, and ports,
// health check and entry point consistent with the proxy's configuration and the manifests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { ConfigSchema } from '../../proxy/config';
import { ROOT } from './arm';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined, comments dropped, `${ARG}` substituted with defaults. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  const lines = joined.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  return lines.map((line) => {
    const [op, ...rest] = line.split(/\s+/);
    const raw = rest.join(' ');
    if (op!.toUpperCase() === 'ARG') {
      const [name, value] = raw.split('=');
      if (value !== undefined && !args.has(name!)) args.set(name!, value);
    }
    const substituted = raw.replace(/\$\{(\w+)\}/g, (m, n: string) => args.get(n) ?? m);
    return { op: op!.toUpperCase(), args: substituted };
  });
}

const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'proxy/Dockerfile'), 'utf8'));
const stages: Instruction[][] = [];
for (const i of dockerfile) {
  if (i.op === 'FROM') stages.push([]);
  stages[stages.length - 1]?.push(i);
}
const final = stages[stages.length - 1]!;
const configMap = yaml.load(fs.readFileSync(path.join(ROOT, 'infra/k8s/configmap.yaml'), 'utf8')) as { data: Record<string, string> };
const config = ConfigSchema.parse(JSON.parse(configMap.data['config.json']!));

test('every base image is pinned by digest or by an explicit version, never latest', () => {
  const bases = dockerfile.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0]!);
  expect(bases.length).toBeGreaterThanOrEqual(2);
  for (const base of bases) {
    const pinned = /@sha256:[0-9a-f]{64}$/.test(base) || /:(?!latest\b)[^:@/]*\d[^:@/]*$/.test(base) || /nodejs\d+-debian\d+:[\w.-]+$/.test(base);
    expect({ base, pinned }).toEqual({ base, pinned: true });
    expect(base).not.toMatch(/\$\{/);
  }
});

test('the final stage runs as a non-root user', () => {
  const users = final.filter((i) => i.op === 'USER').map((i) => i.args);
  expect(users.length).toBeGreaterThan(0);
  expect(users[users.length - 1]).not.toMatch(/^(root|0)(:.*)?$/);
});

test('nothing secret is copied into the image or baked into its environment', () => {
  const copies = dockerfile.filter((i) => i.op === 'COPY' || i.op === 'ADD').map((i) => i.args);
  expect(copies.filter((a) => /\.(pem|key|pfx|p12|crt)\b|\.env\b|local\.settings|\.npmrc|id_rsa|\.data\b/i.test(a))).toEqual([]);
  // Only the build context's compiled output and manifests go in, or files from an earlier stage.
  for (const a of copies) expect(a).toMatch(/^(--from=\w+\s+\S+|package\.json|dist)\b/);
  const env = dockerfile.filter((i) => i.op === 'ENV' || i.op === 'ARG').map((i) => i.args);
  expect(env.filter((a) => /(SECRET|PASSWORD|TOKEN|PRIVATE|ACCOUNT_?KEY|CONNECTION_?STRING)/i.test(a))).toEqual([]);
});

test('EXPOSE names the listener and admin ports of the deployed configuration', () => {
  const exposed = final.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.split('/')[0])));
  expect(new Set(exposed)).toEqual(new Set([...config.listeners.map((l) => l.port), config.admin.port]));
  // And they are the proxy's defaults, so the image is consistent without a configuration too.
  expect(ConfigSchema.shape.admin.parse(undefined).port).toBe(config.admin.port);
});

test('a HEALTHCHECK, if the image has one, probes the admin port; Kubernetes ignores it, so the probes in infra/k8s carry health', () => {
  const checks = final.filter((i) => i.op === 'HEALTHCHECK' && !/^NONE$/i.test(i.args));
  for (const c of checks) {
    expect(c.args).toContain(String(config.admin.port));
    expect(c.args).toMatch(/\/healthz|\/readyz/);
  }
  const deployment = yaml.load(fs.readFileSync(path.join(ROOT, 'infra/k8s/deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: Array<{ livenessProbe?: unknown; readinessProbe?: unknown }> } } } };
  const container = deployment.spec.template.spec.containers[0]!;
  expect(container.livenessProbe).toBeDefined();
  expect(container.readinessProbe).toBeDefined();
});

test('the entry point runs the proxy, which accepts the --config flag the Deployment passes', () => {
  const entry = final.filter((i) => i.op === 'ENTRYPOINT').pop()!;
  expect(JSON.parse(entry.args)).toEqual([expect.stringMatching(/node$/), 'dist/proxy/main.js']);
  expect(fs.readFileSync(path.join(ROOT, 'proxy/main.ts'), 'utf8')).toMatch(/'--config'/);
});

test('the build script tags the image with proxy/VERSION', () => {
  const script = fs.readFileSync(path.join(ROOT, 'proxy/build-context.sh'), 'utf8');
  expect(script).toMatch(/version="\$\(tr -d ' \\n' < proxy\/VERSION\)"/);
  expect(script).toMatch(/tag="\$\{DPL_PROXY_IMAGE:-dpl-proxy\}:\$\{version\}/);
});

test("the image's package.json carries every package the proxy loads, including the Cosmos route source the ConfigMap selects", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-image-'));
  execFileSync('bash', [path.join(ROOT, 'proxy/build-context.sh'), out], { cwd: ROOT, stdio: 'pipe' });
  const pkg = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const configMap = fs.readFileSync(path.join(ROOT, 'infra/k8s/configmap.yaml'), 'utf8');
  expect(configMap).toMatch(/"kind":\s*"cosmos"/);
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['@azure/cosmos', '@azure/identity', 'zod']);
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    expect(version).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version);
  }
  fs.rmSync(out, { recursive: true, force: true });
});
