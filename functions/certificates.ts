// Certificate rotation as a rollout (one instance per certificate, `cert:<name>`): decide whether a
// new version is needed (renewal time reached, expired, or an operator asked) unless a newer version
// already exists; create it and follow the pending operation with durable timers; then verify with a
// TLS probe that the proxy serves it; record the rollout.
import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { currentVersion, type Certificate } from '../shared/domain/certificate';
import { renewalOf, type CertificateRenewal } from '../shared/domain/renewal';
import { isPortError } from '../shared/ports/errors';
import { buildProxyV2 } from '../proxy/proxy-protocol';
import { services } from './services';
import { startOrWake } from './starter';

export const certificateInstanceId = (name: string) => `cert:${name.toLowerCase()}`;

export interface RotateInput {
  name: string;
  /** An operator asked: renew even if not due. */
  force?: boolean;
  /** The version that was current when the rotation was asked for; a newer one means someone already renewed. */
  knownVersion?: string;
  /** Only verify the rollout of what exists (a version Key Vault created on its own). */
  verifyOnly?: boolean;
}

const POLL_MS = 2_000;
const OPERATION_DEADLINE_MS = 10 * 60_000;
/** How long the proxy may take to pick up a new version (the CSI driver polls every two minutes). */
const PROBE_DEADLINE_MS = 10 * 60_000;

df.app.activity('readCertificate', {
  handler: async (input: { name: string }): Promise<{ certificate: Certificate | null; renewal: CertificateRenewal | null; now: number }> => {
    const s = await services();
    const c = await s.certificates.get(input.name);
    const now = s.clock.now();
    return { certificate: c?.value ?? null, renewal: c ? renewalOf(c.value, now) : null, now };
  },
});

df.app.activity('beginCertificateVersion', {
  handler: async (input: { name: string }) => {
    const s = await services();
    try {
      return { ok: true as const, operation: await s.certificates.beginNewVersion(input.name) };
    } catch (err) {
      if (isPortError(err)) return { ok: false as const, error: err.toJSON() };
      throw err;
    }
  },
});

df.app.activity('getCertificateOperation', {
  handler: async (input: { name: string }) => (await (await services()).certificates.getOperation(input.name)) ?? null,
});

/** Connects like a client and reports the SHA-1 thumbprint of the certificate served for `servername`. */
export function probeTls(target: { host: string; port: number; servername: string; caPem?: string; proxyHeader?: Buffer }): Promise<{ thumbprint: string } | { error: string }> {
  return new Promise((resolve) => {
    const verify = target.caPem ? { ca: target.caPem } : { rejectUnauthorized: false };
    // Behind a Private Link Service every connection starts with a PROXY header; a health check's is LOCAL.
    const raw = target.proxyHeader ? net.connect({ host: target.host, port: target.port }) : undefined;
    raw?.write(target.proxyHeader!);
    raw?.once('error', (err) => resolve({ error: err.message }));
    const socket = raw
      ? tls.connect({ socket: raw, servername: target.servername, ...verify })
      : tls.connect({ host: target.host, port: target.port, servername: target.servername, ...verify });
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve({ error: 'timed out' });
    });
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(raw ? { thumbprint: createHash('sha1').update(raw).digest('hex').toUpperCase() } : { error: 'no certificate' });
    });
    socket.once('error', (err) => resolve({ error: err.message }));
  });
}

df.app.activity('probeServedCertificate', {
  handler: async (input: { servername: string }) => {
    // Where the proxy listens for probes; unset means there is nothing to probe (recorded as such).
    const address = process.env.DPL_PROBE_ADDRESS;
    if (!address) return { skipped: true as const };
    const [host, port] = address.split(':');
    const proxyHeader = process.env.DPL_PROBE_PROXY_PROTOCOL === 'local' ? buildProxyV2({ command: 'LOCAL', family: 'UNSPEC' }) : undefined;
    const result = await probeTls({ host: host!, port: Number(port), servername: input.servername, ...(proxyHeader ? { proxyHeader } : {}) });
    return { skipped: false as const, ...result };
  },
});

df.app.activity('listDueCertificates', {
  handler: async (): Promise<Array<{ name: string; version?: string }>> => {
    const s = await services();
    const now = s.clock.now();
    const due: Array<{ name: string; version?: string }> = [];
    let token: string | undefined;
    do {
      const page = await s.certificates.list(token ? { continuationToken: token } : {});
      for (const c of page.items) {
        const r = renewalOf(c.value, now);
        if (r.status === 'due' || r.status === 'expired') due.push({ name: c.value.name, version: r.version });
      }
      token = page.continuationToken;
    } while (token);
    return due;
  },
});

// The sweep hands each due certificate to its own instance (`cert:<name>`), as events do.
df.app.activity('wakeCertificates', {
  extraInputs: [df.input.durableClient()],
  handler: async (due: Array<{ name: string; version?: string }>, context) => {
    const client = df.getClient(context);
    for (const c of due) {
      await startOrWake(client, 'rotateCertificate', certificateInstanceId(c.name), { name: c.name, ...(c.version ? { knownVersion: c.version } : {}) }, context);
    }
    return due.length;
  },
});

df.app.orchestration('rotateCertificate', function* (context: OrchestrationContext) {
  const input = context.df.getInput() as RotateInput;
  const status = (s: Record<string, unknown>) => context.df.setCustomStatus({ certificate: input.name, ...s });
  status({ stage: 'reading' });
  const read = (yield context.df.callActivity('readCertificate', { name: input.name })) as { certificate: Certificate | null; renewal: CertificateRenewal | null };
  if (!read.certificate) {
    status({ stage: 'failed', error: `certificate '${input.name}' does not exist` });
    return { stage: 'failed' };
  }
  const current = currentVersion(read.certificate, context.df.currentUtcDateTime.getTime());
  const alreadyRenewed = input.knownVersion !== undefined && current?.version !== input.knownVersion;
  const due = read.renewal?.status === 'due' || read.renewal?.status === 'expired' || read.renewal?.status === 'no-version';
  let version = current?.version;

  if (!input.verifyOnly && !alreadyRenewed && (input.force || due)) {
    status({ stage: 'creating', reason: input.force ? 'requested' : read.renewal?.status });
    const begun = (yield context.df.callActivity('beginCertificateVersion', { name: input.name })) as { ok: boolean; error?: { kind: string; message: string } };
    if (!begun.ok && begun.error?.kind !== 'PreconditionFailed') {
      status({ stage: 'failed', error: begun.error?.message });
      return { stage: 'failed', error: begun.error?.message };
    }
    // Follow the pending operation (ours, or the one already running) with durable timers.
    const deadline = context.df.currentUtcDateTime.getTime() + OPERATION_DEADLINE_MS;
    for (;;) {
      const op = (yield context.df.callActivity('getCertificateOperation', { name: input.name })) as { status: string; version?: string; error?: { message: string } } | null;
      if (op && op.status === 'completed') break;
      if (op && (op.status === 'failed' || op.status === 'cancelled')) {
        status({ stage: 'failed', error: op.error?.message ?? op.status });
        return { stage: 'failed', error: op.error?.message ?? op.status };
      }
      if (context.df.currentUtcDateTime.getTime() > deadline) {
        status({ stage: 'failed', error: 'the new version was not issued in time' });
        return { stage: 'failed', error: 'timeout' };
      }
      status({ stage: 'issuing' });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + POLL_MS));
    }
    const after = (yield context.df.callActivity('readCertificate', { name: input.name })) as { certificate: Certificate | null };
    // The version just issued is the newest; the replay clock may lag the vault's by a moment, so
    // do not filter by "started already" here.
    version = after.certificate?.versions.reduce<string | undefined>(
      (best, v, _i, all) => (best === undefined || v.notBefore >= all.find((x) => x.version === best)!.notBefore ? v.version : best),
      undefined,
    );
  }

  // Verify the rollout: the proxy must serve the current version's certificate.
  const latest = (yield context.df.callActivity('readCertificate', { name: input.name })) as { certificate: Certificate | null };
  const target = latest.certificate?.versions.find((v) => v.version === version);
  let verified: 'served' | 'not-probed' | 'not-served' = 'not-probed';
  if (target && read.certificate.purpose === 'private-tls') {
    const servername = `probe.${process.env.DPL_PROBE_SNI_SUFFIX ?? 'privatelink.dicom.localtest'}`;
    const deadline = context.df.currentUtcDateTime.getTime() + PROBE_DEADLINE_MS;
    for (;;) {
      const probe = (yield context.df.callActivity('probeServedCertificate', { servername })) as { skipped: boolean; thumbprint?: string; error?: string };
      if (probe.skipped) break;
      if (probe.thumbprint === target.thumbprint) {
        verified = 'served';
        break;
      }
      if (context.df.currentUtcDateTime.getTime() > deadline) {
        verified = 'not-served';
        break;
      }
      status({ stage: 'verifying', version, served: probe.thumbprint ?? null, ...(probe.error ? { probeError: probe.error } : {}) });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + POLL_MS));
    }
  }
  const outcome = { stage: verified === 'not-served' ? 'failed' : 'done', version, created: version !== current?.version, verified, alreadyRenewed };
  status(outcome);
  return outcome;
});
