// The benchmark's PROXY-v2-adding relay: accepts plain TCP (from wrk), connects to the target proxy,
// writes a PROXY v2 header with the Azure LinkID TLV, then pipes both ways. The same relay fronts
// every proxy under test. Usage: node relay.mjs <listenPort>:<targetPort>[,...] <linkId>
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { buildProxyV2 } = require('../../../dist/proxy/proxy-protocol.js');

const [pairs = '', linkIdText = '305419896'] = process.argv.slice(2);
const linkId = Number(linkIdText);
for (const pair of pairs.split(',')) {
  const [listenPort, targetPort] = pair.split(':').map(Number);
  const server = net.createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    const header = buildProxyV2({
      command: 'PROXY',
      family: 'TCP4',
      source: { address: '10.1.2.3', port: client.remotePort ?? 0 },
      destination: { address: '10.0.0.4', port: 443 },
      linkId,
    });
    upstream.write(header);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  server.listen(listenPort, '127.0.0.1');
}
process.stdout.write('relay ready\n');
