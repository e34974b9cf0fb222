import * as fc from 'fast-check';
import { verifyDetachedSignature } from '../../../src/pki/detached-signature';
import { applyTlvMutation, tlvMutation } from '../ber-mutate';
import type { FuzzTarget } from '../fuzz-target';
import { hostileMdmSignatures } from '../hostile-pki';
import { mdmSignatureSeeds, type SignedBody } from '../pki-corpus';

/**
 * The per-request Mdm-Signature check (src/pki/detached-signature.ts): a detached CMS signature
 * over the body, from real iOS headers and Slate-signed ones, mutated; sometimes over a changed body.
 */
export const target: FuzzTarget<SignedBody> = {
  name: 'mdm-signature',
  arbitrary: fc
    .tuple(fc.constantFrom(...mdmSignatureSeeds()), fc.array(tlvMutation, { maxLength: 3 }), fc.option(fc.nat(), { freq: 4 }))
    .map(([seed, mutations, flip]) => {
      const body = Buffer.from(seed.body);
      if (flip !== null && body.length) body[flip % body.length]! ^= 0x01;
      return { signature: mutations.reduce(applyTlvMutation, seed.signature), body };
    }),
  run({ signature, body }) {
    verifyDetachedSignature(signature, body);
  },
  hostile: hostileMdmSignatures,
};
