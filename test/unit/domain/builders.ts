import { ConfigurationSchema, type Configuration } from '../../../shared/domain/config';
import { PrivateEndpointConnectionSchema, type PrivateEndpointConnection } from '../../../shared/domain/connection';
import { WorkspaceSchema, type Workspace, type WorkspaceInput } from '../../../shared/domain/workspace';

/** Named fixtures shared by the desired-state, planner and bench code. */

export const SUB_CONTOSO = '11111111-1111-1111-1111-111111111111';
export const SUB_FABRIKAM = '22222222-2222-2222-2222-222222222222';
export const SUB_MALLORY = '33333333-3333-3333-3333-333333333333';

export const PLS_EASTUS_1 = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dpl/providers/Microsoft.Network/privateLinkServices/pls-eastus-1';
export const PLS_WESTUS_1 = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dpl/providers/Microsoft.Network/privateLinkServices/pls-westus-1';

export const config: Configuration = ConfigurationSchema.parse({
  ownerId: 'dpl-test',
  domain: 'dicom.example.com',
  defaultTtl: 60,
  regions: [
    {
      name: 'eastus',
      trafficManager: {
        public: { name: 'dpl-eastus-public', fqdn: 'dpl-eastus-public.trafficmanager.net' },
        private: { name: 'dpl-eastus-private', fqdn: 'dpl-eastus-private.trafficmanager.net' },
      },
      privateLinkServices: [PLS_EASTUS_1],
      clusters: [
        { name: 'z1', publicIngress: 'z1-eastus-aks.public.dicom.example.com', privateIngress: 'z1-eastus-aks.internal.dicom.example.com' },
        { name: 'z2', publicIngress: 'z2-eastus-aks.public.dicom.example.com', privateIngress: 'z2-eastus-aks.internal.dicom.example.com' },
      ],
    },
    {
      name: 'westus',
      trafficManager: {
        public: { name: 'dpl-westus-public', fqdn: 'dpl-westus-public.trafficmanager.net' },
        private: { name: 'dpl-westus-private', fqdn: 'dpl-westus-private.trafficmanager.net' },
      },
      privateLinkServices: [PLS_WESTUS_1],
      clusters: [{ name: 'z1', publicIngress: 'z1-westus-aks.public.dicom.example.com', privateIngress: 'z1-westus-aks.internal.dicom.example.com' }],
    },
  ],
});

export function workspace(name: string, extra: Partial<WorkspaceInput> = {}): Workspace {
  return WorkspaceSchema.parse({
    name,
    region: 'eastus',
    cluster: 'z1',
    services: [{ name: 'svc1' }],
    ...extra,
  });
}

let nextLink = 1000;
export function connection(workspaceName: string | undefined, extra: Partial<PrivateEndpointConnection> = {}): PrivateEndpointConnection {
  const linkId = extra.linkId ?? nextLink++;
  const pls = extra.privateLinkServiceId ?? PLS_EASTUS_1;
  return PrivateEndpointConnectionSchema.parse({
    id: `${pls}/privateEndpointConnections/pe-${linkId}`,
    privateLinkServiceId: pls,
    linkId,
    privateIp: '10.1.0.4',
    state: 'Approved',
    requestingSubscription: SUB_CONTOSO,
    ...(workspaceName === undefined ? {} : { workspace: workspaceName }),
    ...extra,
  });
}
