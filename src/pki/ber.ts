import { AppError } from '../errors';

/**
 * A minimal BER/DER reader that walks a Buffer in place, for the per-request Mdm-Signature check.
 * forge's codec (der.ts) copies every value into binary strings and objects, which made parsing
 * the signature cost more than verifying it; this one only records offsets. Indefinite lengths
 * are allowed (iOS sends BER); nesting depth and lengths are bounded by the input.
 */
export interface Tlv {
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  tag: number;
  start: number;
  contentStart: number;
  contentEnd: number;
  /** End of the whole element (after the end-of-contents octets of an indefinite length). */
  end: number;
  indefinite: boolean;
}

export const UNIVERSAL = 0;
export const CONTEXT = 2;
export const T = { INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, SEQUENCE: 16, SET: 17 } as const;

const MAX_DEPTH = 40;

function bad(what: string): never {
  throw new AppError('bad_request', `BER: ${what}`);
}

/** Reads the element starting at `offset`; it must end at or before `limit`. */
export function readTlv(buf: Buffer, offset: number, limit = buf.length, depth = 0): Tlv {
  if (depth > MAX_DEPTH) bad('nested too deeply');
  let p = offset;
  if (p >= limit) bad('truncated');
  const first = buf[p++]!;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      if (p >= limit || i > 3) bad('bad tag');
      const b = buf[p++]!;
      tag = (tag << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= limit) bad('truncated');
  const lenByte = buf[p++]!;
  if (lenByte === 0x80) {
    if (!constructed) bad('indefinite length on a primitive');
    const contentStart = p;
    // Walk the children to find the end-of-contents octets.
    while (true) {
      if (p + 2 > limit) bad('missing end-of-contents');
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      p = readTlv(buf, p, limit, depth + 1).end;
    }
    return { cls, constructed, tag, start: offset, contentStart, contentEnd: p, end: p + 2, indefinite: true };
  }
  let len = lenByte;
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f;
    if (n > 4 || p + n > limit) bad('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  if (p + len > limit) bad('truncated');
  return { cls, constructed, tag, start: offset, contentStart: p, contentEnd: p + len, end: p + len, indefinite: false };
}

/** Parses a whole buffer as one element (nothing may follow it). */
export function readRoot(buf: Buffer): Tlv {
  const root = readTlv(buf, 0);
  if (root.end !== buf.length) bad('trailing bytes');
  return root;
}

export function childrenOf(buf: Buffer, node: Tlv, depth = 0): Tlv[] {
  if (!node.constructed) bad('expected a constructed value');
  const out: Tlv[] = [];
  let p = node.contentStart;
  while (p < node.contentEnd) {
    const c = readTlv(buf, p, node.contentEnd, depth + 1);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function expect(node: Tlv | undefined, cls: number, tag: number, what: string): Tlv {
  if (!node || node.cls !== cls || node.tag !== tag) bad(`${what}: unexpected element`);
  return node;
}

/** Content of a primitive, or of a constructed (BER, chunked) string by concatenating its chunks. */
export function contentOf(buf: Buffer, node: Tlv): Buffer {
  if (!node.constructed) return buf.subarray(node.contentStart, node.contentEnd);
  return Buffer.concat(childrenOf(buf, node).map((c) => contentOf(buf, c)));
}

/** The element's bytes, re-encoded with definite lengths when it (or anything inside) used BER indefinite ones. */
export function definiteBytes(buf: Buffer, node: Tlv, tagByte?: number): Buffer {
  if (!hasIndefinite(buf, node)) {
    const raw = buf.subarray(node.start, node.end);
    if (tagByte === undefined) return raw;
    const copy = Buffer.from(raw);
    copy[0] = tagByte;
    return copy;
  }
  const first = tagByte ?? buf[node.start]!;
  const headerTag = buf.subarray(node.start, node.contentStart - lengthOctets(buf, node));
  const tagBytes = tagByte === undefined ? headerTag : Buffer.from([first]);
  const content = node.constructed ? Buffer.concat(childrenOf(buf, node).map((c) => definiteBytes(buf, c))) : buf.subarray(node.contentStart, node.contentEnd);
  return Buffer.concat([tagBytes, encodeLength(content.length), content]);
}

function hasIndefinite(buf: Buffer, node: Tlv): boolean {
  if (node.indefinite) return true;
  if (!node.constructed) return false;
  return childrenOf(buf, node).some((c) => hasIndefinite(buf, c));
}

function lengthOctets(buf: Buffer, node: Tlv): number {
  if (node.indefinite) return 1;
  // The length octets sit right before the content; count back through the header.
  let p = node.start + 1;
  if ((buf[node.start]! & 0x1f) === 0x1f) while (buf[p++]! & 0x80);
  return node.contentStart - p;
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Dotted OID text of an OBJECT IDENTIFIER element. */
export function oidOf(buf: Buffer, node: Tlv | undefined, what: string): string {
  const n = expect(node, UNIVERSAL, T.OID, what);
  if (n.constructed || n.contentEnd === n.contentStart) bad(`${what}: bad OID`);
  const parts: number[] = [];
  let v = 0;
  for (let p = n.contentStart; p < n.contentEnd; p++) {
    const b = buf[p]!;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** An INTEGER's content without leading zero octets: serials compare equal however they were padded. */
export function withoutLeadingZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
