/**
 * One page of a listing, as Azure pages them (nextLink / continuation token). A caller asks again
 * with `continuationToken` until it is absent. Tokens are opaque and only valid for the same query.
 */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

export interface PageRequest {
  continuationToken?: string;
  /** Upper bound on items per page; the store may return fewer. */
  maxPageSize?: number;
}

/** Reads every page; for callers (sweeps, tests) that need the whole list in memory. */
export async function collectAll<T>(list: (request: PageRequest) => Promise<Page<T>>, maxPageSize?: number): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await list({ ...(token === undefined ? {} : { continuationToken: token }), ...(maxPageSize === undefined ? {} : { maxPageSize }) });
    out.push(...page.items);
    token = page.continuationToken;
  } while (token !== undefined);
  return out;
}
