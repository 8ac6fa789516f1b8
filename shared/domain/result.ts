import type { z } from 'zod';

/** One problem with one field of an input, in words an operator can act on. */
export interface FieldIssue {
  /** Dotted path into the input, `$` for the root, e.g. `$[0].data.EXP`. */
  path: string;
  reason: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(issues: FieldIssue[]): Result<T> => ({ ok: false, issues });

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** Flattens zod's issue tree so every leaf names its field; union failures keep their branches' reasons. */
export function issuesFromZod(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) collect(issue, [...prefix], out);
  return out;
}

interface RawIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: RawIssue[][];
}

function collect(issue: RawIssue, prefix: PropertyKey[], out: FieldIssue[]): void {
  const path = [...prefix, ...issue.path];
  // An invalid union says only "no branch matched"; the reasons worth reading are inside its branches.
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
    const best = closestBranch(issue.errors);
    if (best) {
      for (const inner of best) collect(inner, path, out);
      return;
    }
  }
  out.push({ path: formatPath(path), reason: issue.message });
}

/**
 * The branch the sender most likely meant: the one whose type matched (its failures are about the
 * value, not the type), then the one that failed on fewest fields.
 */
function closestBranch(branches: RawIssue[][]): RawIssue[] | undefined {
  const typeMismatches = (b: RawIssue[]): number => b.filter((i) => i.code === 'invalid_type' && i.path.length === 0).length;
  let best: RawIssue[] | undefined;
  for (const branch of branches) {
    if (branch.length === 0) continue;
    if (!best) {
      best = branch;
      continue;
    }
    const byType = typeMismatches(branch) - typeMismatches(best);
    if (byType < 0 || (byType === 0 && branch.length < best.length)) best = branch;
  }
  return best;
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): Result<z.infer<S>> {
  const parsed = schema.safeParse(input);
  return parsed.success ? ok(parsed.data) : fail(issuesFromZod(parsed.error));
}

export function describeIssues(issues: ReadonlyArray<FieldIssue>): string {
  return issues.map((i) => `${i.path}: ${i.reason}`).join('; ');
}
