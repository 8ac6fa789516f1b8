// Traffic Manager profiles and endpoints over ARM REST (api-version 2022-04-01), served from the stand-in.
import type { LocalTrafficManager } from '../traffic-manager';
import { armError, send, sendPortError, type Exchange } from './http';

export const TRAFFIC_MANAGER_PATH =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/trafficmanagerprofiles\/([^/]+)(?:\/(AzureEndpoints|ExternalEndpoints|NestedEndpoints)\/([^/]+))?$/i;

export async function trafficManagerApi(tm: LocalTrafficManager, x: Exchange, m: RegExpExecArray): Promise<void> {
  const [, sub, rg, profile, endpointType, endpoint] = m as unknown as [string, string, string, string, string | undefined, string | undefined];
  const base = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/trafficManagerProfiles/${profile}`;
  const method = x.req.method ?? 'GET';
  const endpointJson = async (name: string) => {
    const e = await tm.getEndpoint(profile, name);
    if (!e) return undefined;
    const priority = tm.priorityOf(profile, name);
    return {
      id: `${base}/externalEndpoints/${e.value.endpoint}`,
      name: e.value.endpoint,
      type: 'Microsoft.Network/trafficManagerProfiles/externalEndpoints',
      properties: { target: e.value.target, endpointStatus: e.value.status, endpointMonitorStatus: e.value.status === 'Enabled' ? 'Online' : 'Disabled', priority, weight: 1 },
    };
  };
  try {
    if (!endpoint) {
      if (method !== 'GET') return armError(x.res, 405, 'MethodNotAllowed', 'profiles are managed by infrastructure, not by the control plane');
      const p = await tm.getProfile(profile);
      const endpoints = await Promise.all((await tm.listEndpoints(profile)).map((e) => endpointJson(e.value.endpoint)));
      return send(x.res, 200, {
        id: base,
        name: p.value.name,
        type: 'Microsoft.Network/trafficManagerProfiles',
        location: 'global',
        properties: {
          profileStatus: 'Enabled',
          trafficRoutingMethod: 'Priority',
          dnsConfig: { relativeName: p.value.fqdn.replace(/\.trafficmanager\.net$/, ''), fqdn: p.value.fqdn, ttl: p.value.ttlSeconds },
          monitorConfig: { profileMonitorStatus: 'Online', protocol: 'HTTPS', port: 443, path: '/healthz' },
          endpoints,
        },
      });
    }
    if (!/^ExternalEndpoints$/i.test(endpointType ?? '')) return armError(x.res, 404, 'NotFound', `no ${endpointType} in the stand-in`);
    if (method === 'GET') {
      const e = await endpointJson(endpoint);
      return e ? send(x.res, 200, e) : armError(x.res, 404, 'NotFound', `endpoint '${endpoint}' not found`);
    }
    if (method === 'PATCH') {
      const status = (x.body as { properties?: { endpointStatus?: string } } | undefined)?.properties?.endpointStatus;
      if (status !== 'Enabled' && status !== 'Disabled') return armError(x.res, 400, 'BadRequest', 'properties.endpointStatus must be Enabled or Disabled');
      await tm.setEndpointStatus(profile, endpoint, status);
      return send(x.res, 200, await endpointJson(endpoint));
    }
    return armError(x.res, 405, 'MethodNotAllowed', `${method} is not supported on endpoints by the stand-in`);
  } catch (err) {
    sendPortError(x.res, err);
  }
}
