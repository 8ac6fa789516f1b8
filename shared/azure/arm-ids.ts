// ARM resource ids, split into the parts SDK calls take.

export interface ArmId {
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  /** type/name pairs after the provider, e.g. [['privateLinkServices','pls'],['privateEndpointConnections','c']]. */
  segments: Array<[string, string]>;
}

export function parseArmId(id: string): ArmId {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i.exec(id.trim());
  if (!m) throw new Error(`not an ARM resource id: ${id}`);
  const parts = m[4]!.split('/');
  const segments: Array<[string, string]> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) segments.push([parts[i]!, parts[i + 1]!]);
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, provider: m[3]!, segments };
}
