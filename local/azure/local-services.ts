// The single-machine composition: every port on its stand-in, all state in DATA_DIR, and the
// infrastructure the configuration names (zones, Traffic Manager profiles and endpoints, Private
// Link Services) provisioned idempotently, as deployment does on Azure.
import path from 'node:path';
import type { Configuration } from '../../shared/domain/config';
import { privateZoneOf } from '../../shared/domain/config';
import type { Services } from '../../shared/services';
import { configurationFrom } from '../../shared/services';
import { DocStore } from './doc-store';
import { EventLogSink } from './event-log';
import { LocalPrivateDns } from './private-dns';
import { LocalPrivateLinkService } from './private-link-service';
import { SqliteRouteStore } from './route-store';
import { LocalTrafficManager } from './traffic-manager';
import { LocalCa } from './vault/local-ca';
import { LocalVault } from './vault/vault';
import { SqliteWorkspaceStore } from './workspace-store';

export const LOCAL_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const LOCAL_PLS_ID = `/subscriptions/${LOCAL_SUBSCRIPTION}/resourceGroups/dpl-local/providers/Microsoft.Network/privateLinkServices/pls-local`;

/** The fleet `npm start` runs when no configuration is given: one region, one cluster. */
export const LOCAL_CONFIGURATION = {
  ownerId: 'dpl-local',
  domain: 'dicom.localtest',
  defaultTtl: 5,
  regions: [
    {
      name: 'local',
      trafficManager: {
        public: { name: 'dicom-public-local', fqdn: 'dicom-public-local.trafficmanager.net' },
        private: { name: 'dicom-private-local', fqdn: 'dicom-private-local.trafficmanager.net' },
      },
      privateLinkServices: [LOCAL_PLS_ID],
      clusters: [{ name: 'local-1', publicIngress: 'public-local-1.internal.dicom.localtest', privateIngress: 'private-local-1.internal.dicom.localtest' }],
    },
  ],
};

export interface LocalServices extends Services {
  store: DocStore;
  privateDns: LocalPrivateDns;
  trafficManager: LocalTrafficManager;
  privateLinkService: LocalPrivateLinkService;
  vault: LocalVault;
}

export async function localServices(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<LocalServices> {
  const config = env.DPL_CONFIG_JSON
    ? configurationFrom(env.DPL_CONFIG_JSON, 'DPL_CONFIG_JSON')
    : configurationFrom(JSON.stringify(LOCAL_CONFIGURATION), 'the built-in local configuration');
  const store = new DocStore(path.join(dataDir, 'azure.db'));
  const privateDns = new LocalPrivateDns(store);
  const trafficManager = new LocalTrafficManager(store);
  const privateLinkService = new LocalPrivateLinkService({ store, events: 'none' });
  const vault = new LocalVault({
    store,
    ca: await LocalCa.loadOrCreate(path.join(dataDir, 'ca')),
    vaultName: 'dpl-local',
    resourceId: `/subscriptions/${LOCAL_SUBSCRIPTION}/resourceGroups/dpl-local/providers/Microsoft.KeyVault/vaults/dpl-local`,
    mountDir: path.join(dataDir, 'certs'),
  });
  provisionInfrastructure(config, privateDns, trafficManager, privateLinkService);
  return {
    config,
    store,
    privateDns,
    trafficManager,
    privateLinkService,
    vault,
    workspaces: new SqliteWorkspaceStore(store),
    routes: new SqliteRouteStore(store),
    dns: privateDns,
    traffic: trafficManager,
    links: privateLinkService,
    certificates: vault,
    events: new EventLogSink(path.join(dataDir, 'events.jsonl')),
    clock: { now: () => Date.now() },
  };
}

/** Zones, profiles with one endpoint per cluster ingress (Disabled until used), Private Link Services. */
export function provisionInfrastructure(config: Configuration, dns: LocalPrivateDns, tm: LocalTrafficManager, pls: LocalPrivateLinkService): void {
  for (const region of config.regions) {
    dns.createZone(privateZoneOf(config, region));
    for (const path of ['public', 'private'] as const) {
      const profile = region.trafficManager[path];
      if (tm.hasProfile(profile.name)) continue;
      tm.defineProfile(
        { name: profile.name, relativeName: profile.fqdn.replace(/\.trafficmanager\.net$/, ''), ttlSeconds: config.defaultTtl },
        region.clusters.map((c, i) => ({ endpoint: c.name, target: path === 'public' ? c.publicIngress : c.privateIngress, priority: i + 1, status: 'Disabled' as const })),
      );
    }
    for (const id of region.privateLinkServices) pls.defineService({ id });
  }
}
