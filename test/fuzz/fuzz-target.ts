import type * as fc from 'fast-check';

/**
 * One fuzz target: a device-reachable parser or endpoint step driven by generated and hostile input.
 * Targets live in test/fuzz/targets/NAME.fuzz.ts and export `target`. They are run two ways:
 *  - `npm test`: test/unit/fuzz/fuzz-targets.test.ts runs every target with a small, seeded count
 *    (a finding is any exception that is not an AppError);
 *  - `npm run fuzz`: bin/run-fuzz.js runs them with a large count and reports inputs/s and the
 *    slowest input per target (event-loop time); the hostile inputs must each stay under 50 ms.
 */
export interface FuzzTarget<T = unknown> {
  name: string;
  /** Generated inputs; the runner seeds fast-check so a finding can be replayed. */
  arbitrary: fc.Arbitrary<T>;
  /**
   * Runs one input through the code under test. Returning normally (a valid result) or throwing an
   * AppError (a clean, typed rejection) are both fine; anything else thrown is a finding.
   */
  run(input: T): void | Promise<void>;
  /** Hand-made worst cases up to the 1 MiB body limit (oversized, deeply nested, repeated references ...). */
  hostile?(): Iterable<{ label: string; input: T }>;
}
