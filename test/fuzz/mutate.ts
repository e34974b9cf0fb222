import * as fc from 'fast-check';

/**
 * Byte-level mutations of a valid document, so that generated inputs stay *mostly valid-looking*
 * and reach deep into a parser instead of failing at its first byte. Positions are drawn as
 * naturals and taken modulo the document's length, so one mutation list fits any document.
 */
export type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Buffer }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'repeat'; at: number; length: number; times: number };

export function mutation(tokens: readonly Buffer[]): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at, byte: fc.nat(255) }),
    fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.oneof(fc.constantFrom(...tokens), fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a))) }),
    fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({ kind: fc.constant('repeat' as const), at, length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 40 }) }),
  );
}

export function applyMutation(doc: Buffer, m: Mutation): Buffer {
  const at = doc.length === 0 ? 0 : m.at % doc.length;
  switch (m.kind) {
    case 'set': {
      const out = Buffer.from(doc);
      if (out.length > 0) out[at] = m.byte;
      return out;
    }
    case 'insert':
      return Buffer.concat([doc.subarray(0, at), m.bytes, doc.subarray(at)]);
    case 'delete':
      return Buffer.concat([doc.subarray(0, at), doc.subarray(at + m.length)]);
    case 'truncate':
      return doc.subarray(0, at);
    case 'repeat': {
      const slice = doc.subarray(at, at + m.length);
      return Buffer.concat([doc.subarray(0, at), ...Array.from({ length: m.times }, () => slice), doc.subarray(at + m.length)]);
    }
  }
}

/** Half the inputs are the valid document itself, the rest carry one to three mutations. */
export function mutated(doc: fc.Arbitrary<Buffer>, tokens: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const mutations = fc.oneof(fc.constant([] as Mutation[]), fc.array(mutation(tokens), { minLength: 1, maxLength: 3 }));
  return fc.tuple(doc, mutations).map(([d, ms]) => ms.reduce(applyMutation, d));
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Fragments that change an XML plist's meaning: markup, entities, number edges, broken UTF-8. */
export const XML_TOKENS: readonly Buffer[] = [
  '<', '>', '/', '&', '&amp;', '&#0;', '&#xD800;', '&#x110000;', '&nbsp;', ']]>', '<![CDATA[', '<!--', '-->', '<?xml encoding="UTF-16"?>',
  '<!DOCTYPE plist [<!ENTITY x "y">]>', '<dict>', '</dict>', '<array>', '</array>', '<key>k</key>', '<key>__proto__</key>',
  '<string>', '</string>', '<integer>', '</integer>', '<real>', '</real>', '<date>', '<data>', '<true/>', '<false/>', '<dict/>',
  '18446744073709551616', '-9223372036854775809', '9007199254740993', '1e999', '-1e-999', 'NaN', '-inf', '.', 'e', '+', '0000-00-00T00:00:00Z', '=', '  \n\t',
].map(utf8).concat([Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0x00])]);

/** Bytes that are markers, length escapes and extreme sizes in `bplist00`. */
export const BPLIST_TOKENS: readonly Buffer[] = [
  [0x0f], [0x00], [0x08], [0x09], [0x13], [0x14], [0x1f], [0x23], [0x33], [0x4f, 0x13], [0x5f, 0x10, 0xff], [0x6f, 0x12, 0x7f, 0xff, 0xff, 0xff], [0x80],
  [0xaf, 0x13, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xdf, 0x11, 0xff, 0xff], [0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
].map((b) => Buffer.from(b));
