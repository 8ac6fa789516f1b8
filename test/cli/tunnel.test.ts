// The tunnel over real sockets: a stand-in proxy parses what arrives with the proxy's own parser and
// echoes, so the header, the LinkID, the relay in both directions (megabytes, backpressure) and
// half-close are all checked on the wire.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { parseProxyV2, type ProxyHeader } from '../../proxy/proxy-protocol';
import { parseHostPort, parseLinkId, startTunnel, type Tunnel } from '../../local/cli/tunnel';
import { REPO } from '../support/host-process';
import { waitFor } from '../support/wait';

interface Received {
  header: ProxyHeader;
  socket: net.Socket;
}

/** A TCP server that reads one PROXY v2 header per connection and hands over the rest. */
async function fakeProxy(onConnection: (r: Received, rest: Buffer) => void) {
  const headers: ProxyHeader[] = [];
  const failures: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseProxyV2(buf);
      if (parsed.kind === 'incomplete') return;
      socket.off('data', onData);
      if (parsed.kind === 'error') {
        failures.push(parsed.reason);
        socket.destroy();
        return;
      }
      headers.push(parsed.header);
      onConnection({ header: parsed.header, socket }, buf.subarray(parsed.header.length));
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  return { port, headers, failures, close };
}

/** Echoes everything after the header, and ends its side when the client ends (half-close). */
const echo = ({ socket }: Received, rest: Buffer) => {
  if (rest.length) socket.write(rest);
  socket.pipe(socket);
};

function connectClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the socket receives until the peer ends. */
function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let tunnel: Tunnel | undefined;
let proxy: Awaited<ReturnType<typeof fakeProxy>> | undefined;
afterEach(async () => {
  await tunnel?.close();
  await proxy?.close();
  tunnel = undefined;
  proxy = undefined;
});

test('sends a PROXY v2 header with the LinkID, source and destination, then relays megabytes both ways', async () => {
  proxy = await fakeProxy(echo);
  const lines: string[] = [];
  tunnel = await startTunnel({ linkId: 0xfedcba98, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: '127.0.0.1', port: proxy.port }, log: (l) => lines.push(l) });
  const client = await connectClient(tunnel.address.port);
  const clientPort = client.localPort;
  const received = readAll(client);
  const payload = randomBytes(8 * 1024 * 1024 + 17);
  client.end(payload);
  const back = await received;
  expect(back.length).toBe(payload.length);
  expect(sha(back)).toBe(sha(payload));

  expect(proxy.failures).toEqual([]);
  const [header] = proxy.headers;
  expect(header).toMatchObject({ command: 'PROXY', family: 'TCP4', linkId: 0xfedcba98 });
  expect(header!.source).toEqual({ address: '127.0.0.1', port: clientPort });
  expect(header!.destination).toEqual({ address: '127.0.0.1', port: tunnel.address.port });
  // One line per connection, once it is over; it names the LinkID and counts bytes, never shows them.
  await waitFor(() => lines.length === 1, { what: 'the connection log line' });
  expect(lines[0]).toMatch(new RegExp(`linkId=${0xfedcba98} closed .*\\(${payload.length} bytes up, ${payload.length} bytes down\\)`));
});

test('--source replaces the client address in the header; the client port stays', async () => {
  proxy = await fakeProxy(echo);
  tunnel = await startTunnel({ linkId: 7, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: '127.0.0.1', port: proxy.port }, source: '10.1.2.3' });
  const client = await connectClient(tunnel.address.port);
  const clientPort = client.localPort;
  const received = readAll(client);
  client.end('ping');
  expect((await received).toString()).toBe('ping');
  expect(proxy.headers[0]).toMatchObject({ linkId: 7, source: { address: '10.1.2.3', port: clientPort } });
});

test('half-close from the proxy: the client still sends after the proxy has finished, and it arrives', async () => {
  const fromClient: Buffer[] = [];
  let clientEnded!: () => void;
  const ended = new Promise<void>((r) => (clientEnded = r));
  proxy = await fakeProxy(({ socket }, rest) => {
    fromClient.push(rest);
    socket.on('data', (c: Buffer) => fromClient.push(c));
    socket.once('end', () => {
      clientEnded();
      socket.end();
    });
    socket.write('hello, then FIN');
    socket.end();
  });
  tunnel = await startTunnel({ linkId: 42, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: '127.0.0.1', port: proxy.port } });
  const client = await connectClient(tunnel.address.port);
  const fromProxy = await readAll(client);
  expect(fromProxy.toString()).toBe('hello, then FIN');
  // The proxy's side is closed; ours is still open, and a large write still gets through.
  const late = randomBytes(3 * 1024 * 1024);
  client.end(late);
  await ended;
  expect(sha(Buffer.concat(fromClient))).toBe(sha(late));
});

test('backpressure: a client that does not read stalls the proxy instead of filling the relay', async () => {
  const payload = randomBytes(64 * 1024 * 1024);
  let sent = 0;
  let blocked = false;
  let lastProgress = Date.now();
  proxy = await fakeProxy(({ socket }) => {
    const pump = () => {
      blocked = false;
      while (sent < payload.length) {
        const chunk = payload.subarray(sent, sent + 256 * 1024);
        sent += chunk.length;
        lastProgress = Date.now();
        if (!socket.write(chunk)) {
          blocked = true;
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  });
  tunnel = await startTunnel({ linkId: 9, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: '127.0.0.1', port: proxy.port } });
  const client = await connectClient(tunnel.address.port);
  client.pause();
  // Stalled: the proxy waits for 'drain' and has made no progress for a while.
  await waitFor(() => blocked && Date.now() - lastProgress > 300, { timeoutMs: 20_000, what: 'the proxy to be held back' });
  // Kernel buffers on both legs hold a few MiB at most; without backpressure all 64 would be gone.
  expect(sent).toBeLessThan(48 * 1024 * 1024);
  const received = readAll(client);
  client.resume();
  expect(sha(await received)).toBe(sha(payload));
});

test('a proxy that cannot be reached closes the client and logs why', async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const lines: string[] = [];
  tunnel = await startTunnel({ linkId: 1, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: '127.0.0.1', port: deadPort }, log: (l) => lines.push(l) });
  const client = await connectClient(tunnel.address.port);
  const reset = await new Promise<string>((r) => client.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message)));
  expect(reset).toBe('ECONNRESET');
  await waitFor(() => lines.length === 1, { what: 'the failure line' });
  expect(lines[0]).toMatch(/failed: proxy 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
});

test('close() stops listening and ends the connections still open', async () => {
  proxy = await fakeProxy(() => undefined);
  tunnel = await startTunnel({ linkId: 5, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: '127.0.0.1', port: proxy.port } });
  const port = tunnel.address.port;
  const client = await connectClient(port);
  await waitFor(() => proxy!.headers.length === 1, { what: 'the connection to reach the proxy' });
  // The client half-opens, so the tunnel's FIN shows as 'end'.
  const gone = new Promise<void>((r) => client.once('end', () => r()));
  await tunnel.close();
  tunnel = undefined;
  await gone;
  await expect(connectClient(port)).rejects.toThrow(/ECONNREFUSED/);
});

test('validates LinkIDs (uint32, decimal or hex), addresses and ports', async () => {
  expect(parseLinkId('4294967295')).toBe(4294967295);
  expect(parseLinkId('0x12345678')).toBe(0x12345678);
  expect(() => parseLinkId('4294967296')).toThrow(/uint32/);
  expect(() => parseLinkId('-1')).toThrow(/uint32/);
  expect(() => parseLinkId('12abc')).toThrow(/uint32/);
  expect(parseHostPort('127.0.0.1:8443', '--proxy')).toEqual({ host: '127.0.0.1', port: 8443 });
  expect(() => parseHostPort('127.0.0.1:70000', '--proxy')).toThrow(/host:port/);
  expect(() => parseHostPort('127.0.0.1', '--proxy')).toThrow(/host:port/);
  await expect(startTunnel({ linkId: 1, listen: { host: '::1', port: 0 }, proxy: { host: '127.0.0.1', port: 1 } })).rejects.toThrow(/IPv4/);
  await expect(startTunnel({ linkId: 2 ** 32, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: '127.0.0.1', port: 1 } })).rejects.toThrow(/uint32/);
});

test('`dpl dev tunnel` prints one line when listening, relays, and exits 0 on SIGINT', async () => {
  proxy = await fakeProxy(echo);
  const child = spawn(process.execPath, [path.join(REPO, 'bin/dpl.js'), 'dev', 'tunnel', '--link-id', '123456', '--listen', '127.0.0.1:0', '--proxy', `127.0.0.1:${proxy.port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const port = Number(await waitFor(() => /tunnel listening on 127\.0\.0\.1:(\d+) /.exec(stdout)?.[1], { what: 'the listening line' }));
  const client = await connectClient(port);
  const received = readAll(client);
  client.end('over the tunnel');
  expect((await received).toString()).toBe('over the tunnel');
  expect(proxy.headers[0]).toMatchObject({ linkId: 123456 });
  await waitFor(() => /linkId=123456 closed/.test(stderr), { what: 'the connection line' });
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(stdout.trim().split('\n')).toHaveLength(1);
});

test('`dpl dev tunnel` refuses bad input with exit 2', async () => {
  const run = (...args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO, 'bin/dpl.js'), 'dev', 'tunnel', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  expect(await run('--listen', '127.0.0.1:0')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--link-id is required/) });
  expect(await run('--link-id', '99999999999')).toMatchObject({ code: 2, stderr: expect.stringMatching(/uint32/) });
  expect(await run('--link-id', '1', '--listen', 'localhost:80')).toMatchObject({ code: 2, stderr: expect.stringMatching(/IPv4/) });
  expect(await run('--link-id', '1', '--source', '10.0.0.300')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--source/) });
});
