import { PlistBigInteger, PlistReal, isPlistDict } from '../../src/apple/protocol/plist';
import { bArray, bAscii, bBool, bData, bDate, bDict, bInt, bplist, bReal, bUtf16, type BplistObject } from './bplist-writer';

/**
 * Writes a value tree as `bplist00` the way CoreFoundation does: scalars (strings, numbers, dates,
 * data) that occur more than once are written once and referenced from every place they occur,
 * so valid inputs already exercise shared references.
 */
export function encodeBinaryPlist(value: unknown): Buffer {
  const objects: BplistObject[] = [];
  const unique = new Map<string, number>();
  const add = (v: unknown): number => {
    const scalar = scalarObject(v);
    if (scalar) {
      let at = unique.get(scalar.key);
      if (at === undefined) {
        at = objects.push(scalar.object) - 1;
        unique.set(scalar.key, at);
      }
      return at;
    }
    const at = objects.push(bBool(false)) - 1; // its place, filled once the children have theirs
    if (Array.isArray(v)) objects[at] = bArray(v.map(add));
    else if (isPlistDict(v)) {
      const keys = Object.keys(v);
      objects[at] = bDict(keys.map(add), keys.map((k) => add(v[k])));
    } else throw new TypeError(`bplist: cannot encode ${typeof v}`);
    return at;
  };
  add(value);
  return bplist(objects);
}

function scalarObject(v: unknown): { key: string; object: BplistObject } | null {
  if (typeof v === 'string') return { key: `s${v}`, object: /^[\x00-\x7f]*$/.test(v) ? bAscii(v) : bUtf16(v) };
  if (typeof v === 'boolean') return { key: `b${v}`, object: bBool(v) };
  if (typeof v === 'bigint') return { key: `i${v}`, object: bInt(v) };
  if (v instanceof PlistBigInteger) return { key: `i${v.value}`, object: bInt(v.value) };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { key: `i${v}`, object: bInt(v) } : { key: `r${v}`, object: bReal(v) };
  if (v instanceof PlistReal) return { key: `r${v.value}`, object: bReal(v.value) };
  if (v instanceof Date) return { key: `d${v.getTime()}`, object: bDate(v) };
  if (Buffer.isBuffer(v)) return { key: `x${v.toString('hex')}`, object: bData(v) };
  return null;
}
