// The local Functions host: loads an app folder unchanged, serves its HTTP, Event Grid and timer
// triggers, the host admin endpoints, and whatever extensions (Durable) plug in.
import fs from 'node:fs';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FunctionRegistry, installCoreApi } from './core-api';
import { HostStartError, readAppFolder, type AppFolder } from './app-folder';
import { EVENT_GRID_PATH, EVENT_GRID_SYSTEM_KEY, handleEventGrid } from './event-grid';
import type { HostExtension } from './extension';
import { invokeHttp, HttpTriggers } from './http-trigger';
import { sendEmpty, sendJson, readBody } from './http-io';
import { Invoker } from './invoker';
import { authorize, loadOrCreateKeys, presentedKey, type HostKeys } from './keys';
import { Logger } from './logger';
import { Timers } from './timers';

export interface HostOptions {
  appDir: string;
  port: number;
  /** Bind address; loopback unless the operator asks otherwise. */
  bindHost?: string;
  dataDir: string;
  /** false runs every function as anonymous (as `func start` does for local development). */
  keys?: boolean;
  extensions?: HostExtension[];
  /** Upper bound for in-flight invocations to finish on shutdown. */
  drainTimeoutMs?: number;
  write?: (line: string) => void;
}

const HANDLED_TRIGGERS = new Set(['httptrigger', 'eventgridtrigger', 'timertrigger']);

export class LocalHost {
  readonly registry = new FunctionRegistry();
  readonly app: AppFolder;
  readonly logger: Logger;
  readonly invoker: Invoker;
  readonly keys: HostKeys | undefined;
  #server: Server | undefined;
  #http: HttpTriggers | undefined;
  #timers: Timers | undefined;
  #streamUri: string | undefined;
  #extensions: HostExtension[];
  #stopping: Promise<void> | undefined;
  #baseUrl = '';
  #activeRequests = 0;
  #requestsDrained: Array<() => void> = [];

  constructor(private readonly options: HostOptions) {
    this.app = readAppFolder(options.appDir);
    this.logger = new Logger(this.app.hostJson.logging?.logLevel, options.write);
    this.registry.systemLog = (level, message) => this.logger.log({ level: level as never, category: 'Worker', message });
    this.invoker = new Invoker(this.registry, this.logger);
    this.#extensions = options.extensions ?? [];
    const systemKeys = [EVENT_GRID_SYSTEM_KEY, ...this.#extensions.flatMap((e) => (e.systemKey ? [e.systemKey] : []))];
    this.keys = options.keys === false ? undefined : loadOrCreateKeys(options.dataDir, systemKeys);
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** Loads the app, starts the extensions and listens; resolves once requests are answered. */
  async start(): Promise<void> {
    for (const [k, v] of Object.entries(this.app.settings)) if (process.env[k] === undefined) process.env[k] = v;
    installCoreApi(this.registry);
    for (const file of this.app.mainFiles) {
      try {
        // The app is CommonJS loaded at run time from a path only known now, as the Node worker does.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(file);
      } catch (err) {
        throw new HostStartError(`loading ${path.relative(process.cwd(), file) || file} failed: ${(err as Error).stack ?? err}`);
      }
    }
    const model = this.registry.programmingModel;
    if (!model && this.registry.functions.size === 0) {
      throw new HostStartError(`${this.app.dir} registered no functions (is "main" the compiled entry point?)`);
    }
    const capabilities = model ? await model.getCapabilities({}) : {};
    this.#streamUri = capabilities.HttpUri;

    const extensionTriggers = new Set(this.#extensions.flatMap((e) => e.triggerTypes));
    for (const fn of this.registry.functions.values()) {
      const t = fn.trigger.type.toLowerCase();
      if (!HANDLED_TRIGGERS.has(t) && !extensionTriggers.has(t)) {
        this.logger.host('warning', `function '${fn.name}' has trigger type ${fn.trigger.type}, which this host does not run; it will not be invoked`);
      }
    }
    this.#http = new HttpTriggers(this.registry.byTrigger('httpTrigger'), this.routePrefix);
    this.#timers = new Timers(this.invoker, path.join(this.options.dataDir, 'timers'));
    for (const fn of this.registry.byTrigger('timerTrigger')) {
      try {
        this.#timers.add(fn);
      } catch (err) {
        // As on Azure, a function with a broken binding is "in error"; the rest of the app runs.
        this.logger.host('error', `The '${fn.name}' function is in error: ${(err as Error).message}`);
      }
    }

    this.#server = http.createServer((req, res) => {
      this.#activeRequests++;
      res.once('close', () => {
        if (--this.#activeRequests === 0) for (const w of this.#requestsDrained.splice(0)) w();
      });
      this.#handle(req, res).catch((err) => {
        this.logger.host('error', `request ${req.method} ${req.url} failed: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) sendEmpty(res, 500);
        else res.destroy();
      });
    });
    this.#server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new HostStartError(`port ${this.options.port} is already in use (set --port or PORT)`) : err);
      this.#server!.once('error', onError);
      this.#server!.listen(this.options.port, this.options.bindHost ?? '127.0.0.1', () => {
        this.#server!.off('error', onError);
        resolve();
      });
    });
    const addr = this.#server.address() as AddressInfo;
    const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.#baseUrl = `http://${hostPart}:${addr.port}`;

    const ctx = {
      registry: this.registry,
      invoker: this.invoker,
      logger: this.logger,
      hostJson: this.app.hostJson,
      dataDir: this.options.dataDir,
      baseUrl: this.#baseUrl,
      authorizeSystem: (key: string | undefined, name: string) => authorize(this.keys, 'system', key, name),
      systemKeyValue: (name: string) => this.keys?.systemKeys[name],
    };
    for (const ext of this.#extensions) await ext.start(ctx);
    this.invoker.inputResolver = (fn, bindingName, bindingType) => {
      for (const ext of this.#extensions) {
        if (ext.inputTypes?.includes(bindingType)) return ext.inputData?.(fn, bindingName, this.#baseUrl);
      }
      return undefined;
    };
    await this.invoker.runAppHook('appStart', this.app.dir);
    this.#timers.start();
  }

  get routePrefix(): string {
    const prefix = this.app.hostJson.extensions?.http?.routePrefix;
    return typeof prefix === 'string' ? prefix : 'api';
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  get httpRoutes() {
    return this.#http?.routes ?? [];
  }

  /** Stops accepting, lets in-flight invocations finish (bounded), runs appTerminate. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
      this.#server?.closeIdleConnections();
      await this.#timers?.stop();
      const bound = this.options.drainTimeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const requestsDone = () =>
        this.#activeRequests === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.#requestsDrained.push(resolve));
      const drained = await Promise.race([
        Promise.all([this.invoker.idle(), requestsDone()]).then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), bound))),
      ]);
      clearTimeout(timer);
      if (!drained) {
        this.logger.host('warning', `${this.invoker.inFlight} invocation(s), ${this.#activeRequests} request(s) still running after ${bound} ms; stopping anyway`);
      }
      for (const ext of this.#extensions) await ext.stop();
      await this.invoker.runAppHook('appTerminate', this.app.dir);
      this.#server?.closeAllConnections();
      await closed;
    })();
    return this.#stopping;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `127.0.0.1:${this.port}`}`);
    const lower = url.pathname.toLowerCase();
    const key = presentedKey(req.headers, url);

    if (lower === EVENT_GRID_PATH || lower === EVENT_GRID_PATH + '/') {
      if (!authorize(this.keys, 'system', key, EVENT_GRID_SYSTEM_KEY)) return sendEmpty(res, 401);
      return handleEventGrid(this.registry, this.invoker, this.logger, req, res, url);
    }
    for (const ext of this.#extensions) {
      if (ext.handleRequest && (await ext.handleRequest(req, res, url))) return;
    }
    if (lower.startsWith('/admin/')) return this.#admin(req, res, url, key);

    const match = this.#http?.match(req.method ?? 'GET', url.pathname);
    if (!match) return sendEmpty(res, 404);
    if (!authorize(this.keys, match.authLevel, key)) return sendEmpty(res, 401);
    await invokeHttp(this.invoker, match, req, res, url, this.#streamUri);
  }

  async #admin(req: IncomingMessage, res: ServerResponse, url: URL, key: string | undefined): Promise<void> {
    if (!authorize(this.keys, 'admin', key)) return sendEmpty(res, 401);
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts[1] === 'host' && parts[2] === 'status') {
      return sendJson(res, 200, { state: this.#stopping ? 'Stopping' : 'Running', version: '4.0.0-local', functions: this.registry.functions.size });
    }
    if (parts[1] === 'functions' && parts.length === 2 && req.method === 'GET') {
      return sendJson(res, 200, [...this.registry.functions.values()].map((f) => ({ name: f.name, trigger: f.trigger.type })));
    }
    if (parts[1] === 'functions' && parts.length === 3 && req.method === 'POST') {
      const fn = this.registry.get(decodeURIComponent(parts[2]!));
      if (!fn) return sendEmpty(res, 404);
      const type = fn.trigger.type.toLowerCase();
      if (type === 'httptrigger') return sendJson(res, 400, { error: 'HTTP functions are invoked over their route' });
      const body = await readBody(req, 1024 * 1024);
      let input: unknown;
      try {
        input = body.length ? (JSON.parse(body.toString('utf8')) as { input?: unknown }).input : undefined;
      } catch {
        return sendJson(res, 400, { error: 'body must be JSON: {"input": ...}' });
      }
      if (type === 'timertrigger') {
        await this.#timers!.runNow(fn.name);
      } else {
        const data = typeof input === 'string' ? { string: input } : { json: JSON.stringify(input ?? null) };
        void this.invoker.invoke(fn, { trigger: data }).catch(() => undefined); // logged by the invoker
      }
      return sendEmpty(res, 202);
    }
    return sendEmpty(res, 404);
  }
}

export function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
