// `dpl dev tunnel`: plays the Private Link Service's NAT on one machine. Azure hands the proxy every
// connection with a PROXY v2 header carrying the private endpoint's LinkID; this relay does the same
// for any local client (curl, a browser, a DICOMweb client), so the proxy sees what it sees on Azure.
import net from 'node:net';
import { buildProxyV2 } from '../../proxy/proxy-protocol';

export interface HostPort {
  host: string;
  port: number;
}

export interface TunnelOptions {
  /** The private endpoint's LinkID, sent in the 0xEE/0x01 TLV. */
  linkId: number;
  /** Where clients connect; port 0 picks a free one (read it from `address`). */
  listen: HostPort;
  /** The private link proxy's PROXY-protocol listener. */
  proxy: HostPort;
  /** The source address the header claims (the private endpoint's side); the client's own when absent. */
  source?: string;
  /** Gives up on a proxy that does not accept the connection in time. */
  connectTimeoutMs?: number;
  /** One line per connection, when it ends; never payloads. */
  log?: (line: string) => void;
}

export interface Tunnel {
  address: HostPort;
  /** Stops accepting and closes the connections still open. */
  close(): Promise<void>;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const isIpv4 = (s: string): boolean => IPV4.test(s);

export const isUint32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** Parses `host:port` (IPv4 or a name; port 0..65535), or throws with what is wrong. */
export function parseHostPort(text: string, what: string): HostPort {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`${what} must be host:port (e.g. 127.0.0.1:8443), got '${text}'`);
  return { host: m[1] as string, port };
}

/** Parses a LinkID written in decimal or 0x-hex; must fit the TLV's uint32. */
export function parseLinkId(text: string): number {
  const t = text.trim();
  const n = /^\d{1,10}$/.test(t) ? Number(t) : /^0x[0-9a-f]{1,8}$/i.test(t) ? parseInt(t.slice(2), 16) : NaN;
  if (!isUint32(n)) throw new Error(`--link-id must be a uint32 (0..4294967295, decimal or 0x-hex), got '${text}'`);
  return n;
}

/** IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d; the header wants the plain form. */
const plainIpv4 = (address: string | undefined): string | undefined => {
  const a = address?.startsWith('::ffff:') ? address.slice(7) : address;
  return a && isIpv4(a) ? a : undefined;
};

export async function startTunnel(opts: TunnelOptions): Promise<Tunnel> {
  if (!isUint32(opts.linkId)) throw new Error(`the LinkID must be a uint32, got ${opts.linkId}`);
  if (!isIpv4(opts.listen.host)) throw new Error(`the listen address must be IPv4 (the header is TCP4), got '${opts.listen.host}'`);
  if (opts.source !== undefined && !isIpv4(opts.source)) throw new Error(`the source must be an IPv4 address, got '${opts.source}'`);
  const log = opts.log ?? (() => undefined);
  const open = new Set<net.Socket>();
  let nextId = 1;

  // allowHalfOpen on both legs: a client that finishes sending (FIN) must still get the whole answer.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    // Explicitly paused, so that counting bytes below does not start the flow before the proxy is there.
    client.pause();
    const id = nextId++;
    const started = Date.now();
    const from = `${client.remoteAddress}:${client.remotePort}`;
    const source = opts.source ?? plainIpv4(client.remoteAddress);
    const destination = plainIpv4(client.localAddress);
    if (!source || !destination || client.remotePort === undefined || client.localPort === undefined) {
      log(`#${id} ${from} refused: not an IPv4 connection`);
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: opts.proxy.host, port: opts.proxy.port, allowHalfOpen: true });
    open.add(client);
    open.add(upstream);
    let up = 0;
    let down = 0;
    let failure: string | undefined;
    let closed = 0;
    const done = () => {
      if (++closed < 2) return;
      open.delete(client);
      open.delete(upstream);
      const outcome = failure ? `failed: ${failure}` : 'closed';
      log(`#${id} ${from} linkId=${opts.linkId} ${outcome} after ${Date.now() - started} ms (${up} bytes up, ${down} bytes down)`);
    };
    client.once('close', done);
    upstream.once('close', done);
    // One side failing takes the other down: a half-dead pair would hang its client forever.
    // A reset, not a FIN, so the other side cannot take a failure for a complete answer.
    client.on('error', (err) => {
      failure ??= `client: ${err.message}`;
      upstream.resetAndDestroy();
    });
    upstream.on('error', (err) => {
      failure ??= `proxy ${opts.proxy.host}:${opts.proxy.port}: ${err.message}`;
      client.resetAndDestroy();
    });
    upstream.setTimeout(opts.connectTimeoutMs ?? 10_000, () => {
      failure ??= `proxy ${opts.proxy.host}:${opts.proxy.port} did not accept in time`;
      upstream.destroy();
      client.resetAndDestroy();
    });
    client.on('data', (chunk: Buffer) => (up += chunk.length));
    upstream.on('data', (chunk: Buffer) => (down += chunk.length));
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.write(
        buildProxyV2({
          command: 'PROXY',
          family: 'TCP4',
          source: { address: source, port: client.remotePort! },
          destination: { address: destination, port: client.localPort! },
          linkId: opts.linkId,
        }),
      );
      // pipe() honours backpressure and ends the destination when the source ends (half-close).
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
