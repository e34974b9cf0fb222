import * as fc from 'fast-check';
import { readBer, type BerTree, type Tlv } from '../../src/pki/ber';
import { lengthOctets, nestDefinite, nestIndefinite, tlv } from './der-build';

/**
 * Structure-aware mutations of BER documents (CMS, SCEP, CSRs, certificates): they pick an
 * element of a real message and change it as a hostile encoder would (a wrong length octet, a
 * duplicated or deleted TLV, deeper nesting, another tag, an indefinite length, a spliced or
 * hostile primitive) and then fix every enclosing length, so the result still reads as BER down to
 * the mutated element and reaches the code behind the reader. Positions are naturals taken modulo
 * the number of elements, so one mutation fits any document.
 */

export interface Element {
  /** Child indexes from the root. */
  path: number[];
  node: Tlv;
}

/** Every element of a document read in full, outermost first. */
export function elements(tree: BerTree): Element[] {
  tree.readAll();
  const out: Element[] = [];
  const walk = (node: Tlv, path: number[]): void => {
    out.push({ path, node });
    if (node.constructed) tree.children(node).forEach((c, i) => walk(c, [...path, i]));
  };
  walk(tree.root, []);
  return out;
}

function identifierOctets(tree: BerTree, n: Tlv): Buffer {
  let end = n.start + 1;
  if ((tree.buf[n.start]! & 0x1f) === 0x1f) while (tree.buf[end++]! & 0x80);
  return tree.buf.subarray(n.start, end);
}

/**
 * The document with the element at `path` replaced by `replacement` (zero or more whole TLVs);
 * every enclosing definite length is recomputed and indefinite ones stay indefinite.
 */
export function replaceAt(tree: BerTree, path: number[], replacement: Buffer): Buffer {
  const rebuild = (node: Tlv, depth: number): Buffer => {
    if (depth === path.length) return replacement;
    const content = Buffer.concat(tree.children(node).map((c, i) => (i === path[depth] ? rebuild(c, depth + 1) : tree.raw(c))));
    const id = identifierOctets(tree, node);
    return node.indefinite ? Buffer.concat([id, Buffer.from([0x80]), content, Buffer.alloc(2)]) : Buffer.concat([id, lengthOctets(content.length), content]);
  };
  return rebuild(tree.root, 0);
}

/** Primitive TLVs that parsers get wrong: huge and padded INTEGERs, BIT STRINGs with unused bits, odd OIDs, bad text. */
export const HOSTILE_PRIMITIVES: readonly Buffer[] = [
  tlv(0x02, Buffer.alloc(0)),
  tlv(0x02, Buffer.alloc(600, 0xff)),
  tlv(0x02, Buffer.concat([Buffer.alloc(40), Buffer.from([1])])),
  tlv(0x02, Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 1])),
  tlv(0x03, Buffer.from([0x07, 0x80])),
  tlv(0x03, Buffer.from([0x09, 0xff])),
  tlv(0x03, Buffer.alloc(0)),
  tlv(0x06, Buffer.from('2a0304', 'hex')),
  tlv(0x06, Buffer.from('2a80864886f70d', 'hex')),
  tlv(0x06, Buffer.from('2a864886f70d0107ff', 'hex')),
  tlv(0x06, Buffer.from('69' + 'ff'.repeat(40) + '01', 'hex')),
  tlv(0x06, Buffer.alloc(0)),
  tlv(0x0c, Buffer.from('c328a0a1', 'hex')),
  tlv(0x1e, Buffer.from('00410042ff', 'hex')),
  tlv(0x13, Buffer.from('19')),
  tlv(0x05, Buffer.from([0])),
  tlv(0x01, Buffer.from([1, 2])),
  tlv(0x04, Buffer.alloc(0)),
  tlv(0x30, Buffer.alloc(0)),
  tlv(0x31, Buffer.alloc(0)),
  tlv(0xa0, Buffer.alloc(0)),
  tlv(0x80, Buffer.from([0x01])),
  Buffer.from('1f8fffffff7f00', 'hex'),
  Buffer.from('0000', 'hex'),
  Buffer.from('3084ffffffff', 'hex'),
];

export type TlvMutation =
  | { kind: 'length'; at: number; byte: number }
  | { kind: 'identifier'; at: number; byte: number }
  | { kind: 'duplicate'; at: number; times: number }
  | { kind: 'delete'; at: number }
  | { kind: 'nest'; at: number; levels: number; indefinite: boolean }
  | { kind: 'indefinite'; at: number }
  | { kind: 'splice'; at: number; from: number }
  | { kind: 'primitive'; at: number; tlv: Buffer }
  | { kind: 'truncate'; at: number }
  | { kind: 'byte'; at: number; byte: number }
  | { kind: 'inner'; at: number; then: TlvMutation };

const at = fc.nat();
const byte = fc.nat(255);
const simple: fc.Arbitrary<TlvMutation> = fc.oneof(
  fc.record({ kind: fc.constant('length' as const), at, byte }),
  fc.record({ kind: fc.constant('identifier' as const), at, byte }),
  fc.record({ kind: fc.constant('duplicate' as const), at, times: fc.integer({ min: 2, max: 50 }) }),
  fc.record({ kind: fc.constant('delete' as const), at }),
  fc.record({ kind: fc.constant('nest' as const), at, levels: fc.integer({ min: 1, max: 40 }), indefinite: fc.boolean() }),
  fc.record({ kind: fc.constant('indefinite' as const), at }),
  fc.record({ kind: fc.constant('splice' as const), at, from: fc.nat() }),
  fc.record({
    kind: fc.constant('primitive' as const), at,
    tlv: fc.oneof(fc.constantFrom(...HOSTILE_PRIMITIVES), fc.tuple(byte, fc.uint8Array({ maxLength: 24 })).map(([id, c]) => tlv(id & 0xdf, Buffer.from(c)))),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at }),
  fc.record({ kind: fc.constant('byte' as const), at, byte }),
);

/** One mutation; `inner` mutates the BER carried inside an OCTET STRING (a SCEP envelope, an extension value). */
export const tlvMutation: fc.Arbitrary<TlvMutation> = fc.oneof({ weight: 6, arbitrary: simple }, { weight: 1, arbitrary: fc.record({ kind: fc.constant('inner' as const), at, then: simple }) });

function byteLevel(doc: Buffer, m: TlvMutation): Buffer {
  if (doc.length === 0) return doc;
  const i = m.at % doc.length;
  if (m.kind === 'truncate') return doc.subarray(0, i);
  const out = Buffer.from(doc);
  out[i] = 'byte' in m ? m.byte : out[i]! ^ 0xff;
  return out;
}

export function applyTlvMutation(doc: Buffer, m: TlvMutation): Buffer {
  if (m.kind === 'truncate' || m.kind === 'byte') return byteLevel(doc, m);
  let tree: BerTree;
  let els: Element[];
  try {
    tree = readBer(doc);
    els = elements(tree);
  } catch {
    // An earlier mutation broke the structure: keep mutating bytes.
    return byteLevel(doc, m);
  }
  const { path, node } = els[m.at % els.length]!;
  const raw = tree.raw(node);
  switch (m.kind) {
    case 'length': {
      const out = Buffer.from(doc);
      out[node.start + identifierOctets(tree, node).length] = m.byte;
      return out;
    }
    case 'identifier': {
      const out = Buffer.from(doc);
      out[node.start] = m.byte;
      return out;
    }
    case 'duplicate':
      return path.length ? replaceAt(tree, path, Buffer.concat(Array.from({ length: m.times }, () => raw))) : Buffer.concat([raw, raw]);
    case 'delete':
      return path.length ? replaceAt(tree, path, Buffer.alloc(0)) : Buffer.alloc(0);
    case 'nest':
      return replaceAt(tree, path, m.indefinite ? nestIndefinite(m.levels, raw) : nestDefinite(m.levels, raw));
    case 'indefinite': {
      if (!node.constructed) return replaceAt(tree, path, nestIndefinite(1, raw));
      const content = Buffer.concat(tree.children(node).map((c) => tree.raw(c)));
      return replaceAt(tree, path, Buffer.concat([identifierOctets(tree, node), Buffer.from([0x80]), content, Buffer.alloc(2)]));
    }
    case 'splice':
      return replaceAt(tree, path, tree.raw(els[m.from % els.length]!.node));
    case 'primitive':
      return replaceAt(tree, path, m.tlv);
    case 'inner': {
      const strings = els.filter((e) => !e.node.constructed && e.node.tag === 4 && e.node.cls === 0 && e.node.contentEnd - e.node.contentStart > 2);
      const target = strings[m.at % Math.max(1, strings.length)];
      if (!target) return applyTlvMutation(doc, m.then);
      const content = tree.buf.subarray(target.node.contentStart, target.node.contentEnd);
      return replaceAt(tree, target.path, tlv(0x04, applyTlvMutation(content, m.then)));
    }
  }
}

/** A seed from `seeds`, then up to `max` mutations. */
export function mutatedBer(seeds: readonly Buffer[], max = 3): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(tlvMutation, { maxLength: max })).map(([seed, ms]) => ms.reduce(applyTlvMutation, seed));
}
