// The backend ingress behind the proxy: it demands a client certificate issued by the local CA, as
// the cluster's private ingress does. With Debian's Orthanc (+ DICOMweb plugin) and nginx installed,
// nginx verifies the client certificate and forwards to a real DICOMweb server; otherwise a small
// built-in mTLS backend answers. Each availability zone's ingress listens on its own loopback address
// and says which it is (`x-dpl-ingress`), so a Traffic Manager failover is visible to clients.
import fs from 'node:fs';
import path from 'node:path';
import type { SystemLayout } from './provision';
import { httpReady, tcpReady } from './readiness';
import type { ProcessSpec } from './supervisor';

export interface BackendPlan {
  kind: 'orthanc' | 'builtin';
  processes: ProcessSpec[];
  /** One line for the log: what serves behind the proxy. */
  description: string;
}

export function orthancBackend(
  install: { orthanc: string; dicomWebPlugin: string; nginx: string },
  layout: SystemLayout,
  dataDir: string,
  ports: { backend: number; orthanc: number },
): BackendPlan {
  const dir = path.join(dataDir, 'backend');
  const orthancDir = path.join(dir, 'orthanc');
  const nginxDir = path.join(dir, 'nginx');
  for (const d of [orthancDir, nginxDir, path.join(nginxDir, 'tmp')]) fs.mkdirSync(d, { recursive: true });
  // nginx's workers run unprivileged when started as root; they buffer bodies under tmp/.
  if (process.getuid?.() === 0) fs.chmodSync(path.join(nginxDir, 'tmp'), 0o1777);

  const orthancConfig = {
    Name: 'dpl-local',
    StorageDirectory: path.join(orthancDir, 'storage'),
    IndexDirectory: path.join(orthancDir, 'storage'),
    HttpPort: ports.orthanc,
    HttpServerEnabled: true,
    // Orthanc 1.10 cannot bind one address; it refuses remote peers instead (and speaks no DICOM).
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    HttpCompressionEnabled: false,
    StableAge: 1,
    Plugins: [install.dicomWebPlugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, WadoRoot: '/wado', Ssl: true },
  };
  const orthancFile = path.join(orthancDir, 'orthanc.json');
  fs.writeFileSync(orthancFile, JSON.stringify(orthancConfig, null, 2));

  const servers = layout.clusters
    .flatMap((c) => c.zones)
    .map(
      (z) => `
  server {
    listen ${z.address}:${ports.backend} ssl;
    server_name _;
    ssl_certificate ${layout.files.ingressCert};
    ssl_certificate_key ${layout.files.ingressKey};
    ssl_client_certificate ${layout.files.ca};
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    add_header x-dpl-ingress ${z.endpoint} always;
    location / {
      proxy_pass http://orthanc;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Client-Certificate-Subject $ssl_client_s_dn;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 300s;
      proxy_send_timeout 300s;
    }
  }`,
    )
    .join('\n');
  const nginxConfig = `# Written by npm start on every start; edits are overwritten.
worker_processes 1;
daemon off;
pid ${path.join(nginxDir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_max_body_size 0;
  client_body_temp_path ${path.join(nginxDir, 'tmp', 'body')};
  proxy_temp_path ${path.join(nginxDir, 'tmp', 'proxy')};
  fastcgi_temp_path ${path.join(nginxDir, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${path.join(nginxDir, 'tmp', 'uwsgi')};
  scgi_temp_path ${path.join(nginxDir, 'tmp', 'scgi')};
  upstream orthanc {
    server 127.0.0.1:${ports.orthanc};
    keepalive 16;
  }
${servers}
}
`;
  const nginxFile = path.join(nginxDir, 'nginx.conf');
  fs.writeFileSync(nginxFile, nginxConfig);
  const first = layout.clusters[0]!.zones[0]!;
  return {
    kind: 'orthanc',
    description: `Orthanc (DICOMweb at /dicom-web/) behind nginx verifying client certificates on ${layout.addresses.map((a) => `${a}:${ports.backend}`).join(', ')}`,
    processes: [
      { name: 'orthanc', command: install.orthanc, args: [orthancFile], ready: httpReady(`http://127.0.0.1:${ports.orthanc}/system`) },
      {
        name: 'nginx',
        command: install.nginx,
        args: ['-p', nginxDir, '-c', nginxFile, '-e', 'stderr'],
        ready: tcpReady(first.address, ports.backend),
        stopSignal: 'SIGQUIT',
      },
    ],
  };
}

export function builtinBackend(layout: SystemLayout, repo: string, ports: { backend: number }): BackendPlan {
  return {
    kind: 'builtin',
    description: `the built-in mTLS backend on ${layout.addresses.map((a) => `${a}:${ports.backend}`).join(', ')} (install Debian's orthanc, orthanc-dicomweb and nginx for a real DICOMweb server)`,
    processes: [
      {
        name: 'backend',
        command: process.execPath,
        args: [path.join(repo, 'dist/local/system/builtin-backend.js')],
        env: {
          ...process.env,
          BACKEND_PORT: String(ports.backend),
          BACKEND_LISTEN: layout.clusters.flatMap((c) => c.zones.map((z) => `${z.endpoint}@${z.address}`)).join(','),
          BACKEND_CERT: layout.files.ingressCert,
          BACKEND_KEY: layout.files.ingressKey,
          BACKEND_CA: layout.files.ca,
        },
        ready: tcpReady(layout.addresses[0]!, ports.backend),
      },
    ],
  };
}
