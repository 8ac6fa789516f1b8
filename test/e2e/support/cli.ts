// Runs `dpl` (bin/dpl.js) as a real process against a running system, and `dpl dev tunnel` as a
// long-lived one whose listening address is read from its output.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO } from '../../support/host-process';
import { waitFor } from '../../support/wait';

const DPL = path.join(REPO, 'bin/dpl.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function dpl(dataDir: string, args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DPL, ...args], { env: { ...process.env, DATA_DIR: dataDir, DPL_URL: '', DPL_TOKEN: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** `dpl …` that must succeed; its stdout parsed as JSON when `--json` is among the arguments. */
export async function dplOk<T = unknown>(dataDir: string, args: string[]): Promise<T> {
  const r = await dpl(dataDir, args);
  if (r.code !== 0) throw new Error(`dpl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return (args.includes('--json') ? JSON.parse(r.stdout) : r.stdout) as T;
}

export interface TunnelProcess {
  host: string;
  port: number;
  child: ChildProcess;
  close(): Promise<void>;
}

export async function tunnel(dataDir: string, linkId: number): Promise<TunnelProcess> {
  const child = spawn(process.execPath, [DPL, 'dev', 'tunnel', '--link-id', String(linkId), '--listen', '127.0.0.1:0'], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const m = await waitFor(() => /listening on (\d+\.\d+\.\d+\.\d+):(\d+)/.exec(out) ?? (child.exitCode !== null ? new Error(out) : undefined), {
    timeoutMs: 15_000,
    what: 'the tunnel to listen',
  });
  if (m instanceof Error) throw new Error(`dpl dev tunnel exited: ${m.message}`);
  return {
    host: m[1]!,
    port: Number(m[2]),
    child,
    async close() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
