// Rotation under load: front and upstream client certificates are rewritten in place while clients
// keep opening new connections and sending requests — no request fails, and new handshakes get the
// new front certificate while the backend sees the new client certificate.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { exchange, header, openTls, startHarness, WS1, type Harness } from './helpers';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it('front + upstream certificates swapped under load: zero failed requests, new handshakes get the new certificate', async () => {
  const ca = readFileSync(h.pki.p('ca.pem'));
  const fingerprints = new Set<string>();
  let ok = 0;
  const failures: string[] = [];
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        // A new connection (new handshake) per request, like the Connection: close benchmark.
        const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
        fingerprints.add((tls.getPeerX509Certificate() as X509Certificate).fingerprint256);
        const r = await exchange(tls, `GET /load HTTP/1.1\r\nHost: ${WS1.host}\r\nConnection: close\r\n\r\n`);
        if (/^HTTP\/1\.1 200 /.test(r.data)) ok++;
        else failures.push(r.data.slice(0, 40));
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const workers = Array.from({ length: 4 }, () => worker());
  try {
    await waitFor(() => ok > 20, { what: 'load running' });
    const before = ok;
    h.pki.issue('front', 'dicom.test v2', ['*.dicom.test']);
    h.pki.issue('client', 'proxy-client-v2', ['proxy.internal.test']);
    await waitFor(() => fingerprints.size >= 2 && h.backend.seen.some((s) => s.clientCN === 'proxy-client-v2'), { what: 'new certificates in use' });
    await waitFor(() => ok > before + 40, { what: 'load continues after rotation' });
  } finally {
    stop = true;
    await Promise.all(workers);
  }
  expect(failures).toEqual([]);
  const tls = await openTls(h.port, header(WS1.linkId), WS1.host, ca);
  expect((tls.getPeerX509Certificate() as X509Certificate).subject).toContain('dicom.test v2');
  tls.destroy();
});
