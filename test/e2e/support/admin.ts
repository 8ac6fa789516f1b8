// The admin API of a running system, with a token minted from its DATA_DIR (as `dpl token` does).
import { mintLocalToken } from '../../../local/admin-token';
import { waitFor } from '../../support/wait';
import type { RunningSystem } from './system';

export interface WorkspaceView {
  state: string;
  reasons?: string[];
  generation: number;
  flip?: { stage: string; target: { public: boolean; private: boolean } };
  conditions: Array<{ type: string; status: boolean }>;
}

export async function adminApi(system: RunningSystem) {
  const token = await mintLocalToken(system.dataDir, ['PrivateLink.Admin'], 'e2e', 3600);
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${system.file.adminApi}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  return {
    call,
    async putWorkspace(name: string, body: Record<string, unknown>): Promise<void> {
      const r = await call('PUT', `/workspaces/${name}`, { region: 'local', cluster: 'local-1', services: [{ name: 'dicom' }], ...body });
      if (r.status !== 200 && r.status !== 201) throw new Error(`PUT ${name}: ${r.status} ${JSON.stringify(r.json)}`);
    },
    async workspace(name: string): Promise<WorkspaceView> {
      return (await call('GET', `/workspaces/${name}`)).json as WorkspaceView;
    },
    /** Waits until the workspace reports Ready at (at least) the given generation. */
    async ready(name: string, what: string, timeoutMs = 60_000): Promise<WorkspaceView> {
      return waitFor(async () => {
        const w = (await call('GET', `/workspaces/${name}`)).json as WorkspaceView;
        return w.state === 'Ready' && w.flip?.stage === 'settled' ? w : undefined;
      }, { timeoutMs, intervalMs: 250, what });
    },
  };
}
