// The built-in backend ingress, for machines without Orthanc: HTTPS on each availability zone's
// loopback address, a client certificate from the local CA required, and an answer that says which
// zone served, who the client was, and what it asked (request bodies are read and counted, not kept).
import fs from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
}

const port = Number(required('BACKEND_PORT'));
const listen = required('BACKEND_LISTEN')
  .split(',')
  .map((s) => {
    const [zone, address] = s.split('@');
    return { zone: zone!, address: address! };
  });
const tlsOptions = {
  cert: fs.readFileSync(required('BACKEND_CERT')),
  key: fs.readFileSync(required('BACKEND_KEY')),
  ca: fs.readFileSync(required('BACKEND_CA')),
  requestCert: true,
  rejectUnauthorized: true,
};

const servers = listen.map(({ zone, address }) => {
  const server = https.createServer(tlsOptions, (req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const body = JSON.stringify({ backend: 'builtin', ingress: zone, method: req.method, path: req.url, host: req.headers.host, clientCertificate: peer.subject?.CN ?? null, bodyBytes: bytes });
      res.writeHead(200, { 'content-type': 'application/json', 'x-dpl-ingress': zone, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(port, address, () => console.log(`listening on https://${address}:${port} (${zone}), client certificates required`));
  return server;
});

const stop = () => {
  for (const s of servers) s.close();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
