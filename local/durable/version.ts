// The engine speaks the library's internal out-of-proc protocol, so it runs only with the exact
// durable-functions version it was verified against.
import fs from 'node:fs';
import path from 'node:path';

export const PINNED_DURABLE_FUNCTIONS = '3.5.0';

export interface InstalledCopy {
  dir: string;
  version: string;
}

function versionAt(dir: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Every copy of durable-functions this process has loaded (the app's), plus the engine's own. */
export function loadedDurableFunctions(): InstalledCopy[] {
  const dirs = new Set<string>();
  const marker = `${path.sep}durable-functions${path.sep}lib${path.sep}src${path.sep}`;
  for (const file of Object.keys(require.cache)) {
    const i = file.lastIndexOf(marker);
    if (i >= 0) dirs.add(file.slice(0, i + `${path.sep}durable-functions`.length));
  }
  try {
    dirs.add(path.dirname(require.resolve('durable-functions/package.json')));
  } catch {
    // not installed next to the engine: the app's copies (if any) are what matters
  }
  return [...dirs].map((dir) => ({ dir, version: versionAt(dir) }));
}

/** A message for each copy that is not the pinned version. */
export function versionProblems(copies: InstalledCopy[] = loadedDurableFunctions()): string[] {
  return copies
    .filter((c) => c.version !== PINNED_DURABLE_FUNCTIONS)
    .map(
      (c) =>
        `durable-functions ${c.version} is installed at ${c.dir}, but the local Durable engine is verified against ` +
        `exactly ${PINNED_DURABLE_FUNCTIONS} (it drives the library's internal replay protocol); install durable-functions@${PINNED_DURABLE_FUNCTIONS}`,
    );
}
