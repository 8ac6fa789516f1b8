// The ports the control plane's functions use, bundled; built once per process by the composition
// root in `functions/services.ts` (Azure adapters in production, stand-ins on one machine).
import type { Configuration } from './domain/config';
import type { CertificateStore } from './ports/certificate-store';
import type { Clock } from './ports/clock';
import type { DnsZone } from './ports/dns-zone';
import type { EventSink } from './ports/event-sink';
import type { LinkService } from './ports/link-service';
import type { RouteStore } from './ports/route-store';
import type { TrafficRouter } from './ports/traffic-router';
import type { WorkspaceStore } from './ports/workspace-store';
import { ConfigurationSchema } from './domain/config';
import { issuesFromZod } from './domain/result';

export interface Services {
  config: Configuration;
  workspaces: WorkspaceStore;
  routes: RouteStore;
  dns: DnsZone;
  traffic: TrafficRouter;
  links: LinkService;
  certificates: CertificateStore;
  events: EventSink;
  clock: Clock;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** The fleet configuration from `DPL_CONFIG_JSON` (inline JSON) or `DPL_CONFIG` (a file path). */
export function configurationFrom(text: string, source: string): Configuration {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SettingsError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ConfigurationSchema.safeParse(json);
  if (!parsed.success) {
    throw new SettingsError(`${source} is not a valid configuration: ${issuesFromZod(parsed.error).map((i) => `${i.path}: ${i.reason}`).join('; ')}`);
  }
  return parsed.data;
}

export function requiredSetting(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new SettingsError(`app setting ${name} is required`);
  return v;
}
