// WorkspaceStore on @azure/cosmos: one document per workspace (id = name, pk = name) and one per
// flip state (id = `flip:<name>`), conditional on `_etag`; the store bumps the generation.
import type { Container } from '@azure/cosmos';
import type { FlipState } from '../domain/flip';
import type { Workspace } from '../domain/workspace';
import { notFound } from '../ports/errors';
import type { Page, PageRequest } from '../ports/paging';
import type { WorkspaceStore } from '../ports/workspace-store';
import type { DeleteCondition, Versioned, WriteCondition } from '../ports/versioned';
import { deleteDoc, ensureContainer, openContainer, readDoc, writeDoc, type CosmosContainerOptions, type CosmosDoc } from './cosmos-documents';
import { call } from './errors';

interface WorkspaceDoc extends CosmosDoc {
  kind: 'workspace';
  workspace: Workspace;
}

interface FlipDoc extends CosmosDoc {
  kind: 'flip';
  flip: FlipState;
}

const pk = (name: string) => name.toLowerCase();

export class CosmosWorkspaceStore implements WorkspaceStore {
  readonly #container: Container;

  constructor(private readonly options: CosmosContainerOptions) {
    this.#container = openContainer(options);
  }

  ensureContainer(): Promise<void> {
    return ensureContainer(this.#container, this.options);
  }

  async get(name: string): Promise<Versioned<Workspace> | undefined> {
    const doc = await readDoc<WorkspaceDoc>(this.#container, pk(name), pk(name), 'workspaceStore.get');
    return doc && { value: doc.workspace, etag: doc._etag! };
  }

  async list(request: PageRequest = {}): Promise<Page<Versioned<Workspace>>> {
    return call('workspaceStore.list', async () => {
      const iterator = this.#container.items.query<WorkspaceDoc>("SELECT * FROM c WHERE c.kind = 'workspace' ORDER BY c.id", {
        maxItemCount: request.maxPageSize ?? 100,
        ...(request.continuationToken ? { continuationToken: request.continuationToken } : {}),
      });
      const page = await iterator.fetchNext();
      const items = page.resources.map((d) => ({ value: d.workspace, etag: d._etag! }));
      return page.continuationToken ? { items, continuationToken: page.continuationToken } : { items };
    });
  }

  async put(workspace: Workspace, condition: WriteCondition = {}): Promise<Versioned<Workspace>> {
    const current = await this.get(workspace.name);
    const value = { ...workspace, generation: (current?.value.generation ?? 0) + 1 };
    const doc: WorkspaceDoc = { id: pk(workspace.name), pk: pk(workspace.name), kind: 'workspace', workspace: value };
    const written = await writeDoc(this.#container, doc, condition, 'workspaceStore.put', `workspace '${workspace.name}'`);
    return { value, etag: written._etag! };
  }

  async delete(name: string, condition: DeleteCondition = {}): Promise<void> {
    const current = await readDoc<WorkspaceDoc>(this.#container, pk(name), pk(name), 'workspaceStore.delete');
    if (!current) {
      if (condition.ifMatch !== undefined) throw notFound(`workspaceStore.delete: workspace '${name}' does not exist`);
      return;
    }
    await deleteDoc(this.#container, pk(name), pk(name), condition.ifMatch, 'workspaceStore.delete');
    const flip = await readDoc<FlipDoc>(this.#container, `flip:${pk(name)}`, pk(name), 'workspaceStore.delete');
    if (flip) await deleteDoc(this.#container, flip.id, flip.pk, undefined, 'workspaceStore.delete');
  }

  async getFlip(name: string): Promise<Versioned<FlipState> | undefined> {
    const doc = await readDoc<FlipDoc>(this.#container, `flip:${pk(name)}`, pk(name), 'workspaceStore.getFlip');
    return doc && { value: doc.flip, etag: doc._etag! };
  }

  async putFlip(state: FlipState, condition: WriteCondition = {}): Promise<Versioned<FlipState>> {
    const doc: FlipDoc = { id: `flip:${pk(state.workspace)}`, pk: pk(state.workspace), kind: 'flip', flip: state };
    const written = await writeDoc(this.#container, doc, condition, 'workspaceStore.putFlip', `flip state of '${state.workspace}'`);
    return { value: state, etag: written._etag! };
  }
}
