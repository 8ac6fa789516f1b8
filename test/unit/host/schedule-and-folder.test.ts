import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSchedule } from '../../../local/host/timers';
import { expandGlob, readAppFolder, HostStartError } from '../../../local/host/app-folder';
import { authorize } from '../../../local/host/keys';

describe('timer schedules', () => {
  test('six-field NCRONTAB with seconds', () => {
    const s = parseSchedule('*/10 * * * * *');
    expect(s.next(new Date('2026-01-01T00:00:03Z')).toISOString()).toBe('2026-01-01T00:00:10.000Z');
  });
  test('TimeSpan intervals and %APP_SETTING% expressions', () => {
    expect(parseSchedule('00:05:00').next(new Date('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T00:05:00.000Z');
    expect(parseSchedule('1.00:00:00').next(new Date('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    const s = parseSchedule('%SWEEP%', { SWEEP: '0 */5 * * * *' });
    expect(s.next(new Date('2026-01-01T00:01:00Z')).toISOString()).toBe('2026-01-01T00:05:00.000Z');
  });
  test('five fields, bad expressions and missing settings are rejected with a reason', () => {
    expect(() => parseSchedule('*/5 * * * *')).toThrow(/six-field NCRONTAB/);
    expect(() => parseSchedule('%MISSING%', {})).toThrow(/app setting 'MISSING'/);
    expect(() => parseSchedule('x y z a b c')).toThrow();
  });
});

describe('app folders', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-folder-'));
  fs.mkdirSync(path.join(dir, 'dist/functions/nested'), { recursive: true });
  for (const f of ['dist/functions/a.js', 'dist/functions/b.js', 'dist/functions/a.js.map', 'dist/functions/nested/c.js', 'dist/index.js']) {
    fs.writeFileSync(path.join(dir, f), '');
  }

  test('globs in package.json main', () => {
    const rel = (files: string[]) => files.map((f) => path.relative(dir, f));
    expect(rel(expandGlob(dir, 'dist/functions/*.js'))).toEqual(['dist/functions/a.js', 'dist/functions/b.js']);
    expect(rel(expandGlob(dir, 'dist/**/*.js'))).toEqual(['dist/functions/a.js', 'dist/functions/b.js', 'dist/functions/nested/c.js', 'dist/index.js']);
    expect(rel(expandGlob(dir, './dist/{index,functions/a}.js'))).toEqual(['dist/functions/a.js', 'dist/index.js']);
    expect(expandGlob(dir, 'dist/missing.js')).toEqual([]);
  });

  test('explains what is wrong with a folder', () => {
    expect(() => readAppFolder(dir)).toThrow(HostStartError);
    fs.writeFileSync(path.join(dir, 'host.json'), '{"version": "1.0"}');
    expect(() => readAppFolder(dir)).toThrow(/"version": "2.0"/);
    fs.writeFileSync(path.join(dir, 'host.json'), '{"version": "2.0"}');
    expect(() => readAppFolder(dir)).toThrow(/no package.json/);
    fs.writeFileSync(path.join(dir, 'package.json'), '{"main": "dist/functions/*.js"}');
    fs.writeFileSync(path.join(dir, 'local.settings.json'), '{"Values": {"A": "1", "B": 2}}');
    const app = readAppFolder(dir);
    expect(app.mainFiles.map((f) => path.basename(f))).toEqual(['a.js', 'b.js']);
    expect(app.settings).toEqual({ A: '1', B: '2' });
  });
});

describe('keys', () => {
  const keys = { masterKey: 'm', functionKeys: { default: 'f' }, systemKeys: { eventgrid_extension: 's' } };
  test.each([
    ['anonymous', undefined, true],
    ['function', 'f', true],
    ['function', 'm', true],
    ['function', 's', false],
    ['function', undefined, false],
    ['admin', 'f', false],
    ['admin', 'm', true],
    ['system', 's', true],
    ['system', 'f', false],
    ['system', 'm', true],
  ] as const)('%s with key %s → %s', (level, key, ok) => {
    expect(authorize(keys, level, key, 'eventgrid_extension')).toBe(ok);
  });
  test('keys disabled lets everything through', () => {
    expect(authorize(undefined, 'admin', undefined)).toBe(true);
  });
});

describe('failure messages in logs', () => {
  test('an orchestrator failure is logged without the library state that follows $OutOfProcData$', async () => {
    const { failureMessage } = await import('../../../local/host/invoker');
    const err = new Error('false\n\n$OutOfProcData$:{"actions":[[{"input":"secret-input"}]],"error":"boom"}');
    expect(failureMessage(err)).toBe('false');
    expect(failureMessage(new Error('plain failure'))).toBe('plain failure');
    expect(failureMessage(new Error('$OutOfProcData$:{}'))).toMatch(/orchestrator failed/);
  });
});
