// Reads of accepted TLS sockets into one shared buffer, as `onread` does for sockets the proxy opens.
//
// Node offers `onread` only to sockets it creates itself: a TLSSocket that wraps an accepted socket
// (ours must: the PROXY header comes first) is built with `onread: null`, so every read allocates an
// ArrayBuffer and goes through the Readable machinery (push, 'data', a tick to read more). What
// `onread` would have set up is two fields on the socket (the buffer and the callback, under Node's
// own symbols) and a user buffer on the handle; both exist on every Node socket, so they are set the
// same way here. Paired runs (docs/BENCHMARKS.md) measured what it saves per small request.
//
// It leans on Node internals, hence the checks: when this Node does not have them, `readInto` says so
// and the caller listens for 'data' as before (same behaviour, more CPU).
import type { TLSSocket } from 'node:tls';

interface Internals {
  buffer: symbol;
  callback: symbol;
}

let internals: Internals | null | undefined;

/** The socket fields, found once per process (the handle is checked per socket: it may be gone). */
function findInternals(socket: TLSSocket): Internals | null {
  const symbols = Object.getOwnPropertySymbols(socket);
  const buffer = symbols.find((s) => s.description === 'kBuffer');
  const callback = symbols.find((s) => s.description === 'kBufferCb');
  return buffer && callback ? { buffer, callback } : null;
}

/**
 * From now on, the socket's bytes arrive as `onRead(n, buffer)` — `buffer[0..n)`, valid only during
 * the call (every socket shares it): copy whatever must be kept. Returning false stops reading until
 * `socket.resume()`. Bytes already buffered by the socket are handed over first (copies, as Node
 * allocated them). Returns false, and changes nothing, when this Node lacks what this needs.
 */
export function readInto(socket: TLSSocket, buffer: Buffer, onRead: (n: number, buf: Buffer) => boolean): boolean {
  if (internals === undefined) internals = findInternals(socket);
  if (internals === null) return false;
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[internals.buffer] = buffer;
  fields[internals.callback] = onRead;
  handle.useUserBuffer(buffer);
  for (let b = socket.read() as Buffer | null; b !== null; b = socket.read() as Buffer | null) onRead(b.length, b);
  return true;
}

/** Whether `b` is a view of `shared` (then it must be copied before it is kept). */
export function isViewOf(b: Buffer, shared: Buffer): boolean {
  return b.buffer === shared.buffer;
}
