// `npm start`: the whole system on one machine with embedded defaults, as supervised processes with
// one combined, prefixed log — the stand-ins' DNS server, the backend ingress (Orthanc behind nginx
// when installed, else the built-in one), the functions host with the Durable engine on the
// stand-ins, and the proxy. Prints `ready` with every address once all listen; Ctrl-C (or SIGTERM)
// stops everything; a second start resumes from DATA_DIR.
import fs from 'node:fs';
import path from 'node:path';
import { localServices } from '../azure/local-services';
import { LocalCa } from '../azure/vault/local-ca';
import { builtinBackend, orthancBackend, type BackendPlan } from './backend';
import { httpReady, tcpReady } from './readiness';
import { provisionSystem, systemLayout, type SystemLayout } from './provision';
import { freePort, orthancInstallation, SystemStartError, systemSettings, type SystemSettings } from './settings';
import { Supervisor, type ProcessSpec } from './supervisor';
import { isAlive, readSystemFile, removeSystemFile, writeSystemFile, type SystemFile } from './system-file';

const REPO = path.resolve(__dirname, '../../..');

const HELP = `Usage: npm start   (node dist/local/system/start.js)

Runs dicom-privatelink on this machine: the control plane (functions host + Durable engine) on the
stand-ins for Azure, their DNS server, the private link proxy and a backend ingress demanding client
certificates. Everything it keeps lives in DATA_DIR; a second start resumes from it.

Environment (defaults in brackets; 0 = any free port):
  DATA_DIR          state directory [.data]
  PORT              functions host: admin API, console, webhooks [7071]
  DNS_PORT          authoritative DNS server, UDP and TCP [5353]
  PROXY_PORT        the proxy's listener (expects PROXY protocol v2, as behind a Private Link Service) [8443]
  PROXY_ADMIN_PORT  the proxy's /healthz /readyz /metrics [9090]
  BACKEND_PORT      the backend ingress, on 127.0.0.11 and 127.0.0.12 (two availability zones) [8444]
  ORTHANC_PORT      Orthanc's HTTP port, loopback peers only [8042]
  DPL_BACKEND       auto | orthanc | builtin [auto: Orthanc when installed]
  SWEEP_SCHEDULE    the control plane's sweep (NCRONTAB) [0 */5 * * * *]
`;

function say(line: string): void {
  process.stdout.write(`${'system'.padEnd(10)}| ${line}\n`);
}

/** A previous run killed with -9 leaves its children behind; stop them before taking their ports. */
function cleanUpPreviousRun(dataDir: string): void {
  const previous = readSystemFile(dataDir);
  if (!previous) return;
  if (previous.pid !== process.pid && isAlive(previous.pid)) {
    throw new SystemStartError(`another 'npm start' (pid ${previous.pid}) is running on ${dataDir}; stop it first or set DATA_DIR`);
  }
  for (const [name, pid] of Object.entries(previous.pids)) {
    if (pid && isAlive(pid) && ownedBy(pid, dataDir)) {
      say(`stopping ${name} (pid ${pid}) left over from a previous run`);
      process.kill(pid, 'SIGKILL');
    }
  }
  removeSystemFile(dataDir);
}

function ownedBy(pid: number, dataDir: string): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    return cmdline.includes(dataDir) || environ.includes(`DATA_DIR=${dataDir}\0`);
  } catch {
    return false;
  }
}

function chooseBackend(settings: SystemSettings, layout: SystemLayout): BackendPlan {
  const install = orthancInstallation();
  if (settings.backend === 'orthanc' && !install) {
    throw new SystemStartError("DPL_BACKEND=orthanc but Orthanc is not installed: apt-get install orthanc orthanc-dicomweb nginx");
  }
  if (install && settings.backend !== 'builtin') return orthancBackend(install, layout, settings.dataDir, settings.ports);
  return builtinBackend(layout, REPO, settings.ports);
}

function proxyConfig(settings: SystemSettings, layout: SystemLayout, plsId: string): string {
  const file = path.join(settings.dataDir, 'proxy.json');
  const config = {
    listeners: [{ host: '127.0.0.1', port: settings.ports.proxy, privateLinkServiceId: plsId }],
    proxyProtocol: { mode: 'required', trustedSources: ['127.0.0.0/8'] },
    tls: { certificates: [{ certFile: layout.files.frontCert, keyFile: layout.files.frontKey }] },
    reloadIntervalMs: 1000,
    routes: { kind: 'sqlite', path: path.join(settings.dataDir, 'azure.db') },
    routeTable: { pollIntervalMs: 1000, negativeCacheMs: 1000 },
    upstream: {
      port: settings.ports.backend,
      caFile: layout.files.ca,
      certFile: layout.files.clientCert,
      keyFile: layout.files.clientKey,
      dns: { servers: [`127.0.0.1:${settings.ports.dns}`], minTtlSeconds: 1, maxTtlSeconds: 5, ttlDefaultSeconds: 1 },
    },
    admin: { host: '127.0.0.1', port: settings.ports.proxyAdmin },
    workers: 1,
    drainTimeoutMs: 10_000,
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const settings = systemSettings(process.env, REPO);
  const { dataDir } = settings;
  fs.mkdirSync(dataDir, { recursive: true });
  cleanUpPreviousRun(dataDir);

  // Ports are fixed before anything starts, so every process and the ready line agree.
  const local = await localServices(dataDir, { ...process.env, DPL_MODE: 'local' });
  const layout = systemLayout(local, dataDir);
  const ports = settings.ports;
  ports.functions = await freePort(['127.0.0.1'], ports.functions);
  ports.dns = await freePort(['127.0.0.1'], ports.dns);
  ports.proxy = await freePort(['127.0.0.1'], ports.proxy);
  ports.proxyAdmin = await freePort(['127.0.0.1'], ports.proxyAdmin);
  ports.backend = await freePort(layout.addresses, ports.backend);
  ports.orthanc = await freePort(['127.0.0.1'], ports.orthanc);

  await provisionSystem(local, await LocalCa.loadOrCreate(path.join(dataDir, 'ca')), layout, say);
  local.store.close();
  const plsId = local.config.regions[0]!.privateLinkServices[0]!;
  const backend = chooseBackend(settings, layout);
  say(`backend: ${backend.description}`);

  const node = process.execPath;
  const env = { ...process.env, DATA_DIR: dataDir, DPL_MODE: 'local' };
  const functionsUrl = `http://127.0.0.1:${ports.functions}`;
  const specs: ProcessSpec[] = [
    { name: 'dns', command: node, args: [path.join(REPO, 'dist/local/system/dns-main.js')], env: { ...env, DNS_PORT: String(ports.dns) }, ready: tcpReady('127.0.0.1', ports.dns) },
    ...backend.processes,
    {
      name: 'functions',
      command: node,
      args: [path.join(REPO, 'bin/dpl-host.js'), '--app', REPO, '--port', String(ports.functions), '--data-dir', dataDir],
      env: {
        ...env,
        SWEEP_SCHEDULE: settings.sweepSchedule,
        // The rollout's probe connects like a health check through the proxy (PROXY v2 LOCAL).
        DPL_PROBE_ADDRESS: `127.0.0.1:${ports.proxy}`,
        DPL_PROBE_PROXY_PROTOCOL: 'local',
        DPL_PROBE_SNI_SUFFIX: `privatelink.${local.config.domain}`,
      },
      ready: httpReady(`${functionsUrl}/api/healthz`),
    },
    {
      name: 'proxy',
      command: node,
      args: [path.join(REPO, 'dist/proxy/main.js'), '--config', proxyConfig(settings, layout, plsId)],
      // Its configuration is the file alone: the PROXY_* variables (ours share names) would override it.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROXY_'))), LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
      ready: httpReady(`http://127.0.0.1:${ports.proxyAdmin}/healthz`),
    },
  ];

  const supervisor = new Supervisor();
  let stopping: Promise<void> | undefined;
  const stop = (why: string) => {
    if (!stopping) {
      say(`${why}: stopping`);
      stopping = supervisor.stop().then(() => removeSystemFile(dataDir));
    }
    return stopping;
  };
  const finished = new Promise<number>((resolve) => {
    process.once('SIGINT', () => void stop('interrupted').then(() => resolve(0)));
    process.once('SIGTERM', () => void stop('terminated').then(() => resolve(0)));
    void supervisor.failed.then((err) => {
      say(err.message);
      void stop('a process failed').then(() => resolve(1));
    });
  });

  for (const spec of specs) supervisor.start(spec);
  const names = specs.map((s) => s.name);
  try {
    await supervisor.waitReady(names, 90_000);
  } catch (err) {
    say((err as Error).message);
    await stop('start-up failed');
    return 1;
  }
  const first = layout.clusters[0]!;
  const file: SystemFile = {
    pid: process.pid,
    pids: supervisor.pids(),
    functions: functionsUrl,
    adminApi: `${functionsUrl}/api`,
    console: `${functionsUrl}/console/`,
    dns: `127.0.0.1:${ports.dns}`,
    proxy: `127.0.0.1:${ports.proxy}`,
    proxyAdmin: `http://127.0.0.1:${ports.proxyAdmin}`,
    backend: backend.kind,
    ingresses: layout.clusters.flatMap((c) =>
      c.zones.map((z) => ({ cluster: c.cluster, profile: c.profile, endpoint: z.endpoint, name: z.name, address: z.address, url: `https://${z.name}:${ports.backend}` })),
    ),
    ...(backend.kind === 'orthanc' ? { orthanc: `http://127.0.0.1:${ports.orthanc}` } : {}),
    privateLinkServiceId: plsId,
    caFile: layout.files.ca,
    dataDir,
  };
  writeSystemFile(file);
  supervisor.onRestart = () => writeSystemFile({ ...file, pids: supervisor.pids() });
  process.stdout.write(
    `ready functions=${file.functions} admin-api=${file.adminApi} console=${file.console} proxy=${file.proxy} proxy-admin=${file.proxyAdmin} backend=${backend.kind}@${first.zones[0]!.address}:${ports.backend} dns=${file.dns} data=${dataDir}\n`,
  );
  return finished;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`npm start: ${err instanceof SystemStartError ? err.message : (err as Error).stack}\n`);
    process.exit(1);
  },
);
