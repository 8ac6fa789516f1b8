import { z } from 'zod';

export const EndpointStatusSchema = z.enum(['Enabled', 'Disabled']);
export type EndpointStatus = z.infer<typeof EndpointStatusSchema>;

/**
 * A Traffic Manager endpoint. Endpoints are ingresses, never workspaces (200 endpoints per profile);
 * the control plane only toggles their status, infrastructure creates and removes them.
 */
export const TrafficEndpointSchema = z.strictObject({
  profile: z.string().min(1),
  endpoint: z.string().min(1),
  target: z.string().min(1),
  status: EndpointStatusSchema,
});
export type TrafficEndpoint = z.infer<typeof TrafficEndpointSchema>;
