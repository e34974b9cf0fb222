import { z } from 'zod';

/** Shared field builders so that every section reports problems the same way. */
export const port = (fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((s) => /^\d+$/.test(s) && Number(s) <= 65535, 'expected an integer from 0 to 65535 (0: any free port)')
    .transform(Number);

export const positiveInt = (fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((s) => /^\d+$/.test(s) && Number(s) > 0, 'expected a positive integer')
    .transform(Number);

export const bool = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((s) => ['1', 'true', 'yes', 'on'].includes(s));

/** A switch whose default depends on other settings (NODE_ENV): undefined when not given. */
export const optionalBool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
  .optional()
  .transform((s) => (s === undefined ? undefined : ['1', 'true', 'yes', 'on'].includes(s)));

export const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an http(s) URL');

/** Durations like `30s`, `15m`, `12h`, `14d` or plain seconds; parsed to milliseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return n * factor;
}

export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((s) => parseDuration(s) !== undefined, 'expected a duration such as 90s, 15m, 12h or 14d')
    .transform((s) => parseDuration(s)!);
