import { AppError } from '../../../errors';

/**
 * A decoded property-list value. `<integer>` becomes a number when it is a safe integer (|n| < 2^53),
 * else a PlistBigInteger; `<real>` a number, `<data>` a Buffer, `<date>` a Date. Every value survives
 * JSON.stringify (issue #9 finding 8: a bare bigint in an ErrorChain made storing it throw).
 * https://developer.apple.com/library/archive/documentation/Cocoa/Conceptual/PropertyLists/
 */
export type PlistValue = string | number | PlistBigInteger | boolean | Date | Buffer | PlistValue[] | PlistDict;
export interface PlistDict {
  [key: string]: PlistValue;
}

/**
 * Forces `<real>` on encode: JavaScript has one number type, so 2.0 would otherwise be written as
 * `<integer>2</integer>`, which Apple's parsers read as a different type.
 */
export class PlistReal {
  constructor(readonly value: number) {}
}

/**
 * An `<integer>` beyond ±(2^53 - 1), where a number would silently lose digits (64-bit ErrorCodes,
 * byte counts). JSON writes it as its decimal string, so decoded reports can be stored and logged
 * as they are; encodePlist writes it back as `<integer>`. A wrapper rather than a bare bigint,
 * which JSON.stringify refuses, and rather than a string, which would come back as `<string>`.
 */
export class PlistBigInteger {
  constructor(readonly value: bigint) {}

  toJSON(): string {
    return this.value.toString();
  }

  toString(): string {
    return this.value.toString();
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A decoded integer in its JSON-safe form: a number when exact, else a PlistBigInteger. */
export function plistInteger(n: bigint): number | PlistBigInteger {
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : new PlistBigInteger(n);
}

export function plistError(message: string): AppError {
  return new AppError('plist_invalid', message);
}

export function isPlistDict(v: unknown): v is PlistDict {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date) && !(v instanceof PlistReal) && !(v instanceof PlistBigInteger);
}

/** Sets a key without ever touching the prototype (a device may send a key named `__proto__`). */
export function setOwn(dict: PlistDict, key: string, value: PlistValue): void {
  if (Object.prototype.hasOwnProperty.call(dict, key)) throw plistError(`duplicate key ${JSON.stringify(key.slice(0, 64))}`);
  // Plain assignment keeps V8's fast object shapes; only __proto__ needs defineProperty.
  if (key === '__proto__') Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
  else dict[key] = value;
}
