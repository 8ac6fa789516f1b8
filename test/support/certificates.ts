// The private TLS certificate policy most tests create in the stand-in vault; each test overrides
// only what it is about (validity, lifetime actions, names).
import type { VaultPolicy } from '../../local/azure/vault/vault';

export const privateTlsPolicy = (overrides: Partial<VaultPolicy> = {}): VaultPolicy => ({
  subject: 'CN=*.privatelink.dicom.localtest',
  dnsNames: ['*.privatelink.dicom.localtest'],
  validityInMonths: 3,
  keyType: 'EC',
  exportable: true,
  extendedUsages: ['serverAuth'],
  lifetimeActions: [],
  ...overrides,
});
