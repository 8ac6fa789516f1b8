// `npm run bench:durable`: throughput of the embedded Durable engine, in-process on a LocalHost
// (real SQLite store in a temp dir, real replay, real invocations), for orchestrations of 10
// sequential and 10 fanned-out activities. Reports activity executions/s and episodes/s.
//   BENCH_INSTANCES=<n>  orchestrations per scenario (default 300)
//   BENCH_ROUNDS=<n>     measured rounds per scenario, best kept (default 3)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalHost } from '../../local/host/host';
import { createDurableExtension } from '../../local/durable/extension';
import type { DurableEngine } from '../../local/durable/engine';

const APP = path.resolve(__dirname, '../fixtures/apps/durable-bench');
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Result {
  scenario: string;
  instances: number;
  seconds: number;
  activitiesPerSec: number;
  episodesPerSec: number;
  orchestrationsPerSec: number;
}

async function runScenario(engine: DurableEngine, name: 'seq10' | 'fan10', round: number): Promise<Result> {
  const before = { ...engine.stats };
  const t0 = process.hrtime.bigint();
  const ids: string[] = [];
  for (let i = 0; i < INSTANCES; i++) ids.push(engine.startNew(name, { instanceId: `${name}-${round}-${i}` }));
  await engine.idle();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const id of ids) {
    const row = engine.getInstance(id);
    if (row?.status !== 'Completed') throw new Error(`${id} ended ${row?.status}: ${row?.output}`);
  }
  const activities = engine.stats.activities - before.activities;
  const episodes = engine.stats.episodes - before.episodes;
  if (activities !== INSTANCES * 10) throw new Error(`expected ${INSTANCES * 10} activity executions, saw ${activities}`);
  return {
    scenario: name === 'seq10' ? '10 sequential activities' : '10 fan-out activities',
    instances: INSTANCES,
    seconds,
    activitiesPerSec: activities / seconds,
    episodesPerSec: episodes / seconds,
    orchestrationsPerSec: INSTANCES / seconds,
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-durable-bench-'));
  const ext = createDurableExtension({ clock: 'real' });
  const host = new LocalHost({ appDir: APP, port: 0, dataDir, keys: false, extensions: [ext], write: () => undefined });
  await host.start();
  const engine = ext.engine()!;
  try {
    // Warm-up: JIT, SQLite page cache.
    await runScenario(engine, 'seq10', -1);
    const results: Result[] = [];
    for (const name of ['seq10', 'fan10'] as const) {
      let best: Result | undefined;
      for (let r = 0; r < ROUNDS; r++) {
        const res = await runScenario(engine, name, r);
        if (!best || res.activitiesPerSec > best.activitiesPerSec) best = res;
      }
      results.push(best!);
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`Durable engine benchmark: ${INSTANCES} orchestrations per round, best of ${ROUNDS}; node ${process.version}, ${os.cpus().length} x ${cpu}`);
    console.log('| scenario | orchestrations | seconds | activity executions/s | episodes/s | orchestrations/s |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of results) {
      console.log(
        `| ${r.scenario} | ${r.instances} | ${r.seconds.toFixed(2)} | ${r.activitiesPerSec.toFixed(0)} | ${r.episodesPerSec.toFixed(0)} | ${r.orchestrationsPerSec.toFixed(1)} |`,
      );
    }
  } finally {
    await host.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
