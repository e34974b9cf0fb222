import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptEnvelope } from '../../src/pki/cms-enveloped-data';
import { generateKey, privateKeyFromPem, spkiDer } from '../../src/pki/keys';
import { OID } from '../../src/pki/oids';
import { decodePkiMessage } from '../../src/pki/scep-message';
import { buildName, certificateParts, issueCertificate, pemToDers, randomSerial, selfSignedCa } from '../../src/pki/x509';
import { generateCsr, requestCaExtension, requestSanExtension, selfSignedFor } from '../sim/csr';
import { buildPkiMessage, signDetached } from '../sim/scep-requester';
import { oidBytes, tlv } from './der-build';

/**
 * Seeds for the PKI fuzz targets: the real captures in test/fixtures (see MANIFEST.md) and
 * messages Slate's own test clients build, plus the keys to make more. Built once per process
 * on first use (RSA key generation is the slow part).
 */
/** test/fixtures, seen from the sources (jest) or from dist/test/fuzz (`npm run fuzz`). */
const F = [join(__dirname, '..', 'fixtures'), join(__dirname, '..', '..', '..', 'test', 'fixtures')].find((d) => existsSync(d))!;
export const readFixture = (p: string) => readFileSync(join(F, p));
const read = readFixture;

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** The SCEP responder of the smallstep/scep fixtures: test/fixtures/scep/PKCSReq.der is encrypted to it. */
export const scepResponder = once(() => ({ cert: pemToDers(read('scep/ca.pem').toString())[0]!, key: privateKeyFromPem(read('scep/ca.key'), '') }));

export const keys = once(() => ({
  rsa: generateKey('rsa2048'),
  ec: generateKey('p256'),
  ed25519: generateKeyPairSync('ed25519').privateKey,
  // DSA-1024 generates in ~70 ms against ~800 for 2048; only its type matters here.
  dsa: generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey,
  rsaPss: generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey,
}));

/** A CA for device certificates that sign Mdm-Signature headers. */
export const deviceCa = once(() => {
  const key = keys().rsa;
  const cert = selfSignedCa(key, { commonName: 'Fuzz CA' }, 86400_000);
  return { key, cert };
});

/** A certificate for `subjectSpki`, signed by the fuzz CA (its own signature is not what is fuzzed). */
export function certificateFor(subjectSpki: Buffer, commonName = 'fuzz-device'): Buffer {
  const ca = certificateParts(deviceCa().cert);
  const now = Date.now();
  return issueCertificate(
    { serial: randomSerial(), subject: buildName({ commonName }), issuer: ca.subject, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86400_000), subjectPublicKey: subjectSpki, issuerPublicKey: ca.spki, profile: 'device' },
    deviceCa().key,
  );
}

export interface SignedBody {
  signature: Buffer;
  body: Buffer;
}

export const mdmSignatureSeeds = once((): SignedBody[] => {
  const body = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>MessageType</key><string>Idle</string><key>UDID</key><string>0000</string></dict></plist>');
  const rsaCert = certificateFor(spkiDer(keys().rsa));
  const ecCert = certificateFor(spkiDer(keys().ec));
  return [
    // micromdm/nanomdm cryptoutil_test.go: a real iOS header (SHA-1, no signed attributes, BER) over its body.
    { signature: Buffer.from(read('apple-mdm-signature/mdmSignatureHeader2.b64.txt').toString().trim(), 'base64'), body: read('apple-mdm-signature/mdmSignatureBody2.plist') },
    // The other real header; its body was not published, so it only ever fails to verify.
    { signature: read('apple-mdm-signature/mdmSignatureHeader1.der'), body },
    { signature: Buffer.from(signDetached(body, keys().rsa, rsaCert), 'base64'), body },
    { signature: Buffer.from(signDetached(body, keys().rsa, rsaCert, { digest: 'sha256', signedAttributes: true }), 'base64'), body },
    { signature: Buffer.from(signDetached(body, keys().ec, ecCert, { digest: 'sha256', signedAttributes: true }), 'base64'), body },
  ];
});

export interface CsrSeed {
  csr: Buffer;
  /** The key that signed it, to re-sign a mutated request so it reaches attribute parsing. */
  key: KeyObject | null;
}

export const csrSeeds = once((): CsrSeed[] => {
  const { cert, key } = scepResponder();
  // The CSR inside smallstep/scep's real iOS PKCSReq (version 2, keyUsage requested).
  const ios = decryptEnvelope(decodePkiMessage(read('scep/PKCSReq.der')).envelope, cert, key).content;
  const withEverything = generateCsr({ key: keys().rsa, challenge: 'fuzz-challenge', organization: 'Slate', extensions: [requestCaExtension(), requestSanExtension('evil.example')] });
  return [
    { csr: ios, key: null },
    { csr: withEverything.csrDer, key: keys().rsa },
    { csr: generateCsr({ key: keys().ec, challenge: 'ec', digest: 'sha384' }).csrDer, key: keys().ec },
    { csr: generateCsr({ key: keys().rsa }).csrDer, key: keys().rsa },
  ];
});

export const scepSeeds = once((): Buffer[] => {
  const recipientCert = scepResponder().cert;
  const csr = generateCsr({ key: keys().rsa, challenge: 'fuzz-challenge', extensions: [requestCaExtension()] });
  const rsaSigner = selfSignedFor(keys().rsa, csr.subject);
  const ecCsr = generateCsr({ key: keys().ec, challenge: 'fuzz-challenge' });
  return [
    // smallstep/scep testdata: a real iOS PKCSReq (SHA-1, 3DES) to scepResponder().
    read('scep/PKCSReq.der'),
    // cmdmnt/commandment testdata: macOS mdmclient PKCSReq (SHA-512), to another CA.
    read('scep/mdmclient-PKIOperation.der'),
    buildPkiMessage({ csrDer: csr.csrDer, signerCert: rsaSigner, signerKey: keys().rsa, recipientCert, cipher: 'aes-256-cbc' }).der,
    buildPkiMessage({ csrDer: csr.csrDer, signerCert: rsaSigner, signerKey: keys().rsa, recipientCert, cipher: 'des-cbc', digest: 'sha1' }).der,
    buildPkiMessage({ csrDer: csr.csrDer, signerCert: rsaSigner, signerKey: keys().rsa, recipientCert, cipher: 'aes-128-cbc', messageType: 'RenewalReq' }).der,
    buildPkiMessage({ csrDer: ecCsr.csrDer, signerCert: selfSignedFor(keys().ec, ecCsr.subject), signerKey: keys().ec, recipientCert, cipher: 'aes-256-cbc' }).der,
  ];
});

/** Signature algorithm OID and digest Slate's tests sign CSRs with, per key type. */
const CSR_SIGNING: Record<string, { oid: string; digest: string | null; nullParams: boolean }> = {
  rsa: { oid: OID.sha256WithRSA, digest: 'sha256', nullParams: true },
  ec: { oid: OID.ecdsaWithSHA256, digest: 'sha256', nullParams: false },
  ed25519: { oid: '1.3.101.112', digest: null, nullParams: false },
  dsa: { oid: '2.16.840.1.101.3.4.3.2', digest: 'sha256', nullParams: false },
};

/** A PKCS#10 request with the given CertificationRequestInfo, correctly signed by `key`. */
export function signedCsr(info: Buffer, key: KeyObject): Buffer {
  const s = CSR_SIGNING[key.asymmetricKeyType ?? ''] ?? CSR_SIGNING.rsa!;
  const alg = tlv(0x30, tlv(0x06, oidBytes(s.oid)), ...(s.nullParams ? [Buffer.from('0500', 'hex')] : []));
  return tlv(0x30, info, alg, tlv(0x03, Buffer.from([0]), sign(s.digest, info, key)));
}
