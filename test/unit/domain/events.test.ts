import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvents, validationResponse, type DomainEvent } from '../../../shared/domain/events';
import { describeIssues } from '../../../shared/domain/result';

const FIXTURES = join(__dirname, '../../fixtures/events');
const load = (dir: string, file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, dir, file), 'utf8'));

function mustParse(file: string): DomainEvent[] {
  const parsed = parseEvents(load('valid', file));
  if (!parsed.ok) throw new Error(`${file}: ${describeIssues(parsed.issues)}`);
  return parsed.value;
}

describe('real sample payloads parse into domain events', () => {
  const democert = {
    kind: 'certificate',
    vaultName: 'sample-kv',
    certificate: 'democert',
    version: '2f014e1c698b4896869b6b66c9143d28',
    objectId: 'https://sample-kv.vault.azure.net/certificates/democert/2f014e1c698b4896869b6b66c9143d28',
    notBefore: 1700753990_000,
    notAfter: 1701185990_000,
  };
  const connection = {
    kind: 'connection-changed',
    privateLinkServiceId: '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateLinkServices/{pls}',
    connectionName: '{conn}',
  };

  it.each<[string, Array<Record<string, unknown>>]>([
    ['keyvault-near-expiry.eventgrid.json', [{ ...democert, event: 'NearExpiry', eventId: '00eccf70-95a7-4e7c-8299-2eb17ee9ad64' }]],
    ['keyvault-near-expiry.cloudevents.json', [{ ...democert, event: 'NearExpiry', eventId: '00eccf70-95a7-4e7c-8299-2eb17ee9ad64' }]],
    ['keyvault-expired.single-object.json', [{ ...democert, event: 'Expired' }]],
    [
      'keyvault-new-version.doc-quirks.json',
      [{ kind: 'certificate', event: 'NewVersionCreated', certificate: 'democert', version: 'ee059b2bb5bc48398a53b168c6cdcb10', notBefore: 1559081980_000, notAfter: 1621890580_000 }],
    ],
    ['keyvault-new-version.camelcase.json', [{ kind: 'certificate', event: 'NewVersionCreated', certificate: 'democert', vaultName: 'sample-kv', notAfter: 1701185990_000 }]],
    ['arm-pls-connection-write.json', [{ ...connection, operation: 'write', eventId: '4db48cba-50a2-455a-93b4-de41a3b5b7f6' }]],
    ['arm-pls-connection-delete.json', [{ ...connection, operation: 'delete' }]],
    ['arm-pls-connection-action.cloudevents.json', [{ ...connection, operation: 'action' }]],
    ['arm-workspace-write.json', [{ kind: 'workspace-changed', operation: 'write', workspace: 'contoso01' }]],
    ['arm-pls-connection-write-failure.json', [{ kind: 'ignored', type: 'Microsoft.Resources.ResourceWriteFailure' }]],
    ['unconsumed-dicom-image-created.json', [{ kind: 'ignored', type: 'Microsoft.HealthcareApis.DicomImageCreated' }]],
    [
      'subscription-validation.json',
      [{ kind: 'subscription-validation', validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: expect.stringContaining(':553/') }],
    ],
    [
      'batch-keyvault-and-arm.json',
      [{ kind: 'certificate', event: 'NearExpiry' }, { kind: 'connection-changed' }, { kind: 'workspace-changed', workspace: 'contoso01' }],
    ],
  ])('%s', (file, expected) => {
    const events = mustParse(file);
    expect(events).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(events[i]).toMatchObject(e));
  });

  it('covers every file in the valid corpus', () => {
    for (const file of readdirSync(join(FIXTURES, 'valid'))) expect(() => mustParse(file)).not.toThrow();
  });

  it('answers the validation handshake with the code it was sent', () => {
    const [event] = mustParse('subscription-validation.json');
    if (event?.kind !== 'subscription-validation') throw new Error('expected a validation event');
    expect(validationResponse(event)).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  it('gives the same certificate event the same dedupe key whichever schema and casing delivered it', () => {
    const keys = ['keyvault-near-expiry.eventgrid.json', 'keyvault-near-expiry.cloudevents.json'].map((f) => {
      const [e] = mustParse(f);
      return e?.kind === 'certificate' ? e.dedupeKey : undefined;
    });
    expect(keys[0]).toBeDefined();
    expect(keys[0]).toBe(keys[1]);
  });

  it('lets the first spelling win when a payload carries both casings of a field', () => {
    const body = load('valid', 'keyvault-near-expiry.eventgrid.json') as Array<{ data: Record<string, unknown> }>;
    (body[0] as { data: Record<string, unknown> }).data.version = 'someotherversion';
    const parsed = parseEvents(body);
    expect(parsed.ok && parsed.value[0]).toMatchObject({ version: '2f014e1c698b4896869b6b66c9143d28' });
  });
});

describe('malformed payloads are rejected with field-level messages', () => {
  const files = readdirSync(join(FIXTURES, 'malformed'));

  it.each(files)('%s', (file) => {
    const fixture = load('malformed', file) as { why: string; expectedPaths: string[]; body: unknown };
    const parsed = parseEvents(fixture.body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.path).sort()).toEqual([...fixture.expectedPaths].sort());
    for (const issue of parsed.issues) expect(issue.reason).toMatch(/\w{3,}/);
  });

  it('names the field and the reason in words', () => {
    const fixture = load('malformed', 'keyvault-exp-not-a-time.json') as { body: unknown };
    const parsed = parseEvents(fixture.body);
    expect(parsed.ok ? '' : describeIssues(parsed.issues)).toBe('$[0].data.EXP: must be Unix seconds');
  });
});
