import { z } from 'zod';
import { LinkIdSchema } from './connection';

export const RouteKeySchema = z.strictObject({
  privateLinkServiceId: z.string().min(1),
  linkId: LinkIdSchema,
});
export type RouteKey = z.infer<typeof RouteKeySchema>;

/** One row of the proxy's routing table: (Private Link Service, LinkID) → the workspace it may reach. */
export const RouteSchema = z.strictObject({
  privateLinkServiceId: z.string().min(1),
  linkId: LinkIdSchema,
  workspace: z.string().min(1),
  /** Every SNI / Host name the connection may use; the proxy refuses anything else. */
  hosts: z.array(z.string().min(1)).min(1),
  /** Name of the private ingress that serves the workspace (the per-workspace private record). */
  backend: z.string().min(1),
  generation: z.number().int().nonnegative(),
  /** Control plane instance that wrote the row; rows without it are never touched by the planner. */
  owner: z.string().optional(),
});
export type Route = z.infer<typeof RouteSchema>;

export const routeKeyOf = (r: RouteKey): RouteKey => ({ privateLinkServiceId: r.privateLinkServiceId, linkId: r.linkId });

/** Stable text form of a key for maps, logs and plan output; the service id is case-insensitive in ARM. */
export const routeKeyString = (r: RouteKey): string => `${r.privateLinkServiceId.toLowerCase()}#${r.linkId}`;
