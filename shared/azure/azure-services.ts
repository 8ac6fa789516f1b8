// The production composition: every port on its Azure SDK adapter, authenticated with the Function
// app's managed identity (DefaultAzureCredential), configured by app settings.
import fs from 'node:fs';
import { DefaultAzureCredential } from '@azure/identity';
import { configurationFrom, requiredSetting, SettingsError, type Services } from '../services';
import { KeyVaultCertificateStore } from './certificate-store';
import { EventGridSink } from './event-sink';
import { AzureLinkService } from './link-service';
import { AzurePrivateDnsZone } from './private-dns-zone';
import { CosmosRouteStore } from './route-store';
import { AzureTrafficRouter } from './traffic-router';
import { CosmosWorkspaceStore } from './workspace-store';

/** Every app setting the production composition reads; infra/ must set each of them. */
export const AZURE_SETTINGS = [
  'DPL_CONFIG_JSON',
  'AZURE_SUBSCRIPTION_ID',
  'DPL_DNS_RESOURCE_GROUP',
  'DPL_TRAFFIC_RESOURCE_GROUP',
  'COSMOS_ENDPOINT',
  'COSMOS_DATABASE',
  'KEY_VAULT_URL',
  'EVENTGRID_TOPIC_ENDPOINT',
] as const;

export function azureServices(env: NodeJS.ProcessEnv = process.env): Services {
  const configText = env.DPL_CONFIG_JSON ?? (env.DPL_CONFIG ? fs.readFileSync(env.DPL_CONFIG, 'utf8') : undefined);
  if (!configText) throw new SettingsError('app setting DPL_CONFIG_JSON (or DPL_CONFIG, a file) is required');
  const config = configurationFrom(configText, env.DPL_CONFIG_JSON ? 'DPL_CONFIG_JSON' : String(env.DPL_CONFIG));
  const credential = new DefaultAzureCredential();
  const subscriptionId = requiredSetting(env, 'AZURE_SUBSCRIPTION_ID');
  const cosmos = { endpoint: requiredSetting(env, 'COSMOS_ENDPOINT'), credential, database: env.COSMOS_DATABASE || 'privatelink' };
  return {
    config,
    workspaces: new CosmosWorkspaceStore({ ...cosmos, container: 'workspaces' }),
    routes: new CosmosRouteStore({ ...cosmos, container: 'routes' }),
    dns: new AzurePrivateDnsZone({ credential, subscriptionId, resourceGroup: requiredSetting(env, 'DPL_DNS_RESOURCE_GROUP') }),
    traffic: new AzureTrafficRouter({ credential, subscriptionId, resourceGroup: requiredSetting(env, 'DPL_TRAFFIC_RESOURCE_GROUP') }),
    links: new AzureLinkService({ credential }),
    certificates: new KeyVaultCertificateStore({ credential, vaultUrl: requiredSetting(env, 'KEY_VAULT_URL') }),
    events: new EventGridSink({ topicEndpoint: requiredSetting(env, 'EVENTGRID_TOPIC_ENDPOINT'), credential }),
    clock: { now: () => Date.now() },
  };
}
