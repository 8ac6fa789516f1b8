// LinkService on @azure/arm-network: the private endpoint connections of our Private Link Services.
// ARM reads back the consumer's request message as the connection state's description; the control
// plane's own approval descriptions keep `workspace=<name>` in it, so the workspace survives approval.
import { getContinuationToken, NetworkManagementClient, type PrivateEndpointConnection as ArmConnection } from '@azure/arm-network';
import { LinkIdSchema, type ConnectionState, type PrivateEndpointConnection } from '../domain/connection';
import { fatal, notFound, preconditionFailed } from '../ports/errors';
import type { LinkService } from '../ports/link-service';
import type { Page, PageRequest } from '../ports/paging';
import type { DeleteCondition, Versioned, WriteCondition } from '../ports/versioned';
import { parseArmId } from './arm-ids';
import { pipelineOptions, type AzureEndpointOptions } from './client-options';
import { call } from './errors';

const WORKSPACE_IN_MESSAGE = /\bworkspace[=:]\s*([a-z0-9][a-z0-9-]*)/i;
const STATES: ConnectionState[] = ['Pending', 'Approved', 'Rejected', 'Disconnected'];

export function workspaceFromMessage(message: string | undefined): string | undefined {
  return message ? WORKSPACE_IN_MESSAGE.exec(message)?.[1]?.toLowerCase() : undefined;
}

function fromArm(serviceId: string, c: ArmConnection): Versioned<PrivateEndpointConnection> {
  const linkId = LinkIdSchema.safeParse(c.linkIdentifier);
  if (!c.id || !linkId.success) throw fatal(`linkService: connection ${c.id ?? '?'} has no usable linkIdentifier`);
  const status = c.privateLinkServiceConnectionState?.status ?? 'Pending';
  const state = STATES.find((s) => s.toLowerCase() === status.toLowerCase()) ?? (status === 'Removed' ? 'Disconnected' : 'Pending');
  const description = c.privateLinkServiceConnectionState?.description;
  const workspace = workspaceFromMessage(description);
  const requestingSubscription = c.privateEndpoint?.id ? parseArmId(c.privateEndpoint.id).subscriptionId.toLowerCase() : '';
  return {
    value: {
      id: c.id,
      privateLinkServiceId: serviceId,
      linkId: linkId.data,
      state,
      requestingSubscription,
      ...(workspace ? { workspace } : {}),
      ...(description ? { description } : {}),
    },
    etag: (c.etag ?? '').replace(/^W\//, '').replace(/"/g, ''),
  };
}

export class AzureLinkService implements LinkService {
  readonly #clients = new Map<string, NetworkManagementClient>();

  constructor(private readonly options: AzureEndpointOptions) {}

  #client(subscriptionId: string): NetworkManagementClient {
    let c = this.#clients.get(subscriptionId);
    if (!c) {
      c = new NetworkManagementClient(this.options.credential, subscriptionId, {
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...pipelineOptions(this.options),
      });
      this.#clients.set(subscriptionId, c);
    }
    return c;
  }

  #parts(connectionId: string) {
    const id = parseArmId(connectionId);
    const service = id.segments.find(([t]) => t.toLowerCase() === 'privatelinkservices')?.[1];
    const connection = id.segments.find(([t]) => t.toLowerCase() === 'privateendpointconnections')?.[1];
    if (!service || !connection) throw fatal(`linkService: '${connectionId}' is not a private endpoint connection id`);
    const serviceId = connectionId.slice(0, connectionId.toLowerCase().indexOf('/privateendpointconnections/'));
    return { client: this.#client(id.subscriptionId), rg: id.resourceGroup, service, connection, serviceId };
  }

  async listConnections(privateLinkServiceId: string, request: PageRequest = {}): Promise<Page<Versioned<PrivateEndpointConnection>>> {
    const id = parseArmId(privateLinkServiceId);
    const service = id.segments[0]?.[1] ?? '';
    return call('linkService.listConnections', async () => {
      const pages = this.#client(id.subscriptionId)
        .privateLinkServices.listPrivateEndpointConnections(id.resourceGroup, service)
        .byPage(request.continuationToken ? { continuationToken: request.continuationToken } : {});
      const first = await pages.next();
      const page = (first.done ? [] : first.value) as ArmConnection[];
      const items = page.map((c) => fromArm(privateLinkServiceId, c));
      const token = first.done ? undefined : getContinuationToken(page);
      return token ? { items, continuationToken: token } : { items };
    });
  }

  async getConnection(connectionId: string): Promise<Versioned<PrivateEndpointConnection> | undefined> {
    const p = this.#parts(connectionId);
    try {
      return fromArm(p.serviceId, await call('linkService.getConnection', () => p.client.privateLinkServices.getPrivateEndpointConnection(p.rg, p.service, p.connection)));
    } catch (err) {
      if ((err as { kind?: string }).kind === 'NotFound') return undefined;
      throw err;
    }
  }

  async setConnectionState(
    connectionId: string,
    state: Extract<ConnectionState, 'Approved' | 'Rejected'>,
    description?: string,
    condition: Pick<WriteCondition, 'ifMatch'> = {},
  ): Promise<Versioned<PrivateEndpointConnection>> {
    const current = await this.getConnection(connectionId);
    if (!current) throw notFound(`linkService.setConnectionState: '${connectionId}' does not exist`);
    if (condition.ifMatch !== undefined && condition.ifMatch !== current.etag) {
      throw preconditionFailed(`linkService.setConnectionState: '${connectionId}' changed since it was read`);
    }
    const p = this.#parts(connectionId);
    const updated = await call('linkService.setConnectionState', () =>
      p.client.privateLinkServices.updatePrivateEndpointConnection(p.rg, p.service, p.connection, {
        name: p.connection,
        privateLinkServiceConnectionState: { status: state, ...(description === undefined ? {} : { description }), actionsRequired: 'None' },
      }),
    );
    return fromArm(p.serviceId, updated);
  }

  async deleteConnection(connectionId: string, condition: DeleteCondition = {}): Promise<void> {
    if (condition.ifMatch !== undefined) {
      const current = await this.getConnection(connectionId);
      if (!current) throw notFound(`linkService.deleteConnection: '${connectionId}' does not exist`);
      if (current.etag !== condition.ifMatch) throw preconditionFailed(`linkService.deleteConnection: '${connectionId}' changed since it was read`);
    }
    const p = this.#parts(connectionId);
    await call('linkService.deleteConnection', () => p.client.privateLinkServices.beginDeletePrivateEndpointConnectionAndWait(p.rg, p.service, p.connection, { updateIntervalInMs: 100 }));
  }
}
