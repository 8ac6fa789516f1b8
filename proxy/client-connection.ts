// One client connection (after PROXY header and TLS): HTTP/1.1 requests in order, each checked by the
// proxy, then forwarded over a pooled upstream connection with the bodies passed through as bytes.
//
// Why not node:http + undici: per small request they cost about twice the CPU of the TLS work itself
// (request/response objects, header maps, a WASM parser, promises). Here a request is one head parse,
// one string for the upstream head, and body bytes written as they arrive, with backpressure both ways.
// Timeouts come from one coarse sweep over all connections (`check`), not timers per request.
import type { TLSSocket } from 'node:tls';
import { copyBytes, putDecimal, putLatin1 } from './bytes';
import { OutputBatch } from './output-batch';
import { ChunkedFraming, fieldMask, parseRequestHead, parseResponseHead, responseFraming, writeHead, type RequestHead, type ResponseHead } from './http1';
import { isViewOf, readInto } from './shared-reads';
import type { ConnectionPool, UpstreamConnection, UpstreamUser } from './upstream-pool';

/** Headers a client may not pass on (hop-by-hop, or set by us only). */
const REQUEST_DROP = fieldMask([
  // Re-sent by us from the parsed value: a list or duplicates could be read differently upstream.
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'http2-settings',
  'expect',
  'x-private-link-id',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
]);
const RESPONSE_DROP = fieldMask(['content-length', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate']);
/** Room for what the proxy adds to a head (framing and connection fields; forwarding fields are counted apart). */
const ADDED_BYTES = 96;

/** Response bytes queued per client connection before the upstream socket is held. */
const RESPONSE_QUEUE_BYTES = 128 * 1024;
/**
 * Every client socket reads into this one buffer (see shared-reads.ts): a chunk is a view of it, valid
 * while onData runs; what is kept past that (a partial head, pipelined bytes, body bytes handed to a
 * socket write that may queue them) is copied first — `kept`.
 */
const CLIENT_READS = Buffer.allocUnsafeSlow(64 * 1024);

function kept(b: Buffer): Buffer {
  return isViewOf(b, CLIENT_READS) ? Buffer.from(b) : b;
}

/** Bytes a client may send ahead (pipelining, or a body while the backend is being connected). */
const READ_AHEAD_BYTES = 64 * 1024;
/** Largest backend response head. */
const MAX_RESPONSE_HEAD = 64 * 1024;

export type Admission =
  | { kind: 'answer'; status: number; reason: string; title: string; detail: string; close: boolean; workspace: string; body?: string; contentType?: string }
  | { kind: 'forward'; workspace: string; pool: ConnectionPool };

/** What a connection needs from the proxy. */
export interface ExchangeHost {
  readonly draining: boolean;
  /** Coarse clock (ms), advanced by the sweep that calls `check`. */
  readonly now: number;
  readonly limits: { maxHeaderBytes: number; headersTimeoutMs: number; keepAliveTimeoutMs: number; upstreamHeadersTimeoutMs: number; bodyIdleTimeoutMs: number };
  admit(head: RequestHead, conn: ClientConnection): Admission | Promise<Admission>;
  /** A request ended with this status (answered by us or by the backend). */
  finished(workspace: string, status: number, bytesIn: number, bytesOut: number): void;
  rejected(reason: string): void;
  upstreamLatency(seconds: number): void;
  upstreamError(kind: 'client-aborted' | 'timeout' | 'error' | 'protocol', workspace: string, err?: Error): void;
  closed(conn: ClientConnection): void;
}

const IDLE = 0; // between requests (or reading a head)
const ADMIT = 1; // head parsed: being checked, or waiting for an upstream connection
const FORWARD = 2; // request going up, response coming down
const CLOSED = 3;

const NONE = 0;
const LENGTH = 1;
const CHUNKED = 2;
const UNTIL_CLOSE = 3;

/** `content-length: n` CRLF at `p`; returns the position after it. */
function contentLengthLine(out: Buffer, p: number, n: number): number {
  p += putLatin1(out, p, 'content-length: ');
  p += putDecimal(out, p, n);
  return p + putLatin1(out, p, '\r\n');
}

function problem(status: number, title: string, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title, status, detail });
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

function flushSoon(c: ClientConnection): void {
  c.flush();
}

function flushUpSoon(c: ClientConnection): void {
  c.flushUp();
}

export class ClientConnection implements UpstreamUser {
  private buf: Buffer | null = null;
  private state = IDLE;
  private paused = false;
  private ended = false;
  /** parseNext is on the stack: requests answered at once continue in its loop, not by recursion. */
  private parsing = false;
  /** Bytes for the client: written at the end of the tick, or at once when a response is complete. */
  private readonly out = new OutputBatch(() => {
    if (!this.inUpstreamRead) this.queueFlush();
  });
  private flushQueued = false;
  /** Request body bytes on their way up (one write per tick, the last bytes of a request at once). */
  private readonly upOut = new OutputBatch(() => {
    if (!this.upFlushQueued) {
      this.upFlushQueued = true;
      process.nextTick(flushUpSoon, this);
    }
  });
  private upFlushQueued = false;
  /** In an upstream read callback: a batch opened there is flushed when it returns, not on a tick. */
  private inUpstreamRead = false;
  /** Coarse time the current head started arriving (0: no head in progress). */
  private headStartedAt = 0;
  private lastActiveAt: number;

  // The exchange in progress.
  private head: RequestHead | undefined;
  private workspace = '';
  private pool: ConnectionPool | undefined;
  private up: UpstreamConnection | undefined;
  private upHead: Buffer | null = null;
  private keepAlive = true;
  private reqDone = true;
  private reqLeft = 0;
  private reqChunked: ChunkedFraming | undefined;
  private resHeadBuf: Buffer | null = null;
  private status = 0;
  private framing = NONE;
  private resLeft = 0;
  private resChunked: ChunkedFraming | undefined;
  private upReusable = false;
  private upPaused = false;
  private retried = false;
  private sentAt = 0;
  private sentAtCoarse = 0;
  private lastUpAt = 0;
  private bytesIn = 0;
  private bytesOut = 0;

  /** The forwarding fields that do not change per request, up to the X-Forwarded-Host value. */
  private readonly forwarded: Buffer;

  constructor(
    readonly socket: TLSSocket,
    private readonly host: ExchangeHost,
    /** Set by the proxy for each connection: the forwarding header lines that do not change per request. */
    forwardedFor: string,
  ) {
    this.forwarded = Buffer.from(`${forwardedFor}x-forwarded-host: `, 'latin1');
    this.lastActiveAt = host.now;
    const shared = readInto(socket, CLIENT_READS, (n, buf) => {
      this.onData(n === buf.length ? buf : buf.subarray(0, n));
      return true;
    });
    if (!shared) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    // Flowing: reads start, and 'end' is emitted (shared reads bypass 'data', which would do both).
    if (shared) socket.resume();
  }

  get idle(): boolean {
    return this.state === IDLE && this.buf === null && this.headStartedAt === 0;
  }

  /** Closes the connection now if no request is in progress (drain). */
  closeIfIdle(): void {
    if (!this.idle) return;
    this.state = CLOSED;
    this.finish(true);
  }

  // ---- client → proxy ----

  private onData(chunk: Buffer): void {
    this.lastActiveAt = this.host.now;
    if (this.state === IDLE) {
      this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parseNext();
      // A partial head or pipelined bytes outlive this read.
      if (this.buf !== null) this.buf = kept(this.buf);
    } else if (this.state === FORWARD && !this.reqDone) {
      this.forwardBody(chunk);
    } else if (this.state !== CLOSED) {
      // Pipelined requests, or body bytes that arrive before the upstream connection: held, bounded.
      this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : kept(chunk);
      if (this.buf.length > READ_AHEAD_BYTES) this.pause();
    }
  }

  private parseNext(): void {
    this.parsing = true;
    while (this.state === IDLE && this.buf !== null) {
      if (this.headStartedAt === 0) this.headStartedAt = this.host.now;
      const r = parseRequestHead(this.buf, 0, this.host.limits.maxHeaderBytes);
      if (r.kind === 'incomplete') {
        this.parsing = false;
        this.resume();
        return;
      }
      this.headStartedAt = 0;
      if (r.kind === 'error') {
        this.buf = null;
        this.parsing = false;
        this.answer(r.status, r.reason, STATUS_TEXT[r.status] ?? 'Bad Request', 'malformed HTTP request', true, '');
        return;
      }
      this.buf = r.length < this.buf.length ? this.buf.subarray(r.length) : null;
      this.start(r);
    }
    this.parsing = false;
    if (this.state === IDLE && this.ended) this.finish();
  }

  private start(head: RequestHead): void {
    this.head = head;
    this.state = ADMIT;
    this.workspace = '';
    this.status = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.retried = false;
    this.reqChunked = head.chunked ? new ChunkedFraming() : undefined;
    this.reqLeft = head.contentLength > 0 ? head.contentLength : 0;
    this.reqDone = !head.chunked && this.reqLeft === 0;
    this.keepAlive = head.minor === 1 ? !head.connection.includes('close') : head.connection.includes('keep-alive');
    // Now, while the head's bytes are certainly there (admission may finish after this read).
    this.upHead = this.upstreamHead(head);
    const a = this.host.admit(head, this);
    if (a instanceof Promise) {
      a.then(
        (x) => this.admitted(x),
        () => this.admitted({ kind: 'answer', status: 502, reason: 'admission-failed', title: 'Bad Gateway', detail: 'the request could not be routed', close: true, workspace: '' }),
      );
    } else this.admitted(a);
  }

  private admitted(a: Admission): void {
    if (this.state !== ADMIT) return;
    if (a.kind === 'answer') {
      // A refused request's body is not read: such a connection closes after the answer.
      this.answer(a.status, a.reason, a.title, a.detail, a.close || !this.reqDone, a.workspace, a.body, a.contentType);
      return;
    }
    const head = this.head as RequestHead;
    this.workspace = a.workspace;
    this.pool = a.pool;
    if (head.expectContinue && !this.reqDone && head.minor === 1) this.outString('HTTP/1.1 100 Continue\r\n\r\n');
    a.pool.acquire(this.onAcquired);
  }

  /** The head the backend gets: the client's bytes minus hop-by-hop fields, plus framing and forwarding fields. */
  private upstreamHead(head: RequestHead): Buffer {
    const out = Buffer.allocUnsafe(head.length + ADDED_BYTES + this.forwarded.length + head.host.length);
    let p = writeHead(head, REQUEST_DROP, out, 0);
    if (head.chunked) p += putLatin1(out, p, 'transfer-encoding: chunked\r\n');
    else if (head.contentLength >= 0) p = contentLengthLine(out, p, head.contentLength);
    p += copyBytes(this.forwarded, 0, this.forwarded.length, out, p);
    p += putLatin1(out, p, head.host);
    p += putLatin1(out, p, '\r\n\r\n');
    return out.subarray(0, p);
  }

  private readonly onAcquired = (err: Error | null, conn?: UpstreamConnection): void => {
    if (this.state !== ADMIT) {
      // The client left while we waited: nothing was written, so the connection is as good as new.
      if (conn) conn.pool.release(conn, true);
      return;
    }
    if (err || !conn) {
      this.upstreamFailed(err ?? new Error('no upstream connection'));
      return;
    }
    conn.user = this;
    this.up = conn;
    this.state = FORWARD;
    this.upReusable = false;
    this.upPaused = false;
    this.resHeadBuf = null;
    this.framing = NONE;
    this.sentAt = performance.now();
    this.sentAtCoarse = this.host.now;
    const s = conn.socket;
    const upHead = this.upHead as Buffer;
    if (this.reqDone || this.buf === null) s.write(upHead);
    else {
      // Head and the body bytes already here leave together.
      this.upBytes(upHead, 0, upHead.length);
      const held = this.buf;
      this.buf = null;
      this.forwardBody(held);
    }
    if (!this.reqDone && this.state === FORWARD) this.resume();
  };

  private forwardBody(chunk: Buffer): void {
    let n: number;
    if (this.reqChunked) {
      n = this.reqChunked.consume(chunk, 0, chunk.length);
      if (this.reqChunked.error) {
        this.abortExchange();
        if (this.status !== 0) {
          // The backend's response is already on its way: no room for an answer of ours.
          this.host.rejected('bad-chunked-body');
          this.state = CLOSED;
          this.socket.destroy();
        } else this.answer(400, 'bad-chunked-body', 'Bad Request', 'malformed chunked request body', true, this.workspace);
        return;
      }
      this.reqDone = this.reqChunked.done;
    } else {
      n = Math.min(this.reqLeft, chunk.length);
      this.reqLeft -= n;
      this.reqDone = this.reqLeft === 0;
    }
    // The backend's time to answer counts from the end of the request, however long the upload took.
    if (this.reqDone) this.sentAtCoarse = this.host.now;
    this.bytesIn += n;
    // Copied out of the read (it may be the shared read buffer); the last bytes leave at once.
    this.upBytes(chunk, 0, n);
    if (this.reqDone) this.flushUp();
    if (n < chunk.length) {
      this.buf = kept(chunk.subarray(n));
      this.pause();
    }
  }

  private upBytes(src: Buffer, start: number, end: number): void {
    if (!this.upOut.copy(src, start, end, this.up?.socket) && !this.reqDone) this.pause();
  }

  /** @internal Sends the upload batch; a backend that cannot take more pauses the client. */
  flushUp(): void {
    this.upFlushQueued = false;
    if (!this.upOut.writeTo(this.up?.socket) && !this.reqDone) this.pause();
  }

  onUpstreamDrain(): void {
    if (this.state === FORWARD && !this.reqDone) this.resume();
  }

  private onEnd(): void {
    this.ended = true;
    if (this.state === IDLE) {
      this.finish();
    } else if ((this.state === FORWARD || this.state === ADMIT) && !this.reqDone) {
      // The client stopped in the middle of its body: the request can never complete.
      this.host.upstreamError('client-aborted', this.workspace);
      this.abortExchange();
      this.state = CLOSED;
      this.socket.destroy();
    }
  }

  private onClose(): void {
    const was = this.state;
    this.state = CLOSED;
    if (this.up) {
      this.host.upstreamError('client-aborted', this.workspace);
      this.abortExchange();
    } else if (was === ADMIT) this.host.upstreamError('client-aborted', this.workspace);
    this.host.closed(this);
  }

  private onDrain(): void {
    if (this.upPaused && this.up) {
      this.upPaused = false;
      this.lastUpAt = this.host.now;
      this.up.unhold();
    }
  }

  // ---- upstream → client ----

  onUpstreamData(buf: Buffer, len: number): void {
    this.inUpstreamRead = true;
    try {
      this.upstreamData(buf, len);
    } finally {
      this.inUpstreamRead = false;
      // A small response was flushed by responseDone already: no tick for it (each one costs a pass
      // through Node's tick queue); a response still streaming leaves on the tick, with whatever else
      // arrives before it.
      if (this.out.isOpen) this.queueFlush();
    }
  }

  private upstreamData(buf: Buffer, len: number): void {
    this.lastUpAt = this.host.now;
    if (this.status !== 0) {
      this.forwardResponse(buf, 0, len);
      return;
    }
    // Kept across reads only as a copy: `buf` is shared by every upstream socket.
    const b = this.resHeadBuf ? Buffer.concat([this.resHeadBuf, buf.subarray(0, len)]) : buf.subarray(0, len);
    let off = 0;
    for (;;) {
      const r = parseResponseHead(b, off, MAX_RESPONSE_HEAD);
      if (r.kind === 'incomplete') {
        this.resHeadBuf = this.resHeadBuf && off === 0 ? b : Buffer.from(b.subarray(off));
        return;
      }
      if (r.kind === 'error' || r.status === 101) {
        this.protocolError(r.kind === 'error' ? r.reason : 'unexpected-upgrade');
        return;
      }
      off += r.length;
      // Interim responses end here: the client got its 100 Continue from us.
      if (r.status >= 200) {
        this.resHeadBuf = null;
        this.startResponse(r, b, off);
        return;
      }
    }
  }

  private startResponse(r: ResponseHead, b: Buffer, off: number): void {
    const head = this.head as RequestHead;
    this.status = r.status;
    this.host.upstreamLatency((performance.now() - this.sentAt) / 1000);
    const f = responseFraming(head.method, r);
    this.framing = f === 'none' ? NONE : f === 'length' ? LENGTH : f === 'chunked' ? CHUNKED : UNTIL_CLOSE;
    this.upReusable = r.minor === 1 && !r.connection.includes('close') && this.framing !== UNTIL_CLOSE;
    // An HTTP/1.0 client cannot read chunked framing: it gets the payload and the end of the connection.
    const dechunk = this.framing === CHUNKED && head.minor === 0;
    if (this.framing === UNTIL_CLOSE || dechunk || this.host.draining || this.ended) this.keepAlive = false;
    // Written straight into the output batch: `r` points into the shared upstream read buffer.
    const out = this.out.room(r.length + ADDED_BYTES, this.socket);
    let p = writeHead(r, RESPONSE_DROP, out, this.out.len);
    if (this.framing === CHUNKED && !dechunk) p += putLatin1(out, p, 'transfer-encoding: chunked\r\n');
    else if (r.contentLength >= 0) p = contentLengthLine(out, p, r.contentLength);
    if (!this.keepAlive) p += putLatin1(out, p, 'connection: close\r\n');
    else if (head.minor === 0) p += putLatin1(out, p, 'connection: keep-alive\r\n');
    p += putLatin1(out, p, '\r\n');
    this.out.len = p;
    this.resLeft = this.framing === LENGTH ? r.contentLength : 0;
    this.resChunked = this.framing === CHUNKED ? new ChunkedFraming(dechunk ? (buf, s, e) => this.outBytes(buf, s, e) : undefined) : undefined;
    if (this.framing === NONE) {
      if (off < b.length) this.upReusable = false;
      this.responseDone();
    } else if (off < b.length) this.forwardResponse(b, off, b.length);
  }

  private forwardResponse(chunk: Buffer, off: number, len: number): void {
    let end = len;
    let done = false;
    if (this.framing === LENGTH) {
      const n = Math.min(this.resLeft, end - off);
      this.resLeft -= n;
      end = off + n;
      done = this.resLeft === 0;
    } else if (this.framing === CHUNKED) {
      const rc = this.resChunked as ChunkedFraming;
      end = rc.consume(chunk, off, len);
      if (rc.error) {
        this.protocolError(rc.error);
        return;
      }
      done = rc.done;
    }
    if (end > off) {
      this.bytesOut += end - off;
      const dechunked = this.resChunked !== undefined && (this.head as RequestHead).minor === 0;
      if (!dechunked) this.outBytes(chunk, off, end);
    }
    if (end < len) this.upReusable = false; // bytes after the response: out of step
    if (done) this.responseDone();
    else if (!this.upPaused && this.socket.writableLength + this.out.len >= RESPONSE_QUEUE_BYTES && this.up) {
      this.upPaused = true;
      this.up.held = true;
    }
  }

  /** Copies bytes into the output batch (sent at the end of this tick, or when full). */
  private outBytes(src: Buffer, start: number, end: number): void {
    this.out.copy(src, start, end, this.socket);
  }

  /** A head of ours (latin1: one byte per char) into the output batch. */
  private outString(text: string): void {
    const b = this.out.room(text.length, this.socket);
    this.out.len += b.write(text, this.out.len, 'latin1');
  }

  private queueFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(flushSoon, this);
    }
  }

  /**
   * Ends our side once everything queued has gone out (the batch is sent first: it would otherwise
   * leave after the end and be lost); `destroy` also closes the connection once the end was written.
   */
  private finish(destroy = false): void {
    this.flush();
    if (destroy) this.socket.destroySoon();
    else this.socket.end();
  }

  /** @internal Sends the output batch. */
  flush(): void {
    this.flushQueued = false;
    this.out.writeTo(this.socket);
  }

  private responseDone(): void {
    const up = this.up;
    this.up = undefined;
    if (!this.reqDone) {
      // Answered before the client finished sending (e.g. 413): the rest of the body has nowhere to go.
      this.upReusable = false;
      this.keepAlive = false;
    }
    if (up) up.pool.release(up, this.upReusable);
    // The response is complete: send it now rather than at the end of the tick.
    this.flush();
    this.host.finished(this.workspace, this.status, this.bytesIn, this.bytesOut);
    this.next();
  }

  /** After a response: the next request, or the end of the connection. */
  private next(): void {
    this.head = undefined;
    this.reqChunked = undefined;
    this.resChunked = undefined;
    this.lastActiveAt = this.host.now;
    if (!this.keepAlive || this.host.draining) {
      this.state = CLOSED;
      this.finish(true);
      return;
    }
    this.state = IDLE;
    if (this.buf !== null) {
      if (!this.parsing) this.parseNext();
    } else if (this.ended) this.finish();
    else this.resume();
  }

  onUpstreamClose(err: Error | undefined): void {
    this.up = undefined;
    if (this.state !== FORWARD) return;
    if (this.status !== 0) {
      if (this.framing === UNTIL_CLOSE) {
        this.keepAlive = false;
        this.host.finished(this.workspace, this.status, this.bytesIn, this.bytesOut);
        this.next();
      } else {
        // The response was cut short: the client must not take it for complete.
        this.host.upstreamError('error', this.workspace, err);
        this.state = CLOSED;
        this.socket.destroy();
      }
      return;
    }
    const head = this.head as RequestHead;
    // A kept-alive connection the backend closed just as we reused it: safe to try once more when
    // nothing of the request could have been acted on (no body, a safe method).
    if (!this.retried && this.bytesIn === 0 && this.reqDone && this.pool && (head.method === 'GET' || head.method === 'HEAD' || head.method === 'OPTIONS')) {
      this.retried = true;
      this.state = ADMIT;
      this.pool.acquire(this.onAcquired);
      return;
    }
    this.upstreamFailed(err ?? new Error('upstream connection closed'));
  }

  private protocolError(reason: string): void {
    this.host.upstreamError('protocol', this.workspace, new Error(`backend response: ${reason}`));
    const answered = this.status !== 0;
    this.abortExchange();
    if (answered) {
      this.state = CLOSED;
      this.socket.destroy();
    } else this.answer(502, 'upstream-protocol', 'Bad Gateway', 'the backend sent a malformed response', true, this.workspace);
  }

  private upstreamFailed(err: Error & { code?: string }): void {
    const timeout = err.code === 'ETIMEDOUT';
    this.host.upstreamError(timeout ? 'timeout' : 'error', this.workspace, err);
    if (timeout) this.answer(504, 'upstream-timeout', 'Gateway Timeout', 'the backend did not answer in time', true, this.workspace);
    else this.answer(502, 'upstream-error', 'Bad Gateway', 'the backend could not be reached', true, this.workspace);
  }

  /** Drops the upstream side of the exchange (its connection cannot be reused mid-message). */
  private abortExchange(): void {
    const up = this.up;
    this.up = undefined;
    // Body bytes not yet sent have nowhere to go.
    this.upOut.drop();
    if (up) {
      up.user = undefined;
      up.socket.destroy();
    }
  }

  // ---- answers of our own ----

  private answer(status: number, reason: string, title: string, detail: string, close: boolean, workspace: string, body?: string, contentType?: string): void {
    if (status >= 400) this.host.rejected(reason);
    if (this.state === CLOSED) return;
    this.host.finished(workspace, status, 0, 0);
    const payload = body ?? problem(status, title, detail);
    const closing = close || !this.keepAlive || this.host.draining;
    const head = this.head;
    const text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? title}\r\ncontent-type: ${contentType ?? 'application/problem+json'}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\ncache-control: no-store\r\n${closing ? 'connection: close\r\n' : ''}\r\n${head?.method === 'HEAD' ? '' : payload}`;
    this.outString(text);
    if (closing) {
      this.state = CLOSED;
      this.buf = null;
      // Do not read an unwanted request body on a connection we are closing.
      this.finish(true);
      return;
    }
    this.keepAlive = true;
    this.next();
  }

  // ---- flow control ----

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private resume(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Timeouts, from the proxy's coarse sweep. */
  check(now: number): void {
    const l = this.host.limits;
    if (this.state === IDLE) {
      if (this.headStartedAt !== 0 && now - this.headStartedAt > l.headersTimeoutMs) {
        this.headStartedAt = 0;
        this.buf = null;
        this.answer(408, 'headers-timeout', 'Request Timeout', 'the request head did not arrive in time', true, '');
      } else if (this.headStartedAt === 0 && this.buf === null && now - this.lastActiveAt > l.keepAliveTimeoutMs) {
        this.state = CLOSED;
        this.finish(true);
      }
    } else if (this.state === FORWARD) {
      if (this.status === 0 && this.reqDone && now - this.sentAtCoarse > l.upstreamHeadersTimeoutMs) {
        this.abortExchange();
        this.host.upstreamError('timeout', this.workspace);
        this.answer(504, 'upstream-timeout', 'Gateway Timeout', 'the backend did not answer in time', true, this.workspace);
      } else if (this.status !== 0 && l.bodyIdleTimeoutMs > 0 && now - this.lastUpAt > l.bodyIdleTimeoutMs && !this.upPaused) {
        this.host.upstreamError('timeout', this.workspace);
        this.abortExchange();
        this.state = CLOSED;
        this.socket.destroy();
      }
    }
  }
}
