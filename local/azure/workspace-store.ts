// Workspaces and their flip state on SQLite: the same port the control plane uses on Cosmos DB.
import type { FlipState } from '../../shared/domain/flip';
import type { Workspace } from '../../shared/domain/workspace';
import { notFound } from '../../shared/ports/errors';
import type { Page, PageRequest } from '../../shared/ports/paging';
import type { WorkspaceStore } from '../../shared/ports/workspace-store';
import type { DeleteCondition, Versioned, WriteCondition } from '../../shared/ports/versioned';
import type { DocStore } from './doc-store';

const WORKSPACE = 'workspace';
const FLIP = 'workspace.flip';
const key = (name: string) => name.toLowerCase();

export class SqliteWorkspaceStore implements WorkspaceStore {
  constructor(private readonly store: DocStore) {}

  async get(name: string): Promise<Versioned<Workspace> | undefined> {
    const doc = this.store.get<Workspace>(WORKSPACE, key(name));
    return doc && { value: doc.value, etag: doc.etag };
  }

  async list(request: PageRequest = {}): Promise<Page<Versioned<Workspace>>> {
    const size = Math.max(1, Math.min(request.maxPageSize ?? 100, 1000));
    const docs = this.store.list<Workspace>(WORKSPACE, { afterKey: request.continuationToken, limit: size + 1 });
    const items = docs.slice(0, size).map((d) => ({ value: d.value, etag: d.etag }));
    return docs.length > size ? { items, continuationToken: docs[size - 1]!.key } : { items };
  }

  async put(workspace: Workspace, condition: WriteCondition = {}): Promise<Versioned<Workspace>> {
    // The store owns the generation: every accepted write bumps it past what is stored.
    const current = this.store.get<Workspace>(WORKSPACE, key(workspace.name));
    const value = { ...workspace, generation: (current?.value.generation ?? 0) + 1 };
    const doc = this.store.put(WORKSPACE, key(workspace.name), value, condition);
    return { value: doc.value, etag: doc.etag };
  }

  async delete(name: string, condition: DeleteCondition = {}): Promise<void> {
    const removed = this.store.delete(WORKSPACE, key(name), condition);
    if (!removed && condition.ifMatch !== undefined) throw notFound(`workspace '${name}' does not exist`);
    this.store.delete(FLIP, key(name));
  }

  async getFlip(name: string): Promise<Versioned<FlipState> | undefined> {
    const doc = this.store.get<FlipState>(FLIP, key(name));
    return doc && { value: doc.value, etag: doc.etag };
  }

  async putFlip(state: FlipState, condition: WriteCondition = {}): Promise<Versioned<FlipState>> {
    const doc = this.store.put(FLIP, key(state.workspace), state, condition);
    return { value: doc.value, etag: doc.etag };
  }
}
