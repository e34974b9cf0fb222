/**
 * The BER/DER reader for everything a device sends (Mdm-Signature, SCEP pkiMessage, CSR,
 * certificates inside CMS). It records offsets into the buffer, never copies (X.690 §8.1).
 * Elements are decoded on first need and kept: each header is read at most once per tree, and
 * every later question (children, content, whether anything inside is indefinite, re-encoding)
 * walks what was kept, so all work is linear in the input. Reading only what is asked for keeps
 * the per-request Mdm-Signature check cheap (its certificate is known by fingerprint); `readAll`
 * reads the rest, for callers that hand the whole input on (forge). Every element read is at most
 * BER_MAX_DEPTH deep and one of at most BER_MAX_NODES, so no input can exhaust the call stack
 * or allocate without bound.
 */
import { decodeOid, expect, lengthOctets, tagLength, writeLength } from './ber-primitives';
import { BER_MAX_DEPTH, BER_MAX_NODES, badBer as bad, T, UNIVERSAL, type Tlv } from './ber-tlv';

export * from './ber-tlv';
export { decodeOid, expect, withoutLeadingZeros } from './ber-primitives';

/** Longest length field read: 4 octets already cover any body Slate accepts (1 MiB). */
const MAX_LENGTH_OCTETS = 4;
/** Longest high tag number: 3 octets (tags below 2^21); real CMS uses tags below 31. */
const MAX_TAG_OCTETS = 3;

export interface ReadOptions {
  /** Distinguished encoding only (X.690 §10): definite minimal lengths, primitive strings. For certificates, CSRs, keys. */
  der?: boolean;
  /** Names the input in error messages. */
  what?: string;
}


/** Universal types that are always primitive (X.690 §8.2, §8.3, §8.8, §8.19, §8.4). */
const PRIMITIVE_ONLY = (1 << T.BOOLEAN) | (1 << T.INTEGER) | (1 << T.NULL) | (1 << T.OID) | (1 << T.ENUMERATED);

/** Reads `buf` as exactly one element (nothing may follow it). */
export function readBer(buf: Buffer, o: ReadOptions = {}): BerTree {
  return new BerTree(buf, o);
}

export class BerTree {
  readonly root: Tlv;
  /** Element headers read so far; at most BER_MAX_NODES. */
  nodes = 0;
  /**
   * Elements visited so far: one per header read, one per element visited afterwards (indefinite
   * check, re-encoding, string chunks). Tests assert it stays within a constant factor of `nodes`.
   */
  work = 0;

  constructor(
    readonly buf: Buffer,
    private readonly o: ReadOptions = {},
  ) {
    if (buf.length === 0) bad(o.what, 'empty');
    this.root = this.element(0, buf.length, 0);
    if (this.root.end !== buf.length) bad(o.what, 'trailing bytes');
  }

  /** Reads every element not read yet, so the limits and checks have covered the whole input. */
  readAll(): this {
    const pending: Tlv[] = [this.root];
    for (let n = pending.pop(); n; n = pending.pop()) if (n.constructed) for (const c of this.children(n)) pending.push(c);
    return this;
  }

  private element(offset: number, limit: number, depth: number): Tlv {
    const n = this.header(offset, limit, depth);
    if (!n.indefinite) return n;
    // Only the children tell where an indefinite length ends; they are kept, so none is read twice.
    const buf = this.buf;
    const kids: Tlv[] = [];
    let p = n.contentStart;
    for (;;) {
      if (p + 2 > limit) bad(this.o.what, 'missing end-of-contents');
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      const c = this.element(p, limit, depth + 1);
      kids.push(c);
      p = c.end;
    }
    n.contentEnd = p;
    n.end = p + 2;
    n.kids = kids;
    return n;
  }

  /** Reads identifier and length octets at `offset`; a definite element must end by `limit`. */
  private header(offset: number, limit: number, depth: number): Tlv {
    const { buf, o } = this;
    this.work++;
    if (++this.nodes > BER_MAX_NODES) bad(o.what, `more than ${BER_MAX_NODES} elements`);
    if (depth >= BER_MAX_DEPTH) bad(o.what, `nested deeper than ${BER_MAX_DEPTH}`);
    let p = offset;
    if (p >= limit) bad(o.what, 'truncated');
    const first = buf[p++]!;
    const cls = first >> 6;
    const constructed = (first & 0x20) !== 0;
    let tag = first & 0x1f;
    if (tag === 0x1f) {
      tag = 0;
      for (let i = 0; ; i++) {
        if (p >= limit || i >= MAX_TAG_OCTETS) bad(o.what, 'bad tag');
        const b = buf[p++]!;
        if (i === 0 && b === 0x80 && o.der) bad(o.what, 'non-minimal tag');
        tag = (tag << 7) | (b & 0x7f);
        if ((b & 0x80) === 0) break;
      }
    }
    // Universal 0 is the end-of-contents marker, which only closes an indefinite length.
    if (cls === UNIVERSAL && tag === 0) bad(o.what, 'unexpected end-of-contents');
    if (p >= limit) bad(o.what, 'truncated');
    const lenByte = buf[p++]!;
    // All fields present from the start: one object shape for every element keeps V8's property access fast.
    const node: Tlv = { cls, constructed, tag, start: offset, contentStart: p, contentEnd: p, end: p, indefinite: false, depth, kids: undefined, anyIndefinite: undefined };
    if (cls === UNIVERSAL) {
      if ((tag === T.SEQUENCE || tag === T.SET) && !constructed) bad(o.what, 'primitive SEQUENCE or SET');
      if (constructed && tag < 31 && (PRIMITIVE_ONLY >> tag) & 1) bad(o.what, 'constructed encoding of a primitive type');
      if (o.der && constructed && tag !== T.SEQUENCE && tag !== T.SET) bad(o.what, 'constructed string in DER');
    }
    if (lenByte === 0x80) {
      if (o.der) bad(o.what, 'indefinite length in DER');
      if (!constructed) bad(o.what, 'indefinite length on a primitive');
      node.indefinite = true;
      return node;
    }
    let len = lenByte;
    if (lenByte & 0x80) {
      const n = lenByte & 0x7f;
      if (n > MAX_LENGTH_OCTETS || p + n > limit) bad(o.what, 'bad length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
      if (o.der && (len < 0x80 || buf[p - n] === 0)) bad(o.what, 'non-minimal length in DER');
    }
    if (p + len > limit) bad(o.what, 'truncated');
    if (cls === UNIVERSAL && !constructed && ((tag === T.BMP_STRING && len % 2) || (tag === T.UNIVERSAL_STRING && len % 4))) bad(o.what, 'partial character');
    node.contentStart = p;
    node.contentEnd = p + len;
    node.end = p + len;
    return node;
  }

  /** The element's bytes exactly as sent. */
  raw(node: Tlv): Buffer {
    return this.buf.subarray(node.start, node.end);
  }

  children(node: Tlv | undefined, what = 'value'): Tlv[] {
    if (!node?.constructed) bad(this.o.what, `${what}: expected a constructed value`);
    if (node.kids) return node.kids;
    const kids: Tlv[] = [];
    for (let p = node.contentStart; p < node.contentEnd; ) {
      const c = this.element(p, node.contentEnd, node.depth + 1);
      kids.push(c);
      p = c.end;
    }
    node.kids = kids;
    return kids;
  }

  /** Whether the element or anything inside it has an indefinite length; each element is asked once. */
  hasIndefinite(node: Tlv): boolean {
    if (node.indefinite) return true;
    if (!node.constructed) return false;
    if (node.anyIndefinite === undefined) {
      this.work++;
      node.anyIndefinite = this.children(node).some((c) => this.hasIndefinite(c));
    }
    return node.anyIndefinite;
  }

  /**
   * Content of a primitive, or of a constructed (BER, chunked) string by joining its chunks, which
   * must carry the string's own tag (X.690 §8.7.3.2, §8.23.6).
   */
  content(node: Tlv): Buffer {
    if (!node.constructed) return this.buf.subarray(node.contentStart, node.contentEnd);
    // Each chunk of a BIT STRING has its own unused-bits octet, so joining them is not its value;
    // nothing Slate reads is a chunked BIT STRING.
    if (node.cls === UNIVERSAL && node.tag === T.BIT_STRING) bad(this.o.what, 'constructed BIT STRING');
    // Chunks of an implicitly tagged string are OCTET STRINGs (X.690 §8.7.3.2).
    const chunkTag = node.cls === UNIVERSAL ? node.tag : T.OCTET_STRING;
    const chunks: Buffer[] = [];
    const collect = (n: Tlv): void => {
      for (const c of this.children(n)) {
        this.work++;
        if (c.cls !== UNIVERSAL || c.tag !== chunkTag) bad(this.o.what, 'string chunk of another type');
        if (c.constructed) collect(c);
        else chunks.push(this.buf.subarray(c.contentStart, c.contentEnd));
      }
    };
    collect(node);
    return Buffer.concat(chunks);
  }

  /**
   * The element's bytes with definite lengths throughout (what a signature over DER covers, RFC
   * 5652 §5.4), optionally under another identifier octet. Two walks over the subtree: lengths
   * bottom-up, then one write into a buffer of the final size.
   */
  definite(node: Tlv, tagByte?: number): Buffer {
    const buf = this.buf;
    if (!this.hasIndefinite(node)) {
      const raw = this.raw(node);
      if (tagByte === undefined) return raw;
      const copy = Buffer.from(raw);
      copy[0] = tagByte;
      return copy;
    }
    const contentLength = new Map<Tlv, number>();
    const size = (n: Tlv): number => {
      this.work++;
      if (!this.hasIndefinite(n)) return n.end - n.start;
      let len = 0;
      for (const c of this.children(n)) len += size(c);
      contentLength.set(n, len);
      return tagLength(buf, n) + lengthOctets(len) + len;
    };
    const out = Buffer.allocUnsafe(size(node));
    let w = 0;
    const write = (n: Tlv): void => {
      this.work++;
      if (!this.hasIndefinite(n)) {
        w += buf.copy(out, w, n.start, n.end);
        return;
      }
      w += buf.copy(out, w, n.start, n.start + tagLength(buf, n));
      w = writeLength(out, w, contentLength.get(n)!);
      for (const c of this.children(n)) write(c);
    };
    write(node);
    if (tagByte !== undefined) out[0] = tagByte;
    return out;
  }

  /** Dotted text of an OBJECT IDENTIFIER (X.690 §8.19): minimal subidentifiers, none cut short. */
  oid(node: Tlv | undefined, what: string): string {
    const n = expect(node, UNIVERSAL, T.OID, what);
    return decodeOid(this.buf.subarray(n.contentStart, n.contentEnd), what);
  }

  /** INTEGER content octets (two's complement, big-endian); at least one octet. */
  integer(node: Tlv | undefined, what: string): Buffer {
    const n = expect(node, UNIVERSAL, T.INTEGER, what);
    if (n.contentEnd === n.contentStart) bad(this.o.what, `${what}: empty INTEGER`);
    const b = this.buf.subarray(n.contentStart, n.contentEnd);
    if (this.o.der && b.length > 1 && ((b[0] === 0 && !(b[1]! & 0x80)) || (b[0] === 0xff && b[1]! & 0x80))) bad(this.o.what, `${what}: non-minimal INTEGER`);
    return b;
  }

  /** A BIT STRING that holds whole octets (keys, signatures): its octets without the unused-bits octet. */
  octetBits(node: Tlv | undefined, what: string): Buffer {
    const n = expect(node, UNIVERSAL, T.BIT_STRING, what);
    const c = this.content(n);
    if (c.length === 0 || c[0] !== 0) bad(this.o.what, `${what}: BIT STRING with unused bits`);
    return c.subarray(1);
  }

  /** Text of a DirectoryString-like value; UTF-8 and BMP must decode cleanly. */
  text(node: Tlv | undefined, what: string): string {
    if (!node || node.cls !== UNIVERSAL || !TEXT_TAGS.has(node.tag)) bad(this.o.what, `${what}: expected a string`);
    const c = this.content(node);
    if (node.tag === T.UTF8_STRING) {
      try {
        return UTF8.decode(c);
      } catch {
        return bad(this.o.what, `${what}: invalid UTF-8`);
      }
    }
    if (node.tag === T.BMP_STRING) {
      if (c.length % 2) bad(this.o.what, `${what}: partial character`);
      // UTF-16BE; Node decodes only little-endian, so swap a copy.
      return Buffer.from(c).swap16().toString('utf16le');
    }
    return c.toString('latin1');
  }
}

/** String types read as text: UTF8String, PrintableString, TeletexString, IA5String, BMPString. */
const TEXT_TAGS = new Set<number>([T.UTF8_STRING, T.PRINTABLE_STRING, T.TELETEX_STRING, T.IA5_STRING, T.BMP_STRING]);
const UTF8 = new TextDecoder('utf-8', { fatal: true });
