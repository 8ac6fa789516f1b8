/** A value as stored, with the etag a conditional write must present to replace or remove it. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** Preconditions for writes. `ifMatch` guards an update; `ifNoneMatch: '*'` makes a write create-only. */
export interface WriteCondition {
  ifMatch?: string;
  ifNoneMatch?: '*';
}

export interface DeleteCondition {
  ifMatch?: string;
}
