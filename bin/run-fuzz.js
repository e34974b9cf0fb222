#!/usr/bin/env node
'use strict';
// `npm run fuzz`: builds, then runs every fuzz target in test/fuzz/targets (compiled to
// dist/test/fuzz/targets), each in its own process, and prints one line per target.
// Pass names to run a subset: `npm run fuzz -- plist`. FUZZ_RUNS (default 20000) and FUZZ_SEED
// set the generated inputs. Exits 1 if any input threw something other than an AppError or held
// the event loop longer than 50 ms (see test/fuzz/run-target.ts).
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
require('./ensure-build').ensureBuild();
const dist = join(__dirname, '..', 'dist', 'test', 'fuzz');
const dir = join(dist, 'targets');
const only = process.argv.slice(2);
const targets = (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.fuzz.js')) : []).filter((f) => !only.length || only.some((o) => f.includes(o)));
if (targets.length === 0) console.log('no fuzz targets');
console.log(`node ${process.version}, FUZZ_RUNS=${process.env.FUZZ_RUNS ?? 20000}, FUZZ_SEED=${process.env.FUZZ_SEED ?? 20261205}`);
const rows = [];
let failed = 0;
for (const f of targets) {
  console.log(`\n# ${f.replace(/\.js$/, '')}`);
  // A parser that needs more than this heap for a 1 MiB input is a finding, not a reason to grow it.
  const r = spawnSync(process.execPath, ['--max-old-space-size=1024', join(dist, 'run-target.js'), join(dir, f)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const lines = (r.stdout ?? '').split('\n');
  const result = lines.filter((l) => l.startsWith('FUZZ-RESULT ')).map((l) => JSON.parse(l.slice('FUZZ-RESULT '.length)))[0];
  process.stdout.write(lines.filter((l) => !l.startsWith('FUZZ-RESULT ')).join('\n'));
  if (r.status !== 0 || !result) failed++;
  rows.push(result ? { ...result, ok: r.status === 0 } : { name: f.replace(/\.fuzz\.js$/, ''), ok: false, crashed: r.signal ?? r.status });
}
console.log('\n| target | generated inputs | inputs/s | slowest generated input | slowest hostile input | result |');
console.log('|---|---:|---:|---:|---|---|');
for (const r of rows) {
  if (r.crashed !== undefined) console.log(`| ${r.name} | | | | | crashed (${r.crashed}) |`);
  else console.log(`| ${r.name} | ${r.runs} | ${Math.round(r.inputsPerSecond).toLocaleString('en')} | ${r.slowestGeneratedMs.toFixed(1)} ms | ${r.slowestHostile.ms.toFixed(1)} ms (${r.slowestHostile.label}) | ${r.ok ? 'ok' : `${r.findings} finding(s)`} |`);
}
process.exit(failed ? 1 : 0);
