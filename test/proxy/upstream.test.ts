// Backend pools by name: a slow or failing resolver never stalls requests once a name is known;
// a changed answer gets a new pool; client certificate rotation rebuilds pools.
import { Upstreams, type Resolved } from '../../proxy/upstream';
import { Pki } from './helpers';

const pki = new Pki();
const client = pki.issue('client', 'c', ['c']);
afterAll(() => pki.cleanup());

function upstreams(resolve: (host: string) => Promise<Resolved>): Upstreams {
  return new Upstreams(
    {
      defaultPort: 443,
      caFile: pki.p('ca.pem'),
      certFile: client.certFile,
      keyFile: client.keyFile,
      connections: 2,
      connectTimeoutMs: 1000,
      keepAliveTimeoutMs: 1000,
      dns: { servers: [], minTtlSeconds: 0, maxTtlSeconds: 300, ttlDefaultSeconds: 30 },
    },
    resolve,
  );
}

it('resolves a name once, then serves synchronously; an expired name is re-resolved in the background', async () => {
  let calls = 0;
  let answer = '127.0.0.1';
  let hang = false;
  const u = upstreams(async () => {
    calls++;
    if (hang) return new Promise<Resolved>(() => {});
    return { address: answer, ttlSeconds: answer === '127.0.0.1' ? 0 : 300 };
  });
  try {
    const first = await u.get('ingress.internal.test:8443');
    expect(first).toMatchObject({ name: 'ingress.internal.test', port: 8443, address: '127.0.0.1', servername: 'ingress.internal.test' });
    // Expired (TTL 0): the next get() is synchronous and starts a refresh that moves the address.
    answer = '127.0.0.3';
    const second = u.get('ingress.internal.test:8443');
    expect(second).not.toBeInstanceOf(Promise);
    await new Promise((r) => setImmediate(r));
    const third = u.get('ingress.internal.test:8443');
    expect(third).toMatchObject({ address: '127.0.0.3' });
    expect(calls).toBe(2);
    // A resolver that never answers does not block requests: still synchronous, same address.
    hang = true;
    answer = '127.0.0.1'; // TTL 0 from now on
    const b = u.get('ingress.internal.test:8443') as { expiresAt: number };
    b.expiresAt = 0;
    for (let i = 0; i < 5; i++) expect(u.get('ingress.internal.test:8443')).toMatchObject({ address: '127.0.0.3' });
    expect(calls).toBe(3); // one refresh in flight, not one per request
  } finally {
    await u.destroy();
  }
});

it('an IP literal needs no resolver and has no upstream SNI', async () => {
  const u = upstreams(async () => {
    throw new Error('not called');
  });
  try {
    expect(await u.get('10.0.0.7')).toMatchObject({ address: '10.0.0.7', port: 443, servername: null });
  } finally {
    await u.destroy();
  }
});

it('a rotated client certificate rebuilds the pools; a mismatched pair is refused', async () => {
  const u = upstreams(async () => ({ address: '127.0.0.1', ttlSeconds: 300 }));
  try {
    const before = await u.get('a.internal.test');
    expect(u.checkMaterial()).toBe(false);
    pki.issue('client', 'c2', ['c2']);
    expect(u.checkMaterial()).toBe(true);
    const after = u.get('a.internal.test');
    expect(after).not.toBeInstanceOf(Promise);
    expect((after as typeof before).pool).not.toBe(before.pool);
    // Half-written rotation: a certificate that does not match the key is not used.
    const { writeFileSync, readFileSync } = await import('node:fs');
    const other = pki.issue('other', 'o', ['o']);
    writeFileSync(client.certFile, readFileSync(other.certFile));
    expect(u.checkMaterial()).toBe(false);
  } finally {
    await u.destroy();
  }
});
