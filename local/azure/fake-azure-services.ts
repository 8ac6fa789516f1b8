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

export async function fakeAzureServices(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Services> {
  const local = await localServices(dataDir, env);
  const ca = await LocalCa.loadOrCreate(path.join(dataDir, 'ca'));
  const server = await startFakeAzure({
    ca,
    privateDns: local.privateDns,
    trafficManager: local.trafficManager,
    vault: local.vault,
    privateLinkService: local.privateLinkService,
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
