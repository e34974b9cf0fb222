/**
 * A small binary property-list writer for tests and fuzz targets: Slate only ever reads `bplist00`,
 * so valid and hand-broken binary inputs have to be made here.
 * Layout from CoreFoundation's CFBinaryPList.c: header, objects, offset table, 32-byte trailer.
 */

/** Raw object bytes; an array's or dict's entries are indices into the same object list. */
export type BplistObject =
  | { kind: 'raw'; bytes: Buffer }
  | { kind: 'array'; refs: number[] }
  | { kind: 'dict'; keys: number[]; values: number[] };

export interface BplistLayout {
  top?: number;
  /** Bytes per object reference and per offset-table entry; chosen from the sizes when absent. */
  refSize?: number;
  offsetSize?: number;
  /** Overrides written into the trailer as they are (for broken trailers). */
  trailer?: { numObjects?: bigint; topObject?: bigint; tableOffset?: bigint };
}

/** Seconds between the Unix epoch and Apple's reference date 2001-01-01T00:00:00Z. */
const APPLE_EPOCH_S = 978307200;

export function bplist(objects: BplistObject[], layout: BplistLayout = {}): Buffer {
  const refSize = layout.refSize ?? uintSize(objects.length - 1);
  const bodies = objects.map((o) => objectBytes(o, refSize));
  const offsets: number[] = [];
  let at = 8;
  for (const b of bodies) {
    offsets.push(at);
    at += b.length;
  }
  const offsetSize = layout.offsetSize ?? uintSize(at);
  const table = Buffer.concat(offsets.map((o) => uint(o, offsetSize)));
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = refSize;
  trailer.writeBigUInt64BE(layout.trailer?.numObjects ?? BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(layout.trailer?.topObject ?? BigInt(layout.top ?? 0), 16);
  trailer.writeBigUInt64BE(layout.trailer?.tableOffset ?? BigInt(at), 24);
  return Buffer.concat([Buffer.from('bplist00', 'latin1'), ...bodies, table, trailer]);
}

export const raw = (bytes: Buffer | number[]): BplistObject => ({ kind: 'raw', bytes: Buffer.from(bytes) });
export const bArray = (refs: number[]): BplistObject => ({ kind: 'array', refs });
export const bDict = (keys: number[], values: number[]): BplistObject => ({ kind: 'dict', keys, values });
export const bBool = (v: boolean): BplistObject => raw([v ? 0x09 : 0x08]);
export const bAscii = (s: string): BplistObject => raw(Buffer.concat([marker(0x5, s.length), Buffer.from(s, 'latin1')]));
export const bUtf16 = (s: string): BplistObject => raw(Buffer.concat([marker(0x6, s.length), Buffer.from(s, 'utf16le').swap16()]));
export const bData = (d: Buffer): BplistObject => raw(Buffer.concat([marker(0x4, d.length), d]));
export const bReal = (v: number): BplistObject => {
  const b = Buffer.alloc(9);
  b[0] = 0x23;
  b.writeDoubleBE(v, 1);
  return raw(b);
};
export const bDate = (d: Date): BplistObject => {
  const b = Buffer.alloc(9);
  b[0] = 0x33;
  b.writeDoubleBE(d.getTime() / 1000 - APPLE_EPOCH_S, 1);
  return raw(b);
};

/** CF's integer forms: 1, 2, 4 bytes unsigned; 8 bytes signed; 16 bytes for unsigned above 2^63-1. */
export const bInt = (v: bigint | number): BplistObject => raw(intBytes(BigInt(v)));

function intBytes(v: bigint): Buffer {
  if (v >= 0n && v < 1n << 32n) {
    const size = v < 256n ? 1 : v < 65536n ? 2 : 4;
    return Buffer.concat([Buffer.from([0x10 | Math.log2(size)]), uint(Number(v), size)]);
  }
  if (v >= -(1n << 63n) && v < 1n << 63n) {
    const b = Buffer.alloc(9);
    b[0] = 0x13;
    b.writeBigInt64BE(v, 1);
    return b;
  }
  const b = Buffer.alloc(17);
  b[0] = 0x14;
  b.writeBigUInt64BE(v, 9);
  return b;
}

/** Type nibble plus length: in the low nibble when below 15, else 0xF and an integer object. */
export function marker(type: number, length: number): Buffer {
  if (length < 15) return Buffer.from([(type << 4) | length]);
  return Buffer.concat([Buffer.from([(type << 4) | 0xf]), intBytes(BigInt(length))]);
}

function objectBytes(o: BplistObject, refSize: number): Buffer {
  if (o.kind === 'raw') return o.bytes;
  if (o.kind === 'array') return Buffer.concat([marker(0xa, o.refs.length), ...o.refs.map((r) => uint(r, refSize))]);
  return Buffer.concat([marker(0xd, o.keys.length), ...[...o.keys, ...o.values].map((r) => uint(r, refSize))]);
}

function uintSize(max: number): number {
  return max < 256 ? 1 : max < 65536 ? 2 : max < 2 ** 32 ? 4 : 8;
}

function uint(v: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  if (size === 0) return b;
  if (size === 8) b.writeBigUInt64BE(BigInt(v));
  else b.writeUIntBE(v, 0, size);
  return b;
}
