import { plistError, plistInteger, type PlistBigInteger } from './plist.types';

/**
 * The text of `<integer>`, `<real>`, `<date>` and `<data>`. Each check runs in one forward pass:
 * the patterns left are anchored, and none has two quantifiers that can match the same
 * characters, so a mismatch fails without backtracking over the text. `<real>` is scanned by
 * hand: its old pattern `\d+\.?\d*` could split a digit run two ways and took about 30 s for
 * 200,000 digits followed by a letter (issue #9 finding 2).
 */

/** 64-bit plist integers have at most 20 digits (2^64 - 1 = 18446744073709551615). */
const INTEGER = /^[+-]?\d{1,20}$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * The longest real an encoder writes is printf("%f") of -DBL_MAX: 317 characters (CF, Go and Python
 * write at most 24). Longer text is not a number a device sends; refusing it bounds Number()'s work.
 */
export const MAX_REAL_CHARS = 512;
const SPECIAL_REALS: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };

/** ISO 8601 in UTC, as CF writes it; fractional seconds are tolerated. */
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseInteger(text: string): number | PlistBigInteger {
  if (!INTEGER.test(text)) throw plistError('invalid <integer>');
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(text);
  if (big < INT64_MIN || big > UINT64_MAX) throw plistError('<integer> out of 64-bit range');
  return plistInteger(big);
}

export function parseReal(text: string): number {
  if (text.length > MAX_REAL_CHARS) throw plistError(`<real> longer than ${MAX_REAL_CHARS} characters`);
  if (isDecimal(text)) return Number(text);
  const special = SPECIAL_REALS[text.toLowerCase()];
  if (special === undefined) throw plistError('invalid <real>');
  return special;
}

/** `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, the form CFNumber and strtod agree on. */
export function isDecimal(s: string): boolean {
  let i = s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45 ? 1 : 0; // + -
  const intStart = i;
  i = digits(s, i);
  let mantissaDigits = i - intStart;
  if (s.charCodeAt(i) === 46) { // .
    const fracStart = i + 1;
    i = digits(s, fracStart);
    mantissaDigits += i - fracStart;
  }
  if (mantissaDigits === 0) return false;
  if (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69) { // e E
    i++;
    if (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) i++;
    const expStart = i;
    i = digits(s, i);
    if (i === expStart) return false;
  }
  return i === s.length;
}

function digits(s: string, from: number): number {
  let i = from;
  for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i));
  return i;
}

export function parseDate(text: string): Date {
  const d = DATE.test(text) ? new Date(text) : null;
  if (!d || Number.isNaN(d.getTime())) throw plistError('invalid <date>');
  return d;
}

export function parseData(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) throw plistError('invalid base64 in <data>');
  return Buffer.from(compact, 'base64');
}
