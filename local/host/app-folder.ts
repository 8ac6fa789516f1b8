// Reads a Functions app folder the way `func start` does: host.json, package.json `main` (a file or
// a glob), local.settings.json `Values` as environment variables.
import fs from 'node:fs';
import path from 'node:path';

export class HostStartError extends Error {
  override name = 'HostStartError';
}

export interface HostJson {
  version?: string;
  logging?: { logLevel?: Record<string, unknown> };
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: Record<string, unknown>;
    [key: string]: unknown;
  };
  functionTimeout?: string;
  [key: string]: unknown;
}

export interface AppFolder {
  dir: string;
  hostJson: HostJson;
  mainFiles: string[];
  settings: Record<string, string>;
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HostStartError(`${what} (${file}) is not valid JSON: ${(err as Error).message}`);
  }
}

export function readAppFolder(folder: string): AppFolder {
  const dir = path.resolve(folder);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new HostStartError(`app folder not found: ${dir}`);
  const hostFile = path.join(dir, 'host.json');
  if (!fs.existsSync(hostFile)) {
    throw new HostStartError(`${dir} is not an Azure Functions app: it has no host.json`);
  }
  const hostJson = readJson(hostFile, 'host.json') as HostJson;
  if (typeof hostJson !== 'object' || hostJson === null || hostJson.version !== '2.0') {
    throw new HostStartError(`${hostFile} must be an object with "version": "2.0" (Functions v4)`);
  }
  const pkgFile = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgFile)) throw new HostStartError(`${dir} has no package.json: the Node worker needs its "main"`);
  const pkg = readJson(pkgFile, 'package.json') as { main?: unknown };
  const main = typeof pkg.main === 'string' && pkg.main ? pkg.main : 'index.js';
  const mainFiles = expandGlob(dir, main);
  if (mainFiles.length === 0) {
    throw new HostStartError(`package.json "main" (${main}) matches no file in ${dir}; did you build the app?`);
  }
  const settings: Record<string, string> = {};
  const settingsFile = path.join(dir, 'local.settings.json');
  if (fs.existsSync(settingsFile)) {
    const parsed = readJson(settingsFile, 'local.settings.json') as { Values?: Record<string, unknown> };
    for (const [k, v] of Object.entries(parsed.Values ?? {})) {
      if (v !== null && v !== undefined) settings[k] = String(v);
    }
  }
  return { dir, hostJson, mainFiles, settings };
}

/** Minimal glob (`*`, `?`, `**`, `{a,b}`) relative to `dir`; enough for package.json `main`. */
export function expandGlob(dir: string, pattern: string): string[] {
  const normalized = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
  if (!/[*?{]/.test(normalized)) {
    const file = path.join(dir, normalized);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? [file] : [];
  }
  const regex = new RegExp('^' + globToRegex(normalized) + '$');
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(childRel);
      else if (regex.test(childRel)) out.push(path.join(dir, childRel));
    }
  };
  walk('');
  return out.sort();
}

function globToRegex(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
        i += glob[i + 2] === '/' ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += '(?:' + glob.slice(i + 1, end).split(',').map(globToRegex).join('|') + ')';
        i = end;
      }
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return re;
}
