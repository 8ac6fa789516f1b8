// The console's static files over plain HTTP: content types and headers, 404 for anything that is not
// one of them, path traversal refused; and the admin API's reader routes the console relies on.
import http from 'node:http';
import { mintLocalToken } from '../../local/admin-token';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';

let host: HostProcess;
let reader: string;

beforeAll(async () => {
  const dataDir = tempDir('console-assets');
  host = await startHost({ app: REPO, dataDir, env: { DPL_MODE: 'local', DATA_DIR: dataDir, SWEEP_SCHEDULE: '0 0 0 1 1 *' } });
  reader = await mintLocalToken(dataDir, ['PrivateLink.Reader']);
});
afterAll(() => host?.stop());

/** A request whose path goes on the wire exactly as written (fetch would normalise dot segments first). */
function raw(method: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(host.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static assets', () => {
  test('/console redirects to /console/, which is the page, without a token', async () => {
    const bare = await raw('GET', '/console');
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe('/console/');
    const page = await raw('GET', '/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="js/main.js"></script>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await raw('GET', '/console/index.html')).body).toBe(page.body);
  });

  test.each([
    ['/console/console.css', 'text/css; charset=utf-8'],
    ['/console/icon.svg', 'image/svg+xml'],
    ['/console/js/main.js', 'text/javascript; charset=utf-8'],
    ['/console/js/pages/workspace.js', 'text/javascript; charset=utf-8'],
  ])('%s is served as %s', async (path, type) => {
    const res = await raw('GET', path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body.length).toBeGreaterThan(0);
    const head = await raw('HEAD', path);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  test.each(['/console/nope.html', '/console/js/nope.js', '/console/js', '/console/.env', '/console/js/main.ts', '/console/tsconfig.json', '/console/js/main.js.map'])(
    'unknown asset %s is a 404',
    async (path) => {
      const res = await raw('GET', path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    },
  );

  test.each([
    '/console/..%2Fpackage.json',
    '/console/..%2F..%2Fpackage.json',
    '/console/js/..%2F..%2F..%2Fhost.json',
    '/console/%2e%2e%2F%2e%2e%2Fpackage.json',
    '/console/js%5C..%5C..%5Cpackage.json',
  ])('path traversal %s is refused', async (path) => {
    const res = await raw('GET', path);
    expect(res.status).toBe(400);
    expect(res.body).not.toContain('dicom-privatelink');
  });

  test('dot segments normalised away by the URL never reach outside the console', async () => {
    // /console/../package.json is /package.json after URL parsing: no route there.
    for (const path of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/js/../../host.json']) {
      const res = await raw('GET', path);
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('dicom-privatelink');
    }
  });

  test('only GET and HEAD', async () => {
    expect((await raw('POST', '/console/')).status).toBe(404);
  });
});

describe('reader routes the console uses', () => {
  const get = (path: string, token?: string) => fetch(`${host.url}/api${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('existing URLs keep their /api prefix after routePrefix became ""', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await fetch(`${host.url}/healthz`)).status).toBe(404);
  });

  test('every new route needs a token', async () => {
    for (const path of ['/fleet', '/operations', '/operations/ws%3Ax/history', '/workspaces/cardio/resources']) {
      const res = await get(path);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  test('fleet: counts by state and the configured regions', async () => {
    const res = await get('/fleet', reader);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ counts: { Ready: 0, Pending: 0, Failed: 0, NotReady: 0 }, value: [], regions: [{ name: 'local', clusters: ['local-1'] }] });
  });

  test('operations: query validated at the edge', async () => {
    expect((await get('/operations?top=5&status=Running,Failed', reader)).status).toBe(200);
    const bad = await get('/operations?status=Sleeping&top=0&colour=blue', reader);
    expect(bad.status).toBe(400);
    const doc = (await bad.json()) as { errors: Array<{ path: string }> };
    expect(doc.errors.map((e) => e.path).sort()).toEqual(['$.query', '$.query.status[0]', '$.query.top'].sort());
    expect((await get('/operations/nothing-like-this/history', reader)).status).toBe(404);
  });

  test('resources of an unknown workspace are a 404, of an invalid name a 400', async () => {
    expect((await get('/workspaces/nobody/resources', reader)).status).toBe(404);
    expect((await get('/workspaces/Not_A_Name/resources', reader)).status).toBe(400);
  });
});
