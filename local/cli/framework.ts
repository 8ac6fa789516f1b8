// The CLI's skeleton: commands declared as data (so every one gets the same parsing, `--help` and
// usage errors), the exit codes scripts rely on, and the error type that carries them.
import { parseArgs } from 'node:util';

/** Exit codes, documented in docs/CLI.md; scripts branch on them, so they never change meaning. */
export const EXIT = {
  ok: 0,
  /** The operation failed, did not converge, or did not finish within --timeout. */
  failed: 1,
  /** Bad command line or a request the API rejected as invalid (400). */
  usage: 2,
  notFound: 3,
  /** No usable token (401) or the token lacks the role (403). */
  auth: 4,
  unreachable: 5,
  /** Stale If-Match (412) or a conflicting write (409). */
  conflict: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Extra lines shown under the message (field errors, hints). */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export const usageError = (message: string, details: string[] = []) => new CliError(message, EXIT.usage, details);

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** How the value is shown in help, e.g. `<seconds>`. */
  value?: string;
  help: string;
}

export type Options = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface ArgSpec {
  name: string;
  optional?: boolean;
}

export interface Command {
  /** Words after `dpl`, e.g. ['workspace', 'get']. */
  path: string[];
  summary: string;
  description?: string;
  args?: ArgSpec[];
  /** Named groups of options, shown in help in this order. */
  options: Array<[group: string, options: Options]>;
  examples?: string[];
  run(input: { args: Record<string, string | undefined>; values: Values }): Promise<number>;
}

export interface Group {
  path: string[];
  summary: string;
}

const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h', help: 'show this help' } };

const optionLabel = (name: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;

function usageLine(c: Command): string {
  const args = (c.args ?? []).map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`)).join(' ');
  return `dpl ${c.path.join(' ')}${args ? ` ${args}` : ''} [options]`;
}

export function commandHelp(c: Command): string {
  const lines = [`Usage: ${usageLine(c)}`, '', c.description ?? c.summary];
  const groups: Array<[string, Options]> = [...c.options, ['', HELP_OPTION]];
  const width = Math.max(...groups.flatMap(([, o]) => Object.entries(o).map(([n, s]) => optionLabel(n, s).length))) + 2;
  for (const [title, opts] of groups) {
    const entries = Object.entries(opts);
    if (entries.length === 0) continue;
    if (title) lines.push('', `${title}:`);
    for (const [name, spec] of entries) lines.push(`  ${optionLabel(name, spec).padEnd(width)}${spec.help}`);
  }
  if (c.examples?.length) lines.push('', 'Examples:', ...c.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

export function groupHelp(group: Group, commands: Command[]): string {
  const below = commands.filter((c) => group.path.every((w, i) => c.path[i] === w) && c.path.length > group.path.length);
  const width = Math.max(...below.map((c) => c.path.slice(group.path.length).join(' ').length)) + 3;
  return [
    `Usage: dpl ${group.path.join(' ')} <command> [options]`,
    '',
    group.summary,
    '',
    'Commands:',
    ...below.map((c) => `  ${c.path.slice(group.path.length).join(' ').padEnd(width)}${c.summary}`),
    '',
    `Run 'dpl ${group.path.join(' ')} <command> --help' for a command's options.`,
  ].join('\n') + '\n';
}

/** Parses a command's arguments; every mistake is a usage error naming the command. */
export function parseCommand(c: Command, argv: string[]): { help: true } | { help: false; args: Record<string, string | undefined>; values: Values } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [, group] of [...c.options, ['', HELP_OPTION] as [string, Options]]) {
    for (const [name, o] of Object.entries(group)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`dpl ${c.path.join(' ')}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, [`Usage: ${usageLine(c)}`, `Run 'dpl ${c.path.join(' ')} --help' for more.`]);
  }
  if (parsed.values.help) return { help: true };
  const specs = c.args ?? [];
  if (parsed.positionals.length > specs.length) {
    throw usageError(`dpl ${c.path.join(' ')}: unexpected argument '${parsed.positionals[specs.length]}'`, [`Usage: ${usageLine(c)}`]);
  }
  const args: Record<string, string | undefined> = {};
  specs.forEach((spec, i) => {
    const v = parsed.positionals[i];
    if (v === undefined && !spec.optional) throw usageError(`dpl ${c.path.join(' ')}: missing <${spec.name}>`, [`Usage: ${usageLine(c)}`]);
    args[spec.name] = v;
  });
  return { help: false, args, values: parsed.values as Values };
}

export const str = (values: Values, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

export const list = (values: Values, name: string): string[] => {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};

export const flag = (values: Values, name: string): boolean => values[name] === true;
