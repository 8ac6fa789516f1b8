// Invokes captured functions the way the Node worker does: through the library's ProgrammingModel
// (so argument and return conversions are the library's own), with the worker's hook protocol
// around the call.
import { randomUUID } from 'node:crypto';
import type {
  CoreInvocationContext,
  FunctionCallback,
  FunctionRegistry,
  InvocationResponse,
  RegisteredFunction,
  RpcTypedData,
} from './core-api';
import { parseLevel, type Logger } from './logger';

export interface InvokeRequest {
  /** Data for bindings by name; the trigger binding's name is filled in from `trigger`. */
  trigger?: RpcTypedData;
  inputs?: Record<string, RpcTypedData>;
  triggerMetadata?: Record<string, RpcTypedData>;
  invocationId?: string;
}

export interface InvokeResult {
  invocationId: string;
  response: InvocationResponse;
  /** What the handler returned, before conversion (streaming HTTP needs to know "nothing"). */
  result: unknown;
}

export type InputResolver = (fn: RegisteredFunction, bindingName: string, bindingType: string) => RpcTypedData | undefined;

export class Invoker {
  /** Supplies data for input bindings that no trigger carries (for example `durableClient`). */
  inputResolver: InputResolver | undefined;
  readonly #appHookData: Record<string, unknown> = {};
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly logger: Logger,
  ) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves when no invocation is running (used by graceful shutdown). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async runAppHook(name: 'appStart' | 'appTerminate', functionAppDirectory: string): Promise<void> {
    for (const cb of this.registry.hookCallbacks(name)) {
      await cb({ hookData: this.#appHookData, appHookData: this.#appHookData, functionAppDirectory });
    }
  }

  async invoke(fn: RegisteredFunction, req: InvokeRequest): Promise<InvokeResult> {
    const model = this.registry.programmingModel;
    if (!model) throw new Error('the app registered no functions through @azure/functions');
    const invocationId = req.invocationId ?? randomUUID();
    const inputData: CoreInvocationContext['request']['inputData'] = [];
    if (req.trigger !== undefined) inputData.push({ name: fn.triggerName, data: req.trigger });
    for (const [name, data] of Object.entries(req.inputs ?? {})) inputData.push({ name, data });
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (binding.direction !== 'in' || name === fn.triggerName || req.inputs?.[name]) continue;
      const data = this.inputResolver?.(fn, name, binding.type.toLowerCase());
      if (data) inputData.push({ name, data });
    }

    const coreCtx: CoreInvocationContext = {
      invocationId,
      request: { inputData, triggerMetadata: req.triggerMetadata ?? {} },
      metadata: fn.metadata,
      state: undefined,
      log: (level, category, message) =>
        this.logger.log({
          level: parseLevel(level),
          category: category === 'user' ? `Function.${fn.name}.User` : `Function.${fn.name}`,
          functionName: category === 'user' ? fn.name : undefined,
          invocationId,
          message,
        }),
    };

    this.#inFlight++;
    const started = performance.now();
    const executed = (outcome: string) =>
      this.logger.log({
        level: outcome === 'Succeeded' ? 'information' : 'error',
        category: `Function.${fn.name}`,
        invocationId,
        message: `Executed '${fn.name}' (${outcome}, Duration=${Math.round(performance.now() - started)}ms)`,
      });
    try {
      const invocationModel = model.getInvocationModel(coreCtx);
      const { context, inputs: initialInputs } = await invocationModel.getArguments();
      const hookData: Record<string, unknown> = {};

      const pre: Record<string, unknown> & { inputs: unknown[]; functionCallback: FunctionCallback } = {
        hookData,
        appHookData: this.#appHookData,
        invocationContext: context,
        inputs: initialInputs,
        functionCallback: fn.handler,
      };
      coreCtx.state = 'preInvocationHooks';
      for (const cb of this.registry.hookCallbacks('preInvocation')) await cb(pre);

      coreCtx.state = 'invocation';
      const post: Record<string, unknown> & { result?: unknown; error?: unknown } = {
        hookData,
        appHookData: this.#appHookData,
        invocationContext: context,
        inputs: pre.inputs,
        result: null,
        error: null,
      };
      try {
        post.result = await invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback);
      } catch (err) {
        post.error = err;
      }
      coreCtx.state = 'postInvocationHooks';
      for (const cb of this.registry.hookCallbacks('postInvocation')) await cb(post);
      if (post.error !== null && post.error !== undefined) throw post.error;
      const response = await invocationModel.getResponse(context, post.result);
      executed('Succeeded');
      return { invocationId, response, result: post.result };
    } catch (err) {
      executed(`Failed: ${failureMessage(err)}`);
      throw err;
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }
}

/**
 * The message to log for a failed invocation. A failed orchestrator's error embeds the library's
 * whole state after `$OutOfProcData$` (activity inputs included), which must not reach the logs.
 */
export function failureMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const cut = text.indexOf('$OutOfProcData$');
  return cut < 0 ? text : text.slice(0, cut).trim() || 'orchestrator failed (details in the instance status)';
}
