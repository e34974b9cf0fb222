import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { BER_MAX_NODES, readBer } from '../../../src/pki/ber';
import { parseCsr } from '../../../src/pki/csr';
import { verifyDetachedSignature } from '../../../src/pki/detached-signature';
import { spkiDer } from '../../../src/pki/keys';
import { certRepSuccess, decodePkiMessage } from '../../../src/pki/scep-message';
import { target as ber } from '../../fuzz/targets/ber.fuzz';
import { target as csr } from '../../fuzz/targets/csr.fuzz';
import { target as mdmSignature } from '../../fuzz/targets/mdm-signature.fuzz';
import { target as scep } from '../../fuzz/targets/scep-pkimessage.fuzz';
import { certificateFor, keys, mdmSignatureSeeds } from '../../fuzz/pki-corpus';
import { outcome, PROPERTY_SEED } from '../../helpers/property';

/**
 * Properties of the PKI codec over the fuzz targets' generated inputs (mutated real messages).
 * That every input is accepted or refused with an AppError is checked for all targets by
 * test/unit/fuzz/fuzz-targets.test.ts; these are what must hold of what is accepted.
 */
const params = { seed: PROPERTY_SEED, numRuns: 200 };
/** Returns `fn()`, or null when it refused the input with an AppError (anything else propagates). */
function accepted<T>(fn: () => T): T | null {
  let value: T | null = null;
  return outcome(() => (value = fn())) === 'ok' ? value : null;
}

describe('BER reader', () => {
  it('reads in linear work, and re-encodes to definite lengths that read back the same, once and for all', () => {
    fc.assert(
      fc.property(ber.arbitrary, (input) => {
        const tree = accepted(() => readBer(input).readAll());
        if (!tree) return;
        const der = tree.definite(tree.root);
        expect(tree.nodes).toBeLessThanOrEqual(BER_MAX_NODES);
        expect(tree.work).toBeLessThanOrEqual(4 * tree.nodes);
        const again = readBer(der).readAll();
        expect(again.nodes).toBe(tree.nodes);
        expect(again.hasIndefinite(again.root)).toBe(false);
        expect(again.definite(again.root).equals(der)).toBe(true);
      }),
      params,
    );
  });
});

describe('Mdm-Signature', () => {
  const bodies = mdmSignatureSeeds().map((s) => s.body);

  it('never names a signer for a changed body, and names it by the SHA-256 of its certificate', () => {
    fc.assert(
      fc.property(mdmSignature.arbitrary, ({ signature, body }) => {
        const signer = accepted(() => verifyDetachedSignature(signature, body));
        if (!signer) return;
        expect(bodies.some((b) => b.equals(body))).toBe(true);
        expect(signer.fingerprint).toBe(createHash('sha256').update(signer.certificate).digest('hex'));
      }),
      params,
    );
  });
});

describe('SCEP pkiMessage', () => {
  const responder = { cert: certificateFor(spkiDer(keys().rsa), 'responder'), key: keys().rsa, chain: [] };

  it('is replyable exactly when a CertRep can be encrypted to its signer', () => {
    fc.assert(
      fc.property(scep.arbitrary, (input) => {
        const req = accepted(() => decodePkiMessage(input));
        if (!req) return;
        const reply = outcome(() => certRepSuccess({ request: req, responder, issued: responder.cert, recipientCert: req.signerCert, cipher: 'aes-128-cbc' }));
        expect([req.signerKeyType, reply]).toEqual([req.signerKeyType, req.replyable ? 'ok' : 'bad_request']);
      }),
      { ...params, numRuns: 100 },
    );
  });
});

describe('CSR', () => {
  it('returns the subject and key exactly as the device sent them', () => {
    fc.assert(
      fc.property(csr.arbitrary, (input) => {
        const parsed = accepted(() => parseCsr(input));
        if (!parsed) return;
        expect(input.includes(parsed.subject)).toBe(true);
        expect(input.includes(parsed.spki)).toBe(true);
      }),
      params,
    );
  });
});
