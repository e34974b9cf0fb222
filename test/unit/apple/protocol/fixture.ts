import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a fixture copied into test/fixtures (see test/fixtures/MANIFEST.md for its source). */
export function fixture(path: string): Buffer {
  return readFileSync(join(__dirname, '..', '..', '..', 'fixtures', path));
}

export const CMDMNT = 'cmdmnt__commandment/testdata';
