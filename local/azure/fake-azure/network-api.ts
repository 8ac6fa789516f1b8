// Private endpoint connections of a Private Link Service over ARM REST, served from the stand-in.
// The consumer's request message (which names the workspace) travels in the connection state's
// description, as it does on Azure.
import { normaliseArmId, type PrivateEndpointConnection } from '../../../shared/domain/connection';
import type { Versioned } from '../../../shared/ports/versioned';
import type { LocalPrivateLinkService } from '../private-link-service';
import { armError, send, sendPortError, type Exchange } from './http';

export const PLS_CONNECTIONS_PATH =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateLinkServices\/[^/]+)\/privateEndpointConnections(?:\/([^/]+))?$/i;

export function connectionToArm(c: Versioned<PrivateEndpointConnection>) {
  const v = c.value;
  const endpointName = v.id.split('/').pop()!.split('.')[0];
  return {
    id: v.id,
    name: v.id.split('/').pop(),
    type: 'Microsoft.Network/privateLinkServices/privateEndpointConnections',
    etag: `W/"${c.etag}"`,
    properties: {
      privateEndpoint: { id: `/subscriptions/${v.requestingSubscription}/resourceGroups/consumer/providers/Microsoft.Network/privateEndpoints/${endpointName}` },
      privateLinkServiceConnectionState: {
        status: v.state,
        description: v.description ?? (v.workspace ? `workspace=${v.workspace}` : ''),
        actionsRequired: 'None',
      },
      linkIdentifier: String(v.linkId),
      provisioningState: 'Succeeded',
    },
  };
}

export async function networkApi(pls: LocalPrivateLinkService, x: Exchange, m: RegExpExecArray): Promise<void> {
  const [, serviceId, name] = m as unknown as [string, string, string | undefined];
  const method = x.req.method ?? 'GET';
  const connectionId = name ? `${serviceId}/privateEndpointConnections/${name}` : undefined;
  try {
    if (!connectionId) {
      if (method !== 'GET') return armError(x.res, 405, 'MethodNotAllowed', `${method} is not supported`);
      const page = await pls.listConnections(serviceId, { continuationToken: x.url.searchParams.get('$skipToken') ?? undefined });
      const next = new URL(x.url);
      if (page.continuationToken) next.searchParams.set('$skipToken', page.continuationToken);
      return send(x.res, 200, { value: page.items.map(connectionToArm), ...(page.continuationToken ? { nextLink: next.toString() } : {}) });
    }
    if (method === 'GET') {
      const c = await pls.getConnection(connectionId);
      return c ? send(x.res, 200, connectionToArm(c)) : armError(x.res, 404, 'NotFound', `Private endpoint connection ${name} not found.`);
    }
    if (method === 'PUT') {
      const state = (x.body as { properties?: { privateLinkServiceConnectionState?: { status?: string; description?: string } } } | undefined)?.properties
        ?.privateLinkServiceConnectionState;
      if (state?.status !== 'Approved' && state?.status !== 'Rejected') {
        return armError(x.res, 400, 'InvalidRequestFormat', 'privateLinkServiceConnectionState.status must be Approved or Rejected');
      }
      const updated = await pls.setConnectionState(connectionId, state.status, state.description);
      return send(x.res, 200, connectionToArm(updated));
    }
    if (method === 'DELETE') {
      const existed = await pls.getConnection(connectionId);
      await pls.deleteConnection(connectionId);
      return send(x.res, existed ? 200 : 204);
    }
    return armError(x.res, 405, 'MethodNotAllowed', `${method} is not supported`);
  } catch (err) {
    sendPortError(x.res, err);
  }
}

export const sameService = (a: string, b: string) => normaliseArmId(a) === normaliseArmId(b);
