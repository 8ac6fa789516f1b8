// One structured line per log record on stdout, filtered by host.json `logging.logLevel` the way
// the Functions host reads it (most specific category wins: Function.<name>.User, Function.<name>,
// Function, default).

export const LEVELS = ['trace', 'debug', 'information', 'warning', 'error', 'critical', 'none'] as const;
export type LogLevel = (typeof LEVELS)[number];

const ALIASES: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  information: 'information',
  info: 'information',
  warning: 'warning',
  warn: 'warning',
  error: 'error',
  critical: 'critical',
  none: 'none',
};

export function parseLevel(value: unknown, fallback: LogLevel = 'information'): LogLevel {
  if (typeof value !== 'string') return fallback;
  return ALIASES[value.toLowerCase()] ?? fallback;
}

const rank = (l: LogLevel) => LEVELS.indexOf(l);

export interface LogRecord {
  level: LogLevel;
  category: string;
  message: string;
  functionName?: string;
  invocationId?: string;
}

export class Logger {
  readonly #levels: Map<string, LogLevel>;
  readonly #defaultLevel: LogLevel;
  readonly #write: (line: string) => void;

  constructor(logLevel: Record<string, unknown> | undefined, write: (line: string) => void = (l) => process.stdout.write(l)) {
    this.#levels = new Map(Object.entries(logLevel ?? {}).map(([k, v]) => [k.toLowerCase(), parseLevel(v)]));
    this.#defaultLevel = this.#levels.get('default') ?? 'information';
    this.#write = write;
  }

  /** The effective level for a function's user logs, or the host's own category. */
  levelFor(category: string, functionName?: string): LogLevel {
    const keys = functionName
      ? [`function.${functionName}.user`, `function.${functionName}`, 'function']
      : [category.toLowerCase(), 'host'];
    for (const k of keys) {
      const found = this.#levels.get(k.toLowerCase());
      if (found) return found;
    }
    return this.#defaultLevel;
  }

  enabled(level: LogLevel, category: string, functionName?: string): boolean {
    return level !== 'none' && rank(level) >= rank(this.levelFor(category, functionName));
  }

  log(record: LogRecord): void {
    if (!this.enabled(record.level, record.category, record.functionName)) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: record.level,
      category: record.category,
    };
    if (record.functionName) line.function = record.functionName;
    if (record.invocationId) line.invocationId = record.invocationId;
    line.message = record.message;
    this.#write(JSON.stringify(line) + '\n');
  }

  host(level: LogLevel, message: string): void {
    this.log({ level, category: 'Host', message });
  }
}
