// What the code does, read from the code: the Azure SDK calls in shared/azure/ (found with the
// TypeScript checker, so a call through any variable or helper is seen), the functions that make
// them, and the settings the deployed app reads.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './arm';

export interface SdkCall {
  /** `Type.method` as the SDK declares it, e.g. `RecordSets.createOrUpdate`. */
  call: string;
  package: string;
  file: string;
  line: number;
  /** The named function or method the call sits in, e.g. `CosmosRouteStore.get` or `readDoc`. */
  within: string;
}

export interface SourceScan {
  calls: SdkCall[];
  /** within → the shared/azure functions it calls (by the same naming). */
  graph: Map<string, Set<string>>;
}

const AZURE_DIR = path.join(ROOT, 'shared/azure');

function enclosingName(node: ts.Node): string {
  for (let p: ts.Node | undefined = node.parent; p; p = p.parent) {
    if (ts.isMethodDeclaration(p) || ts.isConstructorDeclaration(p) || ts.isGetAccessorDeclaration(p)) {
      const cls = p.parent as ts.ClassLikeDeclaration;
      const member = ts.isConstructorDeclaration(p) ? 'constructor' : p.name.getText();
      return `${cls.name?.text ?? '?'}.${member}`;
    }
    if (ts.isFunctionDeclaration(p) && p.name) return p.name.text;
    // Top-level `const f = (...) => ...` only: a local `const client = new X()` is not a function.
    if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) && ts.isVariableStatement(p.parent.parent) && ts.isSourceFile(p.parent.parent.parent)) return p.name.text;
  }
  return '(module)';
}

function declarationName(decl: ts.Declaration): string {
  let owner: ts.Node | undefined = decl.parent;
  while (owner && !ts.isClassDeclaration(owner) && !ts.isInterfaceDeclaration(owner) && !ts.isSourceFile(owner)) owner = owner.parent;
  const ownerName = owner && !ts.isSourceFile(owner) ? ((owner as ts.ClassDeclaration).name?.text ?? '') : '';
  if (ts.isConstructorDeclaration(decl) || ts.isConstructSignatureDeclaration(decl)) return `${ownerName}.constructor`;
  // A property typed as a function (`byPage: (...) => ...`): the signature's parent carries the name.
  const named = (decl as { name?: ts.Node }).name ?? (decl.parent as { name?: ts.Node }).name;
  return `${ownerName}.${named ? named.getText() : '?'}`;
}

let cached: SourceScan | undefined;

export function scanSdkCalls(): SourceScan {
  if (cached) return cached;
  const files = fs
    .readdirSync(AZURE_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(AZURE_DIR, f));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    esModuleInterop: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const calls: SdkCall[] = [];
  const graph = new Map<string, Set<string>>();
  for (const sf of program.getSourceFiles()) {
    if (!files.includes(path.resolve(sf.fileName))) continue;
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
        const decl = checker.getResolvedSignature(n)?.getDeclaration();
        const declFile = decl?.getSourceFile().fileName ?? '';
        const pkg = /node_modules\/(@azure\/[^/]+)\//.exec(declFile)?.[1];
        const within = enclosingName(n);
        if (decl && pkg) {
          calls.push({
            call: declarationName(decl),
            package: pkg,
            file: path.relative(ROOT, sf.fileName),
            line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1,
            within,
          });
        } else if (decl && path.resolve(declFile).startsWith(AZURE_DIR + path.sep)) {
          // An edge to another function or method of the adapters (helpers, private methods).
          const target =
            ts.isMethodDeclaration(decl) || ts.isConstructorDeclaration(decl)
              ? declarationName(decl)
              : ts.isArrowFunction(decl) || ts.isFunctionExpression(decl)
                ? ts.isVariableDeclaration(decl.parent)
                  ? decl.parent.name.getText()
                  : '(anonymous)'
                : ((decl as { name?: ts.Node }).name?.getText() ?? '?');
          if (!graph.has(within)) graph.set(within, new Set());
          graph.get(within)!.add(target);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  cached = { calls, graph };
  return cached;
}

/** The SDK calls `entry` makes, directly or through the adapters' helpers. */
export function reachableCalls(scan: SourceScan, entries: string[]): SdkCall[] {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const at = queue.shift()!;
    if (seen.has(at)) continue;
    seen.add(at);
    for (const next of scan.graph.get(at) ?? []) queue.push(next);
  }
  return scan.calls.filter((c) => seen.has(c.within));
}

/** Who calls `name` (transitively, by the adapters' call graph), stopping at the entry points. */
export function callersOf(scan: SourceScan, name: string): Set<string> {
  const callers = new Set<string>();
  const queue = [name];
  while (queue.length) {
    const target = queue.shift()!;
    for (const [from, tos] of scan.graph) {
      if (tos.has(target) && !callers.has(from)) {
        callers.add(from);
        queue.push(from);
      }
    }
  }
  return callers;
}

export function walk(dir: string, ext = '.ts'): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(rel, ext));
    else if (entry.name.endsWith(ext)) out.push(rel);
  }
  return out;
}

export interface SettingRead {
  name: string;
  file: string;
  line: number;
}

/**
 * Every app setting the deployed code reads: `process.env.X`, `env.X`, `env['X']`,
 * `requiredSetting(env, 'X')` and `%X%` binding expressions, in functions/ and shared/ (local/ is
 * never deployed).
 */
export function settingsReadByCode(): SettingRead[] {
  const patterns = [
    /\benv\.([A-Z][A-Z0-9_]*)\b/g,
    /\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g,
    /\brequiredSetting\(\s*[\w.]+\s*,\s*['"`]([A-Z][A-Z0-9_]*)['"`]/g,
    /['"`]%([A-Za-z][A-Za-z0-9_]*)%['"`]/g,
  ];
  const reads: SettingRead[] = [];
  for (const file of [...walk('functions'), ...walk('shared')]) {
    const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
    lines.forEach((text, k) => {
      if (/^\s*(\/\/|\*)/.test(text)) return;
      for (const re of patterns) for (const m of text.matchAll(re)) reads.push({ name: m[1]!, file, line: k + 1 });
    });
  }
  return reads;
}
