import * as fc from 'fast-check';
import type { FuzzTarget } from '../../fuzz/fuzz-target';
import { target as ber } from '../../fuzz/targets/ber.fuzz';
import { target as csr } from '../../fuzz/targets/csr.fuzz';
import { target as mdmSignature } from '../../fuzz/targets/mdm-signature.fuzz';
import { target as scep } from '../../fuzz/targets/scep-pkimessage.fuzz';
import { outcomeAsync, PROPERTY_SEED } from '../../helpers/property';

/**
 * The PKI codec's fuzz targets as properties in `npm test`: every generated and every hostile input
 * is accepted or refused with an AppError; anything else thrown (RangeError, a node:crypto or
 * forge Error) fails the test with the input that caused it. Event-loop time per input is the fuzz
 * runner's measure (`npm run fuzz`), not asserted here.
 */
const targets: FuzzTarget<unknown>[] = [ber, mdmSignature, scep, csr] as FuzzTarget<unknown>[];
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

describe.each(targets.map((t) => [t.name, t] as const))('fuzz target %s', (_name, t) => {
  it(`holds for ${RUNS} generated inputs (seed ${PROPERTY_SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(t.arbitrary, async (input) => {
        await outcomeAsync(async () => t.run(input));
      }),
      { seed: PROPERTY_SEED, numRuns: RUNS },
    );
  });

  it('refuses or accepts every hostile input with a typed outcome', async () => {
    const outcomes: Record<string, string> = {};
    for (const { label, input } of t.hostile?.() ?? []) outcomes[label] = await outcomeAsync(async () => t.run(input));
    expect(Object.keys(outcomes).length).toBeGreaterThan(0);
  });
});
