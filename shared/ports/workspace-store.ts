import type { FlipState } from '../domain/flip';
import type { Workspace } from '../domain/workspace';
import type { Page, PageRequest } from './paging';
import type { DeleteCondition, Versioned, WriteCondition } from './versioned';

/**
 * Workspaces as the admin API defines them, and each workspace's flip state. Every accepted change
 * bumps the workspace generation; writes are conditional so two admins cannot silently overwrite each other.
 * Errors: PortError only.
 */
export interface WorkspaceStore {
  get(name: string): Promise<Versioned<Workspace> | undefined>;
  list(request?: PageRequest): Promise<Page<Versioned<Workspace>>>;
  put(workspace: Workspace, condition?: WriteCondition): Promise<Versioned<Workspace>>;
  delete(name: string, condition?: DeleteCondition): Promise<void>;
  getFlip(name: string): Promise<Versioned<FlipState> | undefined>;
  /** Written by the workspace's orchestration only (one writer), guarded by the etag it read. */
  putFlip(state: FlipState, condition?: WriteCondition): Promise<Versioned<FlipState>>;
}
