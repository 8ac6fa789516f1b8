// The operator console's static files under /console/. They carry no data and no secret, so they are
// served without a token; every piece of data the console shows comes from the admin API, which
// checks the bearer token the console sends. `npm run build` puts the files in dist/console/.
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import fs from 'node:fs/promises';
import path from 'node:path';

/** dist/functions/console.js → dist/console/; found relative to this file so the app runs from any working directory. */
export const CONSOLE_ROOT = path.resolve(__dirname, '../console');

// Only these extensions are served; anything else (source maps included) is a 404.
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

// The console fetches only its own origin, never runs inline script and cannot be framed.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const plain = (status: number, text: string): HttpResponseInit => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  body: text,
});

/** The file for a request path under the console, or why there is none. */
export async function resolveAsset(requested: string): Promise<{ file: string; type: string } | { status: 400 | 404 }> {
  const relative = requested === '' ? 'index.html' : requested;
  const segments = relative.split('/');
  // The host decodes each segment, so an encoded slash or dot-dot arrives here as text: refuse it rather than normalise it.
  if (relative.includes('\\') || relative.includes('\0') || segments.some((s) => s === '..' || s === '.')) return { status: 400 };
  if (!segments.every((s) => SEGMENT.test(s))) return { status: 404 };
  const type = TYPES[path.extname(relative).toLowerCase()];
  if (!type) return { status: 404 };
  const file = path.resolve(CONSOLE_ROOT, ...segments);
  if (!file.startsWith(CONSOLE_ROOT + path.sep)) return { status: 400 };
  const stat = await fs.lstat(file).catch(() => undefined);
  return stat?.isFile() ? { file, type } : { status: 404 };
}

async function serve(request: HttpRequest): Promise<HttpResponseInit> {
  const requested = request.params.path ?? '';
  // Without the trailing slash the page's relative URLs would resolve against the site root.
  if (requested === '' && !new URL(request.url).pathname.endsWith('/')) {
    return { status: 308, headers: { location: '/console/', 'cache-control': 'no-cache' } };
  }
  const asset = await resolveAsset(requested);
  if ('status' in asset) return asset.status === 400 ? plain(400, 'invalid asset path') : plain(404, 'not found');
  const body = await fs.readFile(asset.file);
  return { status: 200, headers: { 'content-type': asset.type, ...SECURITY_HEADERS }, body };
}

app.http('console', {
  route: 'console/{*path}',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous',
  handler: serve,
});
