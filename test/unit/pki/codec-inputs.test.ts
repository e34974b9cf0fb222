import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBer } from '../../../src/pki/ber';
import { decryptEnvelope, encryptEnvelope, keyTransportTo, type ContentCipher } from '../../../src/pki/cms-enveloped-data';
import { parseCsr } from '../../../src/pki/csr';
import { decodePkiMessage } from '../../../src/pki/scep-message';
import { spkiDer } from '../../../src/pki/keys';
import { OID } from '../../../src/pki/oids';
import { certificateParts, keyIdentifier } from '../../../src/pki/x509';
import { applyTlvMutation, replaceAt } from '../../fuzz/ber-mutate';
import { lengthOctets, oidBytes, tlv } from '../../fuzz/der-build';
import { certificateFor, csrSeeds, keys } from '../../fuzz/pki-corpus';
import { outcome } from '../../helpers/property';
import { generateCsr } from '../../sim/csr';

/** Inputs a device controls beyond the structure: keys, paddings, algorithms, encodings (RFC 5652 §6, RFC 2986). */
describe('EnvelopedData decryption', () => {
  const recipientCert = certificateFor(spkiDer(keys().rsa), 'responder');
  const content = generateCsr({ key: keys().ec }).csrDer;
  const envelope = (cipher: ContentCipher = 'aes-256-cbc') => encryptEnvelope(content, recipientCert, cipher);
  const decrypt = (der: Buffer, key = keys().rsa) => () => decryptEnvelope(der, recipientCert, key);
  /** The envelope with the element at `path` (ContentInfo → [0] → EnvelopedData ...) replaced. */
  const replaced = (der: Buffer, path: number[], by: Buffer) => replaceAt(readBer(der), path, by);
  const ECI = [1, 0, 2];

  it.each(['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc', 'des-cbc'] as const)('decrypts %s, also with indefinite lengths (BER)', (cipher) => {
    expect(decryptEnvelope(envelope(cipher), recipientCert, keys().rsa)).toEqual({ content, cipher });
    const ber = applyTlvMutation(envelope(cipher), { kind: 'indefinite', at: 0 });
    expect(ber[1]).toBe(0x80);
    expect(decryptEnvelope(ber, recipientCert, keys().rsa).content.equals(content)).toBe(true);
  });

  it('refuses every wrong key, padding and algorithm with bad_request (one answer: no padding oracle)', () => {
    const good = envelope('aes-128-cbc');
    const tree = readBer(good);
    const ciphertext = tree.content(tree.children(tree.children(tree.children(tree.children(tree.root)[1])[0])[2])[2]!);
    // CBC: a bit flipped in the second-to-last block flips the same bit of the last padding octet,
    // which never leaves a valid PKCS#7 padding.
    const badPadding = Buffer.from(ciphertext);
    badPadding[badPadding.length - 17]! ^= 0x01;
    const cases: Record<string, () => unknown> = {
      'padding octet changed': decrypt(replaced(good, [...ECI, 2], tlv(0x80, badPadding))),
      'ciphertext not a whole block': decrypt(replaced(good, [...ECI, 2], tlv(0x80, ciphertext.subarray(1)))),
      'empty ciphertext': decrypt(replaced(good, [...ECI, 2], tlv(0x80))),
      'no ciphertext': decrypt(replaced(good, [...ECI, 2], Buffer.alloc(0))),
      'unknown content cipher': decrypt(replaced(good, [...ECI, 1, 0], tlv(0x06, oidBytes('2.16.840.1.101.3.4.1.6')))),
      'IV of the wrong length': decrypt(replaced(good, [...ECI, 1, 1], tlv(0x04, Buffer.alloc(8)))),
      'encryptedKey of 64 KiB': decrypt(replaced(good, [1, 0, 1, 0, 3], tlv(0x04, Buffer.alloc(65536, 7)))),
      'encryptedKey empty': decrypt(replaced(good, [1, 0, 1, 0, 3], tlv(0x04))),
      'no recipientInfos': decrypt(replaced(good, [1, 0, 1], tlv(0x31))),
      'not EnvelopedData': decrypt(replaced(good, [0], tlv(0x06, oidBytes(OID.signedData)))),
    };
    for (const [why, run] of Object.entries(cases)) expect([why, outcome(run)]).toEqual([why, 'bad_request']);
  });

  it('never yields the content to a wrong key', () => {
    // Implicit rejection (RFC 3218 §2.3.2): a wrong key unwraps to a random content key, so about
    // 1 in 256 attempts passes the padding check with garbage, which the CSR parser then refuses.
    const good = envelope();
    for (const key of [keys().rsaPss, keys().ec, keys().dsa]) {
      let result: string;
      try {
        result = decrypt(good, key)().content.equals(content) ? 'content' : 'garbage';
      } catch (err) {
        result = outcome(() => {
          throw err;
        });
      }
      expect(['bad_request', 'garbage']).toContain(result);
    }
  });

  it('says which recipient certificates a reply can be encrypted to', () => {
    expect(keyTransportTo(recipientCert)).toEqual({ keyType: 'rsa', possible: true });
    expect(keyTransportTo(certificateFor(spkiDer(keys().ec)))).toEqual({ keyType: 'ec', possible: false });
    expect(keyTransportTo(Buffer.from('not a certificate'))).toEqual({ keyType: 'unreadable', possible: false });
  });
});

describe('DER-only inputs', () => {
  const cert = certificateFor(spkiDer(keys().rsa));
  const berCert = applyTlvMutation(cert, { kind: 'indefinite', at: 0 });
  const csr = csrSeeds()[1]!.csr;

  it('reads a certificate only in DER, and a key only with whole-octet bits', () => {
    expect(outcome(() => certificateParts(cert))).toBe('ok');
    expect(outcome(() => certificateParts(berCert))).toBe('bad_request');
    expect(outcome(() => certificateParts(Buffer.concat([cert, Buffer.from([0])])))).toBe('bad_request');
    const spki = spkiDer(keys().ec);
    expect(keyIdentifier(spki)).toHaveLength(20);
    const unusedBits = Buffer.from(spki);
    unusedBits[spki.length - 66] = 0x03;
    expect(spki[spki.length - 66]).toBe(0x00);
    expect(outcome(() => keyIdentifier(unusedBits))).toBe('bad_request');
  });

  it('reads a CSR only in DER and checks its signature over the bytes as sent', () => {
    expect(outcome(() => parseCsr(csr))).toBe('ok');
    expect(outcome(() => parseCsr(applyTlvMutation(csr, { kind: 'indefinite', at: 0 })))).toBe('bad_request');
    expect(outcome(() => parseCsr(Buffer.concat([csr, Buffer.from([0])])))).toBe('bad_request');
    // The same request with a non-minimal length on the CertificationRequestInfo.
    const tree = readBer(csr);
    const info = tree.children(tree.root)[0]!;
    expect(csr[info.start + 1]).toBe(0x82);
    const content = Buffer.concat([csr.subarray(info.start, info.start + 1), Buffer.from([0x83, 0x00]), csr.subarray(info.start + 2)]);
    expect(outcome(() => parseCsr(Buffer.concat([Buffer.from([0x30]), lengthOctets(content.length), content])))).toBe('bad_request');
  });
});

describe('SCEP attribute values', () => {
  const pkcsReq = readFileSync(join(__dirname, '..', '..', 'fixtures', 'scep', 'PKCSReq.der'));
  // The messageType attribute of the real iOS PKCSReq: SET { PrintableString "19" }.
  const messageType = Buffer.concat([tlv(0x06, oidBytes(OID.scepMessageType)), Buffer.from('31041302', 'hex')]);
  const withMessageType = (value: string) => {
    const at = pkcsReq.indexOf(messageType) + messageType.length;
    const out = Buffer.from(pkcsReq);
    out.write(value, at, 'latin1');
    return out;
  };

  it('accepts a decimal messageType and refuses anything else (it is logged with every refusal)', () => {
    expect(pkcsReq.indexOf(messageType)).toBeGreaterThan(0);
    expect(decodePkiMessage(withMessageType('19')).messageType).toBe('19');
    expect(decodePkiMessage(withMessageType('22')).messageType).toBe('22');
    for (const bad of ['AB', '1 ', '-1']) expect([bad, outcome(() => decodePkiMessage(withMessageType(bad)))]).toEqual([bad, 'bad_request']);
  });
});
