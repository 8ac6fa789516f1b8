import { z } from 'zod';

export const CertificatePurposeSchema = z.enum(['private-tls', 'backend-client', 'trust-bundle']);
export type CertificatePurpose = z.infer<typeof CertificatePurposeSchema>;

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Durations are written as `<n><s|m|h|d>` in configuration and carried as milliseconds inside. */
export const DurationSchema = z
  .union([
    z.number().int().nonnegative(),
    z
      .string()
      .regex(DURATION, 'must be a duration such as 90s, 30m, 12h or 30d')
      .transform((s) => {
        const m = DURATION.exec(s) as RegExpExecArray;
        return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
      }),
  ])
  .describe('milliseconds');

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A recurring UTC maintenance window in which renewals (and hence rollouts) may start. */
export const RenewalWindowSchema = z.strictObject({
  /** 0 = Sunday … 6 = Saturday; all days when absent. */
  daysOfWeek: z.array(z.number().int().min(0).max(6)).optional(),
  startUtc: z.string().regex(HHMM, 'must be HH:MM in UTC'),
  durationMinutes: z.number().int().min(0).max(7 * 24 * 60),
});
export type RenewalWindow = z.infer<typeof RenewalWindowSchema>;

export const RenewalPolicySchema = z
  .strictObject({
    renewBefore: DurationSchema.optional(),
    renewBeforePercentage: z.number().gt(0, 'must be above 0').lt(100, 'must be below 100').optional(),
    windows: z.array(RenewalWindowSchema).optional(),
    /** How close to expiry we still wait for a window; past it we renew regardless. */
    failSafeMargin: DurationSchema.optional(),
  })
  .refine((p) => p.renewBefore === undefined || p.renewBeforePercentage === undefined, {
    message: 'set renewBefore or renewBeforePercentage, not both',
    path: ['renewBeforePercentage'],
  });
export type RenewalPolicy = z.infer<typeof RenewalPolicySchema>;

export const CertificateVersionSchema = z.strictObject({
  version: z.string().min(1),
  notBefore: z.number().int(),
  notAfter: z.number().int(),
  thumbprint: z.string().min(1),
});
export type CertificateVersion = z.infer<typeof CertificateVersionSchema>;

export const CertificateSchema = z.strictObject({
  name: z.string().min(1),
  purpose: CertificatePurposeSchema,
  policy: RenewalPolicySchema.default({}),
  /** Newest first is not assumed; `currentVersion` picks by notBefore. Times are epoch milliseconds. */
  versions: z.array(CertificateVersionSchema),
});
export type Certificate = z.infer<typeof CertificateSchema>;

/** The version a client is served today: the newest that has started. */
export function currentVersion(cert: Certificate, now: number): CertificateVersion | undefined {
  let best: CertificateVersion | undefined;
  for (const v of cert.versions) {
    if (v.notBefore > now) continue;
    if (!best || v.notBefore > best.notBefore || (v.notBefore === best.notBefore && v.version > best.version)) best = v;
  }
  return best;
}
