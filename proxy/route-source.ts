// Builds the configured route source: the file, or a RouteStore (SQLite on one machine, Cosmos DB
// on Azure) read through the same port the control plane writes.
import type { ProxyConfig } from './config';
import { FileRouteSource, StoreRouteSource, type RouteSource } from './routes';

export function routeSourceFor(routes: ProxyConfig['routes'], warn: (message: string) => void): RouteSource {
  switch (routes.kind) {
    case 'file':
      return new FileRouteSource(routes.path, (e) => warn(e.message));
    case 'sqlite': {
      // Loaded only when configured: the image's default (Cosmos) never needs SQLite.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DocStore } = require('../local/azure/doc-store') as typeof import('../local/azure/doc-store');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SqliteRouteStore } = require('../local/azure/route-store') as typeof import('../local/azure/route-store');
      return new StoreRouteSource(new SqliteRouteStore(new DocStore(routes.path)));
    }
    case 'cosmos': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { CosmosRouteStore } = require('../shared/azure/route-store') as typeof import('../shared/azure/route-store');
      return new StoreRouteSource(new CosmosRouteStore({ endpoint: routes.endpoint, database: routes.database, container: routes.container, credential: new DefaultAzureCredential() }));
    }
  }
}
