// Conditional document writes on one Cosmos DB container, in the ports' terms: read → undefined on
// 404; put with If-Match / If-None-Match on `_etag`; the client built from endpoint + key or identity.
import https from 'node:https';
import { CosmosClient, type Container, type ItemDefinition } from '@azure/cosmos';
import type { TokenCredential } from '@azure/core-auth';
import { notFound, preconditionFailed } from '../ports/errors';
import type { WriteCondition } from '../ports/versioned';
import { call } from './errors';

export interface CosmosContainerOptions {
  endpoint: string;
  /** Account key; production uses a managed identity through `credential` instead. */
  key?: string;
  credential?: TokenCredential;
  database: string;
  container: string;
  caPem?: string;
}

export type CosmosDoc = ItemDefinition & { id: string; pk: string; _etag?: string; _ts?: number; deleted?: boolean };

export function openContainer(o: CosmosContainerOptions): Container {
  const client = new CosmosClient({
    endpoint: o.endpoint,
    ...(o.key ? { key: o.key } : {}),
    ...(o.credential ? { aadCredentials: o.credential } : {}),
    ...(o.caPem ? { agent: new https.Agent({ ca: o.caPem, keepAlive: true }) } : {}),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  return client.database(o.database).container(o.container);
}

/** Creates the database and container (partition key `/pk`) if missing: local runs and tests; infra does it on Azure. */
export async function ensureContainer(container: Container, o: CosmosContainerOptions): Promise<void> {
  const { database } = await container.database.client.databases.createIfNotExists({ id: o.database });
  await database.containers.createIfNotExists({ id: o.container, partitionKey: { paths: ['/pk'] }, defaultTtl: -1 });
}

export async function readDoc<T extends CosmosDoc>(container: Container, id: string, pk: string, operation: string): Promise<T | undefined> {
  const res = await call(operation, () => container.item(id, pk).read<T>());
  return res.statusCode === 404 ? undefined : res.resource;
}

/**
 * Writes `body` under the port's write condition. A tombstoned document counts as absent. Returns
 * the stored document (with its new `_etag`).
 */
export async function writeDoc<T extends CosmosDoc>(container: Container, body: T, condition: WriteCondition, operation: string, what: string): Promise<T> {
  const existing = await readDoc<T>(container, body.id, body.pk, operation);
  const live = existing && !existing.deleted;
  if (condition.ifNoneMatch === '*' && live) throw preconditionFailed(`${operation}: ${what} already exists`);
  if (condition.ifMatch !== undefined && !live) throw notFound(`${operation}: ${what} does not exist`);
  const etag = condition.ifMatch ?? (condition.ifNoneMatch === '*' ? existing?._etag : undefined);
  const res = await call(operation, () =>
    existing
      ? container.item(body.id, body.pk).replace<T>(body, etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : {})
      : container.items.create<T>(body),
  );
  return res.resource!;
}

export async function deleteDoc(container: Container, id: string, pk: string, ifMatch: string | undefined, operation: string): Promise<void> {
  await call(operation, () => container.item(id, pk).delete(ifMatch ? { accessCondition: { type: 'IfMatch', condition: ifMatch } } : {}));
}
