import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Slate's version from its package.json, found from src/cli and dist/src/cli alike. */
export function slateVersion(from: string = __dirname): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'slate-mdm' && pkg.version) return pkg.version;
  }
  return 'unknown';
}
