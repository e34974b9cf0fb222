#!/usr/bin/env node
'use strict';
// `npm run bench`: builds, then runs every benchmark in test/bench (compiled to dist/test/bench).
// Pass names to run a subset: `npm run bench -- scep`.
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
require('./ensure-build').ensureBuild();
const dir = join(__dirname, '..', 'dist', 'test', 'bench');
const only = process.argv.slice(2);
const benches = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bench.js')) : [];
if (benches.length === 0) console.log('no benchmarks yet');
let failed = 0;
for (const f of benches) {
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n# ${f.replace(/\.js$/, '')}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
