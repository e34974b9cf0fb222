import * as fc from 'fast-check';
import { PlistBigInteger, PlistReal, isPlistDict } from '../../src/apple/protocol/plist';

/**
 * Generated property-list values in the form the decoder gives them back (a safe integer as a
 * number, a larger one as PlistBigInteger, dates in whole seconds as `<date>` writes them), except
 * reals, generated as PlistReal so that 3.0 stays a real; `decoded()` unwraps them.
 * Shared by the round-trip properties and the fuzz targets.
 */

/** Characters XML 1.0 cannot carry (the encoder refuses them, so a value holding one has no plist form). */
const NOT_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Markup, entities and whitespace the reader has to tell apart from text, among any Unicode. */
const TRICKY = ['&', '<', '>', ']]>', '<![CDATA[', '<!--', '&amp;', '&#x263A;', '\r', '\r\n', '\n', '\t', ' ', '"', "'", '__proto__', 'é', '日本', '😀', '\u2028'];

const unit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

export const plistText = (maxLength = 24): fc.Arbitrary<string> =>
  fc.array(unit, { maxLength }).map((parts) => parts.join('').replace(NOT_IN_XML, ''));

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export const plistInteger: fc.Arbitrary<number | PlistBigInteger> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1000, max: 100_000 }) },
  { weight: 2, arbitrary: fc.maxSafeInteger() },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: MIN_SAFE - 1n }).map((n) => new PlistBigInteger(n)) },
  { weight: 1, arbitrary: fc.bigInt({ min: MAX_SAFE + 1n, max: 2n ** 64n - 1n }).map((n) => new PlistBigInteger(n)) },
  { weight: 1, arbitrary: fc.constantFrom(new PlistBigInteger(2n ** 64n - 1n), new PlistBigInteger(-(2n ** 63n)), new PlistBigInteger(MAX_SAFE + 1n)) },
);

/** -0 has no plist form distinct from 0 (`<real>-0.0</real>` is not what the encoder writes). */
export const plistRealValue = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)).map((d) => new PlistReal(d));

/** `<date>` holds years 0000-9999 in whole seconds. */
export const plistDate = fc
  .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));

export const plistData = fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a));

export const plistScalar: fc.Arbitrary<unknown> = fc.oneof(plistText(), plistInteger, plistRealValue, fc.boolean(), plistDate, plistData);

/** A dict from entries, own properties only (a generated key may be `__proto__`). */
export function dictOf(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(dict, k, { value: v, enumerable: true, writable: true, configurable: true });
  return dict;
}

export const plistKey = fc.oneof({ weight: 5, arbitrary: plistText(16) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', '0', '') });

export const plistValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; dict: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, plistScalar, tie('array'), tie('dict')),
  array: fc.array(tie('value'), { maxLength: 6 }),
  dict: fc.uniqueArray(fc.tuple(plistKey, tie('value')), { maxLength: 6, selector: ([k]) => k }).map(dictOf),
})).value;

/** The value the decoder gives back for a generated one: reals unwrapped, the rest as generated. */
export function decoded(v: unknown): unknown {
  if (v instanceof PlistReal) return v.value;
  if (Array.isArray(v)) return v.map(decoded);
  if (isPlistDict(v)) return dictOf(Object.entries(v).map(([k, x]) => [k, decoded(x)] as const));
  return v;
}
