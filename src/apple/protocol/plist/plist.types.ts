import { AppError } from '../../../errors';

/**
 * A decoded property-list value. `<integer>` becomes a number (a bigint when it does not fit a
 * double exactly), `<real>` a number, `<data>` a Buffer, `<date>` a Date.
 * https://developer.apple.com/library/archive/documentation/Cocoa/Conceptual/PropertyLists/
 */
export type PlistValue = string | number | bigint | boolean | Date | Buffer | PlistValue[] | PlistDict;
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

/** Hard limits for untrusted input; a device body that exceeds them is refused, never trimmed. */
export interface PlistLimits {
  /** Largest body accepted, bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays/dicts. */
  maxDepth: number;
  /** Total values (every string, number, dict, array ...) in one document. */
  maxNodes: number;
  /** Keys in one dict. */
  maxKeysPerDict: number;
}

/**
 * Sized for MDM traffic: the largest real answer we know (macOS DeviceInformation) is 22 KB and a
 * school iPad's InstalledApplicationList stays well under 1 MiB, which is also the router's limit.
 */
export const DEFAULT_PLIST_LIMITS: PlistLimits = {
  maxBytes: 1024 * 1024,
  maxDepth: 32,
  maxNodes: 100_000,
  maxKeysPerDict: 4096,
};

export function plistError(message: string): AppError {
  return new AppError('plist_invalid', message);
}

export function isPlistDict(v: unknown): v is PlistDict {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date) && !(v instanceof PlistReal);
}

/** Sets a key without ever touching the prototype (a device may send a key named `__proto__`). */
export function setOwn(dict: PlistDict, key: string, value: PlistValue): void {
  if (Object.prototype.hasOwnProperty.call(dict, key)) throw plistError(`duplicate key ${JSON.stringify(key.slice(0, 64))}`);
  // Plain assignment keeps V8's fast object shapes; only __proto__ needs defineProperty.
  if (key === '__proto__') Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
  else dict[key] = value;
}

/** Counts nodes and depth while decoding so a hostile document fails early, not after allocating. */
export class Budget {
  private nodes = 0;
  constructor(readonly limits: PlistLimits) {}

  node(depth: number): void {
    if (++this.nodes > this.limits.maxNodes) throw plistError(`more than ${this.limits.maxNodes} values`);
    if (depth > this.limits.maxDepth) throw plistError(`nested deeper than ${this.limits.maxDepth}`);
  }

  keys(count: number): void {
    if (count > this.limits.maxKeysPerDict) throw plistError(`more than ${this.limits.maxKeysPerDict} keys in a dict`);
  }
}
