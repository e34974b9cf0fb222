import { decryptEnvelope } from '../../../src/pki/cms-enveloped-data';
import { parseCsr } from '../../../src/pki/csr';
import { decodePkiMessage } from '../../../src/pki/scep-message';
import { mutatedBer } from '../ber-mutate';
import type { FuzzTarget } from '../fuzz-target';
import { hostileScepMessages } from '../hostile-pki';
import { scepResponder, scepSeeds } from '../pki-corpus';

/**
 * A PKIOperation body through the codec steps the SCEP responder runs before any side effect:
 * decodePkiMessage, envelope decryption with the responder's key, CSR parsing. Real iOS and
 * macOS requests and Slate-built ones (RSA, EC, 3DES, DES, AES, renewal), mutated.
 */
export const target: FuzzTarget<Buffer> = {
  name: 'scep-pkimessage',
  arbitrary: mutatedBer(scepSeeds(), 3),
  run(input) {
    const req = decodePkiMessage(input);
    const { cert, key } = scepResponder();
    // Decrypted whatever the signature said: the decryption and CSR code must hold on their own.
    parseCsr(decryptEnvelope(req.envelope, cert, key).content);
  },
  hostile: hostileScepMessages,
};
