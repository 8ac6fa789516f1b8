import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildProxyV2, couldBeProxyV2, parseProxyV2, SIGNATURE, type ParseResult } from '../../proxy/proxy-protocol';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('PROXY v2 parser: table', () => {
  it('decodes the reference Azure header (azure-facts §1, proxy-anchors §5)', () => {
    const bytes = hex('0d0a0d0a000d0a515549540a 21 11 0014 7f000001 7f000001 9c40 20fb ee 0005 01 78563412');
    const r = parseProxyV2(bytes);
    expect(r).toEqual({
      kind: 'header',
      header: {
        command: 'PROXY',
        family: 'TCP4',
        source: { address: '127.0.0.1', port: 40000 },
        destination: { address: '127.0.0.1', port: 8443 },
        linkId: 0x12345678,
        tlvCount: 1,
        length: 36,
      },
    });
  });

  it('round-trips TCP4, TCP6, UNIX and LOCAL through the builder', () => {
    const tcp6 = parseProxyV2(
      buildProxyV2({ family: 'TCP6', source: { address: '2001:db8::1', port: 1 }, destination: { address: 'fd00::2:0:0:3', port: 443 }, linkId: 0xffffffff }),
    );
    expect(tcp6).toMatchObject({
      kind: 'header',
      header: { family: 'TCP6', source: { address: '2001:db8::1', port: 1 }, destination: { address: 'fd00::2:0:0:3', port: 443 }, linkId: 4294967295 },
    });
    const unix = parseProxyV2(buildProxyV2({ family: 'UNIX', source: { address: '/run/a.sock', port: 0 }, destination: { address: '/run/b', port: 0 } }));
    expect(unix).toMatchObject({ kind: 'header', header: { family: 'UNIX', source: { address: '/run/a.sock' }, destination: { address: '/run/b' } } });
    expect((unix as { header: { linkId?: number } }).header.linkId).toBeUndefined();
    const local = parseProxyV2(buildProxyV2({ command: 'LOCAL', family: 'UNSPEC' }));
    expect(local).toEqual({ kind: 'header', header: { command: 'LOCAL', family: 'UNSPEC', tlvCount: 0, length: 16 } });
    // Azure's probes send LOCAL with an address block and possibly TLVs: the addresses are ignored.
    const localWithAddr = parseProxyV2(buildProxyV2({ command: 'LOCAL', family: 'TCP4', linkId: 7 }));
    expect(localWithAddr).toMatchObject({ kind: 'header', header: { command: 'LOCAL', linkId: 7 } });
    expect((localWithAddr as { header: { source?: unknown } }).header.source).toBeUndefined();
  });

  it('canonicalises IPv6 text (RFC 5952) and v4-mapped addresses', () => {
    const b = buildProxyV2({ family: 'TCP6', source: { address: '0:0:0:0:0:ffff:0a00:0001', port: 5 }, destination: { address: '1:0:0:2:0:0:0:3', port: 6 } });
    expect(parseProxyV2(b)).toMatchObject({ header: { source: { address: '::ffff:10.0.0.1' }, destination: { address: '1:0:0:2::3' } } });
    const c = buildProxyV2({ family: 'TCP6', source: { address: '1:2:3:4:5:6:7:8', port: 5 }, destination: { address: '::', port: 6 } });
    expect(parseProxyV2(c)).toMatchObject({ header: { source: { address: '1:2:3:4:5:6:7:8' }, destination: { address: '::' } } });
  });

  it('walks and ignores other TLVs, other Azure subtypes, and NOOP', () => {
    const b = buildProxyV2({
      linkId: 42,
      tlvs: [
        { type: 0x04, value: Buffer.alloc(10) },
        { type: 0xee, value: Buffer.from([0x02, 1, 2]) },
        { type: 0x01, value: Buffer.from('http/1.1') },
        { type: 0x20, value: Buffer.alloc(0) },
      ],
    });
    expect(parseProxyV2(b)).toMatchObject({ kind: 'header', header: { linkId: 42, tlvCount: 5 } });
  });

  const rejects: Array<[string, Buffer, ParseResult['kind'], string?]> = [
    ['garbage', Buffer.from('GET / HTTP/1.1\r\n\r\n'), 'error', 'bad-signature'],
    ['TLS ClientHello first', hex('160301020001'), 'error', 'bad-signature'],
    ['PROXY v1 text', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'error', 'bad-signature'],
    ['version 1 in v2 framing', Buffer.concat([SIGNATURE, hex('11 11 000c'), Buffer.alloc(12)]), 'error', 'bad-version'],
    ['command 2', Buffer.concat([SIGNATURE, hex('22 11 000c'), Buffer.alloc(12)]), 'error', 'bad-command'],
    ['family 4', Buffer.concat([SIGNATURE, hex('21 41 000c'), Buffer.alloc(12)]), 'error', 'bad-family'],
    ['UDP for PROXY', Buffer.concat([SIGNATURE, hex('21 12 000c'), Buffer.alloc(12)]), 'error', 'bad-family'],
    ['address block longer than length', Buffer.concat([SIGNATURE, hex('21 11 0008'), Buffer.alloc(8)]), 'error', 'short-address-block'],
    ['TCP6 block in TCP4 length', Buffer.concat([SIGNATURE, hex('21 21 000c'), Buffer.alloc(12)]), 'error', 'short-address-block'],
    ['oversized (length field beyond cap)', Buffer.concat([SIGNATURE, hex('21 11 ffff')]), 'error', 'too-long'],
    ['truncated TLV header', Buffer.concat([SIGNATURE, hex('21 11 000e'), Buffer.alloc(12), hex('ee00')]), 'error', 'bad-tlv'],
    ['TLV longer than header', Buffer.concat([SIGNATURE, hex('21 11 0014'), Buffer.alloc(12), hex('ee0006 0178563412')]), 'error', 'bad-tlv'],
    ['LinkID TLV of 4 bytes', Buffer.concat([SIGNATURE, hex('21 11 0013'), Buffer.alloc(12), hex('ee0004 01785634')]), 'error', 'bad-linkid-tlv'],
    ['LinkID TLV of 6 bytes', Buffer.concat([SIGNATURE, hex('21 11 0015'), Buffer.alloc(12), hex('ee0006 017856341200')]), 'error', 'bad-linkid-tlv'],
    ['two LinkIDs', Buffer.concat([SIGNATURE, hex('21 11 001c'), Buffer.alloc(12), hex('ee0005 0101000000 ee0005 0102000000')]), 'error', 'duplicate-linkid'],
    ['signature only', Buffer.from(SIGNATURE), 'incomplete'],
    ['empty', Buffer.alloc(0), 'incomplete'],
    ['fixed part, body pending', Buffer.concat([SIGNATURE, hex('21 11 0014'), Buffer.alloc(5)]), 'incomplete'],
  ];
  it.each(rejects)('%s', (...row) => {
    const [, bytes, kind, reason] = row;
    const r = parseProxyV2(bytes);
    expect(r.kind).toBe(kind);
    if (reason) expect(r).toEqual({ kind: 'error', reason });
  });

  it('answers incomplete for every strict prefix of a valid header, then the header (bytes in pieces)', () => {
    const b = buildProxyV2({ family: 'TCP6', linkId: 99, tlvs: [{ type: 0x04, value: Buffer.alloc(3) }] });
    for (let i = 0; i < b.length; i++) expect(parseProxyV2(b.subarray(0, i)).kind).toBe('incomplete');
    expect(parseProxyV2(b)).toMatchObject({ kind: 'header', header: { linkId: 99, length: b.length } });
  });

  it('rejects an oversized header as soon as the length field arrives', () => {
    const b = Buffer.concat([SIGNATURE, hex('21 11 0400')]);
    expect(parseProxyV2(b, 1024)).toEqual({ kind: 'error', reason: 'too-long' });
    expect(parseProxyV2(b, 2048).kind).toBe('incomplete');
  });

  it('couldBeProxyV2 tells the signature prefix from TLS', () => {
    expect(couldBeProxyV2(SIGNATURE.subarray(0, 5))).toBe(true);
    expect(couldBeProxyV2(hex('16 03 01'))).toBe(false);
  });
});

// ---- property tests: ≥ 100,000 generated inputs in total ----

const reasons = new Set(['bad-signature', 'bad-version', 'bad-command', 'bad-family', 'too-long', 'short-address-block', 'bad-tlv', 'bad-linkid-tlv', 'duplicate-linkid']);

/** The invariants every input must satisfy (plain asserts: expect() is too slow for 100k runs). */
function checkInvariants(input: Uint8Array, maxLength: number): void {
  let r: ParseResult;
  try {
    r = parseProxyV2(input, maxLength);
  } catch (err) {
    throw new Error(`parser threw on ${Buffer.from(input).toString('hex')}: ${String(err)}`);
  }
  if (r.kind === 'error') {
    assert.ok(reasons.has(r.reason), r.reason);
    return;
  }
  if (r.kind === 'incomplete') {
    assert.ok(r.need > input.length && r.need <= maxLength, `need ${r.need}`);
    return;
  }
  const { length } = r.header;
  assert.ok(length <= input.length && length <= maxLength);
  // Never reads past the header: the same answer from exactly the header's bytes, and with other bytes after it.
  const exact = Buffer.from(input.subarray(0, length));
  assert.deepStrictEqual(parseProxyV2(exact, maxLength), r);
  const tail = Buffer.from(input.subarray(length)).map((x) => x ^ 0xa5);
  assert.deepStrictEqual(parseProxyV2(Buffer.concat([exact, tail, Buffer.from([0x16, 0x03])]), maxLength), r);
  if (r.header.linkId !== undefined) assert.ok(Number.isInteger(r.header.linkId) && r.header.linkId >= 0 && r.header.linkId <= 0xffffffff);
}

const tlvArb = fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }) });
const validArb = fc.record({
  command: fc.constantFrom('LOCAL' as const, 'PROXY' as const),
  family: fc.constantFrom('UNSPEC' as const, 'TCP4' as const, 'TCP6' as const, 'UNIX' as const),
  linkId: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
  sport: fc.integer({ min: 0, max: 65535 }),
  dport: fc.integer({ min: 0, max: 65535 }),
  a: fc.ipV4(),
  b: fc.ipV4(),
  tlvs: fc.array(tlvArb.filter((t) => t.type !== 0xee), { maxLength: 4 }),
});

describe('PROXY v2 parser: properties', () => {
  it('arbitrary bytes (40,000 inputs): never throws, never reads past the header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 16, max: 4096 }), (bytes, cap) => checkInvariants(bytes, cap)),
      { numRuns: 20_000 },
    );
    // Bytes that start with the signature exercise everything after it.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 16, max: 4096 }), (bytes, cap) =>
        checkInvariants(Buffer.concat([SIGNATURE, Buffer.from([0x20 | (bytes[0] ?? 0) % 3, bytes[1] ?? 0x11]), bytes.subarray(2)]), cap),
      ),
      { numRuns: 20_000 },
    );
  });

  it('well-formed headers (30,000 inputs): decode to what was built, in any split, with trailing data', () => {
    fc.assert(
      fc.property(validArb, fc.uint8Array({ maxLength: 64 }), fc.nat(), (v, trailing, splitSeed) => {
        const family = v.command === 'PROXY' || v.family !== 'UNSPEC' ? v.family : 'UNSPEC';
        const built = buildProxyV2({
          command: v.command,
          family,
          source: family === 'UNIX' ? { address: '/s', port: 0 } : { address: v.a, port: v.sport },
          destination: family === 'UNIX' ? { address: '/d', port: 0 } : { address: v.b, port: v.dport },
          linkId: v.linkId,
          tlvs: v.tlvs,
        });
        const input = Buffer.concat([built, trailing]);
        checkInvariants(input, 4096);
        const r = parseProxyV2(input, 4096);
        assert.equal(r.kind, 'header');
        if (r.kind !== 'header') return;
        assert.equal(r.header.length, built.length);
        assert.equal(r.header.linkId, v.linkId);
        assert.equal(r.header.tlvCount, v.tlvs.length + (v.linkId === undefined ? 0 : 1));
        if (v.command === 'PROXY' && family === 'TCP4') assert.deepEqual(r.header.source, { address: v.a, port: v.sport });
        // Incremental: any strict prefix is 'incomplete'.
        const split = splitSeed % built.length;
        assert.equal(parseProxyV2(built.subarray(0, split), 4096).kind, 'incomplete');
      }),
      { numRuns: 30_000 },
    );
  });

  it('mutated well-formed headers (40,000 inputs): flips, truncations, insertions never break the invariants', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), xor: fc.constant(0) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), xor: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('len' as const), at: fc.integer({ min: 0, max: 0xffff }), xor: fc.constant(0) }),
    );
    fc.assert(
      fc.property(validArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.integer({ min: 16, max: 600 }), (v, muts, cap) => {
        let b: Buffer = buildProxyV2({ command: v.command, family: v.family === 'UNSPEC' ? 'TCP4' : v.family, linkId: v.linkId, tlvs: v.tlvs });
        for (const m of muts) {
          if (b.length === 0) break;
          const at = m.at % b.length;
          if (m.op === 'flip') b[at] = (b[at] as number) ^ m.xor;
          else if (m.op === 'truncate') b = b.subarray(0, at);
          else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.xor]), b.subarray(at)]);
          else if (b.length >= 16) b.writeUInt16BE(m.at, 14);
        }
        checkInvariants(b, cap);
      }),
      { numRuns: 40_000 },
    );
  });
});
