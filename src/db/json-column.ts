/**
 * JSON columns (jsonb on Postgres, text on SQLite). Values often come from devices, so they are
 * made storable on both databases before they are written: integers beyond 2^53 (the plist reader
 * returns them as PlistBigInteger, whose toJSON is honoured as JSON.stringify would; a bare BigInt,
 * which JSON.stringify refuses, is converted too) become decimal strings, NUL characters
 * (which Postgres refuses in jsonb and text) become U+FFFD, Buffers become base64 and Dates ISO
 * strings.
 */
export function jsonParam(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(storable(value, 0));
}

/** Nesting a device could send is bounded by the plist reader; this is a second, cheap guard. */
const MAX_DEPTH = 64;

function storable(v: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  switch (typeof v) {
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    case 'string':
      return v.includes('\u0000') ? v.replace(/\u0000/g, '\uFFFD') : v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
    case 'object': {
      if (v === null) return null;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      if (Array.isArray(v)) return v.map((x) => storable(x, depth + 1));
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return storable((v as { toJSON(): unknown }).toJSON(), depth + 1);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        out[k.includes('\u0000') ? k.replace(/\u0000/g, '\uFFFD') : k] = storable(x, depth + 1);
      }
      return out;
    }
    default:
      return v;
  }
}

/** JSON columns come back parsed from Postgres (jsonb) and as text from SQLite. */
export function readJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
