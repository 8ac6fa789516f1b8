// The stand-in Private Link Service: where a "customer" creates and deletes private endpoints
// (each connection gets a LinkID, a private IP and a Pending state unless its subscription is
// auto-approved), and where the control plane approves or rejects. Optionally emits the ARM
// resource events Azure would send for writes on our resources — or none, as Azure may.
import { randomInt, randomUUID } from 'node:crypto';
import { fatal, notFound } from '../../shared/ports/errors';
import type { LinkService } from '../../shared/ports/link-service';
import type { Page, PageRequest } from '../../shared/ports/paging';
import type { DeleteCondition, Versioned, WriteCondition } from '../../shared/ports/versioned';
import { normaliseArmId, type ConnectionState, type PrivateEndpointConnection } from '../../shared/domain/connection';
import type { DocStore } from './doc-store';

const SERVICE_KIND = 'pls.service';
const CONNECTION_KIND = 'pls.connection';

export interface ServiceDefinition {
  id: string;
  /** Subscriptions whose connections are approved on creation, as Azure's autoApproval does. */
  autoApproval?: string[];
}

export interface ArmResourceEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: '2';
  metadataVersion: '1';
}

export interface CreateEndpointRequest {
  privateLinkServiceId: string;
  /** The consumer's private endpoint name. */
  endpointName: string;
  requestingSubscription: string;
  /** The request message: which workspace the consumer asks for. */
  workspace?: string;
  linkId?: number;
  privateIp?: string;
}

export interface LinkServiceOptions {
  store: DocStore;
  /** `none`: like a consumer-side create on Azure, no event reaches the provider. */
  events?: 'all' | 'none';
  publish?: (event: ArmResourceEvent) => void;
  now?: () => number;
}

const subscriptionOf = (armId: string) => /^\/subscriptions\/([^/]+)/i.exec(armId)?.[1] ?? '';

export class LocalPrivateLinkService implements LinkService {
  constructor(private readonly options: LinkServiceOptions) {}

  defineService(def: ServiceDefinition): void {
    const id = normaliseArmId(def.id);
    if (this.options.store.get(SERVICE_KIND, id) && def.autoApproval === undefined) return;
    this.options.store.put(SERVICE_KIND, id, { id: def.id, autoApproval: (def.autoApproval ?? []).map((s) => s.toLowerCase()) });
  }

  #service(id: string): { id: string; autoApproval: string[] } {
    const doc = this.options.store.get<{ id: string; autoApproval: string[] }>(SERVICE_KIND, normaliseArmId(id));
    if (!doc) throw notFound(`Private Link Service '${id}' does not exist`);
    return doc.value;
  }

  // ---- the customer's side

  createEndpoint(req: CreateEndpointRequest): Versioned<PrivateEndpointConnection> {
    const service = this.#service(req.privateLinkServiceId);
    if (!/^[\w.-]{1,64}$/.test(req.endpointName)) throw fatal(`private endpoint name '${req.endpointName}' is invalid`);
    const existing = this.options.store.list<PrivateEndpointConnection>(CONNECTION_KIND, { prefix: `${normaliseArmId(service.id)}/` });
    if (existing.length >= 1000) throw fatal('a Private Link Service holds at most 1,000 private endpoint connections');
    const used = new Set(existing.map((c) => c.value.linkId));
    let linkId = req.linkId ?? randomInt(1, 2 ** 31);
    while (req.linkId === undefined && used.has(linkId)) linkId = randomInt(1, 2 ** 31);
    const id = `${service.id}/privateEndpointConnections/${req.endpointName}.${randomUUID()}`;
    const subscription = req.requestingSubscription.toLowerCase();
    const connection: PrivateEndpointConnection = {
      id,
      privateLinkServiceId: service.id,
      linkId,
      privateIp: req.privateIp ?? `10.${(existing.length >> 16) & 255}.${(existing.length >> 8) & 255}.${(existing.length & 255) + 4}`,
      state: service.autoApproval.includes(subscription) ? 'Approved' : 'Pending',
      requestingSubscription: subscription,
      ...(req.workspace ? { workspace: req.workspace.toLowerCase() } : {}),
    };
    const doc = this.options.store.put(CONNECTION_KIND, normaliseArmId(id), connection, { ifNoneMatch: '*' });
    this.#emit('Microsoft.Resources.ResourceWriteSuccess', id, 'write');
    return { value: doc.value, etag: doc.etag };
  }

  /** The customer deletes their private endpoint: the connection disappears from our service. */
  deleteEndpoint(connectionId: string): void {
    if (this.options.store.delete(CONNECTION_KIND, normaliseArmId(connectionId))) this.#emit('Microsoft.Resources.ResourceDeleteSuccess', connectionId, 'delete');
  }

  // ---- the port (the provider's side)

  async listConnections(privateLinkServiceId: string, request: PageRequest = {}): Promise<Page<Versioned<PrivateEndpointConnection>>> {
    const service = this.#service(privateLinkServiceId);
    const size = Math.max(1, Math.min(request.maxPageSize ?? 100, 100));
    const docs = this.options.store.list<PrivateEndpointConnection>(CONNECTION_KIND, {
      prefix: `${normaliseArmId(service.id)}/`,
      afterKey: request.continuationToken,
      limit: size + 1,
    });
    const items = docs.slice(0, size).map((d) => ({ value: d.value, etag: d.etag }));
    return docs.length > size ? { items, continuationToken: docs[size - 1]!.key } : { items };
  }

  async getConnection(connectionId: string): Promise<Versioned<PrivateEndpointConnection> | undefined> {
    const doc = this.options.store.get<PrivateEndpointConnection>(CONNECTION_KIND, normaliseArmId(connectionId));
    return doc && { value: doc.value, etag: doc.etag };
  }

  async setConnectionState(
    connectionId: string,
    state: Extract<ConnectionState, 'Approved' | 'Rejected'>,
    description?: string,
    condition: Pick<WriteCondition, 'ifMatch'> = {},
  ): Promise<Versioned<PrivateEndpointConnection>> {
    const key = normaliseArmId(connectionId);
    const doc = this.options.store.get<PrivateEndpointConnection>(CONNECTION_KIND, key);
    if (!doc) throw notFound(`private endpoint connection '${connectionId}' does not exist`);
    const next: PrivateEndpointConnection = { ...doc.value, state, ...(description === undefined ? {} : { description }) };
    const written = this.options.store.put(CONNECTION_KIND, key, next, condition.ifMatch ? { ifMatch: condition.ifMatch } : {});
    this.#emit('Microsoft.Resources.ResourceWriteSuccess', connectionId, 'write');
    return { value: written.value, etag: written.etag };
  }

  async deleteConnection(connectionId: string, condition: DeleteCondition = {}): Promise<void> {
    if (this.options.store.delete(CONNECTION_KIND, normaliseArmId(connectionId), condition)) {
      this.#emit('Microsoft.Resources.ResourceDeleteSuccess', connectionId, 'delete');
    }
  }

  #emit(eventType: string, resourceId: string, verb: 'write' | 'delete'): void {
    if (this.options.events === 'none' || !this.options.publish) return;
    const subscriptionId = subscriptionOf(resourceId);
    const operationName = `Microsoft.Network/privateLinkServices/privateEndpointConnections/${verb}`;
    this.options.publish({
      id: randomUUID(),
      topic: `/subscriptions/${subscriptionId}`,
      subject: resourceId,
      eventType,
      eventTime: new Date((this.options.now ?? Date.now)()).toISOString(),
      data: {
        authorization: { scope: resourceId, action: operationName },
        correlationId: randomUUID(),
        resourceProvider: 'Microsoft.Network',
        resourceUri: resourceId,
        operationName,
        status: 'Succeeded',
        subscriptionId,
        tenantId: '00000000-0000-0000-0000-000000000000',
      },
      dataVersion: '2',
      metadataVersion: '1',
    });
  }
}
