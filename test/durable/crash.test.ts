// Crash safety: 50 orchestrations run while the host is kill -9'd at random moments (after a random
// number of activity side effects) and restarted on the same data directory. Every acknowledged
// start must complete with the right output, every activity's effect must be on disk at least once
// (at-least-once, as on Azure), and nothing may be left stuck.
import fs from 'node:fs';
import path from 'node:path';
import { REPO, startHost, tempDir, type HostProcess } from '../support/host-process';
import { waitFor } from '../support/wait';
import { count, DurableHttp } from './helpers';

const APP = path.join(REPO, 'test/fixtures/apps/durable');
const INSTANCES = 50;
const KILLS = 4;
const STEPS = ['s0', 's1', 's2', 'p0', 'p1', 'p2'];

test('50 orchestrations survive repeated kill -9 and complete', async () => {
  const dataDir = tempDir('crash-data');
  const outDir = tempDir('crash-out');
  const effects = path.join(outDir, 'effects.log');
  const lines = () => (fs.existsSync(effects) ? fs.readFileSync(effects, 'utf8').split('\n').filter(Boolean) : []);
  const ids = Array.from({ length: INSTANCES }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
  const killedAt: number[] = [];
  let host: HostProcess | undefined;

  try {
    host = await startHost({ app: APP, dataDir, outDir, args: ['--no-keys'] });
    const df = new DurableHttp(host.url);
    // Each start is acknowledged (202) only after it is committed.
    await Promise.all(ids.map((id) => df.start('crashWork', id)));

    for (let round = 0; round < KILLS; round++) {
      if (round > 0) host = await startHost({ app: APP, dataDir, outDir, args: ['--no-keys'] });
      const before = lines().length;
      const target = before + 1 + Math.floor(Math.random() * 60);
      await waitFor(() => lines().length >= Math.min(target, INSTANCES * STEPS.length), { timeoutMs: 30_000, what: `${target} effects` });
      killedAt.push(lines().length);
      await host!.stop('SIGKILL');
      host = undefined;
    }

    host = await startHost({ app: APP, dataDir, outDir, args: ['--no-keys'] });
    const df2 = new DurableHttp(host.url);
    for (const id of ids) {
      const s = await df2.done(id, { timeoutMs: 60_000 });
      expect({ id, status: s.runtimeStatus }).toEqual({ id, status: 'Completed' });
      // `append` returns the line's length; six lines of `${id}:xx`.
      expect({ id, output: s.output }).toEqual({ id, output: STEPS.length * (id.length + 3) });
    }
    const written = new Set(lines());
    const missing = ids.flatMap((id) => STEPS.map((s) => `${id}:${s}`)).filter((l) => !written.has(l));
    expect(missing).toEqual([]);
    // Nothing left to do: no instance is pending or running.
    const res = await fetch(df2.rpc('instances/?runtimeStatus=Pending,Running,Suspended,ContinuedAsNew&top=1000'));
    expect(await res.json()).toEqual([]);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n(killed after ${killedAt.join(', ')} effects)`);
  } finally {
    await host?.stop();
  }
});

test('a durable timer survives kill -9 and fires on the real clock after the restart', async () => {
  const dataDir = tempDir('timer-data');
  const outDir = tempDir('timer-out');
  let host = await startHost({ app: APP, dataDir, outDir, args: ['--no-keys'] });
  try {
    await new DurableHttp(host.url).start('shortTimer', 'timer-1', 1500);
    await new DurableHttp(host.url).historyUntil('timer-1', (h) => count(h, 10) === 1, 'the timer to be created');
    await host.stop('SIGKILL');
    host = await startHost({ app: APP, dataDir, outDir, args: ['--no-keys'] });
    const s = await new DurableHttp(host.url).done('timer-1');
    expect(s.runtimeStatus).toBe('Completed');
    // currentUtcDateTime moved at least the timer's length between the two episodes.
    expect(s.output).toBeGreaterThanOrEqual(1500);
  } finally {
    await host.stop();
  }
});
