// Options every adapter passes to its SDK client: production defaults, or a local endpoint with the
// local CA trusted per client (never by turning TLS verification off).
import type { TokenCredential } from '@azure/core-auth';

export interface AzureEndpointOptions {
  credential: TokenCredential;
  /** Overrides the service endpoint (ARM: https://management.azure.com) — the fake-Azure mode. */
  endpoint?: string;
  /** PEM of a CA to trust for this client only. */
  caPem?: string;
}

export function pipelineOptions(o: AzureEndpointOptions): { tlsOptions?: { ca: string }; retryOptions: { maxRetries: number } } {
  // The control plane turns Throttled into durable timers; the SDK must not retry 429s itself.
  return { ...(o.caPem ? { tlsOptions: { ca: o.caPem } } : {}), retryOptions: { maxRetries: 0 } };
}

/** A credential with a fixed token, for the local fake-Azure endpoints only. */
export const staticCredential = (token = 'local-static-token'): TokenCredential => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
});
