// `DPL_MODE=fake-azure`: the control plane runs on its production adapters — the real Azure SDK
// clients — against the stand-ins served over HTTPS on loopback (the fake-Azure mode), so every
// request is recorded in AZURE_TRAFFIC_LOG exactly as it would go to Azure. The stores that are
// Cosmos DB in production (routes, workspaces) stay on SQLite here.
import path from 'node:path';
import { KeyVaultCertificateStore } from '../../shared/azure/certificate-store';
import { staticCredential } from '../../shared/azure/client-options';
import { AzureLinkService } from '../../shared/azure/link-service';
import { AzurePrivateDnsZone } from '../../shared/azure/private-dns-zone';
import { AzureTrafficRouter } from '../../shared/azure/traffic-router';
import type { Services } from '../../shared/services';
import { startFakeAzure } from './fake-azure';
import { LOCAL_SUBSCRIPTION, localServices } from './local-services';
import { LocalCa } from './vault/local-ca';
import { FaultPlan, withFaults } from './faults';
import { writeFileAtomic } from '../atomic-file';

const ARM_WRITES = ['put', 'delete', 'setEndpointStatus', 'setConnectionState'];

/**
 * `DPL_FAULTS={"throttleRate":0.3,"retryAfterMs":1000}`: that share of ARM writes answers 429 with
 * that Retry-After. What callers did is written to DATA_DIR/fault-stats.json after every call.
 */
function faultsFrom(env: NodeJS.ProcessEnv, dataDir: string): FaultPlan | undefined {
  if (!env.DPL_FAULTS) return undefined;
  const spec = JSON.parse(env.DPL_FAULTS) as { throttleRate?: number; retryAfterMs?: number; seed?: number };
  const plan = new FaultPlan(ARM_WRITES.map((operation) => ({ operation, throttleRate: spec.throttleRate ?? 0.3, retryAfterMs: spec.retryAfterMs ?? 1000 })), spec.seed ?? 1);
  const before = plan.before.bind(plan);
  plan.before = async (port, operation, conditional, target) => {
    try {
      return await before(port, operation, conditional, target);
    } finally {
      const writes = plan.calls.filter((c) => ARM_WRITES.includes(c.operation));
      const stats = { writes: writes.length, throttled: writes.filter((c) => c.outcome === 'throttled').length, earlyCalls: plan.earlyCalls };
      // Read by tests while calls go on: replaced, never truncated.
      writeFileAtomic(`${dataDir}/fault-stats.json`, JSON.stringify(stats));
    }
  };
  return plan;
}

export async function fakeAzureServices(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Services> {
  const local = await localServices(dataDir, env);
  const ca = await LocalCa.loadOrCreate(path.join(dataDir, 'ca'));
  const faults = faultsFrom(env, dataDir);
  const wrap = <T extends object>(port: T, name: string): T => (faults ? withFaults(port, faults, name) : port);
  const server = await startFakeAzure({
    ca,
    privateDns: wrap(local.privateDns, 'dnsZone'),
    trafficManager: wrap(local.trafficManager, 'trafficRouter'),
    vault: local.vault,
    privateLinkService: wrap(local.privateLinkService, 'linkService'),
    ...(env.AZURE_TRAFFIC_LOG ? { trafficLogFile: env.AZURE_TRAFFIC_LOG } : {}),
  });
  const endpoint = { credential: staticCredential(), endpoint: server.url, caPem: ca.certificatePem };
  const arm = { ...endpoint, subscriptionId: LOCAL_SUBSCRIPTION, resourceGroup: 'dpl-local' };
  return {
    ...local,
    dns: new AzurePrivateDnsZone(arm),
    traffic: new AzureTrafficRouter(arm),
    links: new AzureLinkService(endpoint),
    certificates: new KeyVaultCertificateStore({ ...endpoint, vaultUrl: 'https://dpl-local.vault.azure.net' }),
  };
}
