import * as fc from 'fast-check';
import { decodePlist } from '../../../src/apple/protocol/plist';
import { encodeBinaryPlist } from '../../helpers/bplist-encode';
import type { FuzzTarget } from '../fuzz-target';
import { hostileBplistTrailers, hostileBplistValues } from '../hostile-bplist';
import { BPLIST_TOKENS, mutated } from '../mutate';
import { plistValue } from '../plist-arbitraries';

/** Trailer fields (offset in the 32-byte trailer, width) and the values that break size arithmetic. */
const TRAILER_FIELDS = [
  { at: 6, width: 1 }, { at: 7, width: 1 }, { at: 8, width: 8 }, { at: 16, width: 8 }, { at: 24, width: 8 },
];
const EXTREMES = [0n, 1n, 2n, 3n, 7n, 8n, 255n, 256n, 65_535n, 2n ** 31n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

const trailerEdit = fc.record({ field: fc.constantFrom(...TRAILER_FIELDS), value: fc.constantFrom(...EXTREMES) });

function editTrailer(doc: Buffer, edit: { field: { at: number; width: number }; value: bigint } | null): Buffer {
  if (!edit || doc.length < 32) return doc;
  const out = Buffer.from(doc);
  const at = out.length - 32 + edit.field.at;
  if (edit.field.width === 8) out.writeBigUInt64BE(edit.value, at);
  else out[at] = Number(edit.value & 0xffn);
  return out;
}

/** The binary property-list reader (src/apple/protocol/plist/binary-decode.ts) on generated `bplist00`, mutated. */
export const target: FuzzTarget<Buffer> = {
  name: 'plist-binary',
  arbitrary: fc
    .tuple(mutated(plistValue.map(encodeBinaryPlist), BPLIST_TOKENS), fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: trailerEdit }))
    .map(([doc, edit]) => editTrailer(doc, edit)),
  run(input) {
    JSON.stringify(decodePlist(input));
  },
  *hostile() {
    yield* hostileBplistValues();
    yield* hostileBplistTrailers();
  },
};
