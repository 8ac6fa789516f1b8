// `dpl-host`: run any Azure Functions v4 Node app from its folder, as `func start` would.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HostStartError } from './app-folder';
import { LocalHost } from './host';
import type { HostExtension } from './extension';
import { createDurableExtension } from '../durable/extension';

export const HELP = `Usage: dpl-host [--app <folder>] [options]

Runs an Azure Functions (Node.js v4 programming model) app on this machine, offline: HTTP triggers
on /<routePrefix>/..., Event Grid triggers at /runtime/webhooks/eventgrid?functionName=<name>, timer
triggers on their schedules, and the host admin API under /admin/.

Options:
  --app <folder>       the app folder: its host.json, package.json "main" (file or glob) and
                       local.settings.json "Values" (as environment variables). Default: .
  --port <n>           HTTP port. Default: $PORT or 7071
  --bind <address>     address to listen on. Default: 127.0.0.1 (loopback only)
  --data-dir <dir>     where keys, timer status and Durable state live. Default: $DATA_DIR or <app>/.data
  --no-keys            run every function as anonymous (no function, admin or system keys)
  --show-keys          print the keys at start (they are secrets: by default only their file is named)
  --drain-timeout <ms> on SIGTERM/SIGINT, how long in-flight invocations may run. Default: 30000
  -h, --help           show this help

Keys are generated once per data directory and kept in <data-dir>/host-keys.json; send them as the
x-functions-key header or the code query parameter.`;

export interface CliOptions {
  app: string;
  port: number;
  bind: string;
  dataDir: string;
  keys: boolean;
  showKeys?: boolean;
  drainTimeoutMs: number;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: 'string' },
      port: { type: 'string' },
      bind: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-keys': { type: 'boolean' },
      'show-keys': { type: 'boolean' },
      'drain-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const app = path.resolve(values.app ?? '.');
  const portText = values.port ?? env.PORT ?? '7071';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HostStartError(`--port must be a TCP port number, got '${portText}'`);
  const drain = Number(values['drain-timeout'] ?? 30000);
  if (!Number.isFinite(drain) || drain < 0) throw new HostStartError(`--drain-timeout must be a number of milliseconds`);
  return {
    app,
    port,
    bind: values.bind ?? '127.0.0.1',
    dataDir: path.resolve(values['data-dir'] ?? env.DATA_DIR ?? path.join(app, '.data')),
    keys: !values['no-keys'],
    showKeys: values['show-keys'] ?? false,
    drainTimeoutMs: drain,
  };
}

/** Starts a host with the given options, prints its banner, and stops it on SIGTERM / SIGINT. */
/** The extensions every local host runs (the embedded Durable engine). */
export const defaultExtensions = (): HostExtension[] => [createDurableExtension()];

export async function runHost(opts: CliOptions, extensions: HostExtension[] = defaultExtensions()): Promise<LocalHost> {
  const host = new LocalHost({
    appDir: opts.app,
    port: opts.port,
    bindHost: opts.bind,
    dataDir: opts.dataDir,
    keys: opts.keys,
    drainTimeoutMs: opts.drainTimeoutMs,
    extensions,
  });
  await host.start();
  const lines = [`Functions host listening on ${host.baseUrl} (app ${host.app.dir})`];
  for (const fn of host.registry.functions.values()) {
    const type = fn.trigger.type;
    if (type === 'httpTrigger') {
      const r = host.httpRoutes.find((x) => x.name === fn.name)!;
      lines.push(`  ${fn.name}: [${r.methods.join(',')}] ${host.baseUrl}${r.template}`);
    } else if (type === 'eventGridTrigger') {
      lines.push(`  ${fn.name}: eventGridTrigger ${host.baseUrl}/runtime/webhooks/eventgrid?functionName=${fn.name}`);
    } else lines.push(`  ${fn.name}: ${type}`);
  }
  if (host.keys && !opts.showKeys) lines.push(`Keys: in ${path.join(opts.dataDir, 'host-keys.json')} (--show-keys prints them)`);
  else if (host.keys) {
    lines.push(`Keys (data dir ${opts.dataDir}):`);
    lines.push(`  master: ${host.keys.masterKey}`);
    lines.push(`  default (function): ${host.keys.functionKeys.default}`);
    for (const [k, v] of Object.entries(host.keys.systemKeys)) lines.push(`  ${k} (system): ${v}`);
  } else lines.push('Keys are disabled: every function is anonymous.');
  process.stdout.write(lines.join('\n') + '\n');
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    host.logger.host('information', `${signal} received; draining`);
    host.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return host;
}

export async function main(argv: string[]): Promise<void> {
  let opts: CliOptions | 'help';
  try {
    opts = parseCli(argv);
  } catch (err) {
    process.stderr.write(`dpl-host: ${(err as Error).message}\nRun 'dpl-host --help' for usage.\n`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stdout.write(HELP + '\n');
    return;
  }
  try {
    await runHost(opts);
  } catch (err) {
    if (err instanceof HostStartError) {
      process.stderr.write(`dpl-host: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
