import { z } from 'zod';
import { ApprovalRulesSchema, DicomServiceSchema, PolicySchema, PublicNetworkAccessSchema, WorkspaceSchema } from './workspace';

/** PUT /api/workspaces/{name}: the whole workspace except what the URL and the server decide. */
export const PutWorkspaceBodySchema = WorkspaceSchema.omit({ name: true, generation: true });
export type PutWorkspaceBody = z.infer<typeof PutWorkspaceBodySchema>;

/** PATCH /api/workspaces/{name}: any subset of the settable fields, at least one. */
export const PatchWorkspaceBodySchema = z
  .strictObject({
    services: z.array(DicomServiceSchema).max(10).optional(),
    publicNetworkAccess: PublicNetworkAccessSchema.optional(),
    policy: PolicySchema.optional(),
    approval: ApprovalRulesSchema.optional(),
    cluster: z.string().min(1).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'must set at least one field' });
export type PatchWorkspaceBody = z.infer<typeof PatchWorkspaceBodySchema>;

/** PUT /api/connections/{id}/decision: a human approving or rejecting a Pending connection. */
export const ConnectionDecisionBodySchema = z.strictObject({
  state: z.enum(['Approved', 'Rejected']),
  description: z.string().max(140, 'must be at most 140 characters').optional(),
});
export type ConnectionDecisionBody = z.infer<typeof ConnectionDecisionBodySchema>;

/** Query of GET /api/workspaces/{name}/plan (the dry run). */
export const PlanQuerySchema = z.strictObject({
  format: z.enum(['json', 'text']).default('json'),
});
export type PlanQuery = z.infer<typeof PlanQuerySchema>;

/** POST /api/certificates/{name}/renew: renew now, outside windows, with a reason for the audit log. */
export const RenewCertificateBodySchema = z.strictObject({
  reason: z.string().min(1, 'must say why').max(200),
  ignoreWindows: z.boolean().default(false),
});
export type RenewCertificateBody = z.infer<typeof RenewCertificateBodySchema>;
