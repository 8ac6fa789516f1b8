// The operator's commands: each is one or a few admin API calls, a human view of the answer, and,
// for anything that starts an orchestration, a wait until it finishes.
import fs from 'node:fs';
import { WorkspaceNameSchema } from '../../shared/domain/workspace';
import { connect as connectApi, CONNECTION_OPTIONS, type ApiClient, type Role } from './connection';
import { CliError, EXIT, flag, list, str, usageError, type Command, type Options, type Values } from './framework';
import { err, fields, out, printJson, table, when } from './format';
import { describe, failureLines, succeeded, waitForOperation, type OperationStatus } from './wait';

const JSON_OPTION: Options = { json: { type: 'boolean', help: "print the API's JSON instead of a table" } };

const WAIT_OPTIONS: Options = {
  'no-wait': { type: 'boolean', help: 'return at once, printing the operation id' },
  timeout: { type: 'string', value: '<seconds>', help: 'give up waiting after this long (default 300; exit 1)' },
  json: { type: 'boolean', help: 'print the final operation status (with --no-wait: the id and the API response) as JSON' },
};

const DEFAULT_TIMEOUT_S = 300;
const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

// ---- validation of what goes into URLs

function workspaceArg(name: string | undefined): string {
  const parsed = WorkspaceNameSchema.safeParse(name);
  if (!parsed.success) throw usageError(`'${name}' is not a workspace name: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function connectionArg(name: string | undefined): string {
  if (!name || !/^[\w.-]{1,200}$/.test(name)) throw usageError(`'${name}' is not a connection name (as \`dpl connections\` lists them)`);
  return name;
}

function certificateArg(name: string | undefined): string {
  if (!name || !/^[0-9A-Za-z-]{1,127}$/.test(name)) throw usageError(`'${name}' is not a certificate name (letters, digits and hyphens)`);
  return name;
}

function timeoutOf(values: Values): number {
  const text = str(values, 'timeout');
  if (text === undefined) return DEFAULT_TIMEOUT_S;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n <= 0 || n > 86_400) throw usageError(`--timeout must be a number of seconds between 0 and 86400, got '${text}'`);
  return n;
}

/** Checks the whole command line before the first request, so a typo never leaves a half-done change. */
function connect(values: Values, role: Role): Promise<ApiClient> {
  if (values.timeout !== undefined) timeoutOf(values);
  return connectApi(values, role);
}

// ---- long operations

interface Started {
  /** The orchestration instance to follow. */
  id: string;
  /** Names it in the progress line. */
  label: string;
  /** What the request did, for the human. */
  intro: string;
  /** The API's answer to the request (null when it had no body). */
  response: unknown;
}

/** Status URLs carry a host key in `code=`; a key is a credential, so it is never printed. */
const redactKeys = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null).replace(/([?&]code=)[^&"\\]+/g, '$1***'));

async function follow(api: ApiClient, values: Values, started: Started): Promise<number> {
  const json = flag(values, 'json');
  if (flag(values, 'no-wait')) {
    if (json) printJson({ id: started.id, response: redactKeys(started.response) });
    else {
      err(started.intro);
      out(started.id);
    }
    return EXIT.ok;
  }
  const timeoutSeconds = timeoutOf(values);
  if (!json) out(started.intro);
  const final = await waitForOperation(api, started.id, { timeoutSeconds, label: started.label });
  if (json) printJson(final);
  else out(`${started.label}: ${describe(final)}`);
  if (succeeded(final)) return EXIT.ok;
  err(`dpl: ${started.label} did not succeed (${final.runtimeStatus}${final.customStatus?.stage ? `, ${String(final.customStatus.stage)}` : ''})`);
  for (const line of failureLines(final)) err(line);
  return EXIT.failed;
}

const accepted = (res: { json: unknown }) => res.json as { id: string; operation?: string };

// ---- reading helpers

interface WorkspaceDoc {
  name: string;
  region: string;
  cluster: string;
  services: Array<{ name: string }>;
  publicNetworkAccess: string;
  policy: string;
  approval?: { autoApproveSubscriptions?: string[]; rejectSubscriptions?: string[] };
  generation: number;
  etag?: string;
}

interface Condition {
  type: string;
  status: boolean;
  reason?: string;
  count?: number;
}

interface WorkspaceView {
  workspace: WorkspaceDoc;
  generation: number;
  conditions: Condition[];
  lastPlan: { summary?: Record<string, number> } | null;
  lastError: { key?: string; kind?: string; error?: string } | null;
  nextRenewal: string | null;
  flip: { stage: string; generation: number; target: { public: boolean; private: boolean } } | null;
  reconcile: OperationStatus | null;
}

/** GET /api/fleet: every workspace with its state and conditions, and the counts by state. */
interface FleetView {
  counts: Record<string, number>;
  value: Array<{ name: string; state: string; conditions: Condition[] }>;
}

interface CertificateDoc {
  name: string;
  purpose: string;
  versions: Array<{ version: string; notBefore: number; notAfter: number; thumbprint: string }>;
  renewal: { status: string; version?: string; notAfter?: number; schedule?: { at: number; reason: string } };
}

const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (e) {
    if (e instanceof CliError && e.exitCode === EXIT.notFound) return null;
    throw e;
  }
};

const paths = (p: { public: boolean; private: boolean }) => [p.public ? 'public' : '', p.private ? 'private' : ''].filter(Boolean).join('+') || 'none';

const planSummary = (s: Record<string, number> | undefined) => (s ? `${s.create ?? 0} create, ${s.update ?? 0} update, ${s.delete ?? 0} delete, ${s.skipped ?? 0} skipped` : null);

// ---- workspace bodies

const PNA: Record<string, string> = { enabled: 'Enabled', disabled: 'Disabled' };

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw usageError(`cannot read ${file === '-' ? 'stdin' : file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw usageError(`${file === '-' ? 'stdin' : file} is not JSON: ${(e as Error).message}`);
  }
}

/** A body from --file: a workspace, or what `workspace get --json` prints (its `workspace` field). */
function bodyFromFile(file: string, name: string): Record<string, unknown> {
  const doc = readJsonFile(file);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw usageError(`${file} must hold a JSON object`);
  const inner = (doc as { workspace?: unknown }).workspace;
  const body = { ...(inner && typeof inner === 'object' && !('region' in doc) ? inner : doc) } as Record<string, unknown>;
  if (typeof body.name === 'string' && body.name.toLowerCase() !== name) throw usageError(`${file} describes workspace '${body.name}', not '${name}'`);
  delete body.name;
  delete body.generation;
  delete body.etag;
  return body;
}

const PUT_FLAGS = ['region', 'cluster', 'service', 'public-network-access', 'policy', 'auto-approve', 'reject-subscription'];

function applyFlags(body: Record<string, unknown>, values: Values): Record<string, unknown> {
  const next = { ...body };
  const region = str(values, 'region');
  const cluster = str(values, 'cluster');
  if (region !== undefined) next.region = region;
  if (cluster !== undefined) next.cluster = cluster;
  if (values.service !== undefined) next.services = list(values, 'service').map((s) => ({ name: s }));
  const pna = str(values, 'public-network-access');
  if (pna !== undefined) {
    const v = PNA[pna.toLowerCase()];
    if (!v) throw usageError(`--public-network-access must be Enabled or Disabled, got '${pna}'`);
    next.publicNetworkAccess = v;
  }
  const policy = str(values, 'policy');
  if (policy !== undefined) next.policy = policy;
  if (values['auto-approve'] !== undefined || values['reject-subscription'] !== undefined) {
    const approval = { ...((next.approval as Record<string, unknown> | undefined) ?? {}) };
    if (values['auto-approve'] !== undefined) approval.autoApproveSubscriptions = list(values, 'auto-approve');
    if (values['reject-subscription'] !== undefined) approval.rejectSubscriptions = list(values, 'reject-subscription');
    next.approval = approval;
  }
  return next;
}

/**
 * Connections are named `<endpoint>.<guid>`; the endpoint's name alone is accepted when it names
 * exactly one connection of the workspace. Anything else goes to the API as given (which answers 404).
 */
async function resolveConnection(api: ApiClient, workspace: string, given: string): Promise<string> {
  const all = (await api.getJson<{ value: Array<{ name: string }> }>(`/workspaces/${workspace}/connections`)).value.map((c) => c.name);
  if (all.includes(given)) return given;
  const matches = all.filter((n) => n.toLowerCase().replace(/\.[0-9a-f-]{36}$/, '') === given.toLowerCase());
  if (matches.length > 1) throw usageError(`'${given}' names ${matches.length} connections of ${workspace}; give the full name:`, matches.map((m) => `  ${m}`));
  return matches[0] ?? given;
}

const quoteEtag = (e: string) => (e.startsWith('"') || e.startsWith('W/') ? e : `"${e}"`);

// ---- the commands

export const operatorCommands: Command[] = [
  {
    path: ['status'],
    summary: 'health, workspaces by state and condition, running operations',
    description:
      'Checks that the control plane answers, counts the workspaces by state and by condition (one read\nof the fleet view) and lists the orchestrations that are running or pending. --json prints one\ndocument composed from those calls.',
    options: [
      ['Output', JSON_OPTION],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl status', 'dpl status --json | jq .workspaces'],
    run: async ({ values }) => {
      const api = await connect(values, 'reader');
      const health = (await api.request('GET', '/healthz')).json ?? null;
      // One fleet read and one operations query, whatever the fleet's size.
      const fleet = await api.getJson<FleetView>('/fleet');
      const certificates = (await api.getJson<{ value: CertificateDoc[] }>('/certificates')).value;
      const operations = (await api.getJson<{ value: OperationStatus[] }>(`/operations?status=${[...RUNNING].join(',')}`)).value;
      const conditions: Record<string, { true: number; false: number }> = {};
      for (const w of fleet.value) {
        for (const c of w.conditions) {
          const slot = (conditions[c.type] ??= { true: 0, false: 0 });
          slot[c.status ? 'true' : 'false']++;
        }
      }
      if (flag(values, 'json')) {
        printJson({ api: api.target.api, health, workspaces: { total: fleet.value.length, states: fleet.counts, conditions }, certificates: certificates.length, operations });
        return EXIT.ok;
      }
      const states = Object.entries(fleet.counts)
        .filter(([, n]) => n > 0)
        .map(([state, n]) => `${n} ${state}`)
        .join(', ');
      out(
        fields([
          ['control plane', `${api.target.api} (${(health as { status?: string } | null)?.status ?? 'answering'})`],
          ['workspaces', `${fleet.value.length}${states ? ` (${states})` : ''}`],
          ['certificates', certificates.length],
        ]),
      );
      if (fleet.value.length) out('\n' + table(['CONDITION', 'TRUE', 'FALSE'], Object.entries(conditions).map(([type, n]) => [type, n.true, n.false])));
      out(
        operations.length
          ? '\n' + table(['OPERATION', 'STATUS', 'STAGE', 'UPDATED'], operations.map((o) => [o.instanceId, o.runtimeStatus, String(o.customStatus?.stage ?? ''), when(o.lastUpdatedTime)]))
          : '\nno operations running',
      );
      return EXIT.ok;
    },
  },
  {
    path: ['workspaces'],
    summary: 'list the workspaces',
    options: [
      ['Output', JSON_OPTION],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl workspaces', "dpl workspaces --json | jq -r '.value[].name'"],
    run: async ({ values }) => {
      const api = await connect(values, 'reader');
      const body = await api.getJson<{ value: WorkspaceDoc[] }>('/workspaces');
      if (flag(values, 'json')) printJson(body);
      else if (body.value.length === 0) out('no workspaces');
      else
        out(
          table(
            ['NAME', 'REGION', 'CLUSTER', 'PUBLIC', 'POLICY', 'SERVICES', 'GENERATION'],
            body.value.map((w) => [w.name, w.region, w.cluster, w.publicNetworkAccess, w.policy, w.services.map((s) => s.name).join(','), w.generation]),
          ),
        );
      return EXIT.ok;
    },
  },
  {
    path: ['workspace', 'get'],
    summary: 'a workspace: settings, conditions, last plan and error, flip state',
    args: [{ name: 'name' }],
    options: [
      ['Output', JSON_OPTION],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl workspace get cardio', 'dpl workspace get cardio --json | jq .conditions'],
    run: async ({ args, values }) => {
      const name = workspaceArg(args.name);
      const api = await connect(values, 'reader');
      const res = await api.request('GET', `/workspaces/${name}`);
      const v = res.json as WorkspaceView;
      if (flag(values, 'json')) {
        printJson(v);
        return EXIT.ok;
      }
      const w = v.workspace;
      out(
        fields([
          ['workspace', w.name],
          ['region', w.region],
          ['cluster', w.cluster],
          ['services', w.services.map((s) => s.name).join(', ')],
          ['public access', w.publicNetworkAccess],
          ['policy', w.policy],
          ['auto-approve', (w.approval?.autoApproveSubscriptions ?? []).join(', ')],
          ['reject', (w.approval?.rejectSubscriptions ?? []).join(', ')],
          ['generation', v.generation],
          ['etag', res.headers.get('etag')],
          ['reconcile', v.reconcile ? `${v.reconcile.instanceId} ${describe(v.reconcile)} (${when(v.reconcile.lastUpdatedTime)})` : 'never'],
          ['last plan', planSummary(v.lastPlan?.summary)],
          ['last error', v.lastError ? `${v.lastError.kind ?? ''} ${v.lastError.key ?? ''}: ${v.lastError.error ?? ''}` : null],
          ['flip', v.flip ? `${v.flip.stage} towards ${paths(v.flip.target)} (generation ${v.flip.generation})` : null],
          ['next renewal', when(v.nextRenewal)],
        ]),
      );
      out('\n' + table(['CONDITION', 'STATUS', 'DETAIL'], v.conditions.map((c) => [c.type, c.status ? 'True' : 'False', c.reason ?? (c.count !== undefined ? `${c.count} in the last plan` : '')])));
      return EXIT.ok;
    },
  },
  {
    path: ['workspace', 'put'],
    summary: 'create or replace a workspace, then wait for it to reconcile',
    description:
      'Creates or replaces a workspace. With --file the file (or stdin, "-") is the whole workspace and\nthe flags override its fields. Without --file the flags change the current workspace (read first,\nwritten back with its ETag, so a concurrent change is refused rather than lost) or, for a new one,\nare the whole workspace (then --region and --cluster are required by the API).',
    args: [{ name: 'name' }],
    options: [
      [
        'Workspace',
        {
          file: { type: 'string', short: 'f', value: '<json|->', help: 'the workspace as JSON (- reads stdin)' },
          region: { type: 'string', value: '<region>', help: 'region whose zones and Private Link Services serve it' },
          cluster: { type: 'string', value: '<cluster>', help: 'cluster (ingress pair) in that region' },
          service: { type: 'string', multiple: true, value: '<name>', help: 'a DICOM service (repeat for several; replaces the list)' },
          'public-network-access': { type: 'string', value: '<Enabled|Disabled>', help: 'whether the public path stays open' },
          policy: { type: 'string', value: '<policy>', help: 'sync, upsert-only, create-only or observe' },
          'auto-approve': { type: 'string', multiple: true, value: '<subscription>', help: 'approve this subscription\'s connections on sight (repeatable)' },
          'reject-subscription': { type: 'string', multiple: true, value: '<subscription>', help: 'reject this subscription\'s connections (repeatable)' },
          'if-match': { type: 'string', value: '<etag>', help: 'only if the workspace still has this ETag (else exit 6)' },
        },
      ],
      ['Waiting', WAIT_OPTIONS],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: [
      'dpl workspace put cardio --region local --cluster local-1 --service dicom',
      'dpl workspace put cardio --public-network-access Disabled',
      'dpl workspace put cardio --file cardio.json --if-match \'"3f2a…"\'',
      'dpl workspace get cardio --json | jq \'.workspace.policy="observe"\' | dpl workspace put cardio -f -',
    ],
    run: async ({ args, values }) => {
      const name = workspaceArg(args.name);
      const file = str(values, 'file');
      const flagged = PUT_FLAGS.some((f) => values[f] !== undefined);
      if (!file && !flagged) throw usageError('dpl workspace put: nothing to put: pass --file or at least one of the workspace flags', ["Run 'dpl workspace put --help' for them."]);
      const api = await connect(values, 'admin');
      let ifMatch = str(values, 'if-match');
      let base: Record<string, unknown> = {};
      if (file) base = bodyFromFile(file, name);
      else {
        const current = await orNull(api.request('GET', `/workspaces/${name}`));
        if (current) {
          base = { ...(current.json as WorkspaceView).workspace } as unknown as Record<string, unknown>;
          delete base.name;
          delete base.generation;
          ifMatch ??= current.headers.get('etag') ?? undefined;
        }
      }
      const body = applyFlags(base, values);
      const res = await api.request('PUT', `/workspaces/${name}`, { body, headers: ifMatch ? { 'if-match': quoteEtag(ifMatch) } : {} });
      const written = res.json as WorkspaceDoc;
      return follow(api, values, {
        id: `ws:${name}`,
        label: `reconcile ws:${name}`,
        intro: `workspace ${name} ${res.status === 201 ? 'created' : 'updated'} (generation ${written.generation}, etag ${res.headers.get('etag') ?? '-'})`,
        response: written,
      });
    },
  },
  {
    path: ['workspace', 'delete'],
    summary: 'delete a workspace, then wait while its routes and records are removed',
    args: [{ name: 'name' }],
    options: [
      ['Workspace', { 'if-match': { type: 'string', value: '<etag>', help: 'only if the workspace still has this ETag (else exit 6)' } }],
      ['Waiting', WAIT_OPTIONS],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl workspace delete cardio', 'dpl workspace delete cardio --no-wait'],
    run: async ({ args, values }) => {
      const name = workspaceArg(args.name);
      const api = await connect(values, 'admin');
      const ifMatch = str(values, 'if-match');
      await api.request('DELETE', `/workspaces/${name}`, { headers: ifMatch ? { 'if-match': quoteEtag(ifMatch) } : {} });
      return follow(api, values, { id: `ws:${name}`, label: `reconcile ws:${name}`, intro: `workspace ${name} deleted; removing its routes and records`, response: null });
    },
  },
  {
    path: ['plan'],
    summary: 'dry run: what a reconciliation of the workspace would change now',
    args: [{ name: 'workspace' }],
    options: [
      ['Output', { json: { type: 'boolean', help: "print the API's JSON plan (changes, skipped, notes)" } }],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl plan cardio', 'dpl plan cardio --json | jq .summary'],
    run: async ({ args, values }) => {
      const name = workspaceArg(args.workspace);
      const api = await connect(values, 'reader');
      if (flag(values, 'json')) printJson(await api.getJson(`/workspaces/${name}/plan`));
      else out((await api.request('GET', `/workspaces/${name}/plan?format=text`, { accept: 'text/plain' })).text);
      return EXIT.ok;
    },
  },
  {
    path: ['reconcile'],
    summary: 'reconcile a workspace now and wait for it',
    args: [{ name: 'workspace' }],
    options: [
      ['Waiting', WAIT_OPTIONS],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl reconcile cardio', 'id=$(dpl reconcile cardio --no-wait)'],
    run: async ({ args, values }) => {
      const name = workspaceArg(args.workspace);
      const api = await connect(values, 'admin');
      const res = await api.request('POST', `/workspaces/${name}/reconcile`);
      const { id } = accepted(res);
      return follow(api, values, { id, label: `reconcile ${id}`, intro: `reconciling ${name} as ${id}`, response: res.json });
    },
  },
  {
    path: ['connections'],
    summary: "a workspace's private endpoint connections, and why each is as it is",
    args: [{ name: 'workspace' }],
    options: [
      ['Output', JSON_OPTION],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl connections cardio', "dpl connections cardio --json | jq -r '.value[] | select(.state==\"Pending\") | .name'"],
    run: async ({ args, values }) => {
      const name = workspaceArg(args.workspace);
      const api = await connect(values, 'reader');
      const body = await api.getJson<{ value: Array<{ name: string; state: string; linkId: number; privateIp?: string; requestingSubscription: string; note: string | null; description?: string }> }>(
        `/workspaces/${name}/connections`,
      );
      if (flag(values, 'json')) printJson(body);
      else if (body.value.length === 0) out(`no private endpoint connections for ${name}`);
      else
        out(
          table(
            ['NAME', 'STATE', 'LINKID', 'PRIVATE IP', 'SUBSCRIPTION', 'NOTE'],
            body.value.map((c) => [c.name, c.state, c.linkId, c.privateIp, c.requestingSubscription, c.note ?? c.description]),
          ),
        );
      return EXIT.ok;
    },
  },
  ...(['approve', 'reject'] as const).map(
    (verb): Command => ({
      path: [verb],
      summary: verb === 'approve' ? 'approve a private endpoint connection (a human decision)' : 'reject a private endpoint connection (a human decision)',
      args: [{ name: 'workspace' }, { name: 'connection' }],
      options: [
        [
          'Decision',
          verb === 'approve'
            ? { description: { type: 'string', value: '<text>', help: 'recorded on the connection (at most 140 characters)' } }
            : { reason: { type: 'string', value: '<text>', help: 'why, recorded on the connection (at most 140 characters)' } },
        ],
        ['Waiting', WAIT_OPTIONS],
        ['Connection', CONNECTION_OPTIONS],
      ],
      examples: verb === 'approve' ? ['dpl approve cardio pe-cardio.6f1c…', 'dpl approve cardio pe-cardio.6f1c… --description "ticket 42"'] : ['dpl reject cardio pe-cardio.6f1c… --reason "unknown subscription"'],
      run: async ({ args, values }) => {
        const name = workspaceArg(args.workspace);
        const text = str(values, verb === 'approve' ? 'description' : 'reason');
        const api = await connect(values, 'admin');
        const connection = await resolveConnection(api, name, connectionArg(args.connection));
        const res = await api.request('POST', `/workspaces/${name}/connections/${encodeURIComponent(connection)}/${verb}`, { body: text === undefined ? {} : { description: text } });
        const c = res.json as { state: string; linkId: number };
        return follow(api, values, {
          id: `ws:${name}`,
          label: `reconcile ws:${name}`,
          intro: `connection ${connection} of ${name}: ${c.state} (LinkID ${c.linkId})`,
          response: res.json,
        });
      },
    }),
  ),
  {
    path: ['certificates'],
    summary: 'certificates, their versions and the next renewal',
    options: [
      ['Output', JSON_OPTION],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl certificates'],
    run: async ({ values }) => {
      const api = await connect(values, 'reader');
      const body = await api.getJson<{ value: CertificateDoc[] }>('/certificates');
      if (flag(values, 'json')) printJson(body);
      else if (body.value.length === 0) out('no certificates');
      else
        out(
          table(
            ['NAME', 'PURPOSE', 'VERSIONS', 'CURRENT', 'EXPIRES', 'RENEWAL', 'RENEW AT'],
            body.value.map((c) => {
              const current = c.versions.find((v) => v.version === c.renewal.version);
              return [c.name, c.purpose, c.versions.length, c.renewal.version, when(current?.notAfter ?? c.renewal.notAfter), c.renewal.status, when(c.renewal.schedule?.at)];
            }),
          ),
        );
      return EXIT.ok;
    },
  },
  {
    path: ['rotate'],
    summary: 'renew a certificate now and wait for the rollout to be verified',
    args: [{ name: 'certificate' }],
    options: [
      ['Waiting', WAIT_OPTIONS],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl rotate private-tls'],
    run: async ({ args, values }) => {
      const name = certificateArg(args.certificate);
      const api = await connect(values, 'admin');
      const res = await api.request('POST', `/certificates/${encodeURIComponent(name)}/rotate`);
      const { id } = accepted(res);
      return follow(api, values, { id, label: `rotate ${id}`, intro: `rotating ${name} as ${id}`, response: res.json });
    },
  },
  {
    path: ['sweep'],
    summary: 'reconcile every workspace and what the fleet shares, now',
    options: [
      ['Waiting', WAIT_OPTIONS],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl sweep', 'dpl sweep --timeout 900'],
    run: async ({ values }) => {
      const api = await connect(values, 'admin');
      const res = await api.request('POST', '/sweep');
      const { id } = accepted(res);
      return follow(api, values, { id, label: id === 'sweep' ? 'sweep' : `sweep ${id}`, intro: `sweeping as ${id}`, response: res.json });
    },
  },
  {
    path: ['operation'],
    summary: "an orchestration's status (what --no-wait printed), optionally waiting for it",
    args: [{ name: 'id' }],
    options: [
      [
        'Output',
        {
          wait: { type: 'boolean', help: 'wait until it finishes (exit 1 if it failed)' },
          timeout: WAIT_OPTIONS.timeout as Options[string],
          json: { type: 'boolean', help: "print the API's JSON" },
        },
      ],
      ['Connection', CONNECTION_OPTIONS],
    ],
    examples: ['dpl operation ws:cardio', 'dpl operation cert:private-tls --wait'],
    run: async ({ args, values }) => {
      const id = args.id as string;
      if (!/^[\w:.-]{1,200}$/.test(id)) throw usageError(`'${id}' is not an operation id (e.g. ws:cardio, cert:private-tls, sweep)`);
      const api = await connect(values, 'reader');
      const status = flag(values, 'wait')
        ? await waitForOperation(api, id, { timeoutSeconds: timeoutOf(values), label: id })
        : await api.getJson<OperationStatus>(`/operations/${encodeURIComponent(id)}`);
      if (flag(values, 'json')) printJson(status);
      else {
        out(fields([['operation', status.instanceId], ['status', describe(status)], ['updated', when(status.lastUpdatedTime)]]));
        for (const line of failureLines(status)) out(line);
      }
      return flag(values, 'wait') && !succeeded(status) ? EXIT.failed : EXIT.ok;
    },
  },
];
