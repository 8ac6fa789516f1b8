import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * shared/domain is the functional core: it may import zod and its own modules, nothing else, and it
 * may not read the clock, randomness or the environment. Time and identity come in as arguments.
 */
const DOMAIN = resolve(__dirname, '../../../shared/domain');
const ALLOWED_PACKAGES = new Set(['zod']);

const FORBIDDEN_CALLS: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'reads the clock (Date.now)'],
  [/\bnew\s+Date\s*\(\s*\)/, 'reads the clock (new Date())'],
  [/\bnew\s+Date\b(?!\s*\()/, 'reads the clock (new Date)'],
  [/\bDate\s*\(\s*\)/, 'reads the clock (Date())'],
  [/\bMath\.random\s*\(/, 'reads randomness (Math.random)'],
  [/\bcrypto\.(random\w*|getRandomValues)\b/, 'reads randomness (crypto.random*)'],
  [/\bperformance\.now\s*\(/, 'reads the clock (performance.now)'],
  [/\bprocess\.hrtime\b/, 'reads the clock (process.hrtime)'],
  [/\bprocess\.env\b/, 'reads the environment (process.env)'],
  [/\bsetTimeout\s*\(|\bsetInterval\s*\(|\bsetImmediate\s*\(/, 'schedules work (timers)'],
];

/** Removes comments so that prose explaining a rule does not trip it; strings are kept (imports live there). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const p of patterns) for (const m of source.matchAll(p)) specifiers.push(m[1] as string);
  return specifiers;
}

export function violations(file: string, source: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  for (const spec of importsOf(code)) {
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (target !== DOMAIN && !target.startsWith(DOMAIN + sep)) found.push(`imports ${spec}, outside shared/domain`);
    } else if (!ALLOWED_PACKAGES.has(spec)) {
      found.push(`imports ${spec}`);
    }
  }
  if (/\bimport\s*\(/.test(code)) found.push('loads modules dynamically');
  for (const [pattern, why] of FORBIDDEN_CALLS) if (pattern.test(code)) found.push(why);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('shared/domain is pure', () => {
  const files = tsFiles(DOMAIN);

  it('has modules to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [relative(DOMAIN, f), f]))('%s imports no I/O and reads no clock or randomness', (_name, file) => {
    expect(violations(file, readFileSync(file, 'utf8'))).toEqual([]);
  });
});

describe('the purity check itself', () => {
  const file = join(DOMAIN, 'example.ts');

  it.each<[string, string]>([
    ["import { readFileSync } from 'fs';", 'imports fs'],
    ["import { readFileSync } from 'node:fs';", 'imports node:fs'],
    ["import * as net from 'net';", 'imports net'],
    ["import http from 'http';", 'imports http'],
    ["import https from 'node:https';", 'imports node:https'],
    ["import dns from 'dns';", 'imports dns'],
    ["import tls from 'tls';", 'imports tls'],
    ["const cp = require('child_process');", 'imports child_process'],
    ["import { Worker } from 'worker_threads';", 'imports worker_threads'],
    ["import { CertificateClient } from '@azure/keyvault-certificates';", 'imports @azure/keyvault-certificates'],
    ["import { x } from '../azure/dns';", 'imports ../azure/dns, outside shared/domain'],
    ["import '../ports/clock';", 'imports ../ports/clock, outside shared/domain'],
    ['const t = Date.now();', 'reads the clock (Date.now)'],
    ['const t = new Date();', 'reads the clock (new Date())'],
    ['const t = new Date;', 'reads the clock (new Date)'],
    ['const r = Math.random();', 'reads randomness (Math.random)'],
    ['const id = crypto.randomUUID();', 'reads randomness (crypto.random*)'],
    ['const b = crypto.randomBytes(4);', 'reads randomness (crypto.random*)'],
    ['const t = performance.now();', 'reads the clock (performance.now)'],
    ['const t = process.hrtime.bigint();', 'reads the clock (process.hrtime)'],
  ])('flags %s', (source, expected) => {
    expect(violations(file, source)).toContain(expected);
  });

  it.each([
    "import { z } from 'zod';",
    "import { plan } from './plan/plan';",
    'const t = new Date(ms).toISOString();',
    'const t = Date.parse(text);',
    '// Date.now() is never called here',
    '/* Math.random() would make plans differ */',
  ])('allows %s', (source) => {
    expect(violations(file, source)).toEqual([]);
  });
});
