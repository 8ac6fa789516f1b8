import { z } from 'zod';
import { DNS_NAME, normaliseDnsName } from './dns-name';
import { PolicySchema } from './workspace';

const FqdnSchema = z.string().regex(DNS_NAME, 'must be a DNS name').transform(normaliseDnsName);
const ArmIdSchema = z.string().startsWith('/subscriptions/', 'must be an ARM resource id');

export const ClusterSchema = z.strictObject({
  name: z.string().min(1),
  /** Ingress that admits public traffic (an endpoint of the region's public profile). */
  publicIngress: FqdnSchema,
  /** Ingress behind the proxy (an endpoint of the region's private profile, and a route's backend target). */
  privateIngress: FqdnSchema,
  /** Cluster drained for maintenance: both its endpoints are disabled regardless of workspaces. */
  maintenance: z.boolean().default(false),
});
export type Cluster = z.infer<typeof ClusterSchema>;

export const TrafficProfileSchema = z.strictObject({
  name: z.string().min(1),
  fqdn: FqdnSchema,
});

export const RegionSchema = z.strictObject({
  name: z.string().min(1).regex(/^[a-z0-9]+$/, 'must be a lower-case Azure region name such as eastus'),
  /** Provider-side private zone of this region; defaults to `privatelink.<region>.<domain>`. */
  privateZone: FqdnSchema.optional(),
  trafficManager: z.strictObject({ public: TrafficProfileSchema, private: TrafficProfileSchema }),
  privateLinkServices: z.array(ArmIdSchema).min(1),
  clusters: z.array(ClusterSchema).min(1),
});
export type Region = z.infer<typeof RegionSchema>;

export const ConfigurationSchema = z
  .strictObject({
    /** Stamped on every record and route the control plane writes; the planner touches nothing else. */
    ownerId: z.string().min(1).default('dpl-control-plane'),
    /** Public DNS domain of the service, e.g. `dicom.example.com`. */
    domain: FqdnSchema,
    /** Seconds; the TTL written on records that do not set one, and the flip's minimum wait. */
    defaultTtl: z.number().int().positive().max(86_400).default(60),
    /** Policy for changes no live workspace claims (orphans, ingress endpoints). */
    defaultPolicy: PolicySchema.default('sync'),
    regions: z.array(RegionSchema).min(1),
  })
  .refine((c) => new Set(c.regions.map((r) => r.name)).size === c.regions.length, {
    message: 'region names must be unique',
    path: ['regions'],
  });
export type Configuration = z.infer<typeof ConfigurationSchema>;
export type ConfigurationInput = z.input<typeof ConfigurationSchema>;

export const privateZoneOf = (config: Configuration, region: Region): string =>
  region.privateZone ?? `privatelink.${region.name}.${config.domain}`;
