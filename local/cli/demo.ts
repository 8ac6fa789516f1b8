// `dpl demo`: a narrated walk through the main journey on the running system. Every control-plane
// step is the `dpl` command a user would type (shown, then run as its own process); the customer's
// traffic goes through an in-process tunnel to the proxy; each step ends with a check, and the demo
// stops at the first that fails (exit 1).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as dnsPromises } from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { readSystemFile, type SystemFile } from '../system/system-file';
import { makeDicomInstance, multipartRelated } from './dicom-instance';
import { CliError, EXIT, str, type Command, type Values } from './framework';
import { dataDirOf } from './connection';
import { startTunnel, type Tunnel } from './tunnel';

const BIN = path.resolve(__dirname, '../../../bin/dpl.js');

class Narrator {
  #checks = 0;
  constructor(private readonly write: (s: string) => void) {}
  step(n: number, title: string): void {
    this.write(`\n${n}. ${title}\n`);
  }
  say(line: string): void {
    this.write(`   ${line}\n`);
  }
  check(ok: boolean, what: string, detail = ''): void {
    if (!ok) throw new CliError(`check failed: ${what}${detail ? ` (${detail})` : ''}`, EXIT.failed);
    this.#checks++;
    this.write(`   ✓ ${what}\n`);
  }
  get checks(): number {
    return this.#checks;
  }
}

/** Runs `dpl <args>` as a user would, echoing the command line, and returns its stdout. */
function dpl(n: Narrator, dataDir: string, args: string[], options: { quiet?: boolean } = {}): Promise<string> {
  n.say(`$ dpl ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!options.quiet) for (const line of stdout.trimEnd().split('\n').filter(Boolean).slice(0, 12)) n.say(`  ${line}`);
      if (code === 0) resolve(stdout);
      else reject(new CliError(`'dpl ${args.join(' ')}' exited ${code}: ${stderr.trim() || stdout.trim()}`, EXIT.failed));
    });
  });
}

async function poll<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new CliError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`, EXIT.failed);
    await new Promise((r) => setTimeout(r, 300));
  }
}

interface PrivateAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  thumbprint: string;
}

/** One HTTPS request to the workspace's private name, connected through the tunnel. */
function privateRequest(system: SystemFile, tunnel: Tunnel, host: string, p: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<PrivateAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: tunnel.address.host,
        port: tunnel.address.port,
        servername: host,
        ca: fs.readFileSync(system.caFile),
        method: init.method ?? 'GET',
        path: p,
        headers: { host, ...init.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const raw = (res.socket as tls.TLSSocket).getPeerCertificate()?.raw;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), thumbprint: raw ? createHash('sha1').update(raw).digest('hex').toUpperCase() : '' }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

async function runDemo(values: Values, write: (s: string) => void): Promise<number> {
  const dataDir = dataDirOf(values);
  const system = readSystemFile(dataDir);
  if (!system) throw new CliError(`no running system found in ${dataDir} (no system.json)`, EXIT.unreachable, ['start it first: npm start (or pass --data-dir)']);
  const n = new Narrator(write);
  const ws = str(values, 'workspace') ?? `demo-${randomBytes(2).toString('hex')}`;
  const host = `${ws}-dicom.privatelink.dicom.localtest`;
  const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([system.dns]);
  write(`dicom-privatelink demo on ${system.functions} (backend: ${system.backend}); workspace '${ws}'\n`);

  n.step(1, 'An operator creates a workspace with one DICOM service, reachable publicly for now');
  await dpl(n, dataDir, ['workspace', 'put', ws, '--region', 'local', '--cluster', 'local-1', '--service', 'dicom', '--public-network-access', 'Enabled']);
  const created = JSON.parse(await dpl(n, dataDir, ['workspace', 'get', ws, '--json'], { quiet: true })) as { state?: string };
  n.check(created.state !== undefined, `the control plane knows '${ws}' (state ${created.state})`);

  n.step(2, 'The customer creates a private endpoint to the service (Azure hands the proxy its LinkID)');
  const pe = JSON.parse(await dpl(n, dataDir, ['dev', 'private-endpoint', 'create', '--workspace', ws, '--json'], { quiet: true })) as { name: string; linkId: number; state: string };
  n.say(`  connection ${pe.name}, LinkID ${pe.linkId}, ${pe.state}`);
  const tunnel = await startTunnel({ linkId: pe.linkId, listen: { host: '127.0.0.1', port: 0 }, proxy: { host: system.proxy.split(':')[0]!, port: Number(system.proxy.split(':')[1]) } });
  try {
    n.say(`the customer's private endpoint, played by a tunnel: ${tunnel.address.host}:${tunnel.address.port} → proxy ${system.proxy} (PROXY v2, LinkID ${pe.linkId})`);
    const before = await privateRequest(system, tunnel, host, '/dicom-web/studies');
    n.check(before.status === 403, 'before approval the proxy refuses the connection (403)', `got ${before.status}`);

    n.step(3, 'The operator approves the connection; the control plane converges (routes, DNS, Traffic Manager)');
    await poll('the control plane to see the connection', 30_000, async () => {
      const list = JSON.parse(await dpl(n, dataDir, ['connections', ws, '--json'], { quiet: true })) as { value: Array<{ name: string }> };
      return list.value.some((c) => c.name === pe.name) || undefined;
    });
    await dpl(n, dataDir, ['approve', ws, pe.name]);
    await poll('the workspace to be Ready', 90_000, async () => {
      const w = JSON.parse(await dpl(n, dataDir, ['workspace', 'get', ws, '--json'], { quiet: true })) as { state?: string };
      return w.state === 'Ready' || undefined;
    });
    n.check(true, `'${ws}' is Ready`);

    n.step(4, 'Names resolve as the customer and the proxy see them');
    const name = `${ws}-dicom.privatelink.local.dicom.localtest`;
    const chain = await resolver.resolveCname(name);
    n.say(`${name} → ${chain.join(', ')}`);
    n.check(chain.length === 1, `the workspace's name is a CNAME to a Traffic Manager profile (${chain[0]})`);
    const backend = `${ws}.privatelink.local.dicom.localtest`;
    const ingress = await resolver.resolve4(backend);
    n.say(`${backend} (the proxy's backend name) → ${ingress.join(', ')}`);
    n.check(ingress.length > 0, 'the proxy resolves the workspace to its cluster ingress');

    n.step(5, 'A DICOM instance goes through the private endpoint: STOW-RS, QIDO-RS, WADO-RS');
    const ok = await poll('the route to reach the proxy', 20_000, async () => {
      const r = await privateRequest(system, tunnel, host, '/dicom-web/studies');
      return r.status === 200 ? r : undefined;
    });
    n.say(`GET https://${host}/dicom-web/studies → ${ok.status} (served by ingress ${String(ok.headers['x-dpl-ingress'] ?? '?')})`);
    if (system.backend === 'orthanc') {
      const instance = makeDicomInstance();
      const { body, contentType } = multipartRelated([instance.bytes]);
      const stow = await privateRequest(system, tunnel, host, '/dicom-web/studies', { method: 'POST', headers: { 'content-type': contentType, accept: 'application/dicom+json' }, body });
      n.check(stow.status === 200, `STOW-RS stored instance ${instance.sop.slice(0, 24)}…`, `got ${stow.status}`);
      const qido = await privateRequest(system, tunnel, host, `/dicom-web/studies?StudyInstanceUID=${instance.study}`, { headers: { accept: 'application/dicom+json' } });
      n.check(qido.status === 200 && (JSON.parse(qido.body.toString()) as unknown[]).length === 1, 'QIDO-RS finds its study');
      const wado = await privateRequest(system, tunnel, host, `/dicom-web/studies/${instance.study}/series/${instance.series}/instances/${instance.sop}`, {
        headers: { accept: 'multipart/related; type="application/dicom"' },
      });
      n.check(wado.status === 200 && wado.body.includes(Buffer.from(instance.bytes)), 'WADO-RS returns it byte for byte');
    } else {
      n.check(ok.status === 200, 'the built-in backend answered through the proxy (install orthanc for DICOMweb)');
    }

    n.step(6, 'The operator flips the workspace to private-only');
    await dpl(n, dataDir, ['workspace', 'put', ws, '--public-network-access', 'Disabled']);
    const flipped = await poll('the flip to settle', 90_000, async () => {
      const w = JSON.parse(await dpl(n, dataDir, ['workspace', 'get', ws, '--json'], { quiet: true })) as { state?: string; flip?: { stage: string; target: { public: boolean } } };
      return w.state === 'Ready' && w.flip?.stage === 'settled' && !w.flip.target.public ? w : undefined;
    });
    n.check(flipped.flip?.target.public === false, 'the flip settled: public off, private on');
    const after = await resolver.resolveCname(name);
    n.check(/private/.test(after[0] ?? ''), `${name} now leads to the private profile (${after[0]})`);
    n.check((await privateRequest(system, tunnel, host, '/dicom-web/studies')).status === 200, 'the private path still serves');

    n.step(7, "The proxy's certificate is rotated; new handshakes see the new version, with no failed request");
    const old = (await privateRequest(system, tunnel, host, '/dicom-web/studies')).thumbprint;
    await dpl(n, dataDir, ['rotate', 'private-tls']);
    const fresh = await poll('a handshake with the new certificate', 30_000, async () => {
      const r = await privateRequest(system, tunnel, host, '/dicom-web/studies');
      return r.status === 200 && r.thumbprint !== old ? r.thumbprint : undefined;
    });
    n.check(fresh !== old, `served certificate ${old.slice(0, 8)}… → ${fresh.slice(0, 8)}…`);
  } finally {
    await tunnel.close();
  }
  write(`\nDemo finished: ${n.checks} checks passed. The workspace '${ws}' stays; see it with 'dpl workspace get ${ws}', remove it with 'dpl workspace delete ${ws}'.\n`);
  return EXIT.ok;
}

export const demoCommand: Command = {
  path: ['demo'],
  summary: 'a narrated walk through the main journey on the running system',
  description:
    'Creates a workspace, plays the customer creating a private endpoint, approves it, resolves the names,\nsends a DICOM instance through the private path (STOW-RS, QIDO-RS, WADO-RS), flips the workspace to\nprivate-only and rotates the proxy\'s certificate — showing each dpl command it runs and checking each\nresult. Needs a running system (npm start). Exits 1 at the first failed check.',
  options: [
    [
      'Options',
      {
        workspace: { type: 'string', value: '<name>', help: 'the workspace to create (default: demo-<random>)' },
        'data-dir': { type: 'string', value: '<dir>', help: "the running system's state (DATA_DIR; default .data)" },
      },
    ],
  ],
  examples: ['dpl demo', 'dpl demo --workspace cardio'],
  run: ({ values }) => runDemo(values, (s) => process.stdout.write(s)),
};
