import { AppError } from '../../../src/errors';
import { choiceOption, durationOption, integerOption, jsonObjectOption, namingFlags } from '../../../src/cli/options';

const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).message;
  }
  throw new Error('expected a refusal');
};

describe('CLI option parsers', () => {
  it('whole numbers: the flag is named, the bounds are kept', () => {
    const limit = integerOption('--limit', { min: 1, max: 1000 });
    expect(limit('50')).toBe(50);
    expect(message(() => limit('abc'))).toBe("--limit: expected a whole number, got 'abc'");
    expect(message(() => limit('1.5'))).toMatch(/^--limit: expected a whole number/);
    expect(message(() => limit('-3'))).toMatch(/^--limit: expected a whole number/);
    expect(message(() => limit('0'))).toBe('--limit: expected 1 to 1000, got 0');
    expect(message(() => limit('99999999999999999999'))).toMatch(/^--limit: expected a whole number/);
    expect(message(() => integerOption('--grade', { min: 1 })('0'))).toBe('--grade: expected at least 1, got 0');
  });

  it('durations, choices and JSON objects name their flag', () => {
    expect(durationOption('--ttl')('14d')).toBe(14 * 86_400_000);
    expect(message(() => durationOption('--ttl')('soon'))).toMatch(/^--ttl: /);
    expect(choiceOption('--state', ['lost', 'wiped'] as const)('lost')).toBe('lost');
    expect(message(() => choiceOption('--state', ['lost', 'wiped'] as const)('sleeping'))).toBe("--state: expected one of lost, wiped, got 'sleeping'");
    expect(jsonObjectOption('--params')('{"Message":"x"}')).toEqual({ Message: 'x' });
    expect(message(() => jsonObjectOption('--params')('{bad'))).toMatch(/^--params: not valid JSON/);
    expect(message(() => jsonObjectOption('--params')('[1]'))).toMatch(/^--params: expected a JSON object/);
  });

  it('re-words a service error about a field as one about the flag the operator typed', async () => {
    const fieldError = new AppError('validation_failed', 'maxUses: must be a positive integer', { details: { field: 'maxUses', problem: 'must be a positive integer' } });
    await expect(namingFlags({ maxUses: '--max-uses' }, () => Promise.reject(fieldError)))
      .rejects.toMatchObject({ code: 'validation_failed', message: '--max-uses: must be a positive integer' });
    // Fields the command does not map, and errors without a field, pass unchanged.
    await expect(namingFlags({ ttlMs: '--ttl' }, () => Promise.reject(fieldError))).rejects.toBe(fieldError);
    const other = new AppError('not_found', 'no school x');
    await expect(namingFlags({ maxUses: '--max-uses' }, () => Promise.reject(other))).rejects.toBe(other);
    await expect(namingFlags({}, async () => 7)).resolves.toBe(7);
  });
});
