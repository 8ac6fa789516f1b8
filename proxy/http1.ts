// HTTP/1.1 message heads and body framing (RFC 9110 / 9112), strict, without I/O.
//
// The proxy forwards bytes, not objects: it parses a head just far enough to check it, rewrite it and
// know where the body ends, then passes body bytes through untouched. Anything a strict reader could
// understand two ways (Content-Length with Transfer-Encoding, differing lengths, obs-fold, bare LF,
// control characters, absolute-form targets) is refused rather than guessed: a proxy that reads a
// message differently from its backend is how request smuggling works.
//
// Heads are read byte by byte, and header lines are kept as offsets into the buffer they arrived in,
// not as strings: the next hop gets the same bytes (copied in runs, see `writeHead`), and strings are
// made only for the few values the proxy reads. Per small request this was the largest share of the
// proxy's own JavaScript (perf: 12–17 % of its CPU as strings, splits and regexes).

import { copyBytes } from './bytes';

/** Why a head was refused; `status` is what the peer is told (the connection is closed after it). */
export interface HeadError {
  kind: 'error';
  status: 400 | 431 | 501 | 505;
  reason: string;
}

export interface Incomplete {
  kind: 'incomplete';
}

/** Header names the proxy reads or drops; each is one bit of a mask (`fieldMask`). */
const KNOWN_NAMES = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'http2-settings',
  'x-private-link-id',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
] as const;
export type KnownName = (typeof KNOWN_NAMES)[number];
const HOST = 1;
const CONTENT_LENGTH = 2;
const TRANSFER_ENCODING = 3;
const CONNECTION = 4;
const EXPECT = 5;

/** The header lines of a head, as offsets into `buf`: see the `F_*` slots. */
interface Fields {
  /** Bytes consumed from where parsing started, leading empty lines and the blank line included. */
  length: number;
  /**
   * The buffer the head was read from: the offsets below index into it. A response head read from a
   * shared buffer is only valid until that buffer is reused.
   */
  buf: Buffer;
  /** Where the start line begins, and where it ends (its CR). */
  start: number;
  startLineEnd: number;
  /** FIELD_SLOTS numbers per header line, in order. */
  fields: number[];
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Tokens of the Connection header, lower-cased (close, keep-alive, and names of hop-by-hop headers). */
  connection: string[];
}

// Slots of one header line in Fields.fields.
const F_LINE = 0; // first byte of the name
const F_COLON = 1;
const F_VALUE = 2; // value, OWS trimmed: [F_VALUE, F_VALUE_END)
const F_VALUE_END = 3;
const F_EOL = 4; // the line's CR
const F_ID = 5; // index + 1 in KNOWN_NAMES, 0 for any other name
const FIELD_SLOTS = 6;

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
  minor: 0 | 1;
}

const SP = 0x20;
const HTAB = 0x09;
const CR = 13;
const LF = 10;
const COLON = 0x3a;
const COMMA = 0x2c;
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
const MAX_HEADERS = 256;

const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

/** Known names by length, as lower-case bytes. */
const KNOWN_BY_LENGTH: Array<Array<{ bytes: Buffer; id: number }>> = [];
KNOWN_NAMES.forEach((name, i) => (KNOWN_BY_LENGTH[name.length] ??= []).push({ bytes: Buffer.from(name, 'latin1'), id: i + 1 }));

/**
 * `buf[a..b)` equals `lower` ignoring ASCII case. `lower` holds lower-case letters, digits and '-':
 * OR-ing 0x20 folds exactly the letters onto them (the other bytes that fold onto '-' or a digit are
 * controls, which no caller lets through).
 */
function equalsLower(buf: Buffer, a: number, b: number, lower: Buffer): boolean {
  if (b - a !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if (((buf[a + i] as number) | 0x20) !== lower[i]) return false;
  return true;
}

function knownId(buf: Buffer, a: number, b: number): number {
  const candidates = KNOWN_BY_LENGTH[b - a];
  if (candidates === undefined) return 0;
  for (const c of candidates) if (equalsLower(buf, a, b, c.bytes)) return c.id;
  return 0;
}

/** A mask of known header names, for `writeHead`'s `drop`. */
export function fieldMask(names: readonly KnownName[]): number {
  let m = 0;
  for (const n of names) {
    const i = KNOWN_NAMES.indexOf(n);
    if (i < 0) throw new Error(`not a known header name: ${n}`);
    m |= 1 << (i + 1);
  }
  return m;
}

function err(status: HeadError['status'], reason: string): HeadError {
  return { kind: 'error', status, reason };
}

/** Where the head starting at `start` ends (index after CRLFCRLF), 'incomplete', or an error. */
function headEnd(buf: Buffer, start: number, origin: number, maxBytes: number): number | Incomplete | HeadError {
  const end = buf.indexOf(CRLF2, start);
  if (end < 0) return buf.length - origin > maxBytes ? err(431, 'head-too-large') : { kind: 'incomplete' };
  if (end + 4 - origin > maxBytes) return err(431, 'head-too-large');
  return end + 4;
}

/** The first CRLF at or after `i` (one exists: the head ends with CRLFCRLF). */
function eol(buf: Buffer, i: number): number {
  while (!(buf[i] === CR && buf[i + 1] === LF)) i++;
  return i;
}

/** A control character other than HTAB, or DEL: never in a field value, reason phrase or chunk line. */
function isControl(c: number): boolean {
  return (c < 0x20 && c !== HTAB) || c === 0x7f;
}

function isOws(c: number | undefined): boolean {
  return c === SP || c === HTAB;
}

const CLOSE = Buffer.from('close');
const KEEP_ALIVE = Buffer.from('keep-alive');
const CHUNKED = Buffer.from('chunked');
const CONTINUE = Buffer.from('100-continue');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].map((m) => ({ m, bytes: Buffer.from(m) }));

/** Common methods as constant strings (case-sensitive: a method is a token, not a name). */
function methodOf(buf: Buffer, a: number, b: number): string {
  for (const { m, bytes } of METHODS) {
    if (bytes.length !== b - a) continue;
    let i = 0;
    while (i < bytes.length && buf[a + i] === bytes[i]) i++;
    if (i === bytes.length) return m;
  }
  return buf.toString('latin1', a, b);
}

/** Header lines in `[from, end)` (`end` at the blank line's CR), for the header-count limit. */
function countLines(buf: Buffer, from: number, end: number): number {
  let n = 0;
  for (let i = from; i < end; i++) if (buf[i] === CR && buf[i + 1] === LF) n++;
  return n;
}

/** A malformed header line; more lines than allowed is the answer even when one of them is malformed. */
function fieldError(buf: Buffer, p: number, blank: number, fields: number[], status: HeadError['status'], reason: string): HeadError {
  return countLines(buf, p, blank) + fields.length / FIELD_SLOTS > MAX_HEADERS ? err(431, 'too-many-headers') : err(status, reason);
}

/**
 * Reads the header lines from `p` (the line after the start line) to `blank` (the blank line's CR)
 * into `head`; returns an error or undefined. `request` adds Host and Expect.
 */
function parseFields(buf: Buffer, p: number, blank: number, head: RequestHead | ResponseHead): HeadError | undefined {
  const request = head.kind === 'request';
  const fields = head.fields;
  let teAt = -1;
  let tes = 0;
  while (p < blank) {
    if (fields.length === MAX_HEADERS * FIELD_SLOTS) return err(431, 'too-many-headers');
    const line = p;
    if (isOws(buf[p])) return fieldError(buf, p, blank, fields, 400, 'obs-fold');
    while (TCHAR[buf[p] as number] === 1) p++;
    if (p === line || buf[p] !== COLON) return fieldError(buf, p, blank, fields, 400, 'bad-header');
    const colon = p++;
    while (isOws(buf[p])) p++;
    const value = p;
    let valueEnd = p;
    for (;;) {
      const c = buf[p] as number;
      if (c === CR && buf[p + 1] === LF) break;
      // A bare CR or LF is a control character too.
      if (isControl(c)) return fieldError(buf, p, blank, fields, 400, 'bad-header');
      p++;
      if (c !== SP && c !== HTAB) valueEnd = p;
    }
    const id = knownId(buf, line, colon);
    fields.push(line, colon, value, valueEnd, p, id);
    p += 2;
    if (id === CONTENT_LENGTH) {
      // A list of identical values (or repeated identical headers) is one length; anything else is two readings.
      let q = value;
      for (;;) {
        while (q < valueEnd && isOws(buf[q])) q++;
        let digits = 0;
        let n = 0;
        for (let c = buf[q] as number; q < valueEnd && c >= 0x30 && c <= 0x39; c = buf[++q] as number) {
          n = n * 10 + (c - 0x30);
          digits++;
        }
        while (q < valueEnd && isOws(buf[q])) q++;
        if (digits === 0 || digits > 15 || (q < valueEnd && buf[q] !== COMMA)) return fieldError(buf, p, blank, fields, 400, 'bad-content-length');
        if (head.contentLength !== -1 && head.contentLength !== n) return fieldError(buf, p, blank, fields, 400, 'conflicting-content-length');
        head.contentLength = n;
        if (q >= valueEnd) break;
        q++;
      }
    } else if (id === TRANSFER_ENCODING) {
      tes++;
      teAt = fields.length - FIELD_SLOTS;
    } else if (id === CONNECTION) {
      for (let q = value; q < valueEnd; q++) {
        while (q < valueEnd && isOws(buf[q])) q++;
        const a = q;
        while (q < valueEnd && buf[q] !== COMMA) q++;
        let b = q;
        while (b > a && isOws(buf[b - 1])) b--;
        if (b === a) continue;
        head.connection.push(equalsLower(buf, a, b, KEEP_ALIVE) ? 'keep-alive' : equalsLower(buf, a, b, CLOSE) ? 'close' : buf.toString('latin1', a, b).toLowerCase());
      }
    } else if (request && id === HOST) {
      const r = head as RequestHead;
      r.hosts++;
      r.host = buf.toString('latin1', value, valueEnd);
    } else if (request && id === EXPECT) {
      if (!equalsLower(buf, value, valueEnd, CONTINUE)) return fieldError(buf, p, blank, fields, 400, 'expectation');
      (head as RequestHead).expectContinue = true;
    }
  }
  if (tes > 0) {
    // Several Transfer-Encoding lines make a list, and only `chunked` alone is understood.
    if (tes > 1 || !equalsLower(buf, fields[teAt + F_VALUE] as number, fields[teAt + F_VALUE_END] as number, CHUNKED)) return err(501, 'unsupported-transfer-coding');
    if (head.contentLength !== -1) return err(400, 'content-length-with-transfer-encoding');
    head.chunked = true;
  }
  return undefined;
}

/**
 * Parses a request head at `buf[start..]`. Leading empty lines are skipped (RFC 9112 §2.2). Bare LF,
 * obs-fold, control characters, non-origin-form targets (except `*` for OPTIONS), CL + TE, and
 * transfer codings other than chunked are errors.
 */
export function parseRequestHead(buf: Buffer, start: number, maxBytes: number): RequestHead | Incomplete | HeadError {
  const origin = start;
  while (start + 1 < buf.length && buf[start] === CR && buf[start + 1] === LF) {
    start += 2;
    if (start - origin > maxBytes) return err(431, 'head-too-large');
  }
  const end = headEnd(buf, start, origin, maxBytes);
  if (typeof end !== 'number') return end;
  // method SP target SP HTTP/d.d — exactly two spaces, nothing empty.
  const e = eol(buf, start);
  let sp1 = start;
  while (sp1 < e && buf[sp1] !== SP) sp1++;
  let sp2 = sp1 + 1;
  while (sp2 < e && buf[sp2] !== SP) sp2++;
  if (sp1 === start || sp1 >= e || sp2 === sp1 + 1 || e - sp2 !== 9 || !isVersion(buf, sp2 + 1)) return err(400, 'bad-request-line');
  for (let i = start; i < sp1; i++) if (TCHAR[buf[i] as number] === 0) return err(400, 'bad-method');
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = buf[i] as number;
    if (c < 0x21 || c > 0x7e) return err(400, 'bad-target');
  }
  const major = buf[e - 3];
  const minor = buf[e - 1];
  if (major !== 0x31 || (minor !== 0x30 && minor !== 0x31)) return err(505, 'http-version');
  const method = methodOf(buf, start, sp1);
  const asterisk = sp2 === sp1 + 2 && buf[sp1 + 1] === 0x2a;
  if (buf[sp1 + 1] !== 0x2f && !(asterisk && method === 'OPTIONS')) return err(400, 'target-form');
  const head: RequestHead = {
    kind: 'request',
    length: end - origin,
    buf,
    start,
    startLineEnd: e,
    fields: [],
    contentLength: -1,
    chunked: false,
    connection: [],
    method,
    target: buf.toString('latin1', sp1 + 1, sp2),
    minor: minor === 0x31 ? 1 : 0,
    host: '',
    hosts: 0,
    expectContinue: false,
  };
  const error = parseFields(buf, e + 2, end - 2, head);
  if (error) return error;
  if (head.chunked && head.minor === 0) return err(400, 'transfer-encoding-in-http-1.0');
  return head;
}

/** `HTTP/d.d` at `i` (any digits: which versions are served is decided after the syntax). */
function isVersion(buf: Buffer, i: number): boolean {
  return buf[i] === 0x48 && buf[i + 1] === 0x54 && buf[i + 2] === 0x54 && buf[i + 3] === 0x50 && buf[i + 4] === 0x2f && isDigit(buf[i + 5]) && buf[i + 6] === 0x2e && isDigit(buf[i + 7]);
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Parses a response head (from the backend) at `buf[start..]`. */
export function parseResponseHead(buf: Buffer, start: number, maxBytes: number): ResponseHead | Incomplete | HeadError {
  const end = headEnd(buf, start, start, maxBytes);
  if (typeof end !== 'number') return end;
  // HTTP/1.d SP [1-5]dd [SP reason], the reason without controls other than HTAB.
  const e = eol(buf, start);
  const s = start;
  const minor = buf[s + 7];
  if (e - s < 12 || !isVersion(buf, s) || buf[s + 5] !== 0x31 || (minor !== 0x30 && minor !== 0x31)) return err(400, 'bad-status-line');
  const h = buf[s + 9] as number;
  if (buf[s + 8] !== SP || h < 0x31 || h > 0x35 || !isDigit(buf[s + 10]) || !isDigit(buf[s + 11])) return err(400, 'bad-status-line');
  if (e - s > 12) {
    if (buf[s + 12] !== SP) return err(400, 'bad-status-line');
    for (let i = s + 13; i < e; i++) {
      const c = buf[i] as number;
      if (isControl(c)) return err(400, 'bad-status-line');
    }
  }
  const head: ResponseHead = {
    kind: 'response',
    length: end - start,
    buf,
    start,
    startLineEnd: e,
    fields: [],
    contentLength: -1,
    chunked: false,
    connection: [],
    status: (h - 0x30) * 100 + ((buf[s + 10] as number) - 0x30) * 10 + ((buf[s + 11] as number) - 0x30),
    minor: minor === 0x31 ? 1 : 0,
  };
  const error = parseFields(buf, e + 2, end - 2, head);
  if (error) return error;
  if (head.chunked && head.minor === 0) return err(400, 'transfer-encoding-in-http-1.0');
  return head;
}

/** Header lines in a head. */
export function fieldCount(head: RequestHead | ResponseHead): number {
  return head.fields.length / FIELD_SLOTS;
}

/** The i-th header name as sent. */
export function fieldName(head: RequestHead | ResponseHead, i: number): string {
  const f = i * FIELD_SLOTS;
  return head.buf.toString('latin1', head.fields[f + F_LINE], head.fields[f + F_COLON]);
}

/** The i-th header value, OWS trimmed (latin1: one char per byte, obs-text kept exactly). */
export function fieldValue(head: RequestHead | ResponseHead, i: number): string {
  const f = i * FIELD_SLOTS;
  return head.buf.toString('latin1', head.fields[f + F_VALUE], head.fields[f + F_VALUE_END]);
}

/** A response's reason phrase ('' when absent). */
export function reasonPhrase(head: ResponseHead): string {
  return head.startLineEnd - head.start > 12 ? head.buf.toString('latin1', head.start + 13, head.startLineEnd) : '';
}

/**
 * Writes the head's start line (as HTTP/1.1: the proxy speaks 1.1 to both sides) and the header lines
 * that go on to the next hop — all but the known names in `drop` and those the Connection header
 * names — into `out` at `pos`, byte for byte; returns the position after them. The blank line is not
 * written: the caller adds its own fields first. Needs at most `head.length` bytes of room.
 */
export function writeHead(head: RequestHead | ResponseHead, drop: number, out: Buffer, pos: number): number {
  const { buf, fields } = head;
  const nominated = nominatedNames(head, drop);
  const versionAt = pos + (head.kind === 'request' ? head.startLineEnd - head.start - 1 : 7);
  // Kept lines are contiguous in `buf` between dropped ones: copied in runs.
  let run = head.start;
  for (let f = 0; f < fields.length; f += FIELD_SLOTS) {
    const id = fields[f + F_ID] as number;
    if ((id !== 0 && (drop & (1 << id)) !== 0) || (nominated !== undefined && isNamed(buf, fields[f + F_LINE] as number, fields[f + F_COLON] as number, nominated))) {
      const line = fields[f + F_LINE] as number;
      if (line > run) pos += copyBytes(buf, run, line, out, pos);
      run = (fields[f + F_EOL] as number) + 2;
    }
  }
  const last = fields.length === 0 ? head.startLineEnd + 2 : (fields[fields.length - FIELD_SLOTS + F_EOL] as number) + 2;
  if (last > run) pos += copyBytes(buf, run, last, out, pos);
  out[versionAt] = 0x31;
  return pos;
}

/**
 * The Connection header's tokens that `drop` does not already cover: each names a field of this hop
 * only (RFC 9110 §7.6.1), `close` included. Usually none (`keep-alive` is in every drop mask).
 */
function nominatedNames(head: RequestHead | ResponseHead, drop: number): string[] | undefined {
  let names: string[] | undefined;
  for (const t of head.connection) {
    const id = (KNOWN_NAMES as readonly string[]).indexOf(t) + 1;
    if (id === 0 || (drop & (1 << id)) === 0) (names ??= []).push(t);
  }
  return names;
}

/** The field name `buf[a..b)` is one of `lower` (lower-case tokens), ignoring ASCII case. */
function isNamed(buf: Buffer, a: number, b: number, lower: string[]): boolean {
  next: for (const t of lower) {
    if (t.length !== b - a) continue;
    for (let i = 0; i < t.length; i++) {
      const c = buf[a + i] as number;
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== t.charCodeAt(i)) continue next;
    }
    return true;
  }
  return false;
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
          else if (isControl(c) || ++this.lineBytes > MAX_LINE) return this.fail(i, 'bad-chunk-extension');
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
          else if (isControl(c) || ++this.lineBytes > MAX_LINE) return this.fail(i, 'bad-trailer');
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
