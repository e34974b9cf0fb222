import { parseDuration } from '../config';
import { AppError } from '../errors';

/**
 * Option parsers for commander. They throw AppError (not commander's InvalidArgumentError) so a
 * bad value ends like every other CLI failure: one line `slate: --flag: what was expected`.
 */
export function flagError(flag: string, message: string): AppError {
  return new AppError('validation_failed', `${flag}: ${message}`);
}

/** A whole number within bounds; `--limit abc` and `--limit 1.5` are errors naming the flag. */
export function integerOption(flag: string, bounds: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  return (v: string): number => {
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw flagError(flag, `expected a whole number, got '${v}'`);
    if (n < min || n > max) throw flagError(flag, `expected ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min} to ${max}`}, got ${n}`);
    return n;
  };
}

/** A duration such as 12h or 14d (same syntax as the *_TTL variables), in milliseconds. */
export function durationOption(flag: string) {
  return (v: string): number => {
    const ms = parseDuration(v);
    if (ms === undefined) throw flagError(flag, `expected a duration such as 12h or 14d, got '${v}'`);
    return ms;
  };
}

export function choiceOption<T extends string>(flag: string, values: readonly T[]) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v)) throw flagError(flag, `expected one of ${values.join(', ')}, got '${v}'`);
    return v as T;
  };
}

/** A JSON object given on the command line (`--params '{"Message":"..."}'`). */
export function jsonObjectOption(flag: string) {
  return (v: string): Record<string, unknown> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (err) {
      throw flagError(flag, `not valid JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw flagError(flag, 'expected a JSON object such as \'{"Message":"..."}\'');
    return parsed as Record<string, unknown>;
  };
}

/**
 * Services name their inputs (`maxUses`); the operator typed a flag (`--max-uses`). An AppError
 * with `details: {field, problem}` whose field is in `flags` is re-worded as `--flag: problem`;
 * anything else passes as is.
 */
export async function namingFlags<T>(flags: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const d = fieldProblem(err);
    const flag = d && flags[d.field];
    if (!d || !flag) throw err;
    const e = err as AppError;
    throw new AppError(e.code, `${flag}: ${d.problem}`, { status: e.status, details: e.details, cause: e });
  }
}

function fieldProblem(err: unknown): { field: string; problem: string } | undefined {
  if (!(err instanceof AppError) || typeof err.details !== 'object' || err.details === null) return undefined;
  const { field, problem } = err.details as { field?: unknown; problem?: unknown };
  return typeof field === 'string' && typeof problem === 'string' ? { field, problem } : undefined;
}
