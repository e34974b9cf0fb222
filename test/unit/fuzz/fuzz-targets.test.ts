import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import type { FuzzTarget } from '../../fuzz/fuzz-target';
import { PROPERTY_SEED, outcomeAsync } from '../../helpers/property';

/**
 * Every fuzz target in test/fuzz/targets (whoever added it) with a small, seeded count and all of
 * its hostile inputs: a finding is any exception that is not an AppError. Speed is measured by
 * `npm run fuzz`, never asserted here. Replay a failure with PROPERTY_SEED and fast-check's path.
 */
const DIR = join(__dirname, '..', '..', 'fuzz', 'targets');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.fuzz.ts')).sort();
const RUNS = 200;
const BODY_LIMIT = 1024 * 1024;

it('finds the plist targets (the directory is globbed, not listed)', () => {
  expect(FILES).toEqual(expect.arrayContaining(['plist-xml.fuzz.ts', 'plist-binary.fuzz.ts', 'checkin-decode.fuzz.ts', 'report-decode.fuzz.ts']));
});

describe.each(FILES)('%s', (file) => {
  const { target } = require(join(DIR, file)) as { target: FuzzTarget };

  it(`${RUNS} generated inputs are each accepted or refused with an AppError`, async () => {
    const property = fc.asyncProperty(target.arbitrary, async (input) => {
      await outcomeAsync(async () => target.run(input));
    });
    await fc.assert(property, { numRuns: RUNS, seed: PROPERTY_SEED });
  });

  it('every hostile input is at most 1 MiB and accepted or refused with an AppError', async () => {
    const failures: string[] = [];
    for (const { label, input } of target.hostile?.() ?? []) {
      if (Buffer.isBuffer(input) && input.length > BODY_LIMIT) failures.push(`${label}: ${input.length} bytes`);
      try {
        await outcomeAsync(async () => target.run(input));
      } catch (err) {
        failures.push(`${label}: ${String(err)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
