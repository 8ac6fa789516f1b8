// Starts the one-command system (`node dist/local/system/start.js`, what `npm start` runs) as a real
// process group on free loopback ports, and finds its parts through DATA_DIR/system.json.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, tempDir } from '../../support/host-process';
import { waitFor } from '../../support/wait';
import type { SystemFile } from '../../../local/system/system-file';

export interface RunningSystem {
  file: SystemFile;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** Ctrl-C: resolves with the exit code. */
  stop(): Promise<number | null>;
  /** kill -9 of the whole process group, as a crash or a pulled plug would. */
  kill9(): Promise<void>;
}

export async function startSystem(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningSystem> {
  const dataDir = opts.dataDir ?? tempDir('e2e');
  const child = spawn(process.execPath, [path.join(REPO, 'dist/local/system/start.js')], {
    // The journeys need the real DICOMweb backend: without Orthanc the start fails, saying what to install.
    env: { ...process.env, PORT: '0', DNS_PORT: '0', PROXY_PORT: '0', PROXY_ADMIN_PORT: '0', BACKEND_PORT: '0', ORTHANC_PORT: '0', DPL_BACKEND: 'orthanc', DATA_DIR: dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(() => gone || /^ready /m.test(out), { timeoutMs: 90_000, what: `the system to be ready; output so far:\n${out.slice(-4000)}` });
  if (gone) throw new Error(`the system exited before it was ready:\n${out.slice(-4000)}`);
  const file = JSON.parse(fs.readFileSync(path.join(dataDir, 'system.json'), 'utf8')) as SystemFile;
  return {
    file,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (!gone) child.kill('SIGINT');
      return exited;
    },
    async kill9() {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      // Every process of the group is gone before the next start takes the data directory.
      await waitFor(() => Object.values(file.pids).every((pid) => !pid || !alive(pid)), { timeoutMs: 10_000, what: 'the killed processes to disappear' });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
