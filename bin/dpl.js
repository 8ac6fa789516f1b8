#!/usr/bin/env node
// The compiled CLI lives in dist/; exit codes are documented in docs/CLI.md.
let cli;
try {
  cli = require('../dist/local/cli/dpl.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]local[\\/]cli[\\/]dpl\.js/.test(err.message)) {
    process.stderr.write('dpl: not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`dpl: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
