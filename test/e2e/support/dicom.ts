// Real DICOM and a real DICOMweb client: instances written by dcmjs, sent with dicomweb-client over
// XMLHttpRequest (xhr2 on Node), to the workspace's private name — which, as in the customer's VNet,
// resolves to their private endpoint: here the `dpl dev tunnel` listener.
import https from 'node:https';
import dns from 'node:dns';
import { makeDicomInstance, type DicomInstance } from '../../../local/cli/dicom-instance';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const XMLHttpRequest = require('xhr2');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { api } = require('dicomweb-client');

export type Instance = DicomInstance;
export const makeInstance = makeDicomInstance;

/** An https.Agent that reaches `host` at the tunnel's address and trusts the local CA. */
export function privateEndpointAgent(host: string, tunnel: { host: string; port: number }, ca: string | Buffer): https.Agent {
  return new https.Agent({
    ca,
    keepAlive: false,
    // The customer's private DNS zone answers the workspace's name with their private endpoint's IP.
    lookup: ((name: string, options: dns.LookupOptions, cb: (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void) => {
      if (name.toLowerCase() !== host.toLowerCase()) return dns.lookup(name, options, cb as never);
      if (options.all) return cb(null, [{ address: tunnel.host, family: 4 }]);
      cb(null, tunnel.host, 4);
    }) as never,
  });
}

export interface DicomWebClient {
  storeInstances(options: { datasets: ArrayBuffer[] }): Promise<unknown>;
  searchForStudies(options?: { queryParams?: Record<string, string> }): Promise<Array<Record<string, { Value?: unknown[] }>>>;
  searchForInstances(options: { studyInstanceUID: string; queryParams?: Record<string, string> }): Promise<Array<Record<string, { Value?: unknown[] }>>>;
  retrieveInstance(options: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string }): Promise<ArrayBuffer | ArrayBuffer[]>;
}

/** dicomweb-client at `https://<host>:<port>/dicom-web`, its requests through `agent`. */
export function dicomWebClient(host: string, port: number, agent: https.Agent): DicomWebClient {
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XMLHttpRequest;
  const client = new api.DICOMwebClient({ url: `https://${host}:${port}/dicom-web`, singlepart: false, verbose: false }) as DicomWebClient;
  // xhr2 keeps one agent for all its requests: set this client's before each call.
  const withAgent =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> => {
      XMLHttpRequest.nodejsSet({ httpsAgent: agent });
      return f.apply(client, a);
    };
  return {
    storeInstances: withAgent(client.storeInstances),
    searchForStudies: withAgent(client.searchForStudies),
    searchForInstances: withAgent(client.searchForInstances),
    retrieveInstance: withAgent(client.retrieveInstance),
  };
}

export const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
