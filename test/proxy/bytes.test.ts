// proxy/bytes.ts: the byte-by-byte writers must put out exactly what Buffer's own methods would, on
// both sides of the length where they hand over to those methods.
import fc from 'fast-check';
import { copyBytes, putDecimal, putLatin1 } from '../../proxy/bytes';

describe('bytes', () => {
  it('putDecimal writes what String(n) spells (2,000 inputs and the edges)', () => {
    const check = (n: number): void => {
      const out = Buffer.alloc(20, 0x23);
      const len = putDecimal(out, 2, n);
      expect(out.toString('latin1', 0, 2 + len + 1)).toBe(`##${String(n)}#`);
    };
    for (const n of [0, 1, 9, 10, 99, 100, 2 ** 31, 2 ** 32 + 1, 999_999_999_999_999, Number.MAX_SAFE_INTEGER]) check(n);
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => check(n)), { numRuns: 2_000 });
  });

  it('copyBytes and putLatin1 match Buffer#copy and Buffer#write, short and long (1,000 inputs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), fc.nat(), (bytes, x, y) => {
        const src = Buffer.from(bytes);
        const a = src.length ? x % src.length : 0;
        const b = a + (src.length - a ? y % (src.length - a + 1) : 0);
        const mine = Buffer.alloc(src.length + 8, 1);
        const theirs = Buffer.alloc(src.length + 8, 1);
        expect(copyBytes(src, a, b, mine, 3)).toBe(src.copy(theirs, 3, a, b));
        expect(mine.equals(theirs)).toBe(true);
        const text = src.toString('latin1');
        expect(putLatin1(mine, 1, text)).toBe(theirs.write(text, 1, 'latin1'));
        expect(mine.equals(theirs)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});
