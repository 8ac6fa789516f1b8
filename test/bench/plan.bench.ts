/**
 * Planning time at fleet scale: 10,000 workspaces × 3 DICOM services, 1% drift between desired and
 * actual. Run with `npm run bench:plan` (tsx test/bench/plan.bench.ts). Prints the median of RUNS
 * timed runs after WARMUP untimed ones, for the planner alone and for desired state + planner.
 */
import { performance } from 'node:perf_hooks';
import { ConfigurationSchema } from '../../shared/domain/config';
import { PrivateEndpointConnectionSchema, type PrivateEndpointConnection } from '../../shared/domain/connection';
import { desiredState } from '../../shared/domain/desired';
import { plan, policiesOf, summarise } from '../../shared/domain/plan/plan';
import type { ActualResources, Observed } from '../../shared/domain/plan/types';
import { WorkspaceSchema, type Workspace } from '../../shared/domain/workspace';

const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 10_000);
const SERVICES = 3;
const DRIFT = 0.01;
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const WARMUP = 2;
const REGIONS = ['eastus', 'westus', 'northeurope', 'westeurope'];
const SUB = '11111111-1111-1111-1111-111111111111';

/** Deterministic pseudo-random numbers, so every run plans the same fleet. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pls = (region: string, i: number) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dpl/providers/Microsoft.Network/privateLinkServices/pls-${region}-${i}`;

const config = ConfigurationSchema.parse({
  ownerId: 'dpl-bench',
  domain: 'dicom.example.com',
  regions: REGIONS.map((name) => ({
    name,
    trafficManager: {
      public: { name: `dpl-${name}-public`, fqdn: `dpl-${name}-public.trafficmanager.net` },
      private: { name: `dpl-${name}-private`, fqdn: `dpl-${name}-private.trafficmanager.net` },
    },
    privateLinkServices: [pls(name, 1), pls(name, 2), pls(name, 3)],
    clusters: ['z1', 'z2', 'z3'].map((z) => ({
      name: z,
      publicIngress: `${z}-${name}-aks.public.dicom.example.com`,
      privateIngress: `${z}-${name}-aks.internal.dicom.example.com`,
    })),
  })),
});

function fleet(): { workspaces: Workspace[]; connections: PrivateEndpointConnection[] } {
  const rnd = lcg(42);
  const workspaces: Workspace[] = [];
  const connections: PrivateEndpointConnection[] = [];
  for (let i = 0; i < WORKSPACES; i++) {
    const region = REGIONS[i % REGIONS.length] as string;
    const name = `ws${String(i).padStart(5, '0')}`;
    // Half the fleet is private: a third of those private-only, the rest both public and private.
    const isPrivate = rnd() < 0.5;
    workspaces.push(
      WorkspaceSchema.parse({
        name,
        region,
        cluster: ['z1', 'z2', 'z3'][i % 3],
        services: Array.from({ length: SERVICES }, (_, s) => ({ name: `svc${s + 1}` })),
        publicNetworkAccess: isPrivate && rnd() < 0.33 ? 'Disabled' : 'Enabled',
        generation: 1,
      }),
    );
    if (isPrivate) {
      const service = pls(region, 1 + (i % 3));
      connections.push(
        PrivateEndpointConnectionSchema.parse({
          id: `${service}/privateEndpointConnections/pe-${i}`,
          privateLinkServiceId: service,
          linkId: 100_000 + i,
          privateIp: '10.1.0.4',
          state: 'Approved',
          requestingSubscription: SUB,
          workspace: name,
        }),
      );
    }
  }
  return { workspaces, connections };
}

/** What the stores would return: the desired state as Azure spells it, with 1% of rows drifted. */
function actualWithDrift(desired: ReturnType<typeof desiredState>): { actual: ActualResources; drifted: number } {
  const rnd = lcg(7);
  let drifted = 0;
  const records: ActualResources['records'] = [];
  desired.records.forEach((r, i) => {
    // Azure hands names back with the root dot; that is normalisation, not drift.
    const value = { ...r, values: r.values.map((v) => `${v}.`) };
    const roll = rnd();
    if (roll < DRIFT / 3) {
      drifted++;
      return; // deleted behind our back: a create
    }
    if (roll < (2 * DRIFT) / 3) {
      drifted++;
      records.push({ value: { ...value, values: ['drifted.example.net.'] }, etag: `d${i}` });
      return; // changed target: an update
    }
    if (roll < DRIFT) {
      drifted++;
      records.push({ value: { ...value, ttl: 3600 }, etag: `d${i}` }); // changed TTL: an update
      records.push({ value: { ...value, name: `orphan-${i}` }, etag: `o${i}` }); // left over: a delete
      drifted++;
      return;
    }
    records.push({ value, etag: `d${i}` });
  });
  const routes: Observed<ActualResources['routes'][number]['value']>[] = desired.routes.map((r, i) =>
    rnd() < DRIFT ? (drifted++, { value: { ...r, backend: 'stale.example.com' }, etag: `r${i}` }) : { value: r, etag: `r${i}` },
  );
  const connections = desired.connections.map((c, i) => ({ value: c, etag: `c${i}` }));
  const endpoints = desired.endpoints.map((e, i) => ({ value: e, etag: `t${i}` }));
  // Adapters hand back freshly parsed JSON: no string is shared with desired state, as in production.
  const actual = JSON.parse(JSON.stringify({ connections, routes, records, endpoints })) as ActualResources;
  return { actual, drifted };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Wall time, and the CPU time of this process (less disturbed by other work on a shared machine). */
function time(fn: () => void): { wall: number; cpu: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  fn();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

const report = (label: string, xs: Array<{ wall: number; cpu: number }>): string => {
  const wall = xs.map((x) => x.wall);
  const cpu = xs.map((x) => x.cpu);
  return `${label} median ${median(wall).toFixed(1)} ms wall (min ${Math.min(...wall).toFixed(1)}, max ${Math.max(...wall).toFixed(1)}), median ${median(cpu).toFixed(1)} ms CPU, over ${RUNS} runs`;
};

function main(): void {
  const { workspaces, connections } = fleet();
  const desired = desiredState({ config, workspaces, connections });
  const { actual, drifted } = actualWithDrift(desired);
  const options = { ownerId: config.ownerId, defaultTtl: config.defaultTtl, policies: policiesOf(workspaces) };

  const check = summarise(plan(desired, actual, options));
  const planned = check.create + check.update + check.delete;
  if (planned !== drifted) throw new Error(`expected ${drifted} changes for the injected drift, planned ${planned}`);

  const planOnly: Array<{ wall: number; cpu: number }> = [];
  const endToEnd: Array<{ wall: number; cpu: number }> = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const a = time(() => plan(desired, actual, options));
    const b = time(() => plan(desiredState({ config, workspaces, connections }), actual, options));
    if (i >= WARMUP) {
      planOnly.push(a);
      endToEnd.push(b);
    }
  }
  const rows = desired.records.length + desired.routes.length + desired.endpoints.length + desired.connections.length;
  console.log(`fleet: ${WORKSPACES} workspaces × ${SERVICES} services; ${desired.records.length} record sets, ${desired.routes.length} routes, ${desired.endpoints.length} endpoints, ${desired.connections.length} connections (${rows} desired rows)`);
  console.log(`drift: ${drifted} rows (${((100 * drifted) / rows).toFixed(2)}%) → plan: ${check.create} create, ${check.update} update, ${check.delete} delete, ${check.skipped} skipped`);
  console.log(report('plan only:           ', planOnly));
  console.log(report('desired state + plan:', endToEnd));
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
}

main();
