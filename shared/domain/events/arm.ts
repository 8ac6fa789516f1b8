import { z } from 'zod';
import { fail, issuesFromZod, ok, type Result } from '../result';

export const ARM_OPERATIONS = {
  'Microsoft.Resources.ResourceWriteSuccess': 'write',
  'Microsoft.Resources.ResourceDeleteSuccess': 'delete',
  'Microsoft.Resources.ResourceActionSuccess': 'action',
} as const;
export type ArmSuccessEventType = keyof typeof ARM_OPERATIONS;
export type ArmOperation = (typeof ARM_OPERATIONS)[ArmSuccessEventType];

export const isArmSuccessEventType = (t: string): t is ArmSuccessEventType =>
  Object.prototype.hasOwnProperty.call(ARM_OPERATIONS, t);

/** Failure and Cancel events report that nothing changed; they are acknowledged and ignored. */
export const isArmResourceEventType = (t: string): boolean => /^Microsoft\.Resources\.Resource(Write|Delete|Action)(Success|Failure|Cancel)$/.test(t);

/** Only the fields we read are checked; ARM adds claims, evidence and more that we carry untouched. */
export const ArmResourceDataSchema = z.looseObject({
  operationName: z.string().min(1, 'must not be empty'),
  resourceUri: z.string().startsWith('/subscriptions/', 'must be an ARM resource id').optional(),
  resourceProvider: z.string().optional(),
  status: z.string().optional(),
  subscriptionId: z.string().optional(),
  tenantId: z.string().optional(),
  correlationId: z.string().optional(),
  authorization: z.looseObject({ scope: z.string().optional(), action: z.string().optional() }).optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  httpRequest: z.looseObject({ method: z.string().optional(), url: z.string().optional() }).optional(),
});
export type ArmResourceData = z.infer<typeof ArmResourceDataSchema>;

export interface ConnectionChangedEvent {
  kind: 'connection-changed';
  eventId: string;
  operation: ArmOperation;
  privateLinkServiceId: string;
  connectionName: string;
  connectionId: string;
}

export interface WorkspaceChangedEvent {
  kind: 'workspace-changed';
  eventId: string;
  operation: ArmOperation;
  workspace: string;
  workspaceId: string;
}

export interface IgnoredEvent {
  kind: 'ignored';
  eventId: string;
  type: string;
  reason: string;
}

const PLS_CONNECTION =
  /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.network\/privatelinkservices\/[^/]+)\/privateendpointconnections\/([^/]+)$/i;
const WORKSPACE = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.healthcareapis\/workspaces\/([^/]+))(\/.*)?$/i;

export function parseArmResourceEvent(
  type: ArmSuccessEventType,
  eventId: string,
  subject: string,
  data: unknown,
  at: PropertyKey[] = [],
): Result<ConnectionChangedEvent | WorkspaceChangedEvent | IgnoredEvent> {
  const parsed = ArmResourceDataSchema.safeParse(data);
  if (!parsed.success) return fail(issuesFromZod(parsed.error, [...at, 'data']));
  // The subject is the target resource; resourceUri repeats it and stands in when a relay drops the subject.
  const resource = (subject || parsed.data.resourceUri || '').replace(/\/+$/, '');
  const operation = ARM_OPERATIONS[type];
  const connection = PLS_CONNECTION.exec(resource);
  if (connection) {
    return ok({
      kind: 'connection-changed',
      eventId,
      operation,
      privateLinkServiceId: connection[1] as string,
      connectionName: connection[2] as string,
      connectionId: resource,
    });
  }
  const workspace = WORKSPACE.exec(resource);
  if (workspace) {
    return ok({
      kind: 'workspace-changed',
      eventId,
      operation,
      workspace: (workspace[2] as string).toLowerCase(),
      workspaceId: workspace[1] as string,
    });
  }
  return ok({ kind: 'ignored', eventId, type, reason: `resource ${resource || '(none)'} is neither a workspace nor a connection of a Private Link Service` });
}
