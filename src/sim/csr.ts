import type { KeyObject } from 'node:crypto';
import { asn1, bitString, Class, oid, parseDer, seq, set, smallInt, toDer, Type, algorithm, type Asn1 } from '../pki/der';
import { generateKey, signatureOid, signatureParamsNull, signBytes, spkiDer } from '../pki/keys';
import { OID, type DigestName } from '../pki/oids';
import { buildName, issueCertificate, randomSerial } from '../pki/x509';

/**
 * PKCS#10 (RFC 2986) requests, built the way devices build them: a subject, the public key, an
 * optional challengePassword and optional requested extensions (which Slate must ignore).
 */
export interface CsrOptions {
  commonName?: string;
  organization?: string;
  challenge?: string;
  key?: KeyObject;
  digest?: DigestName;
  /** Ask for extensions (DER Extension SEQUENCEs); tests ask for ones Slate must not copy. */
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

/** The self-signed certificate a SCEP client signs its PKCSReq with (RFC 8894 §2.3). */
export function selfSignedFor(key: KeyObject, subject: Buffer, now = new Date()): Buffer {
  const spki = spkiDer(key);
  return issueCertificate(
    { serial: randomSerial(), subject, issuer: subject, notBefore: new Date(now.getTime() - 3600_000), notAfter: new Date(now.getTime() + 86400_000), subjectPublicKey: spki, issuerPublicKey: spki, profile: 'device' },
    key,
  );
}
