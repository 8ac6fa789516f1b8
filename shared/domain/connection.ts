import { z } from 'zod';

export const CONNECTION_STATES = ['Pending', 'Approved', 'Rejected', 'Disconnected'] as const;
export const ConnectionStateSchema = z.enum(CONNECTION_STATES);
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

/**
 * ARM types `linkIdentifier` as a string and does not promise it is the decimal uint32 the PROXY v2
 * TLV carries, so accept a number or a decimal string and insist on the uint32 range either way.
 */
export const LinkIdSchema = z
  .union([z.number(), z.string().trim().regex(/^\d{1,10}$/, 'must be a decimal uint32').transform(Number)])
  .pipe(z.uint32('must be a uint32 (0..4294967295)'));
export type LinkId = z.infer<typeof LinkIdSchema>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const PrivateEndpointConnectionSchema = z.strictObject({
  /** ARM id of the connection on our Private Link Service. */
  id: z.string().startsWith('/subscriptions/', 'must be an ARM resource id'),
  privateLinkServiceId: z.string().startsWith('/subscriptions/', 'must be an ARM resource id'),
  linkId: LinkIdSchema,
  privateIp: z.string().regex(IPV4, 'must be an IPv4 address').optional(),
  state: ConnectionStateSchema,
  requestingSubscription: z.string().transform((s) => s.toLowerCase()),
  /** Workspace the consumer asked for (from the request message); absent when it named none we could read. */
  workspace: z.string().transform((s) => s.toLowerCase()).optional(),
  description: z.string().optional(),
});
export type PrivateEndpointConnection = z.infer<typeof PrivateEndpointConnectionSchema>;

/** The part of a connection the control plane decides: its approval state. */
export const ConnectionDecisionSchema = z.strictObject({
  id: z.string(),
  privateLinkServiceId: z.string(),
  workspace: z.string().optional(),
  state: ConnectionStateSchema,
  description: z.string().optional(),
});
export type ConnectionDecision = z.infer<typeof ConnectionDecisionSchema>;

/** ARM ids are case-insensitive; one spelling for keys and comparisons. */
export function normaliseArmId(id: string): string {
  let out = id.trim().toLowerCase();
  while (out.endsWith('/')) out = out.slice(0, -1);
  return out;
}
