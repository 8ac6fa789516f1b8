import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';

export interface LoadedCert {
  certFile: string;
  keyFile: string;
  names: string[];
  notAfter: Date;
  keyType: string;
  context: SecureContext;
  fingerprint256: string;
}

export interface CertPairFiles {
  certFile: string;
  keyFile: string;
}

function fileSig(path: string): string {
  // stat() follows symlinks: catches in-place rewrites and the CSI driver's ..data symlink swap alike.
  const st = statSync(path);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** Reads a certificate chain + key pair; throws when they do not parse or do not match (e.g. mid-write). */
export function loadPair(files: CertPairFiles, contextOptions: Record<string, unknown> = {}): LoadedCert {
  const certPem = readFileSync(files.certFile);
  const keyPem = readFileSync(files.keyFile);
  const leaf = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!leaf.checkPrivateKey(key)) throw new Error(`certificate ${files.certFile} does not match key ${files.keyFile}`);
  const names: string[] = [];
  for (const part of (leaf.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) names.push(part.slice(4).toLowerCase());
  }
  if (names.length === 0) {
    const cn = /CN=([^\n,]+)/.exec(leaf.subject)?.[1];
    if (cn) names.push(cn.toLowerCase());
  }
  const context = createSecureContext({ ...contextOptions, cert: certPem, key: keyPem });
  return {
    ...files,
    names,
    notAfter: new Date(leaf.validTo),
    keyType: key.asymmetricKeyType ?? 'unknown',
    context,
    fingerprint256: leaf.fingerprint256,
  };
}

/**
 * Front certificates by SNI, including one-label wildcards (`*.dicom.example.com`). ECDSA certificates
 * win over RSA ones for the same name (cheaper handshakes). Reloaded when any file changes; a pair
 * that fails to load (half-written, mismatched) keeps the previous one and is retried next time.
 */
export class CertStore {
  private certs: LoadedCert[] = [];
  private exact = new Map<string, LoadedCert>();
  private wildcard = new Map<string, LoadedCert>();
  private sigs: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pairs: CertPairFiles[],
    private readonly contextOptions: Record<string, unknown>,
    private readonly events: { onReload?: (c: LoadedCert) => void; onError?: (err: Error) => void } = {},
  ) {
    this.certs = pairs.map((p) => loadPair(p, contextOptions));
    this.sigs = pairs.map((p) => `${fileSig(p.certFile)}|${fileSig(p.keyFile)}`);
    this.index();
  }

  private index(): void {
    const exact = new Map<string, LoadedCert>();
    const wildcard = new Map<string, LoadedCert>();
    const better = (a: LoadedCert | undefined, b: LoadedCert): boolean => !a || (a.keyType !== 'ec' && b.keyType === 'ec');
    for (const c of this.certs) {
      for (const n of c.names) {
        if (n.startsWith('*.')) {
          if (better(wildcard.get(n.slice(2)), c)) wildcard.set(n.slice(2), c);
        } else if (better(exact.get(n), c)) exact.set(n, c);
      }
    }
    this.exact = exact;
    this.wildcard = wildcard;
  }

  get all(): readonly LoadedCert[] {
    return this.certs;
  }

  get default(): LoadedCert {
    return this.certs[0] as LoadedCert;
  }

  /** The certificate for an SNI name, or undefined when none covers it. */
  find(servername: string): LoadedCert | undefined {
    const name = servername.toLowerCase();
    const hit = this.exact.get(name);
    if (hit) return hit;
    const dot = name.indexOf('.');
    return dot > 0 ? this.wildcard.get(name.slice(dot + 1)) : undefined;
  }

  /** Checks the files once; returns true when something was reloaded. */
  check(): boolean {
    let changed = false;
    this.pairs.forEach((p, i) => {
      let sig: string;
      try {
        sig = `${fileSig(p.certFile)}|${fileSig(p.keyFile)}`;
      } catch (err) {
        this.events.onError?.(err as Error);
        return;
      }
      if (sig === this.sigs[i]) return;
      try {
        const loaded = loadPair(p, this.contextOptions);
        this.certs[i] = loaded;
        this.sigs[i] = sig;
        changed = true;
        this.events.onReload?.(loaded);
      } catch (err) {
        // Probably caught between the cert and key writes: retry on the next tick.
        this.events.onError?.(err as Error);
      }
    });
    if (changed) this.index();
    return changed;
  }

  watch(intervalMs: number): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
