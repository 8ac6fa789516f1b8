// Runs the system's processes with one combined log (each line prefixed with its process's name),
// knows when each is ready, restarts one that dies unexpectedly (with backoff, and gives up when it
// keeps dying), and stops them all cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** True once the process serves; polled after each (re)start. */
  ready: () => Promise<boolean>;
  /** Signal that asks it to stop gracefully (default SIGTERM; nginx wants SIGQUIT to drain). */
  stopSignal?: NodeJS.Signals;
}

interface Running {
  spec: ProcessSpec;
  child: ChildProcess;
  exited: Promise<void>;
  starts: number[];
}

const PREFIX_WIDTH = 10;
const GIVE_UP_AFTER = 5; // restarts within a minute

export class Supervisor {
  readonly #running = new Map<string, Running>();
  #stopping = false;
  /** Called after a process was restarted (its pid changed). */
  onRestart: (() => void) | undefined;
  #failure: ((err: Error) => void) | undefined;
  readonly failed: Promise<Error>;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    this.failed = new Promise((resolve) => (this.#failure = resolve));
  }

  log(name: string, line: string): void {
    this.out.write(`${name.padEnd(PREFIX_WIDTH)}| ${line}\n`);
  }

  start(spec: ProcessSpec): void {
    const previous = this.#running.get(spec.name);
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream! }).on('line', (line) => this.log(spec.name, line));
    }
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        // Ctrl-C reaches the whole process group at once: give our own SIGINT a moment to arrive
        // before calling a child's exit unexpected.
        setTimeout(() => {
          if (this.#stopping) return;
          this.log('system', `${spec.name} exited (${signal ?? `code ${code}`}) unexpectedly`);
          this.#restart(spec.name);
        }, 200).unref();
      });
      child.once('error', (err) => {
        this.log('system', `${spec.name} could not start: ${err.message}`);
        resolve();
        if (!this.#stopping) this.#failure?.(new Error(`${spec.name} could not start: ${err.message}`));
      });
    });
    const starts = [...(previous?.starts ?? []), Date.now()].filter((t) => Date.now() - t < 60_000);
    this.#running.set(spec.name, { spec, child, exited, starts });
  }

  #restart(name: string): void {
    const r = this.#running.get(name)!;
    if (r.starts.length >= GIVE_UP_AFTER) {
      this.#failure?.(new Error(`${name} keeps exiting (${r.starts.length} starts within a minute); giving up`));
      return;
    }
    const delay = Math.min(30_000, 500 * 2 ** (r.starts.length - 1));
    this.log('system', `restarting ${name} in ${delay} ms`);
    setTimeout(() => {
      if (this.#stopping) return;
      this.start(r.spec);
      this.onRestart?.();
    }, delay).unref();
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.#running].map(([name, r]) => [name, r.child.pid]));
  }

  /** Resolves when every named process answers ready; rejects when one fails for good or time runs out. */
  async waitReady(names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(names);
    while (pending.size) {
      for (const name of [...pending]) {
        const r = this.#running.get(name);
        if (r && (await r.spec.ready().catch(() => false))) pending.delete(name);
      }
      if (!pending.size) return;
      if (this.#stopping) throw new Error('stopped before everything was ready');
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs / 1000} s: ${[...pending].join(', ')}`);
      const failed = await Promise.race([this.failed, new Promise<undefined>((r) => setTimeout(r, 200, undefined))]);
      if (failed) throw failed;
    }
  }

  /** Stops every process, the last started first; SIGKILL for any still there after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.#stopping = true;
    for (const r of [...this.#running.values()].reverse()) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(r.spec.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => r.child.kill('SIGKILL'), graceMs);
      await r.exited;
      clearTimeout(timer);
    }
  }
}
