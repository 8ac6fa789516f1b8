// Shared-buffer reads of accepted TLS sockets (proxy/shared-reads.ts), over real loopback TLS: the
// bytes, the pause that returning false asks for, the end of the stream, bytes buffered before the
// switch, and the refusal when the socket has no handle to switch.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { connect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { isViewOf, readInto } from '../../proxy/shared-reads';
import { waitFor } from '../support/wait';
import { Pki } from './helpers';

const pki = new Pki();
const cert = pki.issue('front', 'localhost', ['localhost']);
afterAll(() => pki.cleanup());

interface Pair {
  server: TLSSocket;
  client: TLSSocket;
  close(): Promise<void>;
}

/** A TLS server fed accepted sockets the way the proxy feeds its own, and one client connected to it. */
async function pair(): Promise<Pair> {
  const tls = createTlsServer({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) });
  let server: TLSSocket | undefined;
  tls.on('secureConnection', (s: TLSSocket) => (server = s));
  const net: Server = createServer((raw) => tls.emit('connection', raw));
  await new Promise<void>((r) => net.listen(0, '127.0.0.1', r));
  const { port } = net.address() as AddressInfo;
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(pki.p('ca.pem')) });
  await new Promise<void>((r, j) => client.once('secureConnect', r).once('error', j));
  await waitFor(() => server !== undefined, { what: 'server side secured' });
  const s = server as TLSSocket;
  return {
    server: s,
    client,
    close: async () => {
      client.destroy();
      s.destroy();
      await new Promise<void>((r) => net.close(() => r()));
    },
  };
}

describe('readInto', () => {
  it('hands the bytes over in the shared buffer, without data events, and ends the stream', async () => {
    const p = await pair();
    const shared = Buffer.alloc(64 * 1024);
    const got: string[] = [];
    let views = 0;
    let dataEvents = 0;
    let ended = false;
    const ok = readInto(p.server, shared, (n, buf) => {
      if (isViewOf(buf, shared)) views++;
      got.push(buf.toString('latin1', 0, n));
      return true;
    });
    expect(ok).toBe(true);
    p.server.on('data', () => dataEvents++);
    p.server.on('end', () => (ended = true));
    p.server.resume();
    p.client.write('GET / HTTP/1.1\r\n\r\n');
    await waitFor(() => got.join('') === 'GET / HTTP/1.1\r\n\r\n', { what: 'first bytes' });
    p.client.end('more');
    await waitFor(() => ended, { what: 'end' });
    expect(got.join('')).toBe('GET / HTTP/1.1\r\n\r\nmore');
    expect(views).toBe(got.length);
    expect(dataEvents).toBe(0);
    await p.close();
  });

  it('stops reading when the callback returns false, until resume', async () => {
    const p = await pair();
    const shared = Buffer.alloc(64 * 1024);
    const got: string[] = [];
    readInto(p.server, shared, (n, buf) => {
      const s = buf.toString('latin1', 0, n);
      got.push(s);
      return !s.includes('stop');
    });
    p.server.resume();
    p.client.write('stop');
    await waitFor(() => got.length === 1, { what: 'first read' });
    p.client.write('later');
    // The bytes wait in the kernel while reading is stopped; a write back proves the loop went round.
    await new Promise<void>((r) => p.server.write('ping', () => r()));
    await new Promise<void>((r) => p.client.once('data', () => r()));
    expect(got).toEqual(['stop']);
    p.server.resume();
    await waitFor(() => got.join('') === 'stoplater', { what: 'bytes after resume' });
    await p.close();
  });

  it('hands over bytes the socket buffered before the switch, first', async () => {
    const p = await pair();
    p.client.write('early');
    // Read the old way until the bytes sit in the socket's own buffer, unread.
    await waitFor(() => p.server.readableLength === 5, { what: 'bytes buffered by the socket' });
    const got: string[] = [];
    readInto(p.server, Buffer.alloc(1024), (n, buf) => {
      got.push(buf.toString('latin1', 0, n));
      return true;
    });
    expect(got).toEqual(['early']);
    p.server.resume();
    p.client.write('late');
    await waitFor(() => got.join('') === 'earlylate', { what: 'later bytes' });
    await p.close();
  });

  it('changes nothing and says so when the socket has no handle', async () => {
    const p = await pair();
    p.server.destroy();
    await new Promise((r) => setImmediate(r));
    expect(readInto(p.server, Buffer.alloc(16), () => true)).toBe(false);
    await p.close();
  });
});
