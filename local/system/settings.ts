// What `npm start` reads from its environment, validated once, with the defaults a laptop expects.
// Port 0 means "any free port" (tests run several systems side by side).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class SystemStartError extends Error {}

export type BackendChoice = 'auto' | 'orthanc' | 'builtin';

export interface SystemSettings {
  repo: string;
  dataDir: string;
  ports: { functions: number; dns: number; proxy: number; proxyAdmin: number; backend: number; orthanc: number };
  backend: BackendChoice;
  /** Passed through to the functions host (sweep every five minutes unless told otherwise). */
  sweepSchedule: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name] ?? String(fallback);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new SystemStartError(`${name} must be a port number (0 for any free port), got '${text}'`);
  return n;
}

export function systemSettings(env: NodeJS.ProcessEnv, repo: string): SystemSettings {
  const backend = (env.DPL_BACKEND ?? 'auto') as BackendChoice;
  if (!['auto', 'orthanc', 'builtin'].includes(backend)) throw new SystemStartError(`DPL_BACKEND must be auto, orthanc or builtin, got '${backend}'`);
  return {
    repo,
    dataDir: path.resolve(env.DATA_DIR ?? path.join(repo, '.data')),
    ports: {
      functions: port(env, 'PORT', 7071),
      dns: port(env, 'DNS_PORT', 5353),
      proxy: port(env, 'PROXY_PORT', 8443),
      proxyAdmin: port(env, 'PROXY_ADMIN_PORT', 9090),
      backend: port(env, 'BACKEND_PORT', 8444),
      orthanc: port(env, 'ORTHANC_PORT', 8042),
    },
    backend,
    sweepSchedule: env.SWEEP_SCHEDULE ?? '0 */5 * * * *',
  };
}

/** Debian's Orthanc with its DICOMweb plugin, and nginx, when both are installed. */
export function orthancInstallation(): { orthanc: string; dicomWebPlugin: string; nginx: string } | undefined {
  const orthanc = ['/usr/sbin/Orthanc', '/usr/bin/Orthanc'].find((f) => fs.existsSync(f));
  const dicomWebPlugin = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/lib/orthanc/libOrthancDicomWeb.so'].find((f) => fs.existsSync(f));
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((f) => fs.existsSync(f));
  return orthanc && dicomWebPlugin && nginx ? { orthanc, dicomWebPlugin, nginx } : undefined;
}

/** A port that is free on every given address now (0 kept for "any" is resolved here, once). */
export async function freePort(addresses: string[], wanted: number): Promise<number> {
  if (wanted !== 0) return wanted;
  for (let attempt = 0; attempt < 20; attempt++) {
    const candidate = await listenOnce(addresses[0] ?? '127.0.0.1', 0);
    let ok = true;
    for (const a of addresses.slice(1)) {
      try {
        await listenOnce(a, candidate);
      } catch {
        ok = false;
      }
    }
    if (ok) return candidate;
  }
  throw new SystemStartError(`no free port on ${addresses.join(', ')}`);
}

function listenOnce(host: string, p: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(p, host, () => {
      const got = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(got));
    });
  });
}
