// Assembles the fake-Azure HTTPS endpoints over a set of stand-ins.
import type { LocalCa } from '../vault/local-ca';
import type { LocalPrivateDns } from '../private-dns';
import type { LocalTrafficManager } from '../traffic-manager';
import { FakeAzureServer, type Route } from './server';
import { PRIVATE_DNS_PATH, privateDnsApi } from './private-dns-api';
import { TRAFFIC_MANAGER_PATH, trafficManagerApi } from './traffic-manager-api';
import { KEY_VAULT_CERTIFICATES_PATH, KEY_VAULT_SECRETS_PATH, keyVaultCertificatesApi, keyVaultSecretsApi } from './key-vault-api';
import type { LocalVault } from '../vault/vault';
import type { LocalPrivateLinkService } from '../private-link-service';
import { networkApi, PLS_CONNECTIONS_PATH } from './network-api';
import { EVENT_GRID_PUBLISH_PATH, type PublishedEvents } from './event-grid-api';

export interface FakeAzureStandIns {
  ca: LocalCa;
  privateDns?: LocalPrivateDns;
  trafficManager?: LocalTrafficManager;
  vault?: LocalVault;
  privateLinkService?: LocalPrivateLinkService;
  /** Receives what is published to the Event Grid topic endpoint (`/api/events`). */
  eventGridTopic?: PublishedEvents;
  extraRoutes?: Route[];
  trafficLogFile?: string;
  eventGridKey?: string;
}

export async function startFakeAzure(s: FakeAzureStandIns): Promise<FakeAzureServer> {
  const routes: Route[] = [];
  if (s.privateDns) {
    const dns = s.privateDns;
    routes.push({ pattern: PRIVATE_DNS_PATH, auth: 'arm', handle: (x, m) => privateDnsApi(dns, x, m) });
  }
  if (s.trafficManager) {
    const tm = s.trafficManager;
    routes.push({ pattern: TRAFFIC_MANAGER_PATH, auth: 'arm', handle: (x, m) => trafficManagerApi(tm, x, m) });
  }
  if (s.vault) {
    const vault = s.vault;
    routes.push({ pattern: KEY_VAULT_CERTIFICATES_PATH, auth: 'keyvault', handle: (x, m) => keyVaultCertificatesApi(vault, x, m) });
    routes.push({ pattern: KEY_VAULT_SECRETS_PATH, auth: 'keyvault', handle: (x, m) => keyVaultSecretsApi(vault, x, m) });
  }
  if (s.privateLinkService) {
    const pls = s.privateLinkService;
    routes.push({ pattern: PLS_CONNECTIONS_PATH, auth: 'arm', handle: (x, m) => networkApi(pls, x, m) });
  }
  if (s.eventGridTopic) {
    const topic = s.eventGridTopic;
    routes.push({ pattern: EVENT_GRID_PUBLISH_PATH, auth: 'sas', handle: (x) => topic.handle(x) });
  }
  routes.push(...(s.extraRoutes ?? []));
  const now = Date.now();
  const tls = await s.ca.issue({
    subject: 'CN=localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 7 * 86_400_000),
    extendedUsages: ['serverAuth'],
  });
  const server = new FakeAzureServer({
    certificatePem: tls.certificatePem,
    privateKeyPem: tls.privateKeyPem,
    routes,
    ...(s.trafficLogFile ? { trafficLogFile: s.trafficLogFile } : {}),
    ...(s.eventGridKey ? { eventGridKey: s.eventGridKey } : {}),
  });
  await server.start();
  return server;
}
