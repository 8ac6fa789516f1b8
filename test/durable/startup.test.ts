// Start-up refuses what the engine cannot run faithfully: another durable-functions version than
// the pinned one, and durable entities (not implemented; see docs/DURABLE.md). A second host on
// the same data directory is refused too, instead of both running the same work.
import path from 'node:path';
import { REPO, startHost, tempDir } from '../support/host-process';

const app = (name: string) => path.join(REPO, 'test/fixtures/apps', name);

test('a durable-functions version other than the pinned one stops the host', async () => {
  await expect(startHost({ app: app('durable-badversion'), args: ['--no-keys'] })).rejects.toThrow(
    /dpl-host: durable-functions 3\.4\.0 is installed at .*durable-badversion\/vendor\/durable-functions, but the local Durable engine is verified against exactly 3\.5\.0/,
  );
});

test('registering a durable entity stops the host with a clear message', async () => {
  await expect(startHost({ app: app('durable-entity'), args: ['--no-keys'] })).rejects.toThrow(
    /dpl-host: durable entities are not supported by the local Durable engine; remove or move 'counter'/,
  );
});

test('a second host on the same data directory is refused', async () => {
  const dataDir = tempDir('durable-shared');
  const first = await startHost({ app: app('durable'), dataDir, args: ['--no-keys'] });
  try {
    await expect(startHost({ app: app('durable'), dataDir, args: ['--no-keys'] })).rejects.toThrow(/cannot open the Durable store/);
  } finally {
    await first.stop();
  }
});
