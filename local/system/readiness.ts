// How the supervisor knows a process serves: it accepts a TCP connection, or answers 2xx over HTTP.
import net from 'node:net';

export function tcpReady(host: string, port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const s = net.connect({ host, port });
      const done = (ok: boolean) => {
        s.destroy();
        resolve(ok);
      };
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
      s.setTimeout(1000, () => done(false));
    });
}

export function httpReady(url: string): () => Promise<boolean> {
  return () =>
    fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      async (r) => {
        await r.body?.cancel();
        return r.ok;
      },
      () => false,
    );
}
