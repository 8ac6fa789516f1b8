// The `@azure/functions-core` module the Node worker normally provides. The `@azure/functions`
// library asks for it once (and caches a `null` forever), so `installCoreApi` must run before any
// app module is required. Registrations, hooks and the programming model land in a FunctionRegistry.
import Module from 'node:module';

export type RpcTypedData = {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  stream?: Uint8Array;
  http?: RpcHttpData;
  int?: number;
  double?: number;
};

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData;
  statusCode?: string;
  cookies?: RpcHttpCookie[];
}

export interface RpcHttpCookie {
  name: string;
  value: string;
  domain?: { value?: string } | null;
  path?: { value?: string } | null;
  expires?: { value?: { seconds?: number; nanos?: number } } | null;
  secure?: { value?: boolean } | null;
  httpOnly?: { value?: boolean } | null;
  sameSite?: string;
  maxAge?: { value?: number } | null;
}

export interface RpcBinding {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBinding>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  handler: FunctionCallback;
  triggerName: string;
  trigger: RpcBinding;
}

/** The ProgrammingModel interface the worker talks to; see the library's ProgrammingModel. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: UserInvocationContext; inputs: unknown[] }>;
  invokeFunction(context: UserInvocationContext, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: UserInvocationContext, result: unknown): Promise<InvocationResponse>;
}

export interface UserInvocationContext {
  invocationId: string;
  functionName: string;
}

export interface InvocationResponse {
  invocationId: string;
  outputData?: Array<{ name: string; data: RpcTypedData | undefined }>;
  returnValue?: RpcTypedData | null;
}

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    inputData: Array<{ name: string; data: RpcTypedData }>;
    triggerMetadata?: Record<string, RpcTypedData>;
    retryContext?: unknown;
    traceContext?: unknown;
  };
  metadata: FunctionMetadata;
  state?: string;
  log(level: string, category: string, message: string): void;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
type HookCallback = (ctx: Record<string, unknown>) => unknown;

class Disposable {
  #fn: (() => void) | undefined;
  constructor(fn: () => void) {
    this.#fn = fn;
  }
  dispose(): void {
    this.#fn?.();
    this.#fn = undefined;
  }
}

const TRIGGER_SUFFIX = /trigger$/i;

export class FunctionRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, Set<HookCallback>>();
  programmingModel: ProgrammingModel | undefined;
  systemLog: (level: string, message: string) => void = () => undefined;

  registerFunction(metadata: FunctionMetadata, handler: FunctionCallback): Disposable {
    const key = metadata.name.toLowerCase();
    if (this.functions.has(key)) throw new Error(`A function with the name "${metadata.name}" is already registered`);
    const entry = Object.entries(metadata.bindings).find(([, b]) => TRIGGER_SUFFIX.test(b.type));
    if (!entry) throw new Error(`Function "${metadata.name}" has no trigger binding`);
    const [triggerName, trigger] = entry;
    this.functions.set(key, { name: metadata.name, metadata, handler, triggerName, trigger });
    return new Disposable(() => this.functions.delete(key));
  }

  registerHook(name: HookName, cb: HookCallback): Disposable {
    let set = this.hooks.get(name);
    if (!set) this.hooks.set(name, (set = new Set()));
    set.add(cb);
    return new Disposable(() => set.delete(cb));
  }

  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  byTrigger(type: string): RegisteredFunction[] {
    const t = type.toLowerCase();
    return [...this.functions.values()].filter((f) => f.trigger.type.toLowerCase() === t);
  }

  hookCallbacks(name: HookName): HookCallback[] {
    return [...(this.hooks.get(name) ?? [])];
  }
}

let installed: FunctionRegistry | undefined;

/** Answer `require('@azure/functions-core')` with a core API bound to `registry`. Once per process. */
export function installCoreApi(registry: FunctionRegistry, hostVersion = '4.0.0-local'): void {
  if (installed) throw new Error('the functions core API is already installed in this process');
  installed = registry;
  const core = {
    version: '3.10.1',
    hostVersion,
    setProgrammingModel: (m: ProgrammingModel) => {
      registry.programmingModel = m;
    },
    getProgrammingModel: () => registry.programmingModel,
    registerFunction: (metadata: FunctionMetadata, handler: FunctionCallback) => registry.registerFunction(metadata, handler),
    registerHook: (name: HookName, cb: HookCallback) => registry.registerHook(name, cb),
    log: (level: string, _category: string, message: string) => registry.systemLog(level, message),
    Disposable,
  };
  type RequireFn = (this: unknown, id: string) => unknown;
  const proto = Module.prototype as unknown as { require: RequireFn };
  const original = proto.require;
  proto.require = function (this: unknown, id: string) {
    if (id === '@azure/functions-core') return core;
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [string]);
  };
}
