import { z } from 'zod';
import { DNS_LABEL } from './dns-name';

export const POLICIES = ['sync', 'upsert-only', 'create-only', 'observe'] as const;
/** How much of a plan the control plane may apply for a workspace (external-dns policy names, plus observe). */
export const PolicySchema = z.enum(POLICIES);
export type Policy = z.infer<typeof PolicySchema>;

export const PublicNetworkAccessSchema = z.enum(['Enabled', 'Disabled']);
export type PublicNetworkAccess = z.infer<typeof PublicNetworkAccessSchema>;

const SubscriptionIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a subscription GUID')
  .transform((s) => s.toLowerCase());

export const WorkspaceNameSchema = z
  .string()
  .min(3, 'must be at least 3 characters')
  .max(24, 'must be at most 24 characters')
  .regex(DNS_LABEL, 'must be letters, digits and inner hyphens')
  .transform((s) => s.toLowerCase());

export const ServiceNameSchema = z
  .string()
  .min(3, 'must be at least 3 characters')
  .max(24, 'must be at most 24 characters')
  .regex(DNS_LABEL, 'must be letters, digits and inner hyphens')
  .transform((s) => s.toLowerCase());

export const DicomServiceSchema = z.strictObject({ name: ServiceNameSchema });
export type DicomService = z.infer<typeof DicomServiceSchema>;

/** Who may connect without a human: Azure's own auto-approval list, per workspace, plus an explicit deny list. */
export const ApprovalRulesSchema = z.strictObject({
  autoApproveSubscriptions: z.array(SubscriptionIdSchema).max(100).default([]),
  rejectSubscriptions: z.array(SubscriptionIdSchema).max(100).default([]),
});
export type ApprovalRules = z.infer<typeof ApprovalRulesSchema>;

export const WorkspaceSchema = z.strictObject({
  name: WorkspaceNameSchema,
  /** Region whose zones, profiles and Private Link Services serve this workspace. */
  region: z.string().min(1),
  /** Cluster (ingress pair) inside the region that runs the workspace's DICOM pods. */
  cluster: z.string().min(1),
  services: z
    .array(DicomServiceSchema)
    .max(10)
    .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'service names must be unique'),
  publicNetworkAccess: PublicNetworkAccessSchema.default('Enabled'),
  policy: PolicySchema.default('sync'),
  approval: ApprovalRulesSchema.default({ autoApproveSubscriptions: [], rejectSubscriptions: [] }),
  /** Bumped on every accepted change; stamped on routes so an older sweep cannot overwrite a newer write. */
  generation: z.number().int().nonnegative().default(0),
});
export type Workspace = z.infer<typeof WorkspaceSchema>;
export type WorkspaceInput = z.input<typeof WorkspaceSchema>;
