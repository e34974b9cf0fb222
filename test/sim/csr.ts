import type { KeyObject } from 'node:crypto';
import { asn1, bitString, Class, oid, parseDer, seq, set, smallInt, toDer, Type, algorithm, octets, type Asn1 } from '../../src/pki/der';
import { generateKey, signatureOid, signatureParamsNull, signBytes, spkiDer } from '../../src/pki/keys';
import { OID, type DigestName } from '../../src/pki/oids';
import { buildName, issueCertificate, randomSerial } from '../../src/pki/x509';

/**
 * Test-side PKCS#10 (RFC 2986) requests, built the way devices build them: a subject, the public
 * key, an optional challengePassword and optional requested extensions (which Slate must ignore).
 */
export interface CsrOptions {
  commonName?: string;
  organization?: string;
  challenge?: string;
  key?: KeyObject;
  digest?: DigestName;
  /** Ask for extensions (DER Extension SEQUENCEs); e.g. `requestCaExtension()`. */
  extensions?: Buffer[];
}

export interface GeneratedCsr {
  key: KeyObject;
  keyPem: string;
  csrDer: Buffer;
  subject: Buffer;
}

export function generateCsr(o: CsrOptions = {}): GeneratedCsr {
  const key = o.key ?? generateKey('rsa2048');
  const subject = buildName({ commonName: o.commonName ?? 'slate-sim-device', organization: o.organization });
  const attrs: Asn1[] = [];
  if (o.challenge !== undefined) attrs.push(seq([oid(OID.challengePassword), set([asn1.create(Class.UNIVERSAL, Type.PRINTABLESTRING, false, o.challenge)])]));
  if (o.extensions?.length) attrs.push(seq([oid(OID.extensionRequest), set([seq(o.extensions.map((e) => parseDer(e, 'extension')))])]));
  const info = seq([smallInt(0), parseDer(subject, 'subject'), parseDer(spkiDer(key), 'spki'), asn1.create(Class.CONTEXT_SPECIFIC, 0, true, attrs)]);
  const digest = o.digest ?? 'sha256';
  const sigOid = signatureOid(key, digest);
  const infoDer = toDer(info);
  const csrDer = toDer(seq([info, algorithm(sigOid, signatureParamsNull(sigOid)), bitString(signBytes(key, digest, infoDer))]));
  return { key, keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string, csrDer, subject };
}

/** A requested basicConstraints cA=TRUE: what a hostile CSR asks for. */
export function requestCaExtension(): Buffer {
  const value = toDer(seq([asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff')]));
  return toDer(seq([oid(OID.basicConstraints), asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff'), octets(value)]));
}

/** A requested subjectAltName (dNSName), which policy must not copy either. */
export function requestSanExtension(dns: string): Buffer {
  const names = toDer(seq([asn1.create(Class.CONTEXT_SPECIFIC, 2, false, dns)]));
  return toDer(seq([oid('2.5.29.17'), octets(names)]));
}

/** The self-signed certificate a SCEP client signs its PKCSReq with (RFC 8894 §2.3). */
export function selfSignedFor(key: KeyObject, subject: Buffer, now = new Date()): Buffer {
  const spki = spkiDer(key);
  return issueCertificate(
    { serial: randomSerial(), subject, issuer: subject, notBefore: new Date(now.getTime() - 3600_000), notAfter: new Date(now.getTime() + 86400_000), subjectPublicKey: spki, issuerPublicKey: spki, profile: 'device' },
    key,
  );
}
