// HTTP/1.1 message heads and body framing (RFC 9110 / 9112), strict, without I/O.
//
// The proxy forwards bytes, not objects: it parses a head just far enough to check it, rewrite it and
// know where the body ends, then passes body bytes through untouched. Anything a strict reader could
// understand two ways (Content-Length with Transfer-Encoding, differing lengths, obs-fold, bare LF,
// control characters, absolute-form targets) is refused rather than guessed: a proxy that reads a
// message differently from its backend is how request smuggling works.

/** Why a head was refused; `status` is what the peer is told (the connection is closed after it). */
export interface HeadError {
  kind: 'error';
  status: 400 | 431 | 501 | 505;
  reason: string;
}

export interface Incomplete {
  kind: 'incomplete';
}

interface Fields {
  /** Bytes consumed, the blank line included. */
  length: number;
  /** Header names as sent (for forwarding) and lower-cased (for lookups), with their values (OWS trimmed). */
  names: string[];
  lower: string[];
  values: string[];
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Tokens of the Connection header, lower-cased (close, keep-alive, and names of hop-by-hop headers). */
  connection: string[];
}

export interface RequestHead extends Fields {
  kind: 'request';
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** The Host header's value ('' when absent); `hosts` counts them. */
  host: string;
  hosts: number;
  expectContinue: boolean;
}

export interface ResponseHead extends Fields {
  kind: 'response';
  status: number;
  reason: string;
  minor: 0 | 1;
}

const CRLF2 = '\r\n\r\n';
const MAX_HEADERS = 256;
// Per-character tables instead of regexes for the per-header checks (the hot path: ~3× faster).
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Field values: no control characters other than HTAB (obs-text allowed). */
function badValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
const TARGET = /^[\x21-\x7e]+$/;
const DIGITS = /^[0-9]{1,15}$/;
const REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/;
// eslint-disable-next-line no-control-regex -- as above
const STATUS_LINE = /^HTTP\/(\d)\.(\d) ([1-5][0-9]{2})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;

function err(status: HeadError['status'], reason: string): HeadError {
  return { kind: 'error', status, reason };
}

/** Where the head starting at `start` ends (index after CRLFCRLF), 'incomplete', or an error. */
function headEnd(buf: Buffer, start: number, origin: number, maxBytes: number): number | Incomplete | HeadError {
  const end = buf.indexOf(CRLF2, start, 'latin1');
  if (end < 0) return buf.length - origin > maxBytes ? err(431, 'head-too-large') : { kind: 'incomplete' };
  if (end + 4 - origin > maxBytes) return err(431, 'head-too-large');
  return end + 4;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Trims optional whitespace (SP, HTAB) only: String#trim also eats NBSP and friends, which a backend may not. */
function trimOws(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && isOws(v.charCodeAt(a))) a++;
  while (b > a && isOws(v.charCodeAt(b - 1))) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

/** Parses header lines (everything after the start line) into `f`; returns an error or undefined. */
function parseFields(lines: string[], f: Fields, onField?: (lower: string, value: string) => HeadError | undefined): HeadError | undefined {
  if (lines.length - 1 > MAX_HEADERS) return err(431, 'too-many-headers');
  let te: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    // Split by hand: a regex with a lazy value and trailing whitespace backtracks quadratically.
    const colon = line.indexOf(':');
    if (line.length > 0 && isOws(line.charCodeAt(0))) return err(400, 'obs-fold');
    if (colon <= 0) return err(400, 'bad-header');
    const name = line.slice(0, colon);
    if (!isToken(name)) return err(400, 'bad-header');
    const value = trimOws(line.slice(colon + 1));
    if (badValue(value)) return err(400, 'bad-header');
    const lower = name.toLowerCase();
    f.names.push(name);
    f.lower.push(lower);
    f.values.push(value);
    if (lower === 'content-length') {
      // A list of identical values (or repeated identical headers) is one length; anything else is two readings.
      for (const part of value.split(',')) {
        const v = trimOws(part);
        if (!DIGITS.test(v)) return err(400, 'bad-content-length');
        const n = Number(v);
        if (f.contentLength !== -1 && f.contentLength !== n) return err(400, 'conflicting-content-length');
        f.contentLength = n;
      }
    } else if (lower === 'transfer-encoding') {
      te = te === undefined ? value : `${te}, ${value}`;
    } else if (lower === 'connection') {
      for (const t of value.split(',')) {
        const v = trimOws(t).toLowerCase();
        if (v) f.connection.push(v);
      }
    }
    if (onField) {
      const e = onField(lower, value);
      if (e) return e;
    }
  }
  if (te !== undefined) {
    if (trimOws(te).toLowerCase() !== 'chunked') return err(501, 'unsupported-transfer-coding');
    if (f.contentLength !== -1) return err(400, 'content-length-with-transfer-encoding');
    f.chunked = true;
  }
  return undefined;
}

function lines(buf: Buffer, start: number, end: number): string[] {
  // latin1: one char per byte, so obs-text survives the round trip to the backend unchanged.
  return buf.toString('latin1', start, end - 4).split('\r\n');
}

/**
 * Parses a request head at `buf[start..]`. Leading empty lines are skipped (RFC 9112 §2.2). Bare LF,
 * obs-fold, control characters, non-origin-form targets (except `*` for OPTIONS), CL + TE, and
 * transfer codings other than chunked are errors.
 */
export function parseRequestHead(buf: Buffer, start: number, maxBytes: number): RequestHead | Incomplete | HeadError {
  const origin = start;
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) {
    start += 2;
    if (start - origin > maxBytes) return err(431, 'head-too-large');
  }
  const end = headEnd(buf, start, origin, maxBytes);
  if (typeof end !== 'number') return end;
  const ls = lines(buf, start, end);
  const rl = REQUEST_LINE.exec(ls[0] as string);
  if (!rl) return err(400, 'bad-request-line');
  const method = rl[1] as string;
  const target = rl[2] as string;
  if (!isToken(method)) return err(400, 'bad-method');
  if (!TARGET.test(target)) return err(400, 'bad-target');
  if (rl[3] !== '1') return err(505, 'http-version');
  if (rl[4] !== '0' && rl[4] !== '1') return err(505, 'http-version');
  if (target[0] !== '/' && !(target === '*' && method === 'OPTIONS')) return err(400, 'target-form');
  const head: RequestHead = {
    kind: 'request',
    length: end - origin,
    method,
    target,
    minor: rl[4] === '1' ? 1 : 0,
    names: [],
    lower: [],
    values: [],
    contentLength: -1,
    chunked: false,
    connection: [],
    host: '',
    hosts: 0,
    expectContinue: false,
  };
  const e = parseFields(ls, head, (lower, value) => {
    if (lower === 'host') {
      head.hosts++;
      head.host = value;
    } else if (lower === 'expect') {
      if (value.toLowerCase() !== '100-continue') return err(400, 'expectation');
      head.expectContinue = true;
    }
    return undefined;
  });
  if (e) return e;
  if (head.chunked && head.minor === 0) return err(400, 'transfer-encoding-in-http-1.0');
  return head;
}

/** Parses a response head (from the backend) at `buf[start..]`. */
export function parseResponseHead(buf: Buffer, start: number, maxBytes: number): ResponseHead | Incomplete | HeadError {
  const end = headEnd(buf, start, start, maxBytes);
  if (typeof end !== 'number') return end;
  const ls = lines(buf, start, end);
  const sl = STATUS_LINE.exec(ls[0] as string);
  if (!sl || sl[1] !== '1' || (sl[2] !== '0' && sl[2] !== '1')) return err(400, 'bad-status-line');
  const head: ResponseHead = {
    kind: 'response',
    length: end - start,
    status: Number(sl[3]),
    reason: sl[4] ?? '',
    minor: sl[2] === '1' ? 1 : 0,
    names: [],
    lower: [],
    values: [],
    contentLength: -1,
    chunked: false,
    connection: [],
  };
  const e = parseFields(ls, head);
  if (e) return e;
  if (head.chunked && head.minor === 0) return err(400, 'transfer-encoding-in-http-1.0');
  return head;
}

/** How a response body is delimited (RFC 9112 §6.3), given the request method. */
export function responseFraming(method: string, head: ResponseHead): 'none' | 'length' | 'chunked' | 'close' {
  if (method === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return 'none';
  if (head.chunked) return 'chunked';
  if (head.contentLength >= 0) return head.contentLength === 0 ? 'none' : 'length';
  return 'close';
}

// Chunked framing states.
const SIZE = 0;
const SIZE_EXT = 1;
const SIZE_BWS = 11;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const TRAILER_START = 6;
const TRAILER = 7;
const TRAILER_LF = 8;
const FINAL_LF = 9;
const DONE = 10;
const MAX_SIZE_DIGITS = 12;
const MAX_LINE = 4096;

/**
 * Follows a chunked body byte by byte (data runs are skipped in one step) to find where it ends; the
 * bytes themselves are forwarded untouched. `onData` (optional) receives the payload ranges, for
 * peers that cannot read chunked framing (HTTP/1.0 clients).
 */
export class ChunkedFraming {
  private state = SIZE;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private remaining = 0;
  error: string | undefined;

  constructor(private readonly onData?: (buf: Buffer, start: number, end: number) => void) {}

  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Consumes `buf[start..end)`; returns the index just past the body's last byte when the body ends in
   * this range, else `end`. Sets `error` (and returns the index of the offending byte) on bad framing.
   */
  consume(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end) {
      const s = this.state;
      if (s === DATA) {
        const n = Math.min(this.remaining, end - i);
        if (this.onData) this.onData(buf, i, i + n);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = DATA_CR;
        continue;
      }
      const c = buf[i] as number;
      switch (s) {
        case SIZE: {
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.fail(i, 'chunk-size-too-large');
            this.size = this.size * 16 + v;
          } else if (this.digits === 0) return this.fail(i, 'bad-chunk-size');
          else if (c === 0x3b /* ; */) {
            this.state = SIZE_EXT;
            this.lineBytes = 0;
          } else if (c === 0x20 || c === 0x09) {
            this.state = SIZE_BWS;
            this.lineBytes = 0;
          } else if (c === 13) this.state = SIZE_LF;
          else return this.fail(i, 'bad-chunk-size');
          break;
        }
        case SIZE_BWS:
          // Whitespace after the size may only lead to an extension (or the end of the line).
          if (c === 0x3b) this.state = SIZE_EXT;
          else if (c === 13) this.state = SIZE_LF;
          else if (!((c === 0x20 || c === 0x09) && ++this.lineBytes <= MAX_LINE)) return this.fail(i, 'bad-chunk-extension');
          break;
        case SIZE_EXT:
          if (c === 13) this.state = SIZE_LF;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f || ++this.lineBytes > MAX_LINE) return this.fail(i, 'bad-chunk-extension');
          break;
        case SIZE_LF:
          if (c !== 10) return this.fail(i, 'bad-chunk-line');
          if (this.size === 0) {
            this.state = TRAILER_START;
          } else {
            this.remaining = this.size;
            this.state = DATA;
          }
          this.size = 0;
          this.digits = 0;
          break;
        case DATA_CR:
          if (c !== 13) return this.fail(i, 'bad-chunk-end');
          this.state = DATA_LF;
          break;
        case DATA_LF:
          if (c !== 10) return this.fail(i, 'bad-chunk-end');
          this.state = SIZE;
          break;
        case TRAILER_START:
          // A trailer line starts with a field name: a bare LF or other control here is a framing
          // ambiguity (a lenient backend could end the body one byte earlier).
          if (c === 13) this.state = FINAL_LF;
          else if (c > 0x20 && c < 0x7f && c !== 0x3a) {
            this.state = TRAILER;
            this.lineBytes = 1;
          } else return this.fail(i, 'bad-trailer');
          break;
        case TRAILER:
          if (c === 13) this.state = TRAILER_LF;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f || ++this.lineBytes > MAX_LINE) return this.fail(i, 'bad-trailer');
          break;
        case TRAILER_LF:
          if (c !== 10) return this.fail(i, 'bad-trailer');
          this.state = TRAILER_START;
          break;
        case FINAL_LF:
          if (c !== 10) return this.fail(i, 'bad-chunked-end');
          this.state = DONE;
          return i + 1;
        default:
          return i;
      }
      i++;
    }
    return end;
  }

  private fail(i: number, reason: string): number {
    this.error = reason;
    this.state = DONE;
    return i;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
