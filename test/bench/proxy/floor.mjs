// The floor for the proxy benchmark: not a proxy, the least a Node.js process does for the same
// traffic. It skips the PROXY v2 header, terminates TLS with the same certificate the same way the
// proxy does (a TLS server fed raw sockets), opens one mutual-TLS connection to the backend per client
// connection and copies bytes both ways — no HTTP parsing, no tenant checks, no pooling, no metrics.
// Whatever this costs per request is Node's (sockets, TLS, streams), not the proxy's.
//
// Run by the benchmark in place of the proxy: BENCH_PROXY_MAIN=test/bench/proxy/floor.mjs (it reads the
// same --config file). To pass the benchmark's "same job" check it answers 421 to a request whose
// first bytes name another host — a byte search, not a check anyone should rely on.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect, createSecureContext, createServer as createTlsServer } from 'node:tls';

const config = JSON.parse(readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8'));
const front = config.tls.certificates[0];
const [route] = JSON.parse(readFileSync(config.routes.path, 'utf8'));
const [backendName, backendPort] = route.backend.split(':');
const upstream = createSecureContext({ ca: readFileSync(config.upstream.caFile), cert: readFileSync(config.upstream.certFile), key: readFileSync(config.upstream.keyFile) });
const MISDIRECTED = Buffer.from('HTTP/1.1 421 Misdirected Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
const OTHER_HOST = Buffer.from('other.dicom.test');

const tls = createTlsServer({ cert: readFileSync(front.certFile), key: readFileSync(front.keyFile), ALPNProtocols: ['http/1.1'], allowHalfOpen: true });
tls.on('secureConnection', (client) => {
  client.setNoDelay(true);
  const up = connect({ host: '127.0.0.1', port: Number(backendPort), servername: backendName, secureContext: upstream, ALPNProtocols: ['http/1.1'] });
  up.setNoDelay(true);
  client.on('data', (chunk) => {
    if (chunk.includes(OTHER_HOST)) {
      client.end(MISDIRECTED);
      return;
    }
    if (!up.write(chunk)) client.pause();
  });
  up.on('drain', () => client.resume());
  up.on('data', (chunk) => {
    if (!client.write(chunk)) up.pause();
  });
  client.on('drain', () => up.resume());
  const close = () => {
    client.destroy();
    up.destroy();
  };
  for (const s of [client, up]) {
    s.on('error', close);
    s.on('close', close);
  }
});

createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
  let buf = Buffer.alloc(0);
  const onData = (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (buf.length < 16) return;
    const end = 16 + buf.readUInt16BE(14);
    if (buf.length < end) return;
    socket.off('data', onData);
    socket.pause();
    if (buf.length > end) socket.unshift(buf.subarray(end));
    tls.emit('connection', socket);
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}).listen(config.listeners[0].port, config.listeners[0].host);
