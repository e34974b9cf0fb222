import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The layer rules of .dependency-cruiser.cjs (the architecture's one-page picture) hold for src/:
 * pure protocol and PKI codec, persistence below services, handlers without database access, one
 * composition root, no cycles.
 */
describe('architecture', () => {
  it('src/ follows the dependency rules', () => {
    const root = join(__dirname, '..', '..');
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src'], {
      cwd: root, encoding: 'utf8', timeout: 60_000,
    });
    expect({ status: r.status, violations: `${r.stdout}${r.stderr}`.split('\n').filter((l) => /error|warn/.test(l)) }).toEqual({ status: 0, violations: [] });
  });
});
