// What the platform team provisions once on Azure, done here on first start (and checked on every
// start, so a second `npm start` resumes rather than re-creates): the proxy's certificates in the
// vault, the backend ingress's server certificate, and the cluster's internal DNS — each private
// ingress name fronted by a Traffic Manager profile over the cluster's availability-zone ingresses
// (the seed's `<zone>-<region>-aks.internal...` names), so an operator can fail a zone over by
// disabling its endpoint.
import fs from 'node:fs';
import path from 'node:path';
import { privateZoneOf } from '../../shared/domain/config';
import type { LocalServices } from '../azure/local-services';
import { pemBundle, type LocalCa } from '../azure/vault/local-ca';
import type { VaultPolicy } from '../azure/vault/vault';

/** The proxy's front certificate and its client certificate towards the backend ingress. */
export const FRONT_CERTIFICATE = 'private-tls';
export const CLIENT_CERTIFICATE = 'backend-client';

export interface ZoneIngress {
  /** Traffic Manager endpoint name. */
  endpoint: string;
  /** DNS name of the zone's ingress. */
  name: string;
  /** Loopback address the backend listens on for this zone. */
  address: string;
}

export interface ClusterIngress {
  cluster: string;
  /** The cluster's private ingress name (what the workspace records point at). */
  privateIngress: string;
  /** Traffic Manager profile that fronts it. */
  profile: string;
  zones: ZoneIngress[];
}

export interface SystemLayout {
  ingressZone: string;
  clusters: ClusterIngress[];
  /** Every address a backend must listen on. */
  addresses: string[];
  files: {
    ca: string;
    frontCert: string;
    frontKey: string;
    clientCert: string;
    clientKey: string;
    ingressCert: string;
    ingressKey: string;
  };
}

const DAY = 86_400_000;

/** The ingress layout derived from the configuration: two availability zones per cluster. */
export function systemLayout(local: Pick<LocalServices, 'config'>, dataDir: string): SystemLayout {
  const { config } = local;
  let next = 11;
  const clusters: ClusterIngress[] = [];
  for (const region of config.regions) {
    for (const cluster of region.clusters) {
      const zones = [0, 1].map((z) => ({ endpoint: `zone-${z}`, name: `${z}-${cluster.name}-aks.internal.${config.domain}`, address: `127.0.0.${next++}` }));
      clusters.push({ cluster: cluster.name, privateIngress: cluster.privateIngress, profile: `${cluster.name}-private-ingress`, zones });
    }
  }
  const certs = path.join(dataDir, 'certs');
  const backend = path.join(dataDir, 'backend');
  return {
    ingressZone: `internal.${config.domain}`,
    clusters,
    addresses: clusters.flatMap((c) => c.zones.map((z) => z.address)),
    files: {
      ca: path.join(dataDir, 'ca', 'ca.pem'),
      frontCert: path.join(certs, `${FRONT_CERTIFICATE}.crt`),
      frontKey: path.join(certs, `${FRONT_CERTIFICATE}.key`),
      clientCert: path.join(certs, `${CLIENT_CERTIFICATE}.crt`),
      clientKey: path.join(certs, `${CLIENT_CERTIFICATE}.key`),
      ingressCert: path.join(backend, 'ingress.crt'),
      ingressKey: path.join(backend, 'ingress.key'),
    },
  };
}

export async function provisionSystem(local: LocalServices, ca: LocalCa, layout: SystemLayout, log: (line: string) => void): Promise<void> {
  const { config } = local;
  const base = (extendedUsages: VaultPolicy['extendedUsages'], subject: string, dnsNames: string[]): VaultPolicy => ({
    subject,
    dnsNames,
    validityInMonths: 3,
    keyType: 'EC',
    exportable: true,
    extendedUsages,
    lifetimeActions: [{ trigger: { daysBeforeExpiry: 30 }, action: 'AutoRenew' }],
  });
  const wanted: Array<[string, 'private-tls' | 'backend-client', VaultPolicy]> = [
    [FRONT_CERTIFICATE, 'private-tls', base(['serverAuth'], `CN=*.privatelink.${config.domain}`, [`*.${config.domain}`, `*.privatelink.${config.domain}`])],
    [CLIENT_CERTIFICATE, 'backend-client', base(['clientAuth'], `CN=proxy.${config.domain}`, [`proxy.${config.domain}`])],
  ];
  for (const [name, purpose, policy] of wanted) {
    if (!(await local.vault.get(name))?.value.versions.length) {
      await local.vault.create(name, purpose, policy);
      log(`created certificate '${name}' in the local vault`);
    }
  }
  // The vault mounts a version when it issues one; re-mount the latest if the files went missing.
  for (const [name, purpose] of wanted) {
    const f = path.join(path.dirname(layout.files.frontCert), `${name}.key`);
    if (!fs.existsSync(f)) {
      await local.vault.beginCreate(name, purpose);
      await local.vault.settled(name);
      log(`re-issued certificate '${name}' (its files were missing)`);
    }
  }

  await ingressCertificate(ca, layout, config.domain, config.regions.map((r) => privateZoneOf(config, r)), log);

  local.privateDns.createZone(layout.ingressZone);
  for (const c of layout.clusters) {
    if (!local.trafficManager.hasProfile(c.profile)) {
      local.trafficManager.defineProfile(
        { name: c.profile, relativeName: c.profile, ttlSeconds: 1 },
        c.zones.map((z, i) => ({ endpoint: z.endpoint, target: z.name, priority: i + 1, status: i === 0 ? ('Enabled' as const) : ('Disabled' as const) })),
      );
    }
    const relative = (fqdn: string) => fqdn.slice(0, -(layout.ingressZone.length + 1));
    await local.privateDns.put({ zone: layout.ingressZone, name: relative(c.privateIngress), type: 'CNAME', values: [`${c.profile}.trafficmanager.net`], ttl: 1 });
    for (const z of c.zones) await local.privateDns.put({ zone: layout.ingressZone, name: relative(z.name), type: 'A', values: [z.address], ttl: 1 });
  }
}

/** The backend ingress's server certificate: every zone's name and the workspace backend names. */
async function ingressCertificate(ca: LocalCa, layout: SystemLayout, domain: string, privateZones: string[], log: (line: string) => void): Promise<void> {
  const { ingressCert, ingressKey } = layout.files;
  if (fs.existsSync(ingressCert) && fs.existsSync(ingressKey)) {
    const { X509Certificate } = await import('node:crypto');
    const current = new X509Certificate(fs.readFileSync(ingressCert));
    if (new Date(current.validTo).getTime() - Date.now() > 7 * DAY) return;
  }
  const now = Date.now();
  const issued = await ca.issue({
    subject: `CN=*.internal.${domain}`,
    dnsNames: [`*.internal.${domain}`, ...privateZones.map((z) => `*.${z}`)],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 90 * DAY),
    keyType: 'EC',
    extendedUsages: ['serverAuth'],
  });
  fs.mkdirSync(path.dirname(ingressCert), { recursive: true });
  fs.writeFileSync(ingressCert, pemBundle(issued.certificatePem, ...issued.chainPem));
  fs.writeFileSync(ingressKey, issued.privateKeyPem, { mode: 0o600 });
  log('issued the backend ingress certificate');
}
