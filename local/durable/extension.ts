// Plugs the embedded Durable engine into the local host: runs orchestration and activity triggers,
// supplies the durableClient binding data, and serves the management API.
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HostStartError } from '../host/app-folder';
import type { RpcTypedData } from '../host/core-api';
import type { HostContext, HostExtension } from '../host/extension';
import { sendJson } from '../host/http-io';
import { presentedKey } from '../host/keys';
import { handleManagement, RPC_PREFIX, WEBHOOK_PREFIX, type ManagementUrls } from './api';
import { RealClock, VirtualClock, type Clock } from './clock';
import { DurableEngine } from './engine';
import { DurableStore } from './store';
import { versionProblems } from './version';

export const DURABLE_SYSTEM_KEY = 'durabletask_extension';

export interface DurableExtensionOptions {
  /** 'virtual' for tests: time stands still until the management API's clock/advance is called. */
  clock?: 'real' | 'virtual';
}

export interface DurableConfig {
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
}

function positiveInt(v: unknown, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new HostStartError(`host.json extensions.durableTask.${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** host.json `extensions.durableTask`; the defaults are Azure's (10 per core). */
export function durableConfig(section: Record<string, unknown> | undefined): DurableConfig {
  const s = section ?? {};
  const perCore = 10 * Math.max(1, os.cpus().length);
  return {
    hubName: typeof s.hubName === 'string' && s.hubName ? s.hubName : 'TestHubName',
    maxConcurrentActivityFunctions: positiveInt(s.maxConcurrentActivityFunctions, perCore, 'maxConcurrentActivityFunctions'),
    maxConcurrentOrchestratorFunctions: positiveInt(s.maxConcurrentOrchestratorFunctions, perCore, 'maxConcurrentOrchestratorFunctions'),
  };
}

function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
}

export function createDurableExtension(options: DurableExtensionOptions = {}): HostExtension & { engine(): DurableEngine | undefined } {
  let engine: DurableEngine | undefined;
  let store: DurableStore | undefined;
  let host: HostContext | undefined;
  let config: DurableConfig | undefined;

  const webhookBase = (origin: string) => `${origin}${WEBHOOK_PREFIX.slice(0, -1)}`;
  const queryString = () => {
    const key = host?.systemKeyValue(DURABLE_SYSTEM_KEY);
    return `taskHub=${encodeURIComponent(config!.hubName)}&connection=Storage${key ? `&code=${encodeURIComponent(key)}` : ''}`;
  };
  const managementUrls = (origin: string, id: string): ManagementUrls => {
    const base = `${webhookBase(origin)}/instances/${encodeURIComponent(id)}`;
    const qs = queryString();
    return {
      id,
      statusQueryGetUri: `${base}?${qs}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${qs}`,
      terminatePostUri: `${base}/terminate?reason={text}&${qs}`,
      rewindPostUri: `${base}/rewind?reason={text}&${qs}`,
      purgeHistoryDeleteUri: `${base}?${qs}`,
      restartPostUri: `${base}/restart?${qs}`,
      suspendPostUri: `${base}/suspend?reason={text}&${qs}`,
      resumePostUri: `${base}/resume?reason={text}&${qs}`,
    };
  };

  return {
    name: 'durable',
    triggerTypes: ['orchestrationtrigger', 'activitytrigger', 'entitytrigger'],
    inputTypes: ['durableclient', 'orchestrationclient'],
    systemKey: DURABLE_SYSTEM_KEY,
    engine: () => engine,

    async start(ctx: HostContext): Promise<void> {
      host = ctx;
      const problems = versionProblems();
      if (problems.length) throw new HostStartError(problems.join('\n'));
      const entities = ctx.registry.byTrigger('entityTrigger');
      if (entities.length) {
        throw new HostStartError(
          `durable entities are not supported by the local Durable engine; remove or move ` +
            `${entities.map((f) => `'${f.name}'`).join(', ')} (see docs/DURABLE.md)`,
        );
      }
      config = durableConfig(ctx.hostJson.extensions?.durableTask);
      const choice = options.clock ?? (process.env.DPL_DURABLE_CLOCK === 'virtual' ? 'virtual' : 'real');
      const clock: Clock = choice === 'virtual' ? new VirtualClock() : new RealClock();
      try {
        store = new DurableStore(path.join(ctx.dataDir, 'durable'));
      } catch (err) {
        throw new HostStartError(`cannot open the Durable store in ${path.join(ctx.dataDir, 'durable')} (is another dpl-host using this data directory?): ${(err as Error).message}`);
      }
      // Without WEBSITE_HOSTNAME the library rewrites every management URL to localhost:7071.
      process.env.WEBSITE_HOSTNAME ??= new URL(ctx.baseUrl).host;
      engine = new DurableEngine({
        store,
        registry: ctx.registry,
        invoker: ctx.invoker,
        logger: ctx.logger,
        clock,
        maxConcurrentActivities: config.maxConcurrentActivityFunctions,
        maxConcurrentOrchestrations: config.maxConcurrentOrchestratorFunctions,
      });
      engine.start();
      ctx.logger.host(
        'information',
        `Durable engine: hub ${config.hubName}, ${clock.virtual ? 'virtual' : 'real'} clock, ` +
          `${config.maxConcurrentOrchestratorFunctions} orchestrator / ${config.maxConcurrentActivityFunctions} activity slots`,
      );
    },

    inputData(_fn, _binding, origin): RpcTypedData | undefined {
      if (!config) return undefined;
      const base = webhookBase(origin);
      const qs = queryString();
      const data = {
        taskHubName: config.hubName,
        creationUrls: {
          createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${qs}`,
          createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${qs}`,
        },
        managementUrls: managementUrls(origin, 'INSTANCEID'),
        baseUrl: base,
        requiredQueryStringParameters: qs,
        rpcBaseUrl: `${origin}${RPC_PREFIX}`,
      };
      return { json: JSON.stringify(data) };
    },

    async handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
      const p = url.pathname;
      let rest: string;
      if (p.toLowerCase().startsWith(WEBHOOK_PREFIX)) {
        if (!host!.authorizeSystem(presentedKey(req.headers, url), DURABLE_SYSTEM_KEY)) {
          sendJson(res, 401, { message: 'a system key (durabletask_extension) or the master key is required' });
          return true;
        }
        rest = p.slice(WEBHOOK_PREFIX.length);
      } else if (p.startsWith(RPC_PREFIX)) {
        // The durable client's RPC endpoint carries no key, like the extension's, which listens on
        // localhost only: answer it for loopback callers only.
        if (!isLoopback(req)) {
          sendJson(res, 403, { message: 'the durable client RPC endpoint answers loopback callers only' });
          return true;
        }
        rest = p.slice(RPC_PREFIX.length);
      } else return false;
      if (!engine) {
        sendJson(res, 503, { message: 'the Durable engine is not running' });
        return true;
      }
      await handleManagement({ engine, managementUrls }, req, res, url, rest);
      return true;
    },

    async stop(): Promise<void> {
      await engine?.stop();
      store?.close();
    },
  };
}
