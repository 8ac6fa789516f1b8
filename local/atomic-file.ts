import fs from 'node:fs';

/**
 * Replaces a file in one step (write a sibling, then rename): a reader sees the old content or the
 * new one, never a truncated half.
 */
export function writeFileAtomic(target: string, text: string, mode?: number): void {
  const dir = target.slice(0, target.lastIndexOf('/') + 1);
  const tmp = `${dir}.${target.slice(dir.length)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, target);
}
