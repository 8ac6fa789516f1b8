// ASP.NET-style route templates as the Functions host accepts them: literal segments, `{name}`,
// `{name?}`, `{name=default}`, `{name:constraint(arg)...}` and a trailing catch-all `{*name}`.

export interface CompiledRoute {
  template: string;
  match(segments: string[]): Record<string, string> | undefined;
  /** Lower sorts first: literal segments beat parameters, constrained beat free, catch-all last. */
  precedence: number[];
}

type Constraint = (value: string) => boolean;

const NUM = /^-?\d+$/;
const CONSTRAINTS: Record<string, (arg?: string) => Constraint> = {
  int: () => (v) => NUM.test(v) && Math.abs(Number(v)) <= 2 ** 31,
  long: () => (v) => NUM.test(v),
  bool: () => (v) => /^(true|false)$/i.test(v),
  alpha: () => (v) => /^[a-z]+$/i.test(v),
  guid: () => (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v),
  decimal: () => (v) => /^-?\d+(\.\d+)?$/.test(v),
  double: () => (v) => v.trim() !== '' && !Number.isNaN(Number(v)),
  float: () => (v) => v.trim() !== '' && !Number.isNaN(Number(v)),
  datetime: () => (v) => !Number.isNaN(Date.parse(v)),
  min: (a) => (v) => NUM.test(v) && Number(v) >= Number(a),
  max: (a) => (v) => NUM.test(v) && Number(v) <= Number(a),
  range: (a) => {
    const [lo, hi] = (a ?? '').split(',').map(Number);
    return (v) => NUM.test(v) && Number(v) >= (lo ?? -Infinity) && Number(v) <= (hi ?? Infinity);
  },
  length: (a) => {
    const [lo, hi] = (a ?? '').split(',').map(Number);
    return hi === undefined ? (v) => v.length === lo : (v) => v.length >= (lo ?? 0) && v.length <= hi;
  },
  minlength: (a) => (v) => v.length >= Number(a),
  maxlength: (a) => (v) => v.length <= Number(a),
  regex: (a) => {
    // Route templates escape braces inside a regex by doubling them.
    const re = new RegExp((a ?? '').replace(/\{\{/g, '{').replace(/\}\}/g, '}'), 'i');
    return (v) => re.test(v);
  },
};

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; fallback?: string; constraints: Constraint[]; catchAll: boolean };

function parseParam(body: string, template: string): Segment {
  const catchAll = body.startsWith('*');
  let rest = catchAll ? body.slice(1).replace(/^\*/, '') : body;
  let fallback: string | undefined;
  const eq = rest.indexOf('=');
  if (eq >= 0) {
    fallback = rest.slice(eq + 1);
    rest = rest.slice(0, eq);
  }
  let optional = false;
  if (rest.endsWith('?')) {
    optional = true;
    rest = rest.slice(0, -1);
  }
  const parts = splitConstraints(rest);
  const name = parts.shift() ?? '';
  if (!/^[A-Za-z_][\w]*$/.test(name)) throw new Error(`invalid route parameter "{${body}}" in "${template}"`);
  const constraints = parts.map((p) => {
    const m = /^(\w+)(?:\((.*)\))?$/s.exec(p);
    const factory = m && CONSTRAINTS[m[1]!.toLowerCase()];
    if (!m || !factory) throw new Error(`unknown route constraint "${p}" in "${template}"`);
    return factory(m[2]);
  });
  return { kind: 'param', name, optional: optional || catchAll, fallback, constraints, catchAll };
}

// Constraints are separated by ':' but a regex argument may itself contain ':' inside parentheses.
function splitConstraints(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ':' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function splitPath(pathname: string): string[] {
  return pathname.split('/').filter((s) => s.length > 0);
}

export function compileRoute(template: string): CompiledRoute {
  const segments: Segment[] = splitPath(template).map((raw) => {
    const m = /^\{(.+)\}$/.exec(raw);
    if (m) return parseParam(m[1]!, template);
    if (raw.includes('{')) throw new Error(`complex route segments are not supported: "${raw}" in "${template}"`);
    return { kind: 'literal', text: raw.toLowerCase() };
  });
  segments.forEach((s, i) => {
    if (s.kind === 'param' && s.catchAll && i !== segments.length - 1) {
      throw new Error(`a catch-all parameter must be the last segment of "${template}"`);
    }
  });
  const precedence = segments.map((s) =>
    s.kind === 'literal' ? 0 : s.catchAll ? 4 : s.optional ? 3 : s.constraints.length ? 1 : 2,
  );
  return {
    template,
    precedence,
    match(parts) {
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const part = parts[i];
        if (seg.kind === 'literal') {
          if (part === undefined || part.toLowerCase() !== seg.text) return undefined;
          continue;
        }
        if (seg.catchAll) {
          const restValue = parts.slice(i).map(decode).join('/');
          if (restValue) params[seg.name] = restValue;
          else if (seg.fallback !== undefined) params[seg.name] = seg.fallback;
          return params;
        }
        if (part === undefined) {
          if (!seg.optional && seg.fallback === undefined) return undefined;
          if (seg.fallback !== undefined) params[seg.name] = seg.fallback;
          continue;
        }
        const value = decode(part);
        if (!seg.constraints.every((c) => c(value))) return undefined;
        params[seg.name] = value;
      }
      return parts.length > segments.length ? undefined : params;
    },
  };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function comparePrecedence(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}
