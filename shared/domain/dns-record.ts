import { z } from 'zod';

export const RECORD_TYPES = ['A', 'CNAME', 'TXT'] as const;
export const RecordTypeSchema = z.enum(RECORD_TYPES);
export type RecordType = z.infer<typeof RecordTypeSchema>;

/**
 * A Private DNS record set as the planner sees it. Ownership lives in the record set's metadata on
 * Azure; the DNS zone adapter folds it into `owner` / `workspace` so the planner never parses metadata.
 */
export const DnsRecordSetSchema = z
  .strictObject({
    zone: z.string().min(1),
    /** Relative name inside the zone, `@` for the apex. */
    name: z.string().min(1),
    type: RecordTypeSchema,
    values: z.array(z.string()).min(1).max(20),
    /** Seconds; absent means the configured default TTL. */
    ttl: z.number().int().nonnegative().max(2_147_483_647).optional(),
    owner: z.string().optional(),
    workspace: z.string().optional(),
  })
  .refine((r) => r.type !== 'CNAME' || r.values.length === 1, {
    message: 'a CNAME record set holds exactly one value',
    path: ['values'],
  });
export type DnsRecordSet = z.infer<typeof DnsRecordSetSchema>;

/** Metadata keys the DNS zone adapter reads and writes for ownership. */
export const OWNER_METADATA_KEY = 'dpl-owner';
export const WORKSPACE_METADATA_KEY = 'dpl-workspace';
