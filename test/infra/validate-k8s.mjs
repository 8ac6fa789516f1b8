// Validates Kubernetes objects (a JSON array on stdin) with kubernetes-models and prints one result
// per object. It runs as its own Node process because kubernetes-models' models load as ES modules, which jest's
// CommonJS module registry cannot load.
import { readFileSync } from 'node:fs';

const MODULES = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
};

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const object of objects) {
  const module = MODULES[object.apiVersion];
  const Model = module ? (await import(module))[object.kind] : undefined;
  if (!Model) {
    results.push({ kind: `${object.apiVersion}/${object.kind}`, known: false });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({ kind: `${object.apiVersion}/${object.kind}`, known: true, valid: true });
  } catch (err) {
    results.push({ kind: `${object.apiVersion}/${object.kind}`, known: true, valid: false, error: String(err && err.message ? err.message : err) });
  }
}
process.stdout.write(JSON.stringify(results));
