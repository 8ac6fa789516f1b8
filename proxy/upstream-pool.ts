// Keep-alive mTLS connections to one backend address: what undici's Pool did for us, minus the
// request objects, the WASM parser and the per-request promises (measured: about half of the proxy's
// CPU per small request). The pool hands out sockets; the exchange that holds one speaks HTTP/1.1 on it
// (client-connection.ts) and gives it back when the response has ended cleanly.
import { connect, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';

export interface PoolOptions {
  address: string;
  port: number;
  /** TLS server name and the name the backend certificate must carry; null for an IP literal backend. */
  servername: string | null;
  /** CA, client certificate and key, built once per material generation. */
  secureContext: SecureContext;
  connections: number;
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** What a pooled socket reports to whoever holds it. */
export interface UpstreamUser {
  /** Bytes `buf[0..end)`, valid only during the call (the buffer is shared): copy what must be kept. */
  onUpstreamData(buf: Buffer, end: number): void;
  onUpstreamDrain(): void;
  /** The socket ended, errored or closed while held. */
  onUpstreamClose(err: Error | undefined): void;
}

/**
 * Every upstream socket decrypts into this one buffer (`onread`) and the holder copies the bytes out
 * before the callback returns (into its output batch, see ClientConnection). Node would otherwise
 * allocate a new ArrayBuffer per 16 KiB TLS record: V8 counts those as external memory and answers
 * with major GCs (perf on 1 MiB bodies: 10–28 % of samples in V8 marking and sweeping).
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

export class UpstreamConnection {
  user: UpstreamUser | undefined;
  /** Set by the holder when its client cannot take more: reading stops until `unhold`. */
  held = false;
  /** Reading was stopped by onRead returning false. */
  private stopped = false;
  /** Requests this connection carried (0 while the first one is in flight). */
  uses = 0;
  idleSince = 0;
  error: Error | undefined;
  closed = false;

  /** The onread callback: false stops reading until `unhold`. */
  onRead(n: number, buf: Buffer): boolean {
    const u = this.user;
    if (!u) {
      this.socket.destroy(); // bytes nobody asked for: the connection is out of step
      return false;
    }
    u.onUpstreamData(buf, n);
    if (!this.held) return true;
    this.stopped = true;
    return false;
  }

  /** Lets the holder take bytes again after holding. */
  unhold(): void {
    this.held = false;
    // Reading stops when onRead says so, but TLS keeps handing over what it already decrypted: the
    // response may even end after the stop, so whoever holds the socket next must restart it.
    if (this.stopped) {
      this.stopped = false;
      this.socket.resume();
    }
  }

  constructor(
    readonly socket: TLSSocket,
    readonly pool: ConnectionPool,
  ) {
    // Listeners for the socket's whole life; the current holder is looked up per event. Data arrives
    // through onread (see open()); flowing mode only so that 'end' is emitted.
    socket.resume();
    socket.on('drain', () => this.user?.onUpstreamDrain());
    socket.on('error', (err: Error) => {
      this.error ??= err;
    });
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      this.closed = true;
      const u = this.user;
      this.user = undefined;
      pool.forget(this);
      u?.onUpstreamClose(this.error ?? new Error('upstream connection closed'));
    });
  }
}

type Waiter = (err: Error | null, conn?: UpstreamConnection) => void;

export class ConnectionPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private connecting = 0;
  private closing = false;
  private closed: (() => void) | undefined;

  constructor(readonly opts: PoolOptions) {}

  get size(): number {
    return this.all.size + this.connecting;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** A kept-alive connection at once when one is idle, else a new one (or the next one released). */
  acquire(cb: Waiter): void {
    if (this.closing) {
      cb(new Error('pool closed'));
      return;
    }
    const conn = this.idle.pop();
    if (conn) {
      cb(null, conn);
      return;
    }
    if (this.size < this.opts.connections) this.open(cb);
    else this.waiters.push(cb);
  }

  /** Takes a connection back; `reusable` only when its last exchange ended on a message boundary. */
  release(conn: UpstreamConnection, reusable: boolean): void {
    conn.user = undefined;
    conn.unhold();
    conn.uses++;
    if (!reusable || this.closing || conn.closed || conn.socket.destroyed) {
      conn.socket.destroy();
      return; // 'close' calls forget(), which serves a waiter with a new connection
    }
    const w = this.waiters.shift();
    if (w) {
      w(null, conn);
      return;
    }
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  /** Called when a socket closed: drop it, and give a waiter a new connection in its place. */
  forget(conn: UpstreamConnection): void {
    if (!this.all.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.waiters.length && !this.closing && this.size < this.opts.connections) this.open(this.waiters.shift() as Waiter);
    this.checkClosed();
  }

  /** Closes connections idle longer than the keep-alive timeout (called by a coarse timer). */
  sweep(now: number): void {
    while (this.idle.length) {
      const oldest = this.idle[0] as UpstreamConnection;
      if (now - oldest.idleSince < this.opts.keepAliveTimeoutMs) break;
      this.idle.shift();
      oldest.socket.destroy();
    }
  }

  private open(cb: Waiter): void {
    this.connecting++;
    let settled = false;
    const o = this.opts;
    let conn: UpstreamConnection | undefined;
    const socket = connect({
      host: o.address,
      port: o.port,
      servername: o.servername ?? undefined,
      secureContext: o.secureContext,
      // The backend's certificate must chain to the pinned CA and name the backend.
      rejectUnauthorized: true,
      ALPNProtocols: ['http/1.1'],
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array): boolean => {
          if (conn) return conn.onRead(n, buf as Buffer);
          socket.destroy(); // application data before we asked for any
          return false;
        },
      },
    } as ConnectionOptions);
    socket.setNoDelay(true);
    const done = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', done);
      socket.off('close', onClose);
      this.connecting--;
      if (err) {
        socket.destroy();
        this.checkClosed();
        cb(err);
        // A failed connect frees a slot for the next waiter, which tries on its own.
        const w = this.waiters.shift();
        if (w) this.acquire(w);
        return;
      }
      conn = new UpstreamConnection(socket, this);
      this.all.add(conn);
      if (this.closing) {
        socket.destroy();
        cb(new Error('pool closed'));
        return;
      }
      cb(null, conn);
    };
    const onClose = (): void => done(Object.assign(new Error('upstream closed during the handshake'), { code: 'ECONNRESET' }));
    const timer = setTimeout(() => done(Object.assign(new Error(`connect timeout after ${o.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })), o.connectTimeoutMs);
    socket.once('secureConnect', () => done(null));
    socket.once('error', done);
    socket.once('close', onClose);
  }

  /** No new connections; idle ones close now, busy ones when their exchange ends. Resolves when all are gone. */
  close(): Promise<void> {
    this.closing = true;
    for (const w of this.waiters.splice(0)) w(new Error('pool closed'));
    for (const c of this.idle.splice(0)) c.socket.destroy();
    return new Promise((resolve) => {
      this.closed = resolve;
      this.checkClosed();
    });
  }

  destroy(): Promise<void> {
    const p = this.close();
    for (const c of this.all) c.socket.destroy();
    return p;
  }

  private checkClosed(): void {
    if (this.closing && this.all.size === 0 && this.connecting === 0) this.closed?.();
  }
}
