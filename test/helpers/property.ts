import { isAppError, type ErrorCode } from '../../src/errors';

/** Seed for property tests in `npm test`: fixed, so a failure replays (fast-check prints the path). */
export const PROPERTY_SEED = Number(process.env.PROPERTY_SEED ?? 20261205);

/**
 * Runs `fn` and returns 'ok' or the AppError code it threw. Any other exception is rethrown, so a
 * property `expect(() => outcome(...)).not.toThrow()` holds exactly when input is either accepted
 * or refused cleanly.
 */
export function outcome(fn: () => unknown): 'ok' | ErrorCode {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (isAppError(err)) return err.code;
    throw err;
  }
}

export async function outcomeAsync(fn: () => Promise<unknown>): Promise<'ok' | ErrorCode> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    if (isAppError(err)) return err.code;
    throw err;
  }
}
