'use strict';
// Builds dist/ from src/ when any source is newer than the last build. Shared by bin/slate.js
// and Jest's global setup (CLI tests spawn the built CLI).
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.buildstamp');

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuild() {
  if (!existsSync(join(root, 'src')) || !existsSync(join(root, 'tsconfig.build.json'))) return; // installed image: dist only
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const sources = Math.max(
    newest(join(root, 'src')),
    newest(join(root, 'test', 'bench')),
    newest(join(root, 'test', 'sim')),
    newest(join(root, 'test', 'fuzz')),
    newest(join(root, 'test', 'helpers')), // benchmarks import the test harness
    statSync(join(root, 'tsconfig.build.json')).mtimeMs,
  );
  if (sources <= built) return;
  process.stderr.write('slate: building (TypeScript → dist/)...\n');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(stamp, new Date().toISOString() + '\n');
}

module.exports = { ensureBuild };
if (require.main === module) ensureBuild();
