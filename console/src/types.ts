// The admin API's answers as the console reads them. Only the fields the console shows; the API's
// own schemas live server-side, and the browser bundle does not import server code.

export interface Condition {
  type: string;
  status: boolean;
  reason?: string;
  count?: number;
}

export type WorkspaceState = 'Ready' | 'Pending' | 'Failed' | 'NotReady';

export interface FleetEntry {
  name: string;
  region: string;
  cluster: string;
  publicNetworkAccess: string;
  policy: string;
  generation: number;
  state: WorkspaceState;
  reasons: string[];
  pendingConnections: number;
  conditions: Condition[];
  lastUpdatedTime: string | null;
}

export interface Fleet {
  counts: Record<WorkspaceState, number>;
  value: FleetEntry[];
  regions: Array<{ name: string; clusters: string[] }>;
}

export interface Paths {
  public: boolean;
  private: boolean;
}

export interface OperationStatus {
  instanceId: string;
  name?: string;
  runtimeStatus: string;
  customStatus: unknown;
  createdTime?: string;
  lastUpdatedTime: string;
  error?: unknown;
}

export interface WorkspaceView {
  workspace: { name: string; region: string; cluster: string; publicNetworkAccess: string; policy: string; services: Array<{ name: string }> };
  generation: number;
  state: WorkspaceState;
  reasons: string[];
  pendingConnections: number;
  conditions: Condition[];
  lastError: { key?: string; kind: string; error: string } | null;
  nextRenewal: string | null;
  flip: { stage: string; generation: number; from: Paths; target: Paths; since?: number; ttlSeconds: number } | null;
  flipNext: { step: string; at: string | null } | null;
  reconcile: OperationStatus | null;
}

export interface Connection {
  id: string;
  name: string;
  state: string;
  linkId: number;
  privateIp?: string;
  requestingSubscription: string;
  description?: string;
  note: string | null;
}

export interface Resources {
  routes: Array<{ privateLinkServiceId: string; linkId: number; hosts: string[]; backend: string; generation: number }>;
  dnsRecords: Array<{ zone: string; name: string; type: string; values: string[]; ttl?: number }>;
  trafficEndpoints: Array<{ profile: string; endpoint: string; target: string; status: string; path: string; fqdn: string; servesWorkspace: boolean }>;
}

export interface PlanChange {
  kind: string;
  action: 'create' | 'update' | 'delete';
  key: string;
  workspace?: string;
  new?: Record<string, unknown>;
  old?: { value: Record<string, unknown>; etag?: string };
}

export interface PlanDocument {
  summary: { create: number; update: number; delete: number; skipped: number };
  changes: PlanChange[];
  skipped: Array<{ change: PlanChange; reason: string; detail: string }>;
  notes: Array<{ connectionId?: string; reason: string; detail?: string }>;
}

export interface CertificateVersion {
  version: string;
  notBefore: number;
  notAfter: number;
  thumbprint: string;
}

export interface Certificate {
  name: string;
  purpose: string;
  versions: CertificateVersion[];
  renewal: { status: string; version?: string; notAfter?: number; schedule?: { at: number } };
}

export interface HistoryEvent {
  EventType: string;
  Timestamp?: string;
  FunctionName?: string;
  Name?: string;
  Reason?: string;
  Details?: string;
  OrchestrationStatus?: string;
  Result?: unknown;
  FireAt?: string;
}

export interface OperationWithHistory extends OperationStatus {
  history: HistoryEvent[];
}
