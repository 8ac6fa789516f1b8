// dpl-host start-up: process start → first HTTP request answered, over several runs (median).
// Run: npm run bench:host [-- runs]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const APP = path.join(REPO, 'test/fixtures/apps/basic');
const RUNS = Number(process.argv[2] ?? 15);
const PORT = 7950;

async function once(): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(REPO, 'bin/dpl-host.js'), '--app', APP, '--port', String(PORT), '--data-dir', dataDir], {
    stdio: 'ignore',
    env: { ...process.env, TICK_SCHEDULE: '0 0 0 1 1 *' },
  });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${PORT}/api/hello?name=bench`);
        if (res.status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
}

async function main() {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once());
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  console.log(`dpl-host start-up to first answered request, ${RUNS} runs: median ${q(0.5).toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms`);
}

void main();
