#!/usr/bin/env node
'use strict';
// Entry point of the `slate` CLI. In a source checkout it (re)builds dist/ when sources changed,
// so `npm start` works on a fresh clone without a separate build step.
require('./ensure-build').ensureBuild();
require('../dist/src/cli/main.js').runCli(process.argv);
