// Small writes into output buffers. A Buffer method call (copy, write) costs more than it moves for
// the few dozen bytes of a head line: short runs go byte by byte here, long ones natively.

const SHORT = 128;

/** Copies `src[a..b)` to `out` at `pos`; returns the number of bytes copied. */
export function copyBytes(src: Buffer, a: number, b: number, out: Buffer, pos: number): number {
  const n = b - a;
  if (n > SHORT) return src.copy(out, pos, a, b);
  for (let i = 0; i < n; i++) out[pos + i] = src[a + i] as number;
  return n;
}

/** Writes `s` one byte per char (latin1) at `pos`; returns its length. */
export function putLatin1(out: Buffer, pos: number, s: string): number {
  if (s.length > SHORT) return out.write(s, pos, 'latin1');
  for (let i = 0; i < s.length; i++) out[pos + i] = s.charCodeAt(i);
  return s.length;
}

/** Writes a non-negative integer in decimal at `pos`; returns the number of digits. */
export function putDecimal(out: Buffer, pos: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) out[pos + i] = 0x30 + (x % 10);
  return digits;
}
