import { BER_MAX_OID_OCTETS, badBer, type Tlv } from './ber-tlv';

/** Values decoded from content octets, and the length fields re-encoding writes (X.690 §8.1.3, §8.19). */

export function expect(node: Tlv | undefined, cls: number, tag: number, what: string): Tlv {
  if (!node || node.cls !== cls || node.tag !== tag) badBer(undefined, `${what}: unexpected element`);
  return node;
}

/** Arcs above this continue as BigInt: one more septet could pass 2^53. */
const SAFE_ARC = 2 ** 45;

/** Dotted OID text from content octets; refuses padded (0x80-led) and cut-short subidentifiers. */
export function decodeOid(b: Buffer, what: string): string {
  if (b.length === 0) badBer(undefined, `${what}: empty OID`);
  if (b.length > BER_MAX_OID_OCTETS) badBer(undefined, `${what}: OID longer than ${BER_MAX_OID_OCTETS} octets`);
  if (b[b.length - 1]! & 0x80) badBer(undefined, `${what}: OID cut short`);
  let text = '';
  let v = 0;
  let big: bigint | null = null;
  let startOfArc = true;
  for (let i = 0; i < b.length; i++) {
    const byte = b[i]!;
    if (startOfArc && byte === 0x80) badBer(undefined, `${what}: padded OID arc`);
    startOfArc = false;
    // Arcs past 2^53 (UUID arcs under 2.25) continue as BigInt so the text stays exact.
    if (big === null && v > SAFE_ARC) big = BigInt(v);
    if (big !== null) big = big * 128n + BigInt(byte & 0x7f);
    else v = v * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    const arc = big ?? v;
    if (text === '') {
      // The first subidentifier packs two arcs: 40 * X + Y, with X ≤ 2 (X.690 §8.19.4).
      text = arc < 80 ? `${Math.floor(Number(arc) / 40)}.${Number(arc) % 40}` : `2.${typeof arc === 'bigint' ? arc - 80n : arc - 80}`;
    } else text += `.${arc}`;
    v = 0;
    big = null;
    startOfArc = true;
  }
  return text;
}

export function tagLength(buf: Buffer, n: Tlv): number {
  if ((buf[n.start]! & 0x1f) !== 0x1f) return 1;
  let p = n.start + 1;
  while (buf[p]! & 0x80) p++;
  return p - n.start + 1;
}

export function lengthOctets(n: number): number {
  if (n < 0x80) return 1;
  let k = 0;
  for (let v = n; v > 0; v = v >>> 8) k++;
  return 1 + k;
}

export function writeLength(out: Buffer, at: number, n: number): number {
  if (n < 0x80) {
    out[at] = n;
    return at + 1;
  }
  const k = lengthOctets(n) - 1;
  out[at] = 0x80 | k;
  for (let i = k, v = n; i >= 1; i--, v = v >>> 8) out[at + i] = v & 0xff;
  return at + 1 + k;
}

/** An INTEGER's content without leading zero octets: serials compare equal however they were padded. */
export function withoutLeadingZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
