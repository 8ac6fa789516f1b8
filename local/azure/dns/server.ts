// An authoritative DNS server on UDP and TCP (RFC 1035 framing, RFC 7766 pipelining) answering
// from a DnsView. Truncates UDP answers that do not fit, so resolvers retry over TCP.
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { answer, type DnsRecordSet, type DnsView } from './answer';

const RCODES = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 } as const;
const FLAG_QR = 1 << 15;
const FLAG_AA = 1 << 10;
const FLAG_TC = 1 << 9;
const FLAG_RD = 1 << 8;
const UDP_DEFAULT_SIZE = 512;

export interface DnsServerOptions {
  port: number;
  host?: string;
  view: DnsView;
}

type Packet = dnsPacket.Packet;
type Answer = dnsPacket.Answer;

function toWire(set: DnsRecordSet, ownerCase: string): Answer[] {
  const name = set.name === ownerCase.toLowerCase() ? ownerCase : set.name;
  switch (set.type) {
    case 'A':
    case 'AAAA':
      return set.values.map((data) => ({ type: set.type, name, ttl: set.ttl, class: 'IN', data }) as Answer);
    case 'CNAME':
      return [{ type: 'CNAME', name, ttl: set.ttl, class: 'IN', data: set.values[0]! }];
    case 'TXT':
      return [{ type: 'TXT', name, ttl: set.ttl, class: 'IN', data: set.values.map((v) => Buffer.from(v)) }];
    case 'SOA': {
      const [mname, rname, serial, refresh, retry, expire, minimum] = set.values[0]!.split(' ');
      return [
        {
          type: 'SOA',
          name,
          ttl: set.ttl,
          class: 'IN',
          data: { mname: mname!, rname: rname!, serial: +serial!, refresh: +refresh!, retry: +retry!, expire: +expire!, minimum: +minimum! },
        },
      ];
    }
  }
}

/** Builds the response packet for a query; exported for tests of the wire format. */
export function respond(view: DnsView, query: Packet): Packet {
  const question = query.questions?.[0];
  const rd = (query.flags ?? 0) & FLAG_RD;
  const base = { id: query.id, type: 'response' as const, questions: query.questions ?? [] };
  if (!question || (question.class && question.class !== 'IN')) {
    return { ...base, flags: FLAG_QR | rd | 4 /* NOTIMP */ };
  }
  const result = answer(view, question.name, question.type);
  const flags = FLAG_QR | rd | (result.authoritative ? FLAG_AA : 0) | RCODES[result.rcode];
  const answers = result.answers.flatMap((s) => toWire(s, question.name));
  const authorities = result.authority.map(
    ({ zone, soa }) =>
      ({
        type: 'SOA',
        name: zone,
        // Negative caching uses min(SOA TTL, SOA minimum) (RFC 2308).
        ttl: Math.min(soa.ttl, soa.minimum),
        class: 'IN',
        data: { mname: soa.mname, rname: soa.rname, serial: soa.serial, refresh: soa.refresh, retry: soa.retry, expire: soa.expire, minimum: soa.minimum },
      }) as Answer,
  );
  const opt = query.additionals?.find((a) => a.type === 'OPT');
  const additionals: Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0 } as unknown as Answer] : [];
  return { ...base, flags, answers, authorities, additionals };
}

function udpLimit(query: Packet): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(UDP_DEFAULT_SIZE, Math.min(opt?.udpPayloadSize ?? UDP_DEFAULT_SIZE, 1232));
}

export class DnsServer {
  #udp: dgram.Socket | undefined;
  #tcp: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly options: DnsServerOptions) {}

  async start(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    this.#tcp = net.createServer((socket) => this.#serveTcp(socket));
    await new Promise<void>((resolve, reject) => {
      this.#tcp!.once('error', reject);
      this.#tcp!.listen(this.options.port, host, () => resolve());
    });
    this.port = (this.#tcp.address() as net.AddressInfo).port;
    this.#udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.#udp.on('message', (msg, rinfo) => this.#serveUdp(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      this.#udp!.once('error', reject);
      this.#udp!.bind(this.port, host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.#udp ? this.#udp.close(() => resolve()) : resolve())),
    ]);
  }

  #serveUdp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: drop, as servers do
    }
    const response = respond(this.options.view, query);
    let wire = dnsPacket.encode(response);
    if (wire.length > udpLimit(query)) {
      wire = dnsPacket.encode({ ...response, flags: (response.flags ?? 0) | FLAG_TC, answers: [], authorities: [] });
    }
    this.#udp?.send(wire, rinfo.port, rinfo.address);
  }

  #serveTcp(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        let query: Packet;
        try {
          query = dnsPacket.decode(msg);
        } catch {
          socket.destroy();
          return;
        }
        socket.write(dnsPacket.streamEncode(respond(this.options.view, query)));
      }
    });
  }
}
