// HTTP/1.1 head parser and chunked framing (proxy/http1.ts): the proxy's hot path, and its guard
// against request smuggling. Table tests pin each rule (RFC 9110 / 9112); properties check that no
// input, however malformed or however split, makes the parser throw, read past a head, or lose track
// of where a chunked body ends.
//
// Tests marked `// Regression:` pin defects found by this file's first version (now fixed).
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import {
  ChunkedFraming,
  fieldCount,
  fieldName,
  fieldMask,
  fieldValue,
  parseRequestHead as parseRequestRaw,
  parseResponseHead as parseResponseRaw,
  reasonPhrase,
  responseFraming,
  writeHead,
  type HeadError,
  type Incomplete,
  type RequestHead as ParsedRequest,
  type ResponseHead as ParsedResponse,
} from '../../proxy/http1';

/** One char per byte, so obs-text (0x80-0xff) is written exactly as the test spells it. */
const L = (s: string): Buffer => Buffer.from(s, 'latin1');
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const MAX = 8192;
const CRLF2 = L('\r\n\r\n');

// The parser keeps header lines as offsets into the input; the tables and properties below compare
// what those offsets decode to, as plain data (`view`).
interface Decoded {
  names: string[];
  lower: string[];
  values: string[];
  contentLength: number;
  chunked: boolean;
  connection: string[];
  length: number;
  minor: 0 | 1;
}
interface RequestHead extends Decoded {
  kind: 'request';
  method: string;
  target: string;
  host: string;
  hosts: number;
  expectContinue: boolean;
}
interface ResponseHead extends Decoded {
  kind: 'response';
  status: number;
  reason: string;
}

function decoded(h: ParsedRequest | ParsedResponse): Pick<Decoded, 'names' | 'lower' | 'values'> {
  const names = Array.from({ length: fieldCount(h) }, (_, i) => fieldName(h, i));
  return { names, lower: names.map((n) => n.toLowerCase()), values: names.map((_, i) => fieldValue(h, i)) };
}
function viewRequest(r: ParsedRequest | Incomplete | HeadError): RequestHead | Incomplete | HeadError {
  if (r.kind !== 'request') return r;
  const { kind, length, method, target, minor, contentLength, chunked, connection, host, hosts, expectContinue } = r;
  return { kind, length, method, target, minor, ...decoded(r), contentLength, chunked, connection, host, hosts, expectContinue };
}
function viewResponse(r: ParsedResponse | Incomplete | HeadError): ResponseHead | Incomplete | HeadError {
  if (r.kind !== 'response') return r;
  const { kind, length, status, minor, contentLength, chunked, connection } = r;
  return { kind, length, status, reason: reasonPhrase(r), minor, ...decoded(r), contentLength, chunked, connection };
}
const parseRequestHead = (buf: Buffer, start: number, maxBytes: number): RequestHead | Incomplete | HeadError => viewRequest(parseRequestRaw(buf, start, maxBytes));
const parseResponseHead = (buf: Buffer, start: number, maxBytes: number): ResponseHead | Incomplete | HeadError => viewResponse(parseResponseRaw(buf, start, maxBytes));

type RequestResult = RequestHead | Incomplete | HeadError;
type ResponseResult = ResponseHead | Incomplete | HeadError;

const request = (text: string, maxBytes = MAX): RequestResult => parseRequestHead(L(text), 0, maxBytes);
const response = (text: string, maxBytes = MAX): ResponseResult => parseResponseHead(L(text), 0, maxBytes);

function asRequest(r: RequestResult): RequestHead {
  if (r.kind !== 'request') throw new Error(`expected a request head, got ${JSON.stringify(r)}`);
  return r;
}
function asResponse(r: ResponseResult): ResponseHead {
  if (r.kind !== 'response') throw new Error(`expected a response head, got ${JSON.stringify(r)}`);
  return r;
}
const headers = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join('');

// ---------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------

describe('parseRequestHead: table', () => {
  it('parses a plain GET, counting the blank line and leaving the bytes after the head alone', () => {
    const head = 'GET /a/b?c=d&e=%20 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1.0\r\naccept: */*\r\n\r\n';
    const buf = L(`junk${head}BODY-BYTES`);
    const copy = Buffer.from(buf);
    const r = parseRequestHead(buf, 4, MAX);
    expect(r).toEqual({
      kind: 'request',
      length: head.length,
      method: 'GET',
      target: '/a/b?c=d&e=%20',
      minor: 1,
      names: ['Host', 'User-Agent', 'accept'],
      lower: ['host', 'user-agent', 'accept'],
      values: ['example.com', 't/1.0', '*/*'],
      contentLength: -1,
      chunked: false,
      connection: [],
      host: 'example.com',
      hosts: 1,
      expectContinue: false,
    });
    // The parser is pure: the buffer is unchanged and the body starts right after `length`.
    expect(buf.equals(copy)).toBe(true);
    expect(buf.toString('latin1', 4 + head.length)).toBe('BODY-BYTES');
  });

  it('skips empty lines before the request line (RFC 9112 §2.2) and counts them in length', () => {
    const head = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
    const r = asRequest(parseRequestHead(L(`\r\n\r\n${head}rest`), 0, MAX));
    expect(r.length).toBe(4 + head.length);
    expect(r).toMatchObject({ method: 'GET', target: '/', host: 'h' });
    // Also from a start offset inside a larger buffer (a pipelined second request).
    const two = L(`${head}\r\n${head}`);
    expect(asRequest(parseRequestHead(two, head.length, MAX)).length).toBe(2 + head.length);
  });

  it('answers incomplete for every strict prefix of a valid head, then the head', () => {
    for (const head of [
      '\r\n\r\nPOST /upload?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nX-Obs: caf\xe9\r\n\r\n',
      'GET / HTTP/1.0\r\n\r\n',
    ]) {
      const buf = L(head);
      for (let i = 0; i < buf.length; i++) expect([i, parseRequestHead(buf.subarray(0, i), 0, MAX)]).toEqual([i, { kind: 'incomplete' }]);
      expect(asRequest(parseRequestHead(buf, 0, MAX)).length).toBe(buf.length);
    }
  });

  it('refuses heads larger than maxBytes with 431, with or without a terminator', () => {
    const head = 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n';
    // No terminator and already more bytes than allowed: no point waiting.
    expect(request(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}`, 64)).toEqual({ kind: 'error', status: 431, reason: 'head-too-large' });
    // The terminator arrives, but past the limit.
    expect(request(head, head.length - 1)).toEqual({ kind: 'error', status: 431, reason: 'head-too-large' });
    // Exactly at the limit is fine.
    expect(asRequest(request(head, head.length)).length).toBe(head.length);
  });

  it('refuses more than 256 header fields with 431, and accepts 256', () => {
    expect(request(`GET / HTTP/1.1\r\n${headers(257)}\r\n`, 1 << 16)).toEqual({ kind: 'error', status: 431, reason: 'too-many-headers' });
    expect(asRequest(request(`GET / HTTP/1.1\r\n${headers(256)}\r\n`, 1 << 16)).names).toHaveLength(256);
  });

  const accepted: Array<[string, string, Partial<RequestHead>]> = [
    ['HTTP/1.0', 'GET / HTTP/1.0\r\n\r\n', { minor: 0, hosts: 0, host: '' }],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n', { method: 'OPTIONS', target: '*' }],
    ['any token method, case kept', "m!#$%&'*+-.^_`|~9 /x HTTP/1.1\r\n\r\n", { method: "m!#$%&'*+-.^_`|~9", target: '/x' }],
    ['origin-form with every visible char', 'GET /!"$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~ HTTP/1.1\r\n\r\n', { target: '/!"$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~' }],
    ['empty value', 'GET / HTTP/1.1\r\nX-Empty:\r\nY:  \t \r\n\r\n', { values: ['', ''] }],
    ['OWS around values trimmed, inner kept', 'GET / HTTP/1.1\r\nX: \t a \t b \t\r\n\r\n', { values: ['a \t b'] }],
    ['obs-text survives (latin1)', 'GET / HTTP/1.1\r\nX: caf\xe9 \x80\xff\r\n\r\n', { values: ['caf\xe9 \x80\xff'] }],
    ['Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 42\r\n\r\n', { contentLength: 42, chunked: false }],
    ['Content-Length: 0', 'POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n', { contentLength: 0 }],
    ['Content-Length with leading zeros', 'POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n', { contentLength: 7 }],
    ['Content-Length of 15 digits', 'POST / HTTP/1.1\r\nContent-Length: 999999999999999\r\n\r\n', { contentLength: 999999999999999 }],
    ['Content-Length: 5, 5 is one length', 'POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n', { contentLength: 5, values: ['5, 5'] }],
    ['two identical Content-Length fields', 'POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n', { contentLength: 5 }],
    ['Transfer-Encoding: chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n', { chunked: true, contentLength: -1 }],
    ['coding names are case-insensitive', 'POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \r\n\r\n', { chunked: true, values: ['Chunked'] }],
    ['Expect: 100-continue', 'POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n', { expectContinue: true }],
    ['Expect is case-insensitive', 'POST / HTTP/1.1\r\nexpect: 100-Continue\r\n\r\n', { expectContinue: true }],
    ['duplicate Host counted (the caller refuses it)', 'GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n', { hosts: 2, host: 'b' }],
    [
      'Connection tokens split, trimmed and lower-cased, across fields',
      'GET / HTTP/1.1\r\nConnection: Keep-Alive ,\tUpgrade\r\nconnection: ,close,,\r\n\r\n',
      { connection: ['keep-alive', 'upgrade', 'close'] },
    ],
  ];
  it.each(accepted)('accepts %s', (_name, text, fields) => {
    const r = asRequest(request(text));
    expect(r).toMatchObject(fields);
    expect(r.length).toBe(text.length);
  });

  it('keeps obs-text bytes exactly (latin1 round trip)', () => {
    const value = Buffer.from([0x61, 0x80, 0xa0, 0xc3, 0xa9, 0xff, 0x62]);
    const buf = Buffer.concat([L('GET / HTTP/1.1\r\nX: '), value, L('\r\n\r\n')]);
    expect(L(asRequest(parseRequestHead(buf, 0, MAX)).values[0] as string).equals(value)).toBe(true);
  });

  const refused: Array<[string, string, HeadError['status'], string]> = [
    // Request line.
    ['double space after method', 'GET  / HTTP/1.1\r\n\r\n', 400, 'bad-request-line'],
    ['double space before version', 'GET /  HTTP/1.1\r\n\r\n', 400, 'bad-request-line'],
    ['missing version', 'GET /\r\n\r\n', 400, 'bad-request-line'],
    ['HTTP/0.9 style', 'GET\r\n\r\n', 400, 'bad-request-line'],
    ['lowercase http/1.1', 'GET / http/1.1\r\n\r\n', 400, 'bad-request-line'],
    ['trailing space', 'GET / HTTP/1.1 \r\n\r\n', 400, 'bad-request-line'],
    ['leading space', ' GET / HTTP/1.1\r\n\r\n', 400, 'bad-request-line'],
    ['tab as separator', 'GET\t/ HTTP/1.1\r\n\r\n', 400, 'bad-request-line'],
    ['space inside the target', 'GET /a b HTTP/1.1\r\n\r\n', 400, 'bad-request-line'],
    ['two-digit version', 'GET / HTTP/1.10\r\n\r\n', 400, 'bad-request-line'],
    ['bare LF ends the request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400, 'bad-request-line'],
    ['method with (', 'G(ET / HTTP/1.1\r\n\r\n', 400, 'bad-method'],
    ['method with :', 'GE:T / HTTP/1.1\r\n\r\n', 400, 'bad-method'],
    ['method with obs-text', 'G\xe9T / HTTP/1.1\r\n\r\n', 400, 'bad-method'],
    ['method with control char', 'G\x01T / HTTP/1.1\r\n\r\n', 400, 'bad-method'],
    ['target with control char', 'GET /a\x01b HTTP/1.1\r\n\r\n', 400, 'bad-target'],
    ['target with DEL', 'GET /a\x7f HTTP/1.1\r\n\r\n', 400, 'bad-target'],
    ['target with obs-text', 'GET /caf\xe9 HTTP/1.1\r\n\r\n', 400, 'bad-target'],
    ['target with tab', 'GET /a\tb HTTP/1.1\r\n\r\n', 400, 'bad-target'],
    ['absolute-form', 'GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'target-form'],
    ['authority-form', 'CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n', 400, 'target-form'],
    ['* for GET', 'GET * HTTP/1.1\r\n\r\n', 400, 'target-form'],
    ['relative target', 'GET a/b HTTP/1.1\r\n\r\n', 400, 'target-form'],
    // Versions.
    ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 505, 'http-version'],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\n\r\n', 505, 'http-version'],
    ['HTTP/0.9', 'GET / HTTP/0.9\r\n\r\n', 505, 'http-version'],
    // Field lines.
    ['obs-fold with a space', 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 400, 'obs-fold'],
    ['obs-fold with a tab', 'GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n', 400, 'obs-fold'],
    ['first field line folded', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', 400, 'obs-fold'],
    ['space between name and colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400, 'bad-header'],
    ['tab between name and colon', 'GET / HTTP/1.1\r\nHost\t: a\r\n\r\n', 400, 'bad-header'],
    ['no colon', 'GET / HTTP/1.1\r\nHost a\r\n\r\n', 400, 'bad-header'],
    ['empty name', 'GET / HTTP/1.1\r\n: a\r\n\r\n', 400, 'bad-header'],
    ['name with obs-text', 'GET / HTTP/1.1\r\nH\xe9: a\r\n\r\n', 400, 'bad-header'],
    ['bare LF between fields', 'GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n', 400, 'bad-header'],
    ['bare LF smuggling a Content-Length', 'GET / HTTP/1.1\r\nX: a\nContent-Length: 5\r\n\r\n', 400, 'bad-header'],
    ['bare CR in a value', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', 400, 'bad-header'],
    ['NUL in a value', 'GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n', 400, 'bad-header'],
    ['control char in a value', 'GET / HTTP/1.1\r\nX: a\x1bb\r\n\r\n', 400, 'bad-header'],
    ['DEL in a value', 'GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n', 400, 'bad-header'],
    ['vertical tab as OWS', 'GET / HTTP/1.1\r\nContent-Length:\x0b5\r\n\r\n', 400, 'bad-header'],
    // Framing.
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'content-length-with-transfer-encoding'],
    ['Transfer-Encoding with Content-Length', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n', 400, 'content-length-with-transfer-encoding'],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 400, 'conflicting-content-length'],
    ['a list of different lengths', 'POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n', 400, 'conflicting-content-length'],
    ['non-digit Content-Length', 'POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n', 400, 'bad-content-length'],
    ['hex Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n', 400, 'bad-content-length'],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 400, 'bad-content-length'],
    ['signed Content-Length', 'POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n', 400, 'bad-content-length'],
    ['16-digit Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 1000000000000000\r\n\r\n', 400, 'bad-content-length'],
    ['empty Content-Length', 'POST / HTTP/1.1\r\nContent-Length:\r\n\r\n', 400, 'bad-content-length'],
    ['Content-Length with inner space', 'POST / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\n', 400, 'bad-content-length'],
    ['Content-Length list with an empty element', 'POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\n', 400, 'bad-content-length'],
    ['decimal Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 5.0\r\n\r\n', 400, 'bad-content-length'],
    ['Transfer-Encoding: gzip', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['Transfer-Encoding: chunked, gzip', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['Transfer-Encoding: gzip, chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['Transfer-Encoding split over two fields', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['chunked twice', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['empty Transfer-Encoding', 'POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['a near miss: chunke', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunke\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['Transfer-Encoding: chunked on HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'transfer-encoding-in-http-1.0'],
    ['Expect other than 100-continue', 'POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n', 400, 'expectation'],
    ['Expect list', 'POST / HTTP/1.1\r\nExpect: 100-continue, foo\r\n\r\n', 400, 'expectation'],
  ];
  it.each(refused)('refuses %s', (_name, text, status, reason) => {
    expect(request(text)).toEqual({ kind: 'error', status, reason });
  });

  it('refuses a stream of empty lines longer than maxBytes (it would otherwise be buffered forever)', () => {
    // Regression: skipped leading CRLFs did not count towards maxBytes, so `'\r\n'.repeat(N)` was
    // 'incomplete' for every N (unbounded buffering).
    expect(request('\r\n'.repeat(1000), 64)).toEqual({ kind: 'error', status: 431, reason: 'head-too-large' });
  });

  it('does not trim non-OWS characters (NBSP, 0xa0) off Content-Length and Transfer-Encoding', () => {
    // Regression: String#trim also strips U+00A0 (a latin1 obs-text byte), so 'chunked\xa0' was taken as
    // chunked while the bytes went to the backend unchanged: a smuggling vector. OWS is SP/HTAB only.
    expect(request('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\xa0\r\n\r\n')).toEqual({ kind: 'error', status: 501, reason: 'unsupported-transfer-coding' });
    expect(request('POST / HTTP/1.1\r\nTransfer-Encoding: \xa0chunked\r\n\r\n')).toEqual({ kind: 'error', status: 501, reason: 'unsupported-transfer-coding' });
    expect(request('POST / HTTP/1.1\r\nContent-Length: \xa05\r\n\r\n')).toEqual({ kind: 'error', status: 400, reason: 'bad-content-length' });
    expect(request('POST / HTTP/1.1\r\nContent-Length: 5\xa0\r\n\r\n')).toEqual({ kind: 'error', status: 400, reason: 'bad-content-length' });
    expect(request('POST / HTTP/1.1\r\nContent-Length: 5,\xa05\r\n\r\n')).toEqual({ kind: 'error', status: 400, reason: 'bad-content-length' });
    expect(response('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\xa0\r\n\r\n')).toEqual({ kind: 'error', status: 501, reason: 'unsupported-transfer-coding' });
  });

  it('parses a field value with a long run of inner whitespace in linear time', () => {
    // Regression: a field regex with a lazy value before `[\t ]*$` backtracked quadratically ('X: a' +
    // 16,000 spaces + 'b' took ~300 ms, 64 KiB ~10 s, blocking the event loop); a linear parse is < 1 ms.
    const head = (n: number): Buffer => L(`GET / HTTP/1.1\r\nX: a${' '.repeat(n)}b\r\n\r\n`);
    parseRequestHead(head(64), 0, MAX); // warm up
    const t0 = performance.now();
    const r = parseRequestHead(head(16_000), 0, 16_384);
    const ms = performance.now() - t0;
    expect(r.kind).toBe('request');
    expect(ms).toBeLessThan(50);
  });
});

// ---------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------

describe('parseResponseHead: table', () => {
  it('parses a status line with a reason, leaving the body alone', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n';
    const buf = L(`${head}hi`);
    expect(parseResponseHead(buf, 0, MAX)).toEqual({
      kind: 'response',
      length: head.length,
      status: 200,
      reason: 'OK',
      minor: 1,
      names: ['Content-Length', 'Connection'],
      lower: ['content-length', 'connection'],
      values: ['2', 'keep-alive'],
      contentLength: 2,
      chunked: false,
      connection: ['keep-alive'],
    });
    // From an offset (the second response on a connection).
    const two = L(`${head}hi${head}hi`);
    expect(asResponse(parseResponseHead(two, head.length + 2, MAX)).length).toBe(head.length);
  });

  it('answers incomplete for every strict prefix of a valid head', () => {
    const buf = L('HTTP/1.1 204\r\nX: y\r\n\r\n');
    for (let i = 0; i < buf.length; i++) expect([i, parseResponseHead(buf.subarray(0, i), 0, MAX)]).toEqual([i, { kind: 'incomplete' }]);
    expect(asResponse(parseResponseHead(buf, 0, MAX)).length).toBe(buf.length);
  });

  const accepted: Array<[string, string, Partial<ResponseHead>]> = [
    ['no reason phrase', 'HTTP/1.1 204\r\n\r\n', { status: 204, reason: '' }],
    ['empty reason phrase', 'HTTP/1.1 204 \r\n\r\n', { status: 204, reason: '' }],
    ['reason with spaces, tab and obs-text', 'HTTP/1.1 404 Not  Found\tcaf\xe9\r\n\r\n', { status: 404, reason: 'Not  Found\tcaf\xe9' }],
    ['HTTP/1.0', 'HTTP/1.0 200 OK\r\n\r\n', { minor: 0, status: 200 }],
    ['interim 100', 'HTTP/1.1 100 Continue\r\n\r\n', { status: 100 }],
    ['upgrade', 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { status: 101, connection: ['upgrade'] }],
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', { chunked: true, contentLength: -1 }],
    ['Content-Length: 7, 7', 'HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n', { contentLength: 7 }],
  ];
  it.each(accepted)('accepts %s', (_name, text, fields) => {
    const r = asResponse(response(text));
    expect(r).toMatchObject(fields);
    expect(r.length).toBe(text.length);
  });

  const refused: Array<[string, string, HeadError['status'], string]> = [
    ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 400, 'bad-status-line'],
    ['four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', 400, 'bad-status-line'],
    ['non-digit status', 'HTTP/1.1 abc OK\r\n\r\n', 400, 'bad-status-line'],
    ['HTTP/2.0', 'HTTP/2.0 200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['HTTP/0.9', 'HTTP/0.9 200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['lowercase http', 'http/1.1 200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['double space', 'HTTP/1.1  200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['no space before status', 'HTTP/1.1200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['control char in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 400, 'bad-status-line'],
    ['DEL in reason', 'HTTP/1.1 200 OK\x7f\r\n\r\n', 400, 'bad-status-line'],
    ['bare LF in status line', 'HTTP/1.1 200 OK\nX: y\r\n\r\n', 400, 'bad-status-line'],
    ['not HTTP', 'ICY 200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['leading empty line (only requests may have one)', '\r\nHTTP/1.1 200 OK\r\n\r\n', 400, 'bad-status-line'],
    ['a request', 'GET / HTTP/1.1\r\n\r\n', 400, 'bad-status-line'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', 400, 'obs-fold'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n', 400, 'bad-header'],
    ['bare LF between fields', 'HTTP/1.1 200 OK\r\nX: a\nContent-Length: 5\r\n\r\n', 400, 'bad-header'],
    ['Content-Length with Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'content-length-with-transfer-encoding'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n', 400, 'conflicting-content-length'],
    ['negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n', 400, 'bad-content-length'],
    ['16-digit Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n', 400, 'bad-content-length'],
    ['Transfer-Encoding: gzip, chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, 'unsupported-transfer-coding'],
    ['Transfer-Encoding: identity', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n', 501, 'unsupported-transfer-coding'],
  ];
  it.each(refused)('refuses %s', (_name, text, status, reason) => {
    expect(response(text)).toEqual({ kind: 'error', status, reason });
  });

  it('applies maxBytes and the header count limit', () => {
    const head = 'HTTP/1.1 200 OK\r\nServer: s\r\n\r\n';
    expect(response(head, head.length - 1)).toEqual({ kind: 'error', status: 431, reason: 'head-too-large' });
    expect(asResponse(response(head, head.length)).length).toBe(head.length);
    expect(response(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(64)}`, 32)).toEqual({ kind: 'error', status: 431, reason: 'head-too-large' });
    expect(response(`HTTP/1.1 200 OK\r\n${headers(257)}\r\n`, 1 << 16)).toEqual({ kind: 'error', status: 431, reason: 'too-many-headers' });
  });

  const framing: Array<[string, string, string, ReturnType<typeof responseFraming>]> = [
    ['HEAD with a length', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'none'],
    ['HEAD with chunked', 'HEAD', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'none'],
    ['HEAD with neither', 'HEAD', 'HTTP/1.1 200 OK\r\n\r\n', 'none'],
    ['100 Continue', 'POST', 'HTTP/1.1 100 Continue\r\n\r\n', 'none'],
    ['101 Switching Protocols', 'GET', 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n\r\n', 'none'],
    ['204 with a length', 'GET', 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n', 'none'],
    ['304 with a length', 'GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', 'none'],
    ['304 with chunked', 'GET', 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n', 'none'],
    ['200 chunked', 'GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'chunked'],
    ['200 with a length', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'length'],
    ['201 with a length, for POST', 'POST', 'HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\n', 'length'],
    ['200 with Content-Length: 0', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'none'],
    ['200 with neither: read to close', 'GET', 'HTTP/1.1 200 OK\r\n\r\n', 'close'],
    ['HTTP/1.0 200 with neither', 'GET', 'HTTP/1.0 200 OK\r\n\r\n', 'close'],
    ['404 with a length', 'DELETE', 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n', 'length'],
  ];
  it.each(framing)('responseFraming: %s', (_name, method, text, expected) => {
    expect(responseFraming(method, parseResponseRaw(L(text), 0, MAX) as ParsedResponse)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------------
// Chunked framing
// ---------------------------------------------------------------------------------------------------

/** Feeds `buf[start..)` in one call; returns the index returned, the framing, and the payload seen. */
function follow(text: string | Buffer, start = 0): { at: number; f: ChunkedFraming; payload: string } {
  const buf = typeof text === 'string' ? L(text) : text;
  const parts: Buffer[] = [];
  const f = new ChunkedFraming((b, s, e) => parts.push(Buffer.from(b.subarray(s, e))));
  const at = f.consume(buf, start, buf.length);
  return { at, f, payload: Buffer.concat(parts).toString('latin1') };
}

describe('ChunkedFraming: table', () => {
  it('finds the end of a full body in one piece and leaves the next bytes alone', () => {
    const body = '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
    const buf = L(`${body}GET /next HTTP/1.1\r\n\r\n`);
    const copy = Buffer.from(buf);
    const { at, f, payload } = follow(buf);
    expect([at, f.done, f.error, payload]).toEqual([body.length, true, undefined, 'hello world']);
    expect(buf.equals(copy)).toBe(true);
    // Done means done: later calls consume nothing.
    expect(f.consume(buf, at, buf.length)).toBe(at);
  });

  it('honours start and end', () => {
    const body = '3\r\nabc\r\n0\r\n\r\n';
    const buf = L(`XXXX${body}YY`);
    const { at, f, payload } = follow(buf, 4);
    expect([at, f.done, payload]).toEqual([4 + body.length, true, 'abc']);
    // An end short of the body: consumes everything, not done.
    const g = new ChunkedFraming();
    expect(g.consume(buf, 4, 4 + body.length - 1)).toBe(4 + body.length - 1);
    expect([g.done, g.error]).toEqual([false, undefined]);
    expect(g.consume(buf, 4 + body.length - 1, buf.length)).toBe(4 + body.length);
    expect(g.done).toBe(true);
  });

  const valid: Array<[string, string, string]> = [
    ['empty body', '0\r\n\r\n', ''],
    ['uppercase hex', 'A\r\n0123456789\r\n1F\r\n0123456789012345678901234567890\r\n0\r\n\r\n', '01234567890123456789012345678901234567890'],
    ['mixed-case hex', 'aB\r\n' + 'x'.repeat(0xab) + '\r\n0\r\n\r\n', 'x'.repeat(0xab)],
    ['leading zeros up to 12 digits', '00000000000a\r\n0123456789\r\n000000000000\r\n\r\n', '0123456789'],
    ['extensions', '5;a=b;c="d e;f"\r\nhello\r\n0;last\r\n\r\n', 'hello'],
    ['extension with BWS', '5 ;a=b\r\nhello\r\n0\t;x\r\n\r\n', 'hello'],
    ['extension with obs-text and tab', '5;n=caf\xe9\t\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['trailers', '5\r\nhello\r\n0\r\nX-Sum: abc\r\nY: z\xe9\r\n\r\n', 'hello'],
    ['data that looks like framing', '9\r\n0\r\n\r\n0\r\n\r\r\n0\r\n\r\n', '0\r\n\r\n0\r\n\r'],
    ['binary data', '3\r\n\x00\n\xff\r\n0\r\n\r\n', '\x00\n\xff'],
  ];
  it.each(valid)('follows %s, in one piece and byte by byte', (_name, body, expected) => {
    const one = follow(`${body}!`);
    expect([one.at, one.f.done, one.f.error, one.payload]).toEqual([body.length, true, undefined, expected]);
    const buf = L(`${body}!`);
    const parts: Buffer[] = [];
    const f = new ChunkedFraming((b, s, e) => parts.push(Buffer.from(b.subarray(s, e))));
    for (let i = 0; i < body.length; i++) {
      const at = f.consume(buf, i, i + 1);
      expect([i, at, f.done]).toEqual([i, i + 1, i === body.length - 1]);
    }
    expect(Buffer.concat(parts).toString('latin1')).toBe(expected);
  });

  const broken: Array<[string, string, string, number]> = [
    ['non-hex size', 'g\r\n', 'bad-chunk-size', 0],
    ['empty size', '\r\n', 'bad-chunk-size', 0],
    ['negative size', '-5\r\n', 'bad-chunk-size', 0],
    ['0x prefix', '0x5\r\n', 'bad-chunk-size', 1],
    ['bare LF after the size', '5\nhello\r\n', 'bad-chunk-size', 1],
    ['CR not followed by LF', '5\rhello', 'bad-chunk-line', 2],
    ['more than 12 hex digits', '0000000000001\r\n', 'chunk-size-too-large', 12],
    ['13 significant hex digits', 'fffffffffffff\r\n', 'chunk-size-too-large', 12],
    ['missing CRLF after data', '5\r\nhelloX\r\n0\r\n\r\n', 'bad-chunk-end', 8],
    ['data one byte longer than its size', '5\r\nhello!\r\n0\r\n\r\n', 'bad-chunk-end', 8],
    ['CR without LF after data', '5\r\nhello\rX', 'bad-chunk-end', 9],
    ['bare LF after data', '5\r\nhello\n0\r\n\r\n', 'bad-chunk-end', 8],
    ['control char in extension', '5;a\x01\r\nhello\r\n0\r\n\r\n', 'bad-chunk-extension', 3],
    ['bare LF in extension', '5;a\nhello\r\n0\r\n\r\n', 'bad-chunk-extension', 3],
    ['DEL in extension', '5;\x7f\r\n', 'bad-chunk-extension', 2],
    ['extension longer than 4096 bytes', `5;${'a'.repeat(4097)}\r\n`, 'bad-chunk-extension', 4098],
    ['control char in trailer', '0\r\nX: a\x00b\r\n\r\n', 'bad-trailer', 7],
    ['CR without LF in trailer', '0\r\nX\rY\r\n\r\n', 'bad-trailer', 5],
    ['CR without LF at the end', '0\r\n\rX', 'bad-chunked-end', 4],
    ['CR CR at the end', '0\r\n\r\r\n', 'bad-chunked-end', 4],
  ];
  it.each(broken)('refuses %s', (_name, body, reason, index) => {
    const { at, f } = follow(`${body}tail`);
    expect([f.error, at, f.done]).toEqual([reason, index, true]);
    // After an error nothing more is consumed.
    expect(f.consume(L('0\r\n\r\n'), 0, 5)).toBe(0);
  });

  it('refuses a control character (bare LF) at the start of a trailer line', () => {
    // Regression: the first byte of a trailer line was not checked, so '0\r\n\n' + a request was one
    // body to us, while a backend that accepts bare LF ends the body at '\n' and reads the request
    // that follows (smuggling). Expected: 'bad-trailer' at index 3.
    const body = '0\r\n\nGET /admin HTTP/1.1\r\nHost: internal\r\n\r\n';
    const { at, f } = follow(body);
    expect([f.error, at]).toEqual(['bad-trailer', 3]);
    expect(follow('0\r\n\x00X: y\r\n\r\n').f.error).toBe('bad-trailer');
  });

  it('does not overflow with 12-digit sizes and delivers payload across calls', () => {
    const seen: number[] = [];
    const f = new ChunkedFraming((_b, s, e) => seen.push(e - s));
    const head = L('ffffffffffff\r\n');
    expect(f.consume(head, 0, head.length)).toBe(head.length);
    const data = Buffer.alloc(1000, 0x61);
    expect(f.consume(data, 0, 400)).toBe(400);
    expect(f.consume(data, 400, 1000)).toBe(1000);
    expect([f.done, f.error, seen]).toEqual([false, undefined, [400, 600]]);
  });

  it('onData receives exactly the payload ranges of the buffer it was given', () => {
    const buf = L('xx4\r\nWiki\r\n7;e=1\r\npedia i\r\nB\r\nn \r\nchunks.\r\n0\r\nT: v\r\n\r\nyy');
    const ranges: Array<[number, number]> = [];
    const f = new ChunkedFraming((b, s, e) => {
      expect(b).toBe(buf);
      ranges.push([s, e]);
    });
    expect(f.consume(buf, 2, buf.length)).toBe(buf.length - 2);
    expect(ranges.map(([s, e]) => buf.toString('latin1', s, e)).join('')).toBe('Wikipedia in \r\nchunks.');
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties: ≥ 100,000 generated inputs in total (plain asserts: expect() is too slow at this scale).
// ---------------------------------------------------------------------------------------------------

const REQUEST_REASONS = new Map<string, number>([
  ['head-too-large', 431],
  ['too-many-headers', 431],
  ['bad-request-line', 400],
  ['bad-method', 400],
  ['bad-target', 400],
  ['http-version', 505],
  ['target-form', 400],
  ['obs-fold', 400],
  ['bad-header', 400],
  ['bad-content-length', 400],
  ['conflicting-content-length', 400],
  ['unsupported-transfer-coding', 501],
  ['content-length-with-transfer-encoding', 400],
  ['expectation', 400],
  ['transfer-encoding-in-http-1.0', 400],
]);
const RESPONSE_REASONS = new Map<string, number>([
  ['head-too-large', 431],
  ['too-many-headers', 431],
  ['bad-status-line', 400],
  ['obs-fold', 400],
  ['bad-header', 400],
  ['bad-content-length', 400],
  ['conflicting-content-length', 400],
  ['unsupported-transfer-coding', 501],
  ['content-length-with-transfer-encoding', 400],
  ['transfer-encoding-in-http-1.0', 400],
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- control characters are what a value must not contain
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]|^[\t ]|[\t ]$/;

/** Mirrors the request parser's skipping of empty lines, to know where the head proper starts. */
function skipEmptyLines(buf: Buffer, start: number): number {
  let s = start;
  while (s + 1 < buf.length && buf[s] === 13 && buf[s + 1] === 10) s += 2;
  return s;
}

/**
 * The invariants every input must satisfy: no throw, no mutation, a known error, an incomplete only
 * when no head can be there yet, a head that ends at the first CRLFCRLF, and the same answer however
 * many bytes follow the terminator (the parser never looks past it).
 */
function checkHead(kind: 'request' | 'response', buf: Buffer, start: number, maxBytes: number, extra: Uint8Array): void {
  const parse = kind === 'request' ? parseRequestHead : parseResponseHead;
  const copy = Buffer.from(buf);
  let r: RequestResult | ResponseResult;
  try {
    r = parse(buf, start, maxBytes);
  } catch (e) {
    throw new Error(`${kind} parser threw on ${hexOf(buf)} (start ${start}, maxBytes ${maxBytes}): ${String(e)}`);
  }
  assert.ok(buf.equals(copy), 'input mutated');
  // The size limit counts from `start`: leading empty lines are part of what a peer makes us buffer.
  const s = kind === 'request' ? skipEmptyLines(buf, start) : start;
  const term = buf.indexOf(CRLF2, s);
  if (r.kind === 'incomplete') {
    assert.ok(term < 0 && buf.length - start <= maxBytes, 'incomplete with a terminator, or past maxBytes');
    return;
  }
  if (r.kind === 'error') {
    assert.equal(r.status, (kind === 'request' ? REQUEST_REASONS : RESPONSE_REASONS).get(r.reason), r.reason);
    if (r.reason === 'head-too-large') assert.ok(term < 0 ? buf.length - start > maxBytes || s - start > maxBytes : term + 4 - start > maxBytes);
    else assert.ok(term >= 0 && term + 4 - start <= maxBytes, `${r.reason} without a complete head`);
  } else {
    const end = start + r.length;
    assert.ok(r.length >= 4 && r.length <= buf.length - start, `length ${r.length}`);
    assert.equal(buf.toString('latin1', end - 4, end), '\r\n\r\n');
    assert.equal(term + 4, end, 'head does not end at the first CRLFCRLF');
    assert.ok(end - start <= maxBytes);
    assert.ok(r.names.length === r.lower.length && r.names.length === r.values.length);
    for (let i = 0; i < r.names.length; i++) {
      const name = r.names[i] as string;
      assert.ok(TOKEN.test(name), name);
      assert.equal(r.lower[i], name.toLowerCase());
      assert.ok(!BAD_VALUE.test(r.values[i] as string), JSON.stringify(r.values[i]));
    }
    assert.ok(r.contentLength === -1 || (Number.isSafeInteger(r.contentLength) && r.contentLength >= 0));
    if (r.chunked) assert.equal(r.contentLength, -1);
    for (const t of r.connection) assert.ok(t.length > 0 && t === t.toLowerCase());
    assert.ok(r.minor === 0 || r.minor === 1);
    if (r.kind === 'request') {
      assert.ok(TOKEN.test(r.method), r.method);
      assert.ok(r.target === '*' ? r.method === 'OPTIONS' : /^\/[\x21-\x7e]*$/.test(r.target), r.target);
      assert.equal(r.hosts, r.lower.filter((n) => n === 'host').length);
      if (r.chunked) assert.equal(r.minor, 1);
    } else {
      assert.ok(Number.isInteger(r.status) && r.status >= 0 && r.status <= 999);
    }
  }
  if (term >= 0) {
    const cut = term + 4;
    assert.deepStrictEqual(parse(buf.subarray(0, cut), start, maxBytes), r);
    assert.deepStrictEqual(parse(Buffer.concat([buf.subarray(0, cut), extra]), start, maxBytes), r);
  }
}

const strOf = (chars: fc.Arbitrary<string>, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.array(chars, { minLength, maxLength }).map((a) => a.join(''));
const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const tokenArb = strOf(fc.constantFrom(...TCHARS), 1, 10);
const vcharArb = fc.constantFrom(...range(0x21, 0x7e));
const valueCharArb = fc.oneof(
  { arbitrary: vcharArb, weight: 6 },
  { arbitrary: fc.constantFrom(...range(0x80, 0xff)), weight: 1 },
  { arbitrary: fc.constantFrom(' ', '\t'), weight: 2 },
);
/** A field value as it is parsed back: no leading or trailing OWS. */
const valueArb = strOf(valueCharArb, 0, 20).map((v) => v.replace(/^[\t ]+|[\t ]+$/g, ''));
const owsArb = strOf(fc.constantFrom(' ', '\t'), 0, 2);
const SPECIAL = new Set(['host', 'content-length', 'transfer-encoding', 'expect', 'connection']);
const fieldArb = fc.record({ name: tokenArb.filter((n) => !SPECIAL.has(n.toLowerCase())), value: valueArb, pre: owsArb, post: owsArb, at: fc.nat() });
type Field = { name: string; value: string; pre: string; post: string; at: number };

/** Places the special fields among the others at their `at` positions. */
function place(fields: Field[], specials: Field[]): Field[] {
  const out = [...fields];
  for (const f of specials) out.splice(f.at % (out.length + 1), 0, f);
  return out;
}
const serialiseFields = (fields: Field[]): string => fields.map((f) => `${f.name}:${f.pre}${f.value}${f.post}\r\n`).join('');

// Pieces of HTTP, so that random concatenations reach deep into the parser (complete heads, framing fields).
const FRAGMENTS = [
  'GET', 'OPTIONS', 'POST', ' ', ' ', '/', '/a?b=c', '*', 'http://x/', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 200 OK', 'HTTP/1.0 204',
  '\r\n', '\r\n', '\r\n', '\r\n\r\n', '\r', '\n', ':', ': ', '\t', ',', 'Host', 'Content-Length', 'Transfer-Encoding', 'chunked', 'gzip',
  'Expect', '100-continue', 'Connection', 'close', '5', '0', '12', '-1', '\x00', '\x7f', '\xa0', '\xe9', 'x',
  // Whole field lines, to reach the framing rules.
  'Host: a\r\n', 'Content-Length: 5\r\n', 'Content-Length: 6\r\n', 'Content-Length: 5, 5\r\n', 'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: gzip\r\n', 'Expect: 100-continue\r\n', 'Connection: close, Upgrade\r\n', 'X: y\r\n', ' fold\r\n',
];
const fragmentArb = fc.oneof(
  { arbitrary: fc.constantFrom(...FRAGMENTS), weight: 8 },
  { arbitrary: fc.uint8Array({ maxLength: 3 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 },
);
const START_LINES = ['', 'GET / HTTP/1.1\r\n', '\r\nPOST /x HTTP/1.0\r\n', 'OPTIONS * HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.0 304\r\n'];
// Fragments in any order (mostly broken lines), or mostly whole lines (mostly the framing rules).
const soupArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...START_LINES), fc.array(fragmentArb, { maxLength: 40 }), fc.constantFrom('', '\r\n\r\n', '\r\n\r\n', '\r\n\r\nBODY'))
    .map(([first, parts, last]) => L(first + parts.join('') + last)),
  fc
    .tuple(
      fc.constantFrom(...START_LINES),
      fc.array(fc.oneof({ arbitrary: fc.constantFrom(...FRAGMENTS.filter((f) => f.endsWith('\r\n') && f.length > 4)), weight: 6 }, { arbitrary: fc.array(fragmentArb, { maxLength: 4 }).map((p) => `${p.join('')}\r\n`), weight: 1 }), {
        maxLength: 8,
      }),
      fc.constantFrom('\r\n', '\r\nBODY', ''),
    )
    .map(([first, lines, last]) => L(first + lines.join('') + last)),
);

const bytesCase = (bytes: fc.Arbitrary<Buffer>) =>
  fc.record({ buf: bytes, at: fc.nat(), maxBytes: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 64, max: 4096 })), extra: fc.uint8Array({ maxLength: 24 }) });
const rawArb = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));

describe('head parsers: properties', () => {
  it('arbitrary bytes into parseRequestHead (30,000 inputs): never throws, never reads past the head', () => {
    for (const bytes of [rawArb, soupArb]) {
      fc.assert(
        fc.property(bytesCase(bytes), ({ buf, at, maxBytes, extra }) => checkHead('request', buf, at % (buf.length + 1), maxBytes, extra)),
        { numRuns: 15_000 },
      );
    }
  });

  it('arbitrary bytes into parseResponseHead (20,000 inputs): never throws, never reads past the head', () => {
    for (const bytes of [rawArb, soupArb]) {
      fc.assert(
        fc.property(bytesCase(bytes), ({ buf, at, maxBytes, extra }) => checkHead('response', buf, at % (buf.length + 1), maxBytes, extra)),
        { numRuns: 10_000 },
      );
    }
  });

  const requestArb = fc.record({
    asterisk: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    method: tokenArb,
    target: strOf(vcharArb, 0, 24).map((t) => `/${t}`),
    minor: fc.constantFrom(0 as const, 1 as const),
    fields: fc.array(fieldArb, { maxLength: 8 }),
    hosts: fc.array(fc.record({ name: fc.constantFrom('Host', 'host', 'HOST'), value: valueArb, pre: owsArb, post: owsArb, at: fc.nat() }), { maxLength: 2 }),
    framing: fc.constantFrom('none', 'length', 'chunked'),
    cl: fc.record({ n: fc.integer({ min: 0, max: 1e12 }), zeros: fc.integer({ min: 0, max: 2 }), form: fc.constantFrom('single', 'list', 'twice'), at: fc.nat(), at2: fc.nat() }),
    te: fc.record({ value: fc.constantFrom('chunked', 'Chunked', 'CHUNKED'), pre: owsArb, post: owsArb, at: fc.nat() }),
    expect: fc.option(fc.record({ value: fc.constantFrom('100-continue', '100-Continue'), at: fc.nat() }), { nil: undefined }),
    connection: fc.record({ tokens: fc.array(tokenArb, { maxLength: 3 }), sep: fc.constantFrom(',', ', ', ' ,\t'), at: fc.nat() }),
    leading: fc.integer({ min: 0, max: 2 }),
    prefix: fc.uint8Array({ maxLength: 8 }),
    tail: fc.uint8Array({ maxLength: 16 }),
    cut: fc.nat(),
  });

  it('valid requests (15,000 inputs): every field round-trips, from any offset, with a body after', () => {
    fc.assert(
      fc.property(requestArb, (g) => {
        const method = g.asterisk ? 'OPTIONS' : g.method;
        const target = g.asterisk ? '*' : g.target;
        const minor = g.framing === 'chunked' ? 1 : g.minor;
        const specials: Field[] = [...g.hosts];
        let contentLength = -1;
        if (g.framing === 'length') {
          contentLength = g.cl.n;
          const v = String(g.cl.n).padStart(String(g.cl.n).length + g.cl.zeros, '0');
          if (g.cl.form === 'single') specials.push({ name: 'Content-Length', value: v, pre: ' ', post: '', at: g.cl.at });
          else if (g.cl.form === 'list') specials.push({ name: 'Content-Length', value: `${v}, ${g.cl.n}`, pre: '', post: ' ', at: g.cl.at });
          else specials.push({ name: 'Content-Length', value: v, pre: ' ', post: '', at: g.cl.at }, { name: 'content-length', value: String(g.cl.n), pre: '\t', post: '', at: g.cl.at2 });
        } else if (g.framing === 'chunked') {
          specials.push({ name: 'Transfer-Encoding', ...g.te });
        }
        if (g.expect) specials.push({ name: 'Expect', value: g.expect.value, pre: ' ', post: '', at: g.expect.at });
        if (g.connection.tokens.length > 0) specials.push({ name: 'Connection', value: g.connection.tokens.join(g.connection.sep), pre: ' ', post: '', at: g.connection.at });
        const fields = place(g.fields, specials);
        const head = `${method} ${target} HTTP/1.${minor}\r\n${serialiseFields(fields)}\r\n`;
        const lead = '\r\n'.repeat(g.leading);
        const prefix = Buffer.from(g.prefix);
        const buf = Buffer.concat([prefix, L(lead + head), g.tail]);
        const start = prefix.length;
        const hostFields = fields.filter((f) => f.name.toLowerCase() === 'host');
        const expected: RequestHead = {
          kind: 'request',
          length: lead.length + head.length,
          method,
          target,
          minor,
          names: fields.map((f) => f.name),
          lower: fields.map((f) => f.name.toLowerCase()),
          values: fields.map((f) => f.value),
          contentLength,
          chunked: g.framing === 'chunked',
          connection: g.connection.tokens.map((t) => t.toLowerCase()),
          host: hostFields.length > 0 ? (hostFields[hostFields.length - 1] as Field).value : '',
          hosts: hostFields.length,
          expectContinue: g.expect !== undefined,
        };
        const r = parseRequestHead(buf, start, MAX);
        assert.deepStrictEqual(r, expected);
        checkHead('request', buf, start, MAX, g.tail);
        // Any strict prefix is incomplete; the limit is inclusive.
        const cut = g.cut % expected.length;
        assert.deepStrictEqual(parseRequestHead(buf.subarray(0, start + cut), start, MAX), { kind: 'incomplete' });
        assert.deepStrictEqual(parseRequestHead(buf, start, expected.length), expected);
        assert.deepStrictEqual(parseRequestHead(buf, start, head.length - 1), { kind: 'error', status: 431, reason: 'head-too-large' });
      }),
      { numRuns: 15_000 },
    );
  });

  it('valid responses (5,000 inputs): every field round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          status: fc.integer({ min: 100, max: 599 }),
          reason: strOf(valueCharArb, 0, 16),
          omitSpace: fc.boolean(),
          minor: fc.constantFrom(0 as const, 1 as const),
          fields: fc.array(fieldArb, { maxLength: 8 }),
          framing: fc.constantFrom('none', 'length', 'chunked'),
          n: fc.integer({ min: 0, max: 1e12 }),
          at: fc.nat(),
          tail: fc.uint8Array({ maxLength: 16 }),
        }),
        (g) => {
          // Chunked framing in an HTTP/1.0 response is refused (table test); not a round trip.
          fc.pre(!(g.framing === 'chunked' && g.minor === 0));
          const specials: Field[] = [];
          if (g.framing === 'length') specials.push({ name: 'Content-Length', value: String(g.n), pre: ' ', post: '', at: g.at });
          if (g.framing === 'chunked') specials.push({ name: 'transfer-encoding', value: 'chunked', pre: ' ', post: ' ', at: g.at });
          const fields = place(g.fields, specials);
          const statusLine = g.reason === '' && g.omitSpace ? `HTTP/1.${g.minor} ${g.status}` : `HTTP/1.${g.minor} ${g.status} ${g.reason}`;
          const head = `${statusLine}\r\n${serialiseFields(fields)}\r\n`;
          const buf = Buffer.concat([L(head), g.tail]);
          const expected: ResponseHead = {
            kind: 'response',
            length: head.length,
            status: g.status,
            reason: g.reason,
            minor: g.minor,
            names: fields.map((f) => f.name),
            lower: fields.map((f) => f.name.toLowerCase()),
            values: fields.map((f) => f.value),
            contentLength: g.framing === 'length' ? g.n : -1,
            chunked: g.framing === 'chunked',
            connection: [],
          };
          assert.deepStrictEqual(parseResponseHead(buf, 0, MAX), expected);
          checkHead('response', buf, 0, MAX, g.tail);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

// ---- chunked framing properties ----

const CHUNK_REASONS = new Set(['bad-chunk-size', 'chunk-size-too-large', 'bad-chunk-extension', 'bad-chunk-line', 'bad-chunk-end', 'bad-trailer', 'bad-chunked-end']);

interface Outcome {
  /** Absolute index returned by the call that finished (or failed), undefined while not done. */
  end: number | undefined;
  error: string | undefined;
  payload: Buffer;
}

/** Feeds `buf[start..)` cut at `cuts` (absolute, sorted), checking every call's contract. */
function feed(buf: Buffer, start: number, cuts: number[]): Outcome {
  const bounds = [start, ...cuts.filter((c) => c > start && c < buf.length), buf.length];
  const parts: Buffer[] = [];
  let lo = 0;
  let hi = 0;
  const f = new ChunkedFraming((b, s, e) => {
    assert.ok(b === buf && lo <= s && s < e && e <= hi, `onData range ${s}..${e} outside ${lo}..${hi}`);
    parts.push(Buffer.from(b.subarray(s, e)));
  });
  for (let k = 0; k + 1 < bounds.length; k++) {
    lo = bounds[k] as number;
    hi = bounds[k + 1] as number;
    let at: number;
    try {
      at = f.consume(buf, lo, hi);
    } catch (e) {
      throw new Error(`ChunkedFraming threw on ${hexOf(buf)} at ${lo}..${hi}: ${String(e)}`);
    }
    assert.ok(at >= lo && at <= hi, `returned ${at} outside ${lo}..${hi}`);
    if (f.error !== undefined) {
      assert.ok(CHUNK_REASONS.has(f.error), f.error);
      assert.ok(f.done && at < hi, 'an error points at the offending byte');
      return { end: at, error: f.error, payload: Buffer.concat(parts) };
    }
    if (f.done) {
      // The body ends with the CRLF of the empty line that closes the trailer section.
      assert.equal(buf.toString('latin1', at - 2, at), '\r\n');
      assert.equal(f.consume(buf, at, buf.length), at, 'consumed after done');
      return { end: at, error: undefined, payload: Buffer.concat(parts) };
    }
    assert.equal(at, hi, 'not done, yet stopped early');
  }
  return { end: undefined, error: undefined, payload: Buffer.concat(parts) };
}

/** The framing is a byte-wise state machine: how the bytes are split must not change the outcome. */
function checkChunked(buf: Buffer, start: number, cuts: number[]): Outcome {
  const whole = feed(buf, start, []);
  const split = feed(buf, start, cuts);
  assert.deepStrictEqual(split, whole);
  return whole;
}

const cutsArb = fc.array(fc.nat(), { maxLength: 6 });
const sortCuts = (cuts: number[], lo: number, n: number): number[] => cuts.map((c) => lo + (c % (n + 1))).sort((a, b) => a - b);

const extArb = fc
  .array(
    fc.record({
      bws: fc.constantFrom('', '', ' ', '\t'),
      name: tokenArb,
      value: fc.option(fc.oneof(tokenArb, strOf(fc.oneof(vcharArb.filter((c) => c !== '"' && c !== '\\'), fc.constantFrom(' ', '\t', '\\"', '\xe9')), 0, 10).map((q) => `"${q}"`)), { nil: undefined }),
    }),
    { maxLength: 2 },
  )
  .map((exts) => exts.map((e) => `${e.bws};${e.name}${e.value === undefined ? '' : `=${e.value}`}`).join(''));
const chunkArb = fc.record({ data: fc.uint8Array({ minLength: 1, maxLength: 48 }), zeros: fc.integer({ min: 0, max: 3 }), upper: fc.boolean(), ext: extArb });
const bodyArb = fc.record({
  chunks: fc.array(chunkArb, { maxLength: 6 }),
  lastZeros: fc.integer({ min: 0, max: 3 }),
  lastExt: extArb,
  trailers: fc.array(fc.tuple(tokenArb, valueArb), { maxLength: 3 }),
});
type Body = typeof bodyArb extends fc.Arbitrary<infer T> ? T : never;

function serialiseBody(b: Body): Buffer {
  const parts: Buffer[] = [];
  for (const c of b.chunks) {
    const hex = c.data.length.toString(16);
    parts.push(L(`${'0'.repeat(c.zeros)}${c.upper ? hex.toUpperCase() : hex}${c.ext}\r\n`), Buffer.from(c.data), L('\r\n'));
  }
  parts.push(L(`${'0'.repeat(1 + b.lastZeros)}${b.lastExt}\r\n${b.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

// Pieces of chunked framing, so that random concatenations get past the first size line.
const CHUNK_FRAGMENTS = ['0', '1', '5', 'a', 'F', 'ff', '00000000000', '\r\n', '\r\n', '\r\n\r\n', '\r', '\n', ';', ';x=y', ' ', '\t', '"', 'X: y', 'hello', '\x00', '\x7f', '\xe9'];
const chunkSoupArb = fc
  .array(fc.oneof({ arbitrary: fc.constantFrom(...CHUNK_FRAGMENTS), weight: 8 }, { arbitrary: fc.uint8Array({ maxLength: 3 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 }), {
    maxLength: 40,
  })
  .map((p) => L(p.join('')));

// ---------------------------------------------------------------------------------------------------
// Rewriting a head for the next hop
// ---------------------------------------------------------------------------------------------------

/** What writeHead puts out for a head (start line and kept fields, without the blank line), as latin1. */
function rewritten(text: string, drop: number, kind: 'request' | 'response' = 'request'): string {
  const buf = L(text);
  const r = kind === 'request' ? parseRequestRaw(buf, 0, MAX) : parseResponseRaw(buf, 0, MAX);
  if (r.kind !== kind) throw new Error(`expected a ${kind} head, got ${JSON.stringify(r)}`);
  const head = r as ParsedRequest | ParsedResponse;
  const out = Buffer.alloc(head.length + 8, 0x23);
  const end = writeHead(head, drop, out, 4);
  assert.equal(out.toString('latin1', 0, 4), '####', 'wrote before pos');
  assert.ok(end - 4 <= head.length, 'wrote more than the head');
  assert.ok(L(text).equals(buf), 'input mutated');
  return out.toString('latin1', 4, end);
}
const DROP = fieldMask(['content-length', 'connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade', 'x-forwarded-for']);

describe('writeHead: table', () => {
  it('copies start line and fields byte for byte when nothing is dropped (OWS, case, obs-text kept)', () => {
    const fields = 'Host: example.com\r\nX-Cafe:\t v\xe9\x80 \r\naccept:*/*\r\n';
    expect(rewritten(`GET /a?b HTTP/1.1\r\n${fields}\r\n`, DROP)).toBe(`GET /a?b HTTP/1.1\r\n${fields}`);
  });

  it('speaks HTTP/1.1 to the next hop whatever the version read', () => {
    expect(rewritten('GET / HTTP/1.0\r\nA: b\r\n\r\n', DROP)).toBe('GET / HTTP/1.1\r\nA: b\r\n');
    expect(rewritten('HTTP/1.0 200 OK\r\nA: b\r\n\r\n', DROP, 'response')).toBe('HTTP/1.1 200 OK\r\nA: b\r\n');
    expect(rewritten('HTTP/1.0 204\r\n\r\n', DROP, 'response')).toBe('HTTP/1.1 204\r\n');
  });

  it('leaves out dropped fields wherever they are, in any case', () => {
    const text = 'POST / HTTP/1.1\r\nCONTENT-LENGTH: 1\r\nA: 1\r\nTe: x\r\nupgrade: y\r\nB: 2\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n';
    expect(rewritten(text, DROP)).toBe('POST / HTTP/1.1\r\nA: 1\r\nB: 2\r\n');
    expect(rewritten(text, 0)).toBe(text.slice(0, -2));
    expect(rewritten('GET / HTTP/1.1\r\nTE: a\r\nTE: b\r\n\r\n', DROP)).toBe('GET / HTTP/1.1\r\n');
  });

  it('leaves out the fields the Connection header names (close included), and Connection itself', () => {
    const text = 'GET / HTTP/1.1\r\nConnection: X-Hop, close\r\nx-hop: 1\r\nClose: 2\r\nX-Hopper: 3\r\nKeep-Alive: 4\r\n\r\n';
    expect(rewritten(text, DROP)).toBe('GET / HTTP/1.1\r\nX-Hopper: 3\r\n');
    // Not a name when the mask does not drop Connection: the tokens still name hop-by-hop fields.
    expect(rewritten('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nA: b\r\n\r\n', 0, 'response')).toBe('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nA: b\r\n');
  });

  it('skips leading empty lines of a request', () => {
    expect(rewritten('\r\n\r\nGET / HTTP/1.1\r\nA: b\r\n\r\n', DROP)).toBe('GET / HTTP/1.1\r\nA: b\r\n');
  });

  it('refuses to build a mask from a name it does not know', () => {
    expect(() => fieldMask(['x-unknown' as never])).toThrow('not a known header name: x-unknown');
  });
});

describe('writeHead: properties', () => {
  const DROPPABLE = ['Content-Length', 'connection', 'KEEP-ALIVE', 'te', 'Upgrade', 'x-forwarded-for'];
  it('random heads (5,000 inputs): the output parses back to the same head minus the dropped fields', () => {
    fc.assert(
      fc.property(
        fc.record({
          response: fc.boolean(),
          minor: fc.constantFrom(0, 1),
          fields: fc.array(fc.oneof({ arbitrary: fieldArb, weight: 4 }, { arbitrary: fc.record({ name: fc.constantFrom(...DROPPABLE), value: fc.constantFrom('1', 'x'), pre: owsArb, post: owsArb, at: fc.nat() }), weight: 1 }), { maxLength: 10 }),
          nominate: fc.array(fc.nat(), { maxLength: 3 }),
          useMask: fc.boolean(),
        }),
        (g) => {
          // Content-Length values must agree to parse; a Connection field names some of the others.
          const others = g.fields.map((f) => (f.name.toLowerCase() === 'content-length' ? { ...f, value: '1' } : f));
          const named = others.length ? g.nominate.map((i) => (others[i % others.length] as Field).name) : [];
          const fields = named.length ? [{ name: 'Connection', value: named.join(', '), pre: ' ', post: '', at: 0 }, ...others] : others;
          const start = g.response ? `HTTP/1.${g.minor} 200 OK` : `GET /p HTTP/1.${g.minor}`;
          const text = `${start}\r\n${serialiseFields(fields)}\r\n`;
          const head = (g.response ? parseResponseRaw : parseRequestRaw)(L(text), 0, MAX);
          assert.ok(head.kind !== 'error' && head.kind !== 'incomplete', JSON.stringify(head));
          const drop = g.useMask ? DROP : 0;
          const droppedByMask = new Set(g.useMask ? ['content-length', 'connection', 'keep-alive', 'te', 'upgrade', 'x-forwarded-for'] : []);
          const nominated = new Set(head.connection);
          const kept = fields.filter((f) => !droppedByMask.has(f.name.toLowerCase()) && !nominated.has(f.name.toLowerCase()));
          const out = Buffer.alloc(head.length);
          const end = writeHead(head, drop, out, 0);
          assert.equal(out.toString('latin1', 0, end), `${start.replace(`HTTP/1.${g.minor}`, 'HTTP/1.1')}\r\n${serialiseFields(kept)}`);
          for (const n of named) assert.ok(!kept.some((f) => f.name.toLowerCase() === n.toLowerCase()), n);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('ChunkedFraming: properties', () => {
  it('generated bodies (15,000 inputs): done exactly at the end in any split, payload intact', () => {
    fc.assert(
      fc.property(bodyArb, fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 24 }), cutsArb, (b, prefix, extra, cuts) => {
        const body = serialiseBody(b);
        const buf = Buffer.concat([prefix, body, extra]);
        const start = prefix.length;
        const out = checkChunked(buf, start, sortCuts(cuts, start, body.length + extra.length));
        assert.deepStrictEqual(out, { end: start + body.length, error: undefined, payload: Buffer.concat(b.chunks.map((c) => c.data)) });
        // Any strict prefix of the body: not done, no error, everything consumed.
        const short = feed(buf.subarray(0, start + (cuts[0] ?? 0) % body.length), start, []);
        assert.deepStrictEqual([short.end, short.error], [undefined, undefined]);
      }),
      { numRuns: 15_000 },
    );
  });

  it('arbitrary bytes (20,000 inputs): never throws, stays within [start, end], split-invariant', () => {
    for (const bytes of [rawArb, chunkSoupArb]) {
      fc.assert(
        fc.property(bytes, fc.nat(), cutsArb, (buf, at, cuts) => {
          const start = at % (buf.length + 1);
          const out = checkChunked(buf, start, sortCuts(cuts, start, buf.length - start));
          assert.ok(out.payload.length <= buf.length - start);
        }),
        { numRuns: 10_000 },
      );
    }
  });

  it('mutated bodies (5,000 inputs): flips, insertions and deletions never break the contract', () => {
    const mutation = fc.record({ op: fc.constantFrom('flip', 'insert', 'delete'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(bodyArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), cutsArb, (b, muts, cuts) => {
        let buf = serialiseBody(b);
        for (const m of muts) {
          const at = m.at % (buf.length + 1);
          if (m.op === 'insert') buf = Buffer.concat([buf.subarray(0, at), Buffer.from([m.byte]), buf.subarray(at)]);
          else if (at < buf.length && m.op === 'delete') buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)]);
          else if (at < buf.length) buf[at] = (buf[at] as number) ^ (m.byte || 1);
        }
        checkChunked(buf, 0, sortCuts(cuts, 0, buf.length));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('stricter readings of backend responses and chunk lines', () => {
  it('refuses status codes outside 100–599 and chunked framing in an HTTP/1.0 response', () => {
    for (const code of ['000', '099', '600', '999']) expect(response(`HTTP/1.1 ${code} X\r\n\r\n`)).toEqual({ kind: 'error', status: 400, reason: 'bad-status-line' });
    expect(response('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')).toEqual({ kind: 'error', status: 400, reason: 'transfer-encoding-in-http-1.0' });
  });

  it('whitespace after a chunk size may only lead to an extension', () => {
    const follow = (body: string): ChunkedFraming => {
      const f = new ChunkedFraming();
      f.consume(L(body), 0, body.length);
      return f;
    };
    expect(follow('5 x\r\nhello\r\n0\r\n\r\n').error).toBe('bad-chunk-extension');
    const ok = follow('5 \t;ext=1\r\nhello\r\n0 \r\n\r\n');
    expect(ok.error).toBeUndefined();
    expect(ok.done).toBe(true);
  });
});
