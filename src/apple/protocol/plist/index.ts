import { decodeBinaryPlist } from './binary-decode';
import { Budget, DEFAULT_PLIST_LIMITS, type PlistLimits } from './plist-limits';
import { plistError, type PlistValue } from './plist.types';
import { decodeXmlPlist } from './xml-decode';
import { encodeXmlPlist } from './xml-encode';

export { DEFAULT_PLIST_LIMITS, type PlistLimits } from './plist-limits';
export { PlistBigInteger, PlistReal, isPlistDict, type PlistDict, type PlistValue } from './plist.types';

const BPLIST_MAGIC = Buffer.from('bplist00', 'latin1');
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes an untrusted property list (XML, or binary `bplist00`) within hard limits.
 * Every failure is AppError `plist_invalid` (400); nothing from the input is echoed beyond a
 * short, bounded fragment.
 */
export function decodePlist(body: Buffer, limits: Partial<PlistLimits> = {}): PlistValue {
  const l: PlistLimits = { ...DEFAULT_PLIST_LIMITS, ...limits };
  if (body.length > l.maxBytes) throw plistError(`plist larger than ${l.maxBytes} bytes`);
  if (body.length === 0) throw plistError('empty plist');
  const budget = new Budget(l);
  if (isBinaryPlist(body)) return decodeBinaryPlist(body, budget);
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw plistError('plist is not valid UTF-8');
  }
  return decodeXmlPlist(text, budget);
}

/**
 * What the device endpoints read: XML only. Apple's MDM clients send XML, so a second reader that
 * every enrolled device could reach buys nothing; and an Error report's body is kept for support
 * as UTF-8 text, which a binary plist is not. The binary reader stays hardened and fuzzed for
 * decodePlist.
 */
export function decodeDevicePlist(body: Buffer, limits: Partial<PlistLimits> = {}): PlistValue {
  if (isBinaryPlist(body)) throw plistError('binary plists are not accepted from devices');
  return decodePlist(body, limits);
}

function isBinaryPlist(body: Buffer): boolean {
  return body.subarray(0, 8).equals(BPLIST_MAGIC);
}

/** Encodes a value as a deterministic XML property list (see xml-encode.ts). */
export function encodePlist(value: unknown): Buffer {
  return encodeXmlPlist(value);
}
