// A small evaluator for the ARM template language, enough for our templates: the infra tests expand
// copy loops and evaluate names, scopes, settings and filters with example parameters, so they check
// what Azure would deploy rather than the spelling of an expression. An unknown function throws, so a
// template that outgrows this evaluator fails loudly instead of being checked half-way.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

type Node =
  | { kind: 'str'; value: string }
  | { kind: 'num'; value: number }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'prop'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node };

export function parseExpression(text: string): Node {
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string) => {
    skip();
    if (text[i] !== c) throw new Error(`ARM expression: expected '${c}' at ${i} in ${text}`);
    i++;
  };
  const primary = (): Node => {
    skip();
    const c = text[i]!;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`ARM expression: unterminated string in ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      return { kind: 'str', value };
    }
    const num = /^-?\d+/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: 'num', value: Number(num[0]) };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!ident) throw new Error(`ARM expression: unexpected '${c}' at ${i} in ${text}`);
    i += ident[0].length;
    expect('(');
    const args: Node[] = [];
    skip();
    if (text[i] === ')') i++;
    else {
      for (;;) {
        args.push(expression());
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(')');
        break;
      }
    }
    return { kind: 'call', name: ident[0], args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      skip();
      if (text[i] === '.') {
        i++;
        const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
        if (!name) throw new Error(`ARM expression: expected a property at ${i} in ${text}`);
        i += name.length;
        node = { kind: 'prop', target: node, name };
      } else if (text[i] === '[') {
        i++;
        const index = expression();
        expect(']');
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const node = expression();
  skip();
  if (i !== text.length) throw new Error(`ARM expression: trailing text at ${i} in ${text}`);
  return node;
}

/** What `reference()` returns: the resource id and the property path read from it. */
export class Reference {
  constructor(
    readonly resourceId: string,
    readonly path: string[] = [],
  ) {}
  get(name: string): Reference {
    return new Reference(this.resourceId, [...this.path, name]);
  }
  toString(): string {
    return `<reference ${this.resourceId}${this.path.map((p) => `.${p}`).join('')}>`;
  }
}

export interface Context {
  subscriptionId: string;
  tenantId: string;
  resourceGroup: string;
  location: string;
  parameters: Record<string, unknown>;
  /** Where resources without a `scope` land: the resource group (default) or, in a nested subscription deployment, the subscription. */
  deploymentScope?: 'resourceGroup' | 'subscription';
}

export const EXAMPLE_CONTEXT = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  tenantId: '11111111-1111-1111-1111-111111111111',
  resourceGroup: 'dpl-control-plane',
  location: 'eastus',
};

export interface Template {
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
  variables?: Record<string, unknown>;
  resources: Array<Record<string, unknown>>;
  outputs?: Record<string, unknown>;
}

export interface Resource {
  type: string;
  name: string;
  /** Resource id, or for an extension resource the id of what it extends plus its own segment. */
  id: string;
  scope?: string;
  properties: unknown;
  raw: Record<string, unknown>;
  [key: string]: unknown;
}

const isExpression = (v: unknown): v is string => typeof v === 'string' && v.startsWith('[') && !v.startsWith('[[') && v.endsWith(']');

export class Evaluator {
  readonly #variables = new Map<string, unknown>();

  constructor(
    readonly template: Template,
    readonly context: Context,
  ) {}

  rgId(rg = this.context.resourceGroup): string {
    return `/subscriptions/${this.context.subscriptionId}/resourceGroups/${rg}`;
  }

  parameter(name: string): unknown {
    if (name in this.context.parameters) return this.context.parameters[name];
    const declared = this.template.parameters?.[name];
    if (!declared) throw new Error(`template has no parameter '${name}'`);
    if (declared.defaultValue === undefined) throw new Error(`parameter '${name}' has no value and no default`);
    return this.value(declared.defaultValue, {});
  }

  variable(name: string): unknown {
    if (!this.#variables.has(name)) {
      if (!this.template.variables || !(name in this.template.variables)) throw new Error(`template has no variable '${name}'`);
      this.#variables.set(name, this.value(this.template.variables[name], {}));
    }
    return this.#variables.get(name);
  }

  /** Evaluates every expression inside a JSON value. */
  value(v: unknown, scope: { copyIndex?: number; lambda?: Record<string, unknown> }): unknown {
    if (isExpression(v)) return this.evaluate(parseExpression(v.slice(1, -1)), scope);
    if (Array.isArray(v)) return v.map((x) => this.value(x, scope));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x, scope)]));
    return v;
  }

  evaluate(node: Node, scope: { copyIndex?: number; lambda?: Record<string, unknown> }): unknown {
    switch (node.kind) {
      case 'str':
      case 'num':
        return node.value;
      case 'prop': {
        const target = this.evaluate(node.target, scope);
        if (target instanceof Reference) return target.get(node.name);
        if (target === null || typeof target !== 'object') throw new Error(`ARM: .${node.name} of ${String(target)}`);
        if (!(node.name in target)) throw new Error(`ARM: property '${node.name}' does not exist`);
        return (target as Record<string, unknown>)[node.name];
      }
      case 'index': {
        const target = this.evaluate(node.target, scope) as Record<string | number, unknown>;
        const index = this.evaluate(node.index, scope) as string | number;
        if (target === null || typeof target !== 'object' || !(index in target)) throw new Error(`ARM: index ${index} does not exist`);
        return target[index];
      }
      case 'call':
        return this.call(node, scope);
    }
  }

  call(node: Extract<Node, { kind: 'call' }>, scope: { copyIndex?: number; lambda?: Record<string, unknown> }): unknown {
    const name = node.name.toLowerCase();
    // Lazily evaluated, as ARM does: the branch not taken may not be valid.
    if (name === 'if') {
      const cond = this.evaluate(node.args[0]!, scope);
      return this.evaluate(node.args[cond ? 1 : 2]!, scope);
    }
    if (name === 'map') {
      const items = this.evaluate(node.args[0]!, scope) as unknown[];
      const lambda = node.args[1];
      if (!lambda || lambda.kind !== 'call' || lambda.name.toLowerCase() !== 'lambda') throw new Error('ARM: map needs a lambda');
      const variable = (lambda.args[0] as { value: string }).value;
      return items.map((item) => this.evaluate(lambda.args[1]!, { ...scope, lambda: { ...scope.lambda, [variable]: item } }));
    }
    const a = node.args.map((x) => this.evaluate(x, scope));
    const s = (k: number) => String(a[k]);
    const c = this.context;
    switch (name) {
      case 'parameters':
        return this.parameter(s(0));
      case 'variables':
        return this.variable(s(0));
      case 'lambdavariables':
        if (!scope.lambda || !(s(0) in scope.lambda)) throw new Error(`ARM: no lambda variable ${s(0)}`);
        return scope.lambda[s(0)];
      case 'copyindex':
        if (scope.copyIndex === undefined) throw new Error('ARM: copyIndex() outside a copy loop');
        return scope.copyIndex + (a.length ? Number(a[a.length - 1]) : 0);
      case 'resourcegroup':
        if (c.deploymentScope === 'subscription') throw new Error('ARM: resourceGroup() in a subscription deployment');
        return { id: this.rgId(), name: c.resourceGroup, location: c.location };
      case 'subscription':
        return { id: `/subscriptions/${c.subscriptionId}`, subscriptionId: c.subscriptionId, tenantId: c.tenantId };
      case 'environment':
        return { name: 'AzureCloud', suffixes: { storage: 'core.windows.net' } };
      case 'uniquestring':
        return `u${Buffer.from(a.join('|')).toString('hex').slice(-12)}`;
      case 'guid':
        // Deterministic like ARM's, and shaped like a GUID so ids built from it split cleanly.
        return createHash('sha1').update(a.join('|')).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
      case 'format':
        return s(0).replace(/\{(\d+)\}/g, (_, n: string) => String(a[Number(n) + 1]));
      case 'concat':
        return Array.isArray(a[0]) ? a.flatMap((x) => x as unknown[]) : a.map(String).join('');
      case 'string':
        return typeof a[0] === 'string' ? a[0] : JSON.stringify(a[0]);
      case 'tolower':
        return s(0).toLowerCase();
      case 'take':
        return (a[0] as string | unknown[]).slice(0, Number(a[1]));
      case 'split':
        return s(0).split(s(1));
      case 'first':
        return (a[0] as unknown[])[0];
      case 'length':
        return (a[0] as unknown[]).length;
      case 'empty':
        return a[0] === '' || a[0] === null || (Array.isArray(a[0]) && a[0].length === 0) || (typeof a[0] === 'object' && a[0] !== null && Object.keys(a[0]).length === 0);
      case 'equals':
        return JSON.stringify(a[0]) === JSON.stringify(a[1]);
      case 'not':
        return !a[0];
      case 'coalesce':
        return a.find((x) => x !== null && x !== undefined) ?? null;
      case 'tryget':
        return a[0] && typeof a[0] === 'object' && s(1) in a[0] ? (a[0] as Record<string, unknown>)[s(1)] : null;
      case 'null':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
      case 'createobject': {
        const out: Record<string, unknown> = {};
        for (let k = 0; k < a.length; k += 2) out[s(k)] = a[k + 1];
        return out;
      }
      case 'createarray':
        return a;
      case 'union':
        return Array.isArray(a[0]) ? [...new Set(a.flatMap((x) => x as unknown[]))] : Object.assign({}, ...a);
      case 'resourceid':
        return this.resourceId(a.map(String));
      case 'subscriptionresourceid':
        return `/subscriptions/${c.subscriptionId}/providers/${s(0)}/${a.slice(1).join('/')}`;
      case 'extensionresourceid':
        return `${s(0)}/providers/${s(1)}/${a.slice(2).join('/')}`;
      case 'reference':
        return new Reference(s(0));
      default:
        throw new Error(`ARM: the test evaluator does not know ${node.name}()`);
    }
  }

  resourceId(args: string[]): string {
    // resourceId([subscriptionId,] [resourceGroup,] type, name1, name2, ...)
    const typeAt = args.findIndex((x) => x.includes('/'));
    const rg = typeAt >= 1 ? args[typeAt - 1]! : this.context.resourceGroup;
    const type = args[typeAt]!;
    const [provider, ...types] = type.split('/');
    const names = args.slice(typeAt + 1);
    return `${this.rgId(rg)}/providers/${provider}/${types.map((t, k) => `${t}/${names[k]}`).join('/')}`;
  }

  /** Every resource the template deploys with these parameters: copy loops expanded, false conditions dropped. */
  resources(): Resource[] {
    const out: Resource[] = [];
    for (const raw of this.template.resources) {
      const copy = raw.copy as { count: unknown } | undefined;
      const count = copy ? Number(this.value(copy.count, {})) : 1;
      for (let k = 0; k < count; k++) {
        const scope = copy ? { copyIndex: k } : {};
        if (raw.condition !== undefined && !this.value(raw.condition, scope)) continue;
        if (raw.type === 'Microsoft.Resources/deployments') {
          out.push(...this.nested(raw, scope));
          continue;
        }
        const evaluated = this.value({ ...raw, copy: undefined, dependsOn: undefined }, scope) as Record<string, unknown>;
        const type = String(evaluated.type);
        const name = String(evaluated.name);
        const [provider, ...types] = type.split('/');
        const names = name.split('/');
        const own = `providers/${provider}/${types.map((t, j) => `${t}/${names[j]}`).join('/')}`;
        const scopeId = evaluated.scope === undefined ? this.deploymentScopeId() : this.scopeId(String(evaluated.scope));
        out.push({ ...evaluated, type, name, id: `${scopeId}/${own}`, scope: evaluated.scope === undefined ? undefined : scopeId, properties: evaluated.properties, raw });
      }
    }
    return out;
  }

  deploymentScopeId(): string {
    return this.context.deploymentScope === 'subscription' ? `/subscriptions/${this.context.subscriptionId}` : this.rgId();
  }

  /** The resources of a nested deployment (inner expression scope): its parameters evaluated here, its template there. */
  nested(raw: Record<string, unknown>, scope: { copyIndex?: number }): Resource[] {
    const properties = raw.properties as { template?: Template; parameters?: Record<string, { value: unknown }>; expressionEvaluationOptions?: { scope?: string } };
    if (!properties.template || properties.expressionEvaluationOptions?.scope !== 'inner') throw new Error('the test evaluator expands only nested deployments with an inline template and inner scope');
    const parameters = Object.fromEntries(Object.entries(properties.parameters ?? {}).map(([k, v]) => [k, this.value(v.value, scope)]));
    const resourceGroup = raw.resourceGroup === undefined ? undefined : String(this.value(raw.resourceGroup, scope));
    const atSubscription = resourceGroup === undefined && raw.subscriptionId !== undefined;
    return new Evaluator(properties.template, {
      ...this.context,
      resourceGroup: resourceGroup ?? this.context.resourceGroup,
      parameters,
      deploymentScope: atSubscription ? 'subscription' : 'resourceGroup',
    }).resources();
  }

  /** A `scope` as ARM reads it: a resource id, or the relative form `Provider/type/name[/type/name]`. */
  scopeId(scope: string): string {
    return scope.startsWith('/') ? scope : `${this.rgId()}/providers/${scope}`;
  }
}

/** `Microsoft.Storage/storageAccounts/blobServices/containers` from a resource id. */
export function resourceTypeOf(id: string): string {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return id.includes('/resourceGroups/') ? 'resourceGroup' : 'subscription';
  const [provider, ...rest] = id.slice(at + '/providers/'.length).split('/');
  return [provider, ...rest.filter((_, k) => k % 2 === 0)].join('/');
}

export function readJson<T = unknown>(relative: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, relative), 'utf8')) as T;
}

/** Parameter values from an example parameters file, with overrides. */
export function exampleParameters(relative: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const file = readJson<{ parameters: Record<string, { value: unknown }> }>(relative);
  return { ...Object.fromEntries(Object.entries(file.parameters).map(([k, v]) => [k, v.value])), ...overrides };
}
