// The customer's side of a private endpoint: HTTPS to the workspace's private name through a
// `dpl dev tunnel` (which adds the PROXY v2 header with the endpoint's LinkID), trusting the local CA.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { TunnelProcess } from './cli';
import { privateEndpointAgent } from './dicom';

export interface PrivateResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class PrivateClient {
  readonly agent: https.Agent;

  constructor(
    readonly host: string,
    readonly tunnel: TunnelProcess,
    readonly caFile: string,
  ) {
    this.agent = privateEndpointAgent(host, tunnel, fs.readFileSync(caFile));
  }

  request(path: string, init: { method?: string; headers?: Record<string, string>; hostHeader?: string } = {}): Promise<PrivateResponse> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: this.host, port: this.tunnel.port, path, method: init.method ?? 'GET', agent: this.agent, headers: { ...(init.hostHeader ? { host: init.hostHeader } : {}), ...init.headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The SHA-1 thumbprint of the certificate a fresh handshake sees. */
  thumbprint(): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: this.tunnel.host, port: this.tunnel.port, servername: this.host, ca: fs.readFileSync(this.caFile) }, () => {
        const raw = s.getPeerCertificate().raw;
        s.end();
        resolve(createHash('sha1').update(raw).digest('hex').toUpperCase());
      });
      s.on('error', reject);
    });
  }
}
