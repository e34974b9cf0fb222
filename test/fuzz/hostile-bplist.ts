import { bArray, bAscii, bBool, bData, bDict, bplist, bUtf16, marker, raw, type BplistObject } from '../helpers/bplist-writer';
import { BODY_LIMIT, type Hostile } from './hostile-xml';

/**
 * Hand-made worst cases for the binary plist reader: references that multiply one object (the
 * "billion laughs" of bplist, issue #9 finding 1), trailers and length fields that claim more
 * than the body holds, deep chains, cycles and the largest values a 1 MiB body can carry.
 * Only decodePlist reads them: the device endpoints refuse binary plists outright.
 */
const top = (objects: BplistObject[], at: number): Buffer => bplist(objects, { top: at });

const refsTo = (target: number, n: number) => Array.from({ length: n }, () => target);
const word = (length: number, type: number) => raw(Buffer.concat([marker(type, length), Buffer.alloc(length, 0x41)]));

export function* hostileBplistValues(): Generator<Hostile> {
  yield {
    label: 'finding 1: 590 KB string × 16 × 16 × 16 references',
    input: top([bArray(refsTo(1, 16)), bArray(refsTo(2, 16)), bArray(refsTo(3, 16)), bAscii('A'.repeat(590_000))], 0),
  };
  yield { label: '900 KB data × 65,000 references', input: top([bArray(refsTo(1, 65_000)), bData(Buffer.alloc(900_000, 7))], 0) };
  yield { label: '4 KB UTF-16 string × 250 × 250 references', input: top([bArray(refsTo(1, 250)), bArray(refsTo(2, 250)), bUtf16('é'.repeat(2048))], 0) };
  yield { label: 'array of 60,000 refs to an array of 60,000 refs', input: top([bArray(refsTo(1, 60_000)), bArray(refsTo(2, 60_000)), bBool(true)], 0) };
  yield { label: 'doubling chain 30 deep (2^30 values)', input: top(chain(30, (next) => bArray([next, next])), 0) };
  yield { label: 'doubling chain 60 deep (past maxDepth)', input: top(chain(60, (next) => bArray([next, next])), 0) };
  yield { label: 'dict chain 10,000 deep', input: top([bAscii('k'), ...chain(10_000, (next) => bDict([0], [next])).map((o) => shift(o, 1))], 1) };
  yield { label: '110,000 distinct values in one array', input: top([bArray(Array.from({ length: 110_000 }, (_, i) => i + 1)), ...Array.from({ length: 110_000 }, () => bBool(true))], 0) };
  yield { label: 'dict with 60,000 keys (all the same key object)', input: top([bDict(refsTo(1, 60_000), refsTo(2, 60_000)), bAscii('k'), bBool(true)], 0) };
  yield { label: 'one 1 MiB ASCII string', input: top([word(BODY_LIMIT - 1024, 0x5)], 0) };
  yield { label: 'one UTF-16 string of lone surrogates', input: top([raw(Buffer.concat([marker(0x6, 400_000), Buffer.alloc(800_000, 0xd8)]))], 0) };
  yield { label: 'self-referencing array', input: top([bArray([0])], 0) };
  yield { label: 'array claiming 2^62 elements', input: top([raw([0xaf, 0x13, 0x40, 0, 0, 0, 0, 0, 0, 0])], 0) };
  yield { label: 'string claiming 2^53 characters', input: top([raw([0x5f, 0x13, 0x00, 0x20, 0, 0, 0, 0, 0, 0])], 0) };
  yield { label: 'dict claiming 2^31 keys', input: top([raw([0xdf, 0x12, 0x80, 0, 0, 0])], 0) };
  yield { label: 'length given as a 128-bit integer', input: top([raw([0x5f, 0x14, ...Buffer.alloc(15, 0xff), 0x01])], 0) };
  yield { label: 'integer marker claiming 2^15 bytes', input: top([raw([0x1f, 0, 0, 0])], 0) };
  yield { label: 'real of 16 bytes', input: top([raw([0x24, ...Buffer.alloc(16)])], 0) };
  yield { label: 'date NaN', input: top([raw([0x33, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0])], 0) };
  yield { label: 'date 1e300 seconds', input: top([raw(Buffer.concat([Buffer.from([0x33]), dbl(1e300)]))], 0) };
}

/** Trailers that claim sizes and offsets far beyond the body (they apply to the whole document). */
export function* hostileBplistTrailers(): Generator<Hostile> {
  const small = [bArray([1, 1]), bAscii('x')];
  yield { label: 'trailer: 2^64-1 objects', input: bplist(small, { trailer: { numObjects: 2n ** 64n - 1n } }) };
  yield { label: 'trailer: 2^53-1 objects', input: bplist(small, { trailer: { numObjects: 2n ** 53n - 1n } }) };
  yield { label: 'trailer: top object 2^63', input: bplist(small, { trailer: { topObject: 2n ** 63n } }) };
  yield { label: 'trailer: offset table at 2^64-1', input: bplist(small, { trailer: { tableOffset: 2n ** 64n - 1n } }) };
  yield { label: 'trailer: offset table at 0', input: bplist(small, { trailer: { tableOffset: 0n } }) };
  yield { label: 'trailer: 8-byte offsets of 2^63', input: withOffsets(bplist(small, { offsetSize: 8 }), 2n ** 63n) };
  yield { label: 'trailer: 3-byte offsets', input: bplist(small, { offsetSize: 3 }) };
  yield { label: 'trailer: 0-byte references', input: bplist(small, { refSize: 0 }) };
  yield { label: 'offset table of 130,000 entries for 2 objects', input: bplist(small, { trailer: { numObjects: 130_000n } }) };
  yield { label: 'bplist00 then 1 MiB of zeros', input: Buffer.concat([Buffer.from('bplist00'), Buffer.alloc(BODY_LIMIT - 8)]) };
  yield { label: 'bplist00 then 1 MiB of 0xff', input: Buffer.concat([Buffer.from('bplist00'), Buffer.alloc(BODY_LIMIT - 8, 0xff)]) };
}

/** Objects 0..n-1 where object i refers to object i+1, ending in `true`. */
function chain(n: number, link: (next: number) => BplistObject): BplistObject[] {
  return [...Array.from({ length: n }, (_, i) => link(i + 1)), bBool(true)];
}

/** The same object with its references moved by `by` (to make room for objects in front). */
function shift(o: BplistObject, by: number): BplistObject {
  if (o.kind === 'array') return bArray(o.refs.map((r) => r + by));
  if (o.kind === 'dict') return bDict(o.keys, o.values.map((r) => r + by));
  return o;
}

function dbl(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b;
}

/** Rewrites every entry of an 8-byte offset table to `value`. */
function withOffsets(doc: Buffer, value: bigint): Buffer {
  const out = Buffer.from(doc);
  const t = out.length - 32;
  const count = Number(out.readBigUInt64BE(t + 8));
  const table = Number(out.readBigUInt64BE(t + 24));
  for (let i = 0; i < count; i++) out.writeBigUInt64BE(value, table + i * 8);
  return out;
}
