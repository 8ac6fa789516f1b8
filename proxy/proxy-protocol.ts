// PROXY protocol v2 parser (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt, section 2.2)
// with the Azure Private Link LinkID TLV (type 0xEE, subtype 0x01, uint32 little-endian).
//
// The parser is a pure function of the bytes received so far: call it again with more bytes until it
// answers 'header' or 'error'. It never reads beyond the header it reports (the tests prove the answer
// does not depend on any byte after `length`), and it never throws on any input.

export const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
export const FIXED_LENGTH = 16;
/** The largest header the wire format can express: 16 fixed bytes + a uint16 length. */
export const MAX_WIRE_LENGTH = FIXED_LENGTH + 0xffff;

export const PP2_TYPE_AZURE = 0xee;
export const PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID = 0x01;

export type Command = 'LOCAL' | 'PROXY';
export type Family = 'UNSPEC' | 'TCP4' | 'TCP6' | 'UNIX';

export interface Endpoint {
  address: string;
  /** 0 for UNIX sockets. */
  port: number;
}

export interface ProxyHeader {
  command: Command;
  family: Family;
  /** Absent for LOCAL, UNSPEC (the receiver uses the real connection endpoints then). */
  source?: Endpoint;
  destination?: Endpoint;
  /** The Azure private endpoint LinkID, when the 0xEE/0x01 TLV is present. */
  linkId?: number;
  /** Number of TLVs walked (all types, including ignored ones). */
  tlvCount: number;
  /** Total bytes of the header (16 + the length field); the application data starts here. */
  length: number;
}

export type ErrorReason =
  | 'bad-signature'
  | 'bad-version'
  | 'bad-command'
  | 'bad-family'
  | 'too-long'
  | 'short-address-block'
  | 'bad-tlv'
  | 'bad-linkid-tlv'
  | 'duplicate-linkid';

export type ParseResult =
  | { kind: 'incomplete'; /** bytes known to be needed in total so far */ need: number }
  | { kind: 'header'; header: ProxyHeader }
  | { kind: 'error'; reason: ErrorReason };

const ADDRESS_BLOCK = { TCP4: 12, TCP6: 36, UNIX: 216 } as const;

/**
 * True while `buf` could still be the start of a PROXY v2 header (used by `optional` mode to decide
 * early whether the connection carries one). Only looks at the signature bytes present.
 */
export function couldBeProxyV2(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, SIGNATURE.length);
  for (let i = 0; i < n; i++) if (buf[i] !== SIGNATURE[i]) return false;
  return true;
}

/**
 * Parses a PROXY v2 header from the start of `buf`.
 * @param maxLength cap on the total header length (16 + length field); longer headers are rejected
 *   as soon as the length field is known, before their bytes arrive.
 */
export function parseProxyV2(buf: Uint8Array, maxLength = 2048): ParseResult {
  // Reject garbage as early as possible: every byte of the signature that has arrived must match.
  const sigBytes = Math.min(buf.length, SIGNATURE.length);
  for (let i = 0; i < sigBytes; i++) if (buf[i] !== SIGNATURE[i]) return { kind: 'error', reason: 'bad-signature' };
  if (buf.length < 13) return { kind: 'incomplete', need: FIXED_LENGTH };

  const verCmd = buf[12] as number;
  if (verCmd >> 4 !== 2) return { kind: 'error', reason: 'bad-version' };
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return { kind: 'error', reason: 'bad-command' };
  const command: Command = cmd === 0 ? 'LOCAL' : 'PROXY';
  if (buf.length < 14) return { kind: 'incomplete', need: FIXED_LENGTH };

  const famByte = buf[13] as number;
  const af = famByte >> 4;
  const proto = famByte & 0x0f;
  let family: Family;
  if (af === 0) family = 'UNSPEC';
  else if (af === 1) family = 'TCP4';
  else if (af === 2) family = 'TCP6';
  else if (af === 3) family = 'UNIX';
  else return { kind: 'error', reason: 'bad-family' };
  // Only stream transports make sense in front of TLS; UNSPEC (0) is allowed with any family byte 0.
  if (proto > 2) return { kind: 'error', reason: 'bad-family' };
  if (command === 'PROXY' && af !== 0 && proto !== 1) return { kind: 'error', reason: 'bad-family' };
  if (buf.length < FIXED_LENGTH) return { kind: 'incomplete', need: FIXED_LENGTH };

  const bodyLength = ((buf[14] as number) << 8) | (buf[15] as number);
  const length = FIXED_LENGTH + bodyLength;
  if (length > maxLength) return { kind: 'error', reason: 'too-long' };

  // The address block must fit in the announced length (checked before waiting for the bytes).
  const addrLen = family === 'UNSPEC' ? 0 : ADDRESS_BLOCK[family];
  if (bodyLength < addrLen && command === 'PROXY') return { kind: 'error', reason: 'short-address-block' };
  if (buf.length < length) return { kind: 'incomplete', need: length };

  let source: Endpoint | undefined;
  let destination: Endpoint | undefined;
  // For LOCAL the spec says to ignore the address block; we skip it when it fits, else treat all as TLV-less.
  const skipAddr = command === 'LOCAL' && bodyLength < addrLen ? bodyLength : addrLen;
  if (command === 'PROXY' && family !== 'UNSPEC') {
    const p = FIXED_LENGTH;
    if (family === 'TCP4') {
      source = { address: ipv4(buf, p), port: u16(buf, p + 8) };
      destination = { address: ipv4(buf, p + 4), port: u16(buf, p + 10) };
    } else if (family === 'TCP6') {
      source = { address: ipv6(buf, p), port: u16(buf, p + 32) };
      destination = { address: ipv6(buf, p + 16), port: u16(buf, p + 34) };
    } else {
      source = { address: unixPath(buf, p), port: 0 };
      destination = { address: unixPath(buf, p + 108), port: 0 };
    }
  }

  // TLV walk: type (1), length (2, big-endian), value. Must tile the rest of the header exactly.
  let off = FIXED_LENGTH + skipAddr;
  let linkId: number | undefined;
  let tlvCount = 0;
  while (off < length) {
    if (off + 3 > length) return { kind: 'error', reason: 'bad-tlv' };
    const type = buf[off] as number;
    const len = ((buf[off + 1] as number) << 8) | (buf[off + 2] as number);
    const valueStart = off + 3;
    const valueEnd = valueStart + len;
    if (valueEnd > length) return { kind: 'error', reason: 'bad-tlv' };
    tlvCount++;
    if (type === PP2_TYPE_AZURE && len >= 1 && buf[valueStart] === PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID) {
      if (len !== 5) return { kind: 'error', reason: 'bad-linkid-tlv' };
      if (linkId !== undefined) return { kind: 'error', reason: 'duplicate-linkid' };
      linkId =
        ((buf[valueStart + 1] as number) |
          ((buf[valueStart + 2] as number) << 8) |
          ((buf[valueStart + 3] as number) << 16) |
          ((buf[valueStart + 4] as number) << 24)) >>>
        0;
    }
    off = valueEnd;
  }

  const header: ProxyHeader = { command, family, tlvCount, length };
  if (source) header.source = source;
  if (destination) header.destination = destination;
  if (linkId !== undefined) header.linkId = linkId;
  return { kind: 'header', header };
}

function u16(buf: Uint8Array, off: number): number {
  return ((buf[off] as number) << 8) | (buf[off + 1] as number);
}

function ipv4(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

function ipv6(buf: Uint8Array, off: number): string {
  // Canonical text form (RFC 5952): lowercase, zero-compressed longest run of >= 2 zero groups.
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(u16(buf, off + i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${ipv4(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function unixPath(buf: Uint8Array, off: number): string {
  let end = off;
  while (end < off + 108 && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, buf.byteOffset + off, end - off).toString('latin1');
}

// ---- building headers (tests, the benchmark relay, and health tooling) ----

export interface BuildOptions {
  command?: Command;
  family?: Family;
  source?: Endpoint;
  destination?: Endpoint;
  linkId?: number;
  /** Extra TLVs appended after the LinkID TLV. */
  tlvs?: Array<{ type: number; value: Uint8Array }>;
}

export function buildProxyV2(opts: BuildOptions): Buffer {
  const command = opts.command ?? 'PROXY';
  const family = opts.family ?? 'TCP4';
  const parts: Buffer[] = [];
  const src = opts.source ?? { address: family === 'TCP6' ? '::1' : '127.0.0.1', port: 0 };
  const dst = opts.destination ?? { address: family === 'TCP6' ? '::1' : '127.0.0.1', port: 0 };
  let famByte = 0;
  if (family === 'TCP4') {
    famByte = 0x11;
    const b = Buffer.alloc(12);
    writeIpv4(b, 0, src.address);
    writeIpv4(b, 4, dst.address);
    b.writeUInt16BE(src.port, 8);
    b.writeUInt16BE(dst.port, 10);
    parts.push(b);
  } else if (family === 'TCP6') {
    famByte = 0x21;
    const b = Buffer.alloc(36);
    writeIpv6(b, 0, src.address);
    writeIpv6(b, 16, dst.address);
    b.writeUInt16BE(src.port, 32);
    b.writeUInt16BE(dst.port, 34);
    parts.push(b);
  } else if (family === 'UNIX') {
    famByte = 0x31;
    const b = Buffer.alloc(216);
    b.write(src.address, 0, 107, 'latin1');
    b.write(dst.address, 108, 107, 'latin1');
    parts.push(b);
  }
  if (opts.linkId !== undefined) {
    const t = Buffer.alloc(8);
    t[0] = PP2_TYPE_AZURE;
    t.writeUInt16BE(5, 1);
    t[3] = PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID;
    t.writeUInt32LE(opts.linkId >>> 0, 4);
    parts.push(t);
  }
  for (const tlv of opts.tlvs ?? []) {
    const h = Buffer.alloc(3);
    h[0] = tlv.type;
    h.writeUInt16BE(tlv.value.length, 1);
    parts.push(h, Buffer.from(tlv.value));
  }
  const body = Buffer.concat(parts);
  const fixed = Buffer.alloc(FIXED_LENGTH);
  SIGNATURE.copy(fixed, 0);
  fixed[12] = 0x20 | (command === 'LOCAL' ? 0 : 1);
  fixed[13] = famByte;
  fixed.writeUInt16BE(body.length, 14);
  return Buffer.concat([fixed, body]);
}

function writeIpv4(b: Buffer, off: number, address: string): void {
  const octets = address.split('.').map(Number);
  for (let i = 0; i < 4; i++) b[off + i] = octets[i] ?? 0;
}

function writeIpv6(b: Buffer, off: number, address: string): void {
  // Hex groups with optional '::' compression (embedded IPv4 tails are not needed by the callers).
  const [head = '', rest] = address.split('::');
  const h = head ? head.split(':').map((x) => parseInt(x, 16)) : [];
  const r = rest ? rest.split(':').map((x) => parseInt(x, 16)) : [];
  const groups = rest === undefined ? h : [...h, ...new Array<number>(Math.max(0, 8 - h.length - r.length)).fill(0), ...r];
  for (let i = 0; i < 8; i++) b.writeUInt16BE((groups[i] ?? 0) & 0xffff, off + i * 2);
}
