// What an extension (the embedded Durable engine, later others) plugs into the host: the trigger
// and input binding types it serves, and the HTTP paths it answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionRegistry, RegisteredFunction, RpcTypedData } from './core-api';
import type { HostJson } from './app-folder';
import type { Invoker } from './invoker';
import type { Logger } from './logger';

export interface HostContext {
  registry: FunctionRegistry;
  invoker: Invoker;
  logger: Logger;
  hostJson: HostJson;
  dataDir: string;
  /** The host's own base URL, e.g. http://127.0.0.1:7071 (known once it listens). */
  baseUrl: string;
  /** Whether `key` (from `x-functions-key` or `?code=`) may call an extension's system endpoint. */
  authorizeSystem(key: string | undefined, systemKey: string): boolean;
  /** The value of a system key, for URLs the extension hands out; undefined when keys are off. */
  systemKeyValue(systemKey: string): string | undefined;
}

export interface HostExtension {
  name: string;
  /** Trigger types (lower-case) whose functions this extension invokes itself. */
  triggerTypes: string[];
  /** Input binding types (lower-case) this extension supplies data for, on any invocation. */
  inputTypes?: string[];
  /** Name of a system key the extension's webhooks accept (created with the host's keys). */
  systemKey?: string;
  start(host: HostContext): Promise<void>;
  /** Data for one of `inputTypes` on an invocation of `fn`, given the request's origin. */
  inputData?(fn: RegisteredFunction, bindingName: string, origin: string): RpcTypedData | undefined;
  /** Answers a request whose path it owns; returns false to let the host continue. */
  handleRequest?(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  stop(): Promise<void>;
}
