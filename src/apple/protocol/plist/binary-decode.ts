import type { Budget } from './plist-limits';
import { plistError, plistInteger, setOwn, type PlistDict, type PlistValue } from './plist.types';

/**
 * Reader for binary property lists (`bplist00`). Apple devices send XML check-ins, but profiles and
 * some tooling use the binary form, and the device endpoints accept both (as nanomdm does).
 * Every offset is bounds-checked, object references may not form a cycle, and an object is
 * materialised, and charged to the shared budget with its content, every time it is referenced:
 * a small file that references the same string or array many times (binary billion laughs,
 * issue #9 finding 1) runs out of budget before it allocates, exactly as the same value written
 * out as XML would be refused for its size (see MAX_DECODED_BYTES).
 * Format: CoreFoundation CFBinaryPList.c (opensource.apple.com).
 */
export function decodeBinaryPlist(buf: Buffer, budget: Budget): PlistValue {
  if (buf.length < 8 + 32) throw plistError('binary plist too short');
  const t = buf.length - 32;
  const offsetSize = buf[t + 6]!;
  const refSize = buf[t + 7]!;
  const numObjects = readSize(buf, t + 8);
  const topObject = readSize(buf, t + 16);
  const tableOffset = readSize(buf, t + 24);
  if (![1, 2, 4, 8].includes(offsetSize) || ![1, 2, 4, 8].includes(refSize)) throw plistError('invalid binary plist trailer');
  if (numObjects === 0 || topObject >= numObjects || tableOffset < 8 || tableOffset + numObjects * offsetSize > t) {
    throw plistError('invalid binary plist trailer');
  }
  const reader = new BinaryReader(buf, budget, { offsetSize, refSize, numObjects, tableOffset, end: tableOffset });
  return reader.object(topObject, 1);
}

function readSize(buf: Buffer, at: number): number {
  const big = buf.readBigUInt64BE(at);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw plistError('invalid binary plist trailer');
  return Number(big);
}

function readUInt(buf: Buffer, at: number, size: number): number {
  if (size === 8) {
    const big = buf.readBigUInt64BE(at);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw plistError('binary plist offset out of range');
    return Number(big);
  }
  return buf.readUIntBE(at, size);
}

/** Seconds between the Unix epoch and Apple's reference date 2001-01-01T00:00:00Z. */
const APPLE_EPOCH_S = 978307200;

class BinaryReader {
  private readonly visiting = new Set<number>();
  constructor(
    private readonly buf: Buffer,
    private readonly budget: Budget,
    private readonly t: { offsetSize: number; refSize: number; numObjects: number; tableOffset: number; end: number },
  ) {}

  object(ref: number, depth: number): PlistValue {
    if (ref >= this.t.numObjects) throw plistError('binary plist object reference out of range');
    if (this.visiting.has(ref)) throw plistError('binary plist contains a cycle');
    this.budget.value(depth);
    const at = readUInt(this.buf, this.t.tableOffset + ref * this.t.offsetSize, this.t.offsetSize);
    if (at < 8 || at >= this.t.end) throw plistError('binary plist object offset out of range');
    this.visiting.add(ref);
    try {
      return this.decodeAt(at, depth);
    } finally {
      this.visiting.delete(ref);
    }
  }

  private decodeAt(at: number, depth: number): PlistValue {
    const marker = this.buf[at]!;
    const kind = marker >> 4;
    const info = marker & 0x0f;
    switch (kind) {
      case 0x0:
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        throw plistError(`unsupported binary plist marker 0x${marker.toString(16)}`);
      case 0x1:
        return this.integer(at + 1, 1 << info);
      case 0x2: {
        const size = 1 << info;
        this.need(at + 1, size);
        if (size === 4) return this.buf.readFloatBE(at + 1);
        if (size === 8) return this.buf.readDoubleBE(at + 1);
        throw plistError('invalid binary plist real');
      }
      case 0x3:
        if (marker !== 0x33) throw plistError('invalid binary plist date');
        return this.date(at + 1);
      case 0x4: {
        const { length, start } = this.length(at, info);
        this.need(start, length);
        this.budget.charge(length);
        return Buffer.from(this.buf.subarray(start, start + length));
      }
      case 0x5: {
        const { length, start } = this.length(at, info);
        this.need(start, length);
        this.budget.charge(length);
        return this.buf.toString('latin1', start, start + length);
      }
      case 0x6: {
        const { length, start } = this.length(at, info);
        this.need(start, length * 2);
        this.budget.charge(length);
        const units = Buffer.from(this.buf.subarray(start, start + length * 2));
        return units.swap16().toString('utf16le');
      }
      case 0xa: {
        const { length, start } = this.length(at, info);
        this.need(start, length * this.t.refSize);
        const items: PlistValue[] = [];
        for (let i = 0; i < length; i++) items.push(this.object(this.ref(start, i), depth + 1));
        return items;
      }
      case 0xd: {
        const { length, start } = this.length(at, info);
        this.need(start, length * 2 * this.t.refSize);
        this.budget.keys(length);
        const dict: PlistDict = {};
        for (let i = 0; i < length; i++) {
          const key = this.object(this.ref(start, i), depth + 1);
          if (typeof key !== 'string') throw plistError('binary plist dict key is not a string');
          setOwn(dict, key, this.object(this.ref(start, length + i), depth + 1));
        }
        return dict;
      }
      default:
        // 0x8 UID (NSKeyedArchiver) and sets have no meaning in MDM traffic.
        throw plistError(`unsupported binary plist marker 0x${marker.toString(16)}`);
    }
  }

  private integer(at: number, size: number): PlistValue {
    this.need(at, size);
    if (size <= 4) return this.buf.readUIntBE(at, size);
    if (size === 8) return plistInteger(this.buf.readBigInt64BE(at));
    if (size === 16) {
      // 128-bit form is used only for unsigned 64-bit values: the high half must be zero.
      if (this.buf.readBigUInt64BE(at) !== 0n) throw plistError('binary plist integer out of 64-bit range');
      return plistInteger(this.buf.readBigUInt64BE(at + 8));
    }
    throw plistError('invalid binary plist integer');
  }

  /** A date must be an instant a Date can hold: NaN or ±1e300 seconds would reach consumers as Invalid Date. */
  private date(at: number): Date {
    this.need(at, 8);
    const d = new Date((this.buf.readDoubleBE(at) + APPLE_EPOCH_S) * 1000);
    if (Number.isNaN(d.getTime())) throw plistError('invalid binary plist date');
    return d;
  }

  private length(at: number, info: number): { length: number; start: number } {
    if (info !== 0x0f) return { length: info, start: at + 1 };
    this.need(at + 1, 1);
    const marker = this.buf[at + 1]!;
    if (marker >> 4 !== 0x1) throw plistError('invalid binary plist length');
    const size = 1 << (marker & 0x0f);
    const length = this.integer(at + 2, size);
    if (typeof length !== 'number' || length < 0) throw plistError('invalid binary plist length');
    return { length, start: at + 2 + size };
  }

  private ref(start: number, index: number): number {
    return readUInt(this.buf, start + index * this.t.refSize, this.t.refSize);
  }

  private need(at: number, size: number): void {
    if (size < 0 || at + size > this.t.end) throw plistError('binary plist object runs past its end');
  }
}
