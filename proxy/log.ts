// Structured JSON logs, one line per event, to stdout. Never pass secrets, keys or bodies in fields.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(min: Level, base: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const threshold = ORDER[min];
  return {
    log(level, msg, fields) {
      if (ORDER[level] < threshold) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };
