import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { certRepSuccess, decodePkiMessage } from '../../../src/pki/scep-message';
import { parseCsr } from '../../../src/pki/csr';
import { verifyDetachedSignature } from '../../../src/pki/detached-signature';
import { spkiDer } from '../../../src/pki/keys';
import { OID } from '../../../src/pki/oids';
import { buildName, certificateParts } from '../../../src/pki/x509';
import { nestToSize, oidBytes, tlv } from '../../fuzz/der-build';
import { certificateFor, keys, scepResponder, signedCsr } from '../../fuzz/pki-corpus';
import { outcome } from '../../helpers/property';
import { generateCsr, selfSignedFor } from '../../sim/csr';
import { buildPkiMessage } from '../../sim/scep-requester';

/**
 * The PKI codec findings of issue #9's review, each driven through an entry point that already
 * existed before the fix, so each test was run against e6f8d65 (where it failed as noted) and
 * passes now. outcome() rethrows anything that is not an AppError, so a RangeError, a forge Error
 * or a node:crypto Error fails the test as itself.
 */
const F = join(__dirname, '..', '..', 'fixtures');
const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');
/** Definite levels down to an indefinite leaf: the shape the old reader re-walked at every level. */
const INDEFINITE_LEAF = hex('3080 0500 0000');

/** A detached SignedData over `body` whose signed attributes carry `value` under attribute 1.2.3.4. */
function mdmSignatureWithAttribute(body: Buffer, value: Buffer): Buffer {
  const device = certificateFor(spkiDer(keys().rsa));
  const { issuer, serial } = certificateParts(device);
  const algorithm = (oid: string) => tlv(0x30, tlv(0x06, oidBytes(oid)), hex('0500'));
  const attribute = (oid: string, v: Buffer) => tlv(0x30, tlv(0x06, oidBytes(oid)), tlv(0x31, v));
  const signedAttributes = tlv(0xa0, attribute(OID.messageDigest, tlv(0x04, createHash('sha256').update(body).digest())), attribute('1.2.3.4', value));
  const signerInfo = tlv(0x30, hex('020101'), tlv(0x30, issuer, tlv(0x02, serial)), algorithm(OID.sha256), signedAttributes, algorithm(OID.rsaEncryption), tlv(0x04, Buffer.alloc(256, 1)));
  const signedData = tlv(0x30, hex('020101'), tlv(0x31, algorithm(OID.sha256)), tlv(0x30, tlv(0x06, oidBytes(OID.data))), tlv(0xa0, device), tlv(0x31, signerInfo));
  return tlv(0x30, tlv(0x06, oidBytes(OID.signedData)), tlv(0xa0, signedData));
}

describe('#9: deeply nested BER is a typed rejection', () => {
  const body = Buffer.from('<plist><dict><key>MessageType</key><string>Idle</string></dict></plist>');

  // e6f8d65: RangeError (Maximum call stack size exceeded) from definiteBytes → hasIndefinite.
  it.each([
    ['15 KB', 15 * 1024],
    ['1 MiB', 1 << 20],
  ])('a %s Mdm-Signature with a signed attribute nested around an indefinite leaf is bad_request', (_label, size) => {
    const header = mdmSignatureWithAttribute(body, nestToSize(size - 2000, INDEFINITE_LEAF, false));
    expect(header.length).toBeGreaterThan(size - 2000);
    expect(header.length).toBeLessThanOrEqual(size);
    expect(outcome(() => verifyDetachedSignature(header, body))).toBe('bad_request');
  });

  it('the same header with a shallow attribute still verifies structurally (fails only on the signature)', () => {
    expect(outcome(() => verifyDetachedSignature(mdmSignatureWithAttribute(body, INDEFINITE_LEAF), body))).toBe('ok');
  });
});

describe('#9: malformed PKIOperation bodies are bad_request, never a 500', () => {
  const pkcsReq = readFileSync(join(F, 'scep/PKCSReq.der'));
  /** `der` with the one occurrence of `from` replaced by `to` (same length: no length to fix). */
  const patched = (der: Buffer, from: Buffer, to: Buffer) => {
    const at = der.indexOf(from);
    expect(at).toBeGreaterThan(0);
    expect(der.indexOf(from, at + 1)).toBe(-1);
    const out = Buffer.from(der);
    to.copy(out, at);
    return out;
  };

  // e6f8d65: Error "error:03000072:digital envelope routines::decode error" from X509Certificate's
  // publicKey getter; one of the 6 in 1,505 of the review's mutation run (byte 1333 of the fixture).
  it('a signer certificate whose RSA key node:crypto cannot load', () => {
    // rsaEncryption SubjectPublicKeyInfo, then RSAPublicKey { INTEGER (82 01 01: 257 octets) ...
    const spkiHead = hex('06092a864886f70d0101010500 0382010f00 3082010a 0282 0101');
    const der = patched(pkcsReq, spkiHead, Buffer.concat([spkiHead.subarray(0, -4), hex('0200 0101')]));
    expect(outcome(() => decodePkiMessage(der))).toBe('bad_request');
  });

  // e6f8d65: URIError from forge.util.decodeUtf8 in readText.
  it('a messageType sent as a UTF8String that is not UTF-8', () => {
    const messageType = Buffer.concat([tlv(0x06, oidBytes(OID.scepMessageType)), hex('3104 1302 3139')]);
    const der = patched(pkcsReq, messageType, Buffer.concat([tlv(0x06, oidBytes(OID.scepMessageType)), hex('3104 0c02 c328')]));
    expect(outcome(() => decodePkiMessage(der))).toBe('bad_request');
  });

  // e6f8d65: Error "OID value too large; max is 53-bits." from forge's derToOid.
  it('a signed attribute whose OID has an arc past 2^53', () => {
    const type = tlv(0x06, oidBytes(OID.scepMessageType));
    const der = patched(pkcsReq, type, tlv(0x06, hex('2a ffffffffffffffff 7f')));
    expect(outcome(() => decodePkiMessage(der))).toBe('bad_request');
  });

  // e6f8d65: URIError from forge.util.decodeUtf8 (readText) on the CSR's challengePassword.
  it('a CSR whose challengePassword is a UTF8String that is not UTF-8', () => {
    const info = tlv(0x30, hex('020100'), buildName({ commonName: 'ipad' }), spkiDer(keys().rsa),
      tlv(0xa0, tlv(0x30, tlv(0x06, oidBytes(OID.challengePassword)), tlv(0x31, tlv(0x0c, hex('f0 28 8c 28'))))));
    expect(outcome(() => parseCsr(signedCsr(info, keys().rsa)))).toBe('bad_request');
  });
});

describe('#9: SCEP signers whose reply cannot be encrypted are reported before any side effect', () => {
  const recipientCert = scepResponder().cert;
  const csr = () => generateCsr({ key: keys().rsa, challenge: 'one-time' });

  // e6f8d65: no such report; the responder consumed the challenge, issued, and only then failed to encrypt.
  it('decodePkiMessage marks an EC-signed PKCSReq (valid signature) as not replyable, key type ec', () => {
    const ec = generateCsr({ key: keys().ec, challenge: 'one-time' });
    const der = buildPkiMessage({ csrDer: ec.csrDer, signerCert: selfSignedFor(keys().ec, ec.subject), signerKey: keys().ec, recipientCert }).der;
    expect(decodePkiMessage(der)).toMatchObject({ messageType: '19', signatureValid: true, signerKeyType: 'ec', replyable: false });
  });

  it.each([
    ['ed25519', () => keys().ed25519, () => keys().rsa],
    ['dsa', () => keys().dsa, () => keys().dsa],
    ['rsa-pss', () => keys().rsaPss, () => keys().rsaPss],
  ])('marks a PKCSReq signed by a certificate with a %s key as not replyable', (type, certKey, signingKey) => {
    const der = buildPkiMessage({ csrDer: csr().csrDer, signerCert: certificateFor(spkiDer(certKey())), signerKey: signingKey(), recipientCert }).der;
    expect(decodePkiMessage(der)).toMatchObject({ signerKeyType: type, replyable: false });
  });

  it('marks an RSA-signed PKCSReq as replyable, and a real iOS one too', () => {
    const c = csr();
    const der = buildPkiMessage({ csrDer: c.csrDer, signerCert: selfSignedFor(keys().rsa, c.subject), signerKey: keys().rsa, recipientCert }).der;
    expect(decodePkiMessage(der)).toMatchObject({ signatureValid: true, signerKeyType: 'rsa', replyable: true });
    expect(decodePkiMessage(readFileSync(join(F, 'scep/PKCSReq.der')))).toMatchObject({ signerKeyType: 'rsa', replyable: true });
  });

  it('agrees with encryption: a CertRep to a not-replyable signer is bad_request, to a replyable one it is built', () => {
    const responder = { cert: recipientCert, key: scepResponder().key, chain: [] };
    const reply = (signerCert: Buffer) => () =>
      certRepSuccess({ request: { transactionId: 't', senderNonce: Buffer.alloc(16), digest: 'sha256' }, responder, issued: signerCert, recipientCert: signerCert, cipher: 'aes-256-cbc' });
    expect(outcome(reply(certificateFor(spkiDer(keys().ec))))).toBe('bad_request');
    expect(outcome(reply(certificateFor(spkiDer(keys().rsa))))).toBe('ok');
  });
});
