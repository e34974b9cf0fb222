import * as fc from 'fast-check';
import { CONTEXT, readBer, T, UNIVERSAL, type BerTree } from '../../../src/pki/ber';
import { pemToDers } from '../../../src/pki/x509';
import { outcome } from '../../helpers/property';
import { elements, mutatedBer } from '../ber-mutate';
import type { FuzzTarget } from '../fuzz-target';
import { hostileBer } from '../hostile-pki';
import { csrSeeds, mdmSignatureSeeds, readFixture, scepSeeds } from '../pki-corpus';

/** Every question the codec asks of an element, so each reader path meets the input. */
function exercise(tree: BerTree): void {
  tree.readAll();
  tree.definite(tree.root, 0x31);
  for (const { node } of elements(tree)) {
    if (node.cls === CONTEXT && !node.constructed) outcome(() => tree.content(node));
    if (node.cls !== UNIVERSAL) continue;
    if (node.tag === T.OID) outcome(() => tree.oid(node, 'oid'));
    else if (node.tag === T.INTEGER) outcome(() => tree.integer(node, 'integer'));
    else if (node.tag === T.BIT_STRING) outcome(() => tree.octetBits(node, 'bits'));
    else if (node.tag !== T.SEQUENCE && node.tag !== T.SET) outcome(() => tree.text(node, 'text'));
  }
}

const certificates = pemToDers(readFixture('scep/ca.pem').toString());

/** The generic BER/DER reader (src/pki/ber.ts) on mutated real messages, read as BER and as DER. */
export const target: FuzzTarget<Buffer> = {
  name: 'ber',
  arbitrary: fc.oneof(
    { weight: 8, arbitrary: mutatedBer([...scepSeeds(), ...mdmSignatureSeeds().map((s) => s.signature), ...csrSeeds().map((s) => s.csr), ...certificates], 4) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  ),
  run(input) {
    outcome(() => exercise(readBer(input)));
    outcome(() => exercise(readBer(input, { der: true })));
  },
  hostile: hostileBer,
};
