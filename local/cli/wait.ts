// Waiting for an orchestration the way an operator wants to watch it: one updating line on a
// terminal, one line per change of state when stderr is a file or a pipe (CI logs), and an outcome
// that distinguishes "finished and converged" from "finished badly" and "still going".
import { CliError, EXIT } from './framework';
import type { ApiClient } from './connection';

export interface OperationStatus {
  instanceId: string;
  runtimeStatus: string;
  customStatus: Record<string, unknown> | null;
  lastUpdatedTime?: string;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled', 'Cancelled']);
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export const isTerminal = (s: OperationStatus) => TERMINAL.has(s.runtimeStatus);

/** Finished and did what it was asked: Completed, and its own status does not say it failed. */
export const succeeded = (s: OperationStatus) => s.runtimeStatus === 'Completed' && s.customStatus?.stage !== 'failed';

/** A short account of where an orchestration is, from its custom status. */
export function describe(s: OperationStatus): string {
  const c = s.customStatus ?? {};
  const parts: string[] = [s.runtimeStatus];
  if (typeof c.stage === 'string') parts.push(c.stage);
  const summary = (c.plan as { summary?: Record<string, number> } | undefined)?.summary;
  if (summary) parts.push(`plan ${summary.create ?? 0} create, ${summary.update ?? 0} update, ${summary.delete ?? 0} delete`);
  const flip = c.flip as { stage?: string; step?: string } | undefined;
  if (flip?.stage) parts.push(`flip ${flip.stage}${flip.step ? `/${flip.step}` : ''}`);
  if (typeof c.throttledUntil === 'string') parts.push(`throttled until ${c.throttledUntil}`);
  if (typeof c.version === 'string') parts.push(`version ${c.version}`);
  if (typeof c.verified === 'string') parts.push(`verified: ${c.verified}`);
  if (typeof c.attempt === 'number' && c.attempt > 0) parts.push(`attempt ${c.attempt + 1}`);
  return parts.join(' · ');
}

/** Why an orchestration failed, one line per reason. */
export function failureLines(s: OperationStatus): string[] {
  const c = s.customStatus ?? {};
  const lines: string[] = [];
  if (typeof c.error === 'string') lines.push(`  ${c.error}`);
  for (const f of (c.failed as Array<{ key?: string; kind?: string; error?: string }> | undefined) ?? []) lines.push(`  ${f.kind ?? '?'} ${f.key ?? ''}: ${f.error ?? ''}`);
  return lines;
}

interface Progress {
  update(text: string): void;
  done(): void;
}

function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  if (stream.isTTY) {
    let frame = 0;
    let last = '';
    const draw = () => {
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      const line = `${SPINNER[frame++ % SPINNER.length]} ${label}: ${last} (${secs}s)`;
      // Never wider than the terminal, or the carriage return would leave wrapped debris behind.
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns || 80) - 1)}`);
    };
    const timer = setInterval(draw, 100);
    timer.unref();
    return {
      update: (text) => {
        last = text;
        draw();
      },
      done: () => {
        clearInterval(timer);
        stream.write('\r\x1b[2K');
      },
    };
  }
  let last = '';
  return {
    update: (text) => {
      if (text === last) return;
      last = text;
      stream.write(`${label}: ${text}\n`);
    },
    done: () => undefined,
  };
}

export interface WaitOptions {
  timeoutSeconds: number;
  /** What the line calls it, e.g. "reconcile ws:cardio". */
  label: string;
  /** Quiet: no progress output (the --json caller still wants stderr clean). */
  quiet?: boolean;
}

/**
 * Polls GET /api/operations/{id} until the orchestration finishes. A status that says the instance
 * is unknown is tolerated briefly: a start can be acknowledged a moment before it is visible.
 */
export async function waitForOperation(api: ApiClient, id: string, opts: WaitOptions): Promise<OperationStatus> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const unknownUntil = Date.now() + 5_000;
  const line = opts.quiet ? { update: () => undefined, done: () => undefined } : progress(opts.label);
  let delay = 200;
  let last: OperationStatus | undefined;
  // Ctrl-C stops the watching, not the work: say so, and leave the terminal line clean.
  const interrupted = () => {
    line.done();
    process.stderr.write(`dpl: stopped waiting; ${id} goes on in the control plane (dpl operation ${id} --wait)\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    for (;;) {
      try {
        last = await api.getJson<OperationStatus>(`/operations/${encodeURIComponent(id)}`);
        // The outcome itself is the caller's to print (on stdout); the line only shows the way there.
        if (isTerminal(last)) return last;
        line.update(describe(last));
      } catch (err) {
        if (!(err instanceof CliError && err.exitCode === EXIT.notFound && Date.now() < unknownUntil)) throw err;
      }
      if (Date.now() + delay > deadline) {
        throw new CliError(`${opts.label} is still ${last ? describe(last) : 'not started'} after ${opts.timeoutSeconds} s`, EXIT.failed, [
          `it goes on in the control plane; follow it with: dpl operation ${id} --wait`,
        ]);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 1.5, 1_000);
    }
  } finally {
    process.off('SIGINT', interrupted);
    line.done();
  }
}
