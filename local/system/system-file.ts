// `DATA_DIR/system.json`: where the running system's parts listen, written once all are ready and
// removed on a clean stop. The CLI and the tests find the system through it; the next `npm start`
// uses the pids to clean up after a run that was killed.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file';

export interface SystemFile {
  /** The supervisor (`npm start`) process. */
  pid: number;
  pids: Record<string, number | undefined>;
  functions: string;
  adminApi: string;
  console: string;
  dns: string;
  proxy: string;
  proxyAdmin: string;
  backend: 'orthanc' | 'builtin';
  /** `https://<zone ingress>:<port>` of each availability zone, in failover order. */
  ingresses: Array<{ cluster: string; profile: string; endpoint: string; name: string; address: string; url: string }>;
  orthanc?: string;
  privateLinkServiceId: string;
  caFile: string;
  dataDir: string;
}

export const systemFilePath = (dataDir: string): string => path.join(dataDir, 'system.json');

/** Absent (no start yet), half-written or not an object: undefined, and callers use their defaults. */
export function readSystemFile(dataDir: string): SystemFile | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(systemFilePath(dataDir), 'utf8')) as unknown;
    return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as SystemFile) : undefined;
  } catch {
    return undefined;
  }
}

export function writeSystemFile(file: SystemFile): void {
  writeFileAtomic(systemFilePath(file.dataDir), JSON.stringify(file, null, 2) + '\n');
}

export function removeSystemFile(dataDir: string): void {
  fs.rmSync(systemFilePath(dataDir), { force: true });
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
