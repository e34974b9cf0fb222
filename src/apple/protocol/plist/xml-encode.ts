import { PlistBigInteger, PlistReal, isPlistDict } from './plist.types';

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n';

/**
 * Encodes a value as an XML property list. Deterministic: dict keys are written in sorted order
 * (as CoreFoundation does) and dates in whole seconds, so the same value always gives the same
 * bytes (stable signatures, comparable command bodies). Keys whose value is `undefined` are
 * left out, which lets builders pass optional fields straight through.
 * Refuses what has no plist form (null, functions, NaN in an integer, control characters, an
 * integer beyond 64 bits, a date outside the years 0000-9999 that `<date>` can write).
 * Numbers: a safe integer is written as `<integer>`, any other finite number as `<real>` (beyond
 * 2^53 a double is no longer an exact integer); a bigint or PlistBigInteger is an exact
 * `<integer>`. Decoding what this writes gives the value back (round-trip property in
 * test/unit/apple/protocol/plist-properties.test.ts), a PlistReal as its number.
 */
export function encodeXmlPlist(value: unknown): Buffer {
  const parts: string[] = [HEADER];
  write(value, 0, parts, new Set());
  parts.push('</plist>\n');
  return Buffer.from(parts.join(''), 'utf8');
}

function write(v: unknown, depth: number, out: string[], seen: Set<object>): void {
  const pad = '\t'.repeat(depth);
  if (typeof v === 'string') return void out.push(`${pad}<string>${escapeText(v)}</string>\n`);
  if (typeof v === 'boolean') return void out.push(`${pad}<${v}/>\n`);
  if (typeof v === 'bigint' || v instanceof PlistBigInteger) return void out.push(`${pad}<integer>${integerText(typeof v === 'bigint' ? v : v.value)}</integer>\n`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError('plist: non-finite number');
    return void out.push(Number.isSafeInteger(v) ? `${pad}<integer>${v}</integer>\n` : `${pad}<real>${v}</real>\n`);
  }
  if (v instanceof PlistReal) {
    if (!Number.isFinite(v.value)) throw new TypeError('plist: non-finite real');
    return void out.push(`${pad}<real>${Number.isInteger(v.value) ? v.value.toFixed(1) : v.value}</real>\n`);
  }
  if (v instanceof Date) {
    const year = v.getUTCFullYear();
    if (Number.isNaN(year) || year < 0 || year > 9999) throw new TypeError('plist: date outside the years 0000-9999');
    return void out.push(`${pad}<date>${v.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>\n`);
  }
  if (v instanceof Uint8Array) return void out.push(`${pad}<data>${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}</data>\n`);
  if (v === null || v === undefined || typeof v !== 'object') throw new TypeError(`plist: cannot encode ${v === null ? 'null' : typeof v}`);
  if (seen.has(v)) throw new TypeError('plist: cyclic value');
  seen.add(v);
  if (Array.isArray(v)) {
    if (v.length === 0) out.push(`${pad}<array/>\n`);
    else {
      out.push(`${pad}<array>\n`);
      for (const item of v) write(item, depth + 1, out, seen);
      out.push(`${pad}</array>\n`);
    }
  } else if (isPlistDict(v)) {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    if (keys.length === 0) out.push(`${pad}<dict/>\n`);
    else {
      out.push(`${pad}<dict>\n`);
      for (const k of keys) {
        out.push(`${pad}\t<key>${escapeText(k)}</key>\n`);
        write((v as Record<string, unknown>)[k], depth + 1, out, seen);
      }
      out.push(`${pad}</dict>\n`);
    }
  }
  seen.delete(v);
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function integerText(n: bigint): string {
  if (n < INT64_MIN || n > UINT64_MAX) throw new TypeError('plist: integer beyond 64 bits');
  return n.toString();
}

// XML 1.0 allows only tab, LF and CR below 0x20; anything else would make the document invalid.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function escapeText(s: string): string {
  if (FORBIDDEN.test(s)) throw new TypeError('plist: string contains a control character XML cannot carry');
  if (!/[&<>\r]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}
