import * as fc from 'fast-check';
import { readBer } from '../../../src/pki/ber';
import { parseCsr } from '../../../src/pki/csr';
import { applyTlvMutation, tlvMutation } from '../ber-mutate';
import type { FuzzTarget } from '../fuzz-target';
import { hostileCsrs } from '../hostile-pki';
import { csrSeeds, signedCsr } from '../pki-corpus';

/**
 * PKCS#10 parsing (src/pki/csr.ts). Half the inputs mutate the CertificationRequestInfo and sign
 * it again with the seed's key, so they pass proof of possession and reach attribute parsing.
 */
export const target: FuzzTarget<Buffer> = {
  name: 'csr',
  arbitrary: fc.tuple(fc.constantFrom(...csrSeeds()), fc.array(tlvMutation, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([seed, mutations, resign]) => {
    if (!resign || !seed.key) return mutations.reduce(applyTlvMutation, seed.csr);
    const tree = readBer(seed.csr);
    const info = tree.raw(tree.children(tree.root)[0]!);
    return signedCsr(mutations.reduce(applyTlvMutation, info), seed.key);
  }),
  run(input) {
    parseCsr(input);
  },
  hostile: hostileCsrs,
};
