// `dpl dev`: playing the customer on one machine. Private endpoints are created on the stand-in
// Private Link Service in DATA_DIR (as a consumer's create lands on Azure's), and the ARM event Azure
// would publish is handed to the running host's Event Grid webhook, so the control plane hears of it
// at once instead of at the next sweep. The tunnel plays the Private Link Service's NAT.
import fs from 'node:fs';
import path from 'node:path';
import { WorkspaceNameSchema } from '../../shared/domain/workspace';
import type { PrivateEndpointConnection } from '../../shared/domain/connection';
import type { ArmResourceEvent } from '../azure/private-link-service';
import { dataDirOf, readSystem, resolveTarget } from './connection';
import { CliError, EXIT, flag, str, usageError, type Command, type Options, type Values } from './framework';
import { err, fields, out, printJson, table } from './format';
import { isIpv4, parseHostPort, parseLinkId, startTunnel } from './tunnel';

const EVENT_FUNCTION = 'onPrivateEndpointConnectionEvent';
/** The host's system key for the Event Grid extension (local/host/event-grid.ts). */
const EVENT_GRID_KEY = 'eventgrid_extension';
const DEFAULT_SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const LOCAL_OPTIONS: Options = {
  'data-dir': { type: 'string', value: '<dir>', help: "the local system's state (DATA_DIR; default .data)" },
  pls: { type: 'string', value: '<arm-id>', help: "the Private Link Service (default: system.json's, else the local one)" },
  url: { type: 'string', value: '<url>', help: 'the functions host that receives the event (DPL_URL; default: system.json)' },
};

interface OpenedService {
  pls: import('../azure/private-link-service').LocalPrivateLinkService;
  serviceId: string;
  events: ArmResourceEvent[];
  close(): void;
}

/** Opens the stand-in Private Link Service on DATA_DIR's azure.db, collecting the events it emits. */
async function openService(values: Values): Promise<OpenedService> {
  const dataDir = dataDirOf(values);
  const file = path.join(dataDir, 'azure.db');
  // Creating an empty store elsewhere would only hide a wrong --data-dir.
  if (!fs.existsSync(file)) throw new CliError(`no stand-in Azure at ${file}`, EXIT.notFound, ['start the system first (`npm start`) or pass its --data-dir']);
  const [{ DocStore }, { LocalPrivateLinkService }, { LOCAL_PLS_ID }] = await Promise.all([
    import('../azure/doc-store'),
    import('../azure/private-link-service'),
    import('../azure/local-services'),
  ]);
  const serviceId = str(values, 'pls') ?? readSystem(dataDir)?.privateLinkServiceId ?? LOCAL_PLS_ID;
  const store = new DocStore(file);
  const events: ArmResourceEvent[] = [];
  const pls = new LocalPrivateLinkService({ store, events: 'all', publish: (e) => events.push(e) });
  return { pls, serviceId, events, close: () => store.close() };
}

const nameOf = (c: PrivateEndpointConnection) => c.id.split('/').pop() as string;

async function allConnections(o: OpenedService): Promise<PrivateEndpointConnection[]> {
  const found: PrivateEndpointConnection[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await o.pls.listConnections(o.serviceId, token ? { continuationToken: token } : {});
      found.push(...page.items.map((i) => i.value));
      token = page.continuationToken;
    } while (token);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.notFound, ['is --pls (or system.json) naming a service of this system?']);
  }
  return found;
}

export interface Delivery {
  delivered: boolean;
  status?: number;
  error?: string;
}

/** Sends the collected ARM events to the host's Event Grid webhook, as Event Grid would. */
async function deliver(values: Values, events: ArmResourceEvent[]): Promise<Delivery> {
  const dataDir = dataDirOf(values);
  const target = resolveTarget(values, dataDir);
  let code: string | undefined;
  try {
    const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'host-keys.json'), 'utf8')) as { masterKey?: string; systemKeys?: Record<string, string> };
    code = keys.systemKeys?.[EVENT_GRID_KEY] ?? keys.masterKey;
  } catch {
    // A host started with --no-keys keeps none and needs none.
  }
  const url = new URL(`${target.functions}/runtime/webhooks/eventgrid`);
  url.searchParams.set('functionName', EVENT_FUNCTION);
  if (code) url.searchParams.set('code', code);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify(events),
      signal: AbortSignal.timeout(15_000),
    });
    await res.text();
    return res.ok ? { delivered: true, status: res.status } : { delivered: false, status: res.status, error: `the webhook answered ${res.status}` };
  } catch (e) {
    const cause = (e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    return { delivered: false, error: `cannot reach ${target.functions} (${cause})` };
  }
}

function reportDelivery(d: Delivery | null): void {
  if (d && !d.delivered) err(`warning: the control plane was not told (${d.error}); the next sweep will find the change`);
}

const connectionJson = (c: PrivateEndpointConnection) => ({ name: nameOf(c), ...c });

export const devCommands: Command[] = [
  {
    path: ['dev', 'private-endpoint', 'create'],
    summary: "create a customer's private endpoint on the local Private Link Service",
    description:
      "Plays the customer: creates a private endpoint whose request message names the workspace, on the\nstand-in Private Link Service in DATA_DIR, prints the connection's name, LinkID and state, and\n(unless --no-event) delivers the ARM event Azure would send to the running host's Event Grid webhook.",
    options: [
      [
        'Endpoint',
        {
          workspace: { type: 'string', value: '<ws>', help: 'the workspace the request message asks for (required)' },
          name: { type: 'string', value: '<endpoint>', help: 'the private endpoint\'s name (default pe-<ws>)' },
          subscription: { type: 'string', value: '<guid>', help: `the customer's subscription (default ${DEFAULT_SUBSCRIPTION})` },
          'link-id': { type: 'string', value: '<uint32>', help: 'use this LinkID instead of a random one' },
          'private-ip': { type: 'string', value: '<ipv4>', help: "the endpoint's private IP (default: the next free one)" },
          'no-event': { type: 'boolean', help: 'do not tell the control plane (as when Azure sends no event)' },
          json: { type: 'boolean', help: 'print the connection as JSON' },
        },
      ],
      ['Local system', LOCAL_OPTIONS],
    ],
    examples: ['dpl dev private-endpoint create --workspace cardio', 'dpl dev private-endpoint create --workspace cardio --name pe-2 --subscription 22222222-2222-2222-2222-222222222222 --json'],
    run: async ({ values }) => {
      const wsText = str(values, 'workspace');
      if (!wsText) throw usageError('dpl dev private-endpoint create: --workspace is required');
      const ws = WorkspaceNameSchema.safeParse(wsText);
      if (!ws.success) throw usageError(`'${wsText}' is not a workspace name: ${ws.error.issues[0]?.message ?? 'invalid'}`);
      const endpointName = str(values, 'name') ?? `pe-${ws.data}`;
      if (!/^[\w.-]{1,64}$/.test(endpointName)) throw usageError(`--name must be 1-64 letters, digits, '_', '.' or '-', got '${endpointName}'`);
      const subscription = str(values, 'subscription') ?? DEFAULT_SUBSCRIPTION;
      if (!GUID.test(subscription)) throw usageError(`--subscription must be a subscription GUID, got '${subscription}'`);
      const linkIdText = str(values, 'link-id');
      let linkId: number | undefined;
      try {
        linkId = linkIdText === undefined ? undefined : parseLinkId(linkIdText);
      } catch (e) {
        throw usageError((e as Error).message);
      }
      const privateIp = str(values, 'private-ip');
      if (privateIp !== undefined && !isIpv4(privateIp)) throw usageError(`--private-ip must be an IPv4 address, got '${privateIp}'`);

      const service = await openService(values);
      let connection: PrivateEndpointConnection;
      try {
        if (linkId !== undefined && (await allConnections(service)).some((c) => c.linkId === linkId)) {
          throw new CliError(`LinkID ${linkId} is already taken on ${service.serviceId}`, EXIT.conflict);
        }
        connection = service.pls.createEndpoint({
          privateLinkServiceId: service.serviceId,
          endpointName,
          requestingSubscription: subscription,
          workspace: ws.data,
          ...(linkId === undefined ? {} : { linkId }),
          ...(privateIp === undefined ? {} : { privateIp }),
        }).value;
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError((e as Error).message, /does not exist/.test((e as Error).message) ? EXIT.notFound : EXIT.failed);
      } finally {
        service.close();
      }
      const delivery = flag(values, 'no-event') ? null : await deliver(values, service.events);
      if (flag(values, 'json')) printJson({ ...connectionJson(connection), event: delivery ?? { delivered: false, skipped: true } });
      else {
        const name = nameOf(connection);
        out(
          fields([
            ['connection', name],
            ['workspace', connection.workspace],
            ['linkId', connection.linkId],
            ['state', connection.state],
            ['private ip', connection.privateIp],
            ['subscription', connection.requestingSubscription],
            ['event', delivery ? (delivery.delivered ? 'delivered to the control plane' : 'not delivered') : 'not sent (--no-event)'],
          ]),
        );
        if (connection.state === 'Pending') out(`\nnext: dpl approve ${ws.data} ${name}`);
        out(`reach it: dpl dev tunnel --link-id ${connection.linkId} --listen 127.0.0.1:<port>`);
      }
      reportDelivery(delivery);
      return EXIT.ok;
    },
  },
  {
    path: ['dev', 'private-endpoint', 'delete'],
    summary: "delete a customer's private endpoint (its connection disappears)",
    args: [{ name: 'name' }],
    description:
      'Deletes the connection named <name>: its full name (as `dpl connections` and `list` show it) or\nthe private endpoint\'s name when only one connection has it. Then delivers the ARM delete event.',
    options: [
      [
        'Endpoint',
        {
          'no-event': { type: 'boolean', help: 'do not tell the control plane' },
          json: { type: 'boolean', help: 'print the deleted connection as JSON' },
        },
      ],
      ['Local system', LOCAL_OPTIONS],
    ],
    examples: ['dpl dev private-endpoint delete pe-cardio'],
    run: async ({ args, values }) => {
      const wanted = args.name as string;
      if (!/^[\w.-]{1,200}$/.test(wanted)) throw usageError(`'${wanted}' is not a connection or private endpoint name`);
      const service = await openService(values);
      let gone: PrivateEndpointConnection;
      try {
        const all = await allConnections(service);
        const lower = wanted.toLowerCase();
        const exact = all.filter((c) => nameOf(c).toLowerCase() === lower);
        // A connection is named `<endpoint>.<guid>`; the endpoint's name alone is accepted when unique.
        const matches = exact.length ? exact : all.filter((c) => nameOf(c).toLowerCase().replace(/\.[0-9a-f-]{36}$/, '') === lower);
        if (matches.length === 0) throw new CliError(`no private endpoint connection named '${wanted}' on ${service.serviceId}`, EXIT.notFound);
        if (matches.length > 1) throw usageError(`'${wanted}' names ${matches.length} connections; give the full name:`, matches.map((c) => `  ${nameOf(c)}`));
        gone = matches[0] as PrivateEndpointConnection;
        service.pls.deleteEndpoint(gone.id);
      } finally {
        service.close();
      }
      const delivery = flag(values, 'no-event') ? null : await deliver(values, service.events);
      if (flag(values, 'json')) printJson({ ...connectionJson(gone), event: delivery ?? { delivered: false, skipped: true } });
      else out(`deleted ${nameOf(gone)} (workspace ${gone.workspace ?? '-'}, LinkID ${gone.linkId})`);
      reportDelivery(delivery);
      return EXIT.ok;
    },
  },
  {
    path: ['dev', 'private-endpoint', 'list'],
    summary: 'every connection on the local Private Link Service',
    options: [
      [
        'Output',
        {
          workspace: { type: 'string', value: '<ws>', help: 'only the connections asking for this workspace' },
          json: { type: 'boolean', help: 'print the connections as JSON ({"value": [...]})' },
        },
      ],
      ['Local system', { 'data-dir': LOCAL_OPTIONS['data-dir'] as Options[string], pls: LOCAL_OPTIONS.pls as Options[string] }],
    ],
    examples: ['dpl dev private-endpoint list', 'dpl dev private-endpoint list --workspace cardio --json'],
    run: async ({ values }) => {
      const ws = str(values, 'workspace')?.toLowerCase();
      const service = await openService(values);
      let all: PrivateEndpointConnection[];
      try {
        all = (await allConnections(service)).filter((c) => ws === undefined || c.workspace === ws);
      } finally {
        service.close();
      }
      if (flag(values, 'json')) printJson({ value: all.map(connectionJson) });
      else if (all.length === 0) out('no private endpoint connections');
      else out(table(['NAME', 'WORKSPACE', 'STATE', 'LINKID', 'PRIVATE IP', 'SUBSCRIPTION'], all.map((c) => [nameOf(c), c.workspace, c.state, c.linkId, c.privateIp, c.requestingSubscription])));
      return EXIT.ok;
    },
  },
  {
    path: ['dev', 'tunnel'],
    summary: "relay TCP to the proxy with a PROXY v2 header carrying a LinkID (the Private Link Service's NAT)",
    description:
      'Listens on --listen and, for every connection, connects to the proxy, sends a PROXY v2 header (TCP4;\nsource: the client or --source; destination: the listener; the Azure LinkID TLV 0xEE/0x01) and relays\nboth ways. Any client (curl, a browser, a DICOMweb client) then reaches the workspace privately.\nRuns until Ctrl-C.',
    options: [
      [
        'Tunnel',
        {
          'link-id': { type: 'string', value: '<uint32>', help: "the private endpoint's LinkID (required; see `dpl connections`)" },
          listen: { type: 'string', value: '<ip:port>', help: 'where clients connect (IPv4; default 127.0.0.1:0, a free port)' },
          proxy: { type: 'string', value: '<host:port>', help: "the proxy's PROXY-protocol listener (default: system.json, else 127.0.0.1:8443)" },
          source: { type: 'string', value: '<ipv4>', help: "the address the header claims for the client (e.g. the endpoint's private IP)" },
          'data-dir': LOCAL_OPTIONS['data-dir'] as Options[string],
        },
      ],
    ],
    examples: [
      'dpl dev tunnel --link-id 1234567 --listen 127.0.0.1:9443',
      'curl --cacert .data/ca/ca.pem --connect-to ::127.0.0.1:9443 https://cardio-dicom.privatelink.dicom.localtest/',
    ],
    run: async ({ values }) => {
      const linkIdText = str(values, 'link-id');
      if (linkIdText === undefined) throw usageError('dpl dev tunnel: --link-id is required');
      let opts: Parameters<typeof startTunnel>[0];
      try {
        const proxyText = str(values, 'proxy') ?? readSystem(dataDirOf(values))?.proxy ?? '127.0.0.1:8443';
        const source = str(values, 'source');
        const listen = parseHostPort(str(values, 'listen') ?? '127.0.0.1:0', '--listen');
        if (!isIpv4(listen.host)) throw new Error(`--listen must be an IPv4 address and port (the header is TCP4), got '${listen.host}'`);
        if (source !== undefined && !isIpv4(source)) throw new Error(`--source must be an IPv4 address, got '${source}'`);
        opts = {
          linkId: parseLinkId(linkIdText),
          listen,
          proxy: parseHostPort(proxyText, '--proxy'),
          ...(source === undefined ? {} : { source }),
          log: (line) => err(line),
        };
      } catch (e) {
        throw usageError((e as Error).message);
      }
      let tunnel: Awaited<ReturnType<typeof startTunnel>>;
      try {
        tunnel = await startTunnel(opts);
      } catch (e) {
        throw new CliError(`cannot listen on ${opts.listen.host}:${opts.listen.port}: ${(e as Error).message}`, EXIT.failed);
      }
      out(`tunnel listening on ${tunnel.address.host}:${tunnel.address.port} → proxy ${opts.proxy.host}:${opts.proxy.port} with LinkID ${opts.linkId} (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void tunnel.close().then(() => resolve());
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      err('tunnel closed');
      return EXIT.ok;
    },
  },
];
