#!/usr/bin/env node
require('../dist/local/host/cli.js').main(process.argv.slice(2));
