#!/usr/bin/env node
require('../dist/local/cli/dpl.js')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code), (err) => {
    process.stderr.write(`dpl: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
