import { interopRequired, missingReason, missingTools } from './interop';

/**
 * One line for the whole run, after Jest's summary where it is seen (the skipped counts are in the
 * summary); nothing when every interop program is there or SLATE_REQUIRE_INTEROP=1 failed the tests.
 */
export default async function globalTeardown(): Promise<void> {
  const missing = missingTools();
  if (missing.length && !interopRequired()) {
    process.stderr.write(`interop tests skipped: ${missing.map(missingReason).join('; ')}. SLATE_REQUIRE_INTEROP=1 makes them fail instead.\n`);
  }
}
