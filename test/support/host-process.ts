// Starts `dpl-host` as a real process on a free loopback port for tests, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait';

export const REPO = path.resolve(__dirname, '../..');
export const DPL_HOST = path.join(REPO, 'bin/dpl-host.js');

export interface HostProcess {
  url: string;
  dataDir: string;
  outDir: string;
  child: ChildProcess;
  keys: { masterKey: string; functionKeys: Record<string, string>; systemKeys: Record<string, string> };
  output(): string;
  /** Parsed structured log lines. */
  logs(): Array<Record<string, unknown>>;
  /** Lines a fixture recorded with `record(kind, value)` into FIXTURE_OUT/<kind>.jsonl. */
  recorded(kind: string): Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  app: string;
  env?: Record<string, string>;
  args?: string[];
  dataDir?: string;
  outDir?: string;
  timeoutMs?: number;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dpl-${prefix}-`));
}

export async function startHost(opts: StartOptions): Promise<HostProcess> {
  const dataDir = opts.dataDir ?? tempDir('data');
  const outDir = opts.outDir ?? tempDir('out');
  const child = spawn(process.execPath, [DPL_HOST, '--app', opts.app, '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])], {
    env: { ...process.env, FIXTURE_OUT: outDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));

  const url = await waitFor(
    () => {
      if (done) throw new Error(`dpl-host exited before listening:\n${out}`);
      return /Functions host listening on (http:\/\/[^\s]+)/.exec(out)?.[1];
    },
    { timeoutMs: opts.timeoutMs ?? 20_000, what: 'dpl-host to listen' },
  );
  const keysFile = path.join(dataDir, 'host-keys.json');
  const keys = fs.existsSync(keysFile) ? JSON.parse(fs.readFileSync(keysFile, 'utf8')) : { masterKey: '', functionKeys: {}, systemKeys: {} };
  return {
    url,
    dataDir,
    outDir,
    child,
    keys,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    recorded: (kind) => {
      const file = path.join(outDir, `${kind}.jsonl`);
      if (!fs.existsSync(file)) return [];
      return fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    stop: async (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}
