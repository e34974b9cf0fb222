import { createHash, type KeyObject } from 'node:crypto';
import { AppError } from '../errors';
import { withoutLeadingZeros } from './ber';
import {
  algorithm, asn1, child, children, Class, explicit, integerBytes, octets, oid, parseDer, readBytes, readInteger, readOid, seq, set, smallInt, toDer, Type, utcOrGeneralizedTime, type Asn1,
} from './der';
import { signatureOid, signatureParamsNull, signBytes, verifyBytes } from './keys';
import { DIGEST_BY_OID, DIGEST_OID, OID, type DigestName } from './oids';
import { certificateParts, keyIdentifier, publicKeyOf } from './x509';

/** CMS SignedData (RFC 5652 §5): what SCEP messages, signed profiles and Mdm-Signature use. */
export interface SignerInfo {
  issuer: Buffer | null;
  serial: Buffer | null;
  subjectKeyId: Buffer | null;
  digest: DigestName;
  /** Signed attributes by OID (values), or null when the signature is over the content itself. */
  attributes: Map<string, Asn1[]> | null;
  attributesDer: Buffer | null;
  signatureAlgorithm: string;
  signature: Buffer;
}

export interface SignedData {
  contentType: string;
  /** The encapsulated content, or null when detached. */
  content: Buffer | null;
  certificates: Buffer[];
  signers: SignerInfo[];
}

export function parseSignedData(der: Buffer): SignedData {
  const root = parseDer(der, 'CMS');
  if (readOid(child(root, 0, 'ContentInfo'), 'ContentInfo') !== OID.signedData) throw new AppError('bad_request', 'CMS: not SignedData');
  const sd = children(child(child(root, 1, 'ContentInfo'), 0, 'SignedData'), 'SignedData');
  const encap = sd[2];
  const contentType = readOid(child(encap, 0, 'EncapsulatedContentInfo'), 'eContentType');
  const eContent = children(encap, 'EncapsulatedContentInfo')[1];
  const content = eContent ? readBytes(child(eContent, 0, 'eContent'), 'eContent') : null;
  const certificates: Buffer[] = [];
  let signerSet: Asn1 | undefined;
  for (const node of sd.slice(3)) {
    if (node.tagClass === Class.CONTEXT_SPECIFIC && node.type === 0) for (const c of children(node, 'certificates')) certificates.push(toDer(c));
    else if (node.tagClass === Class.UNIVERSAL && node.type === Type.SET) signerSet = node;
  }
  if (!signerSet) throw new AppError('bad_request', 'CMS: no signerInfos');
  return { contentType, content, certificates, signers: children(signerSet, 'signerInfos').map(parseSignerInfo) };
}

function parseSignerInfo(node: Asn1): SignerInfo {
  const f = children(node, 'SignerInfo');
  const sid = f[1];
  let issuer: Buffer | null = null;
  let serial: Buffer | null = null;
  let subjectKeyId: Buffer | null = null;
  if (sid?.tagClass === Class.CONTEXT_SPECIFIC) subjectKeyId = readBytes(sid, 'subjectKeyIdentifier');
  else {
    issuer = toDer(child(sid, 0, 'IssuerAndSerialNumber'));
    serial = readInteger(child(sid, 1, 'IssuerAndSerialNumber'), 'serial');
  }
  const digest = DIGEST_BY_OID[readOid(child(f[2], 0, 'digestAlgorithm'), 'digestAlgorithm')];
  if (!digest) throw new AppError('bad_request', 'CMS: unsupported digest');
  let i = 3;
  let attributes: Map<string, Asn1[]> | null = null;
  let attributesDer: Buffer | null = null;
  if (f[i]?.tagClass === Class.CONTEXT_SPECIFIC && f[i]?.type === 0) {
    const attrs = f[i]!;
    attributes = new Map();
    for (const a of children(attrs, 'signedAttrs')) attributes.set(readOid(child(a, 0, 'attribute'), 'attribute'), children(child(a, 1, 'attribute'), 'attribute values'));
    // The signature covers the DER of the attributes with the universal SET tag (RFC 5652 §5.4).
    attributesDer = toDer(asn1.create(Class.UNIVERSAL, Type.SET, true, children(attrs, 'signedAttrs')));
    i++;
  }
  const signatureAlgorithm = readOid(child(f[i], 0, 'signatureAlgorithm'), 'signatureAlgorithm');
  const signature = readBytes(f[i + 1], 'signature');
  return { issuer, serial, subjectKeyId, digest, attributes, attributesDer, signatureAlgorithm, signature };
}

/** The certificate in `certificates` that a SignerInfo names. */
export function findSignerCertificate(sd: SignedData, signer: SignerInfo): Buffer | null {
  for (const der of sd.certificates) {
    try {
      const p = certificateParts(der);
      if (signer.issuer && signer.serial && p.issuer.equals(signer.issuer) && withoutLeadingZeros(p.serial).equals(withoutLeadingZeros(signer.serial))) return der;
      if (signer.subjectKeyId && keyIdentifier(p.spki).equals(signer.subjectKeyId)) return der;
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * Verifies one signer over `content` (the encapsulated content, or the detached bytes).
 * Returns the signer's certificate DER, or null when the signature does not hold; a signer
 * certificate whose key node:crypto cannot load is a malformed message (bad_request).
 */
export function verifySigner(sd: SignedData, signer: SignerInfo, content: Buffer): Buffer | null {
  const certDer = findSignerCertificate(sd, signer);
  if (!certDer) return null;
  const key = publicKeyOf(certDer);
  let signedBytes = content;
  if (signer.attributes && signer.attributesDer) {
    const md = signer.attributes.get(OID.messageDigest)?.[0];
    if (!md) return null;
    const expected = createHash(signer.digest).update(content).digest();
    if (!readBytes(md, 'messageDigest').equals(expected)) return null;
    signedBytes = signer.attributesDer;
  }
  return verifyBytes(key, signer.signatureAlgorithm, signedBytes, signer.signature, signer.digest) ? certDer : null;
}

export function attribute(type: string, value: Asn1): Asn1 {
  return seq([oid(type), set([value])]);
}

export interface SignOptions {
  content: Buffer;
  /** Put the content inside (profiles, SCEP) or leave it out (Mdm-Signature style). */
  detached?: boolean;
  /** Omit eContent entirely (SCEP FAILURE replies carry no data). */
  contentType?: string;
  signerCert: Buffer;
  signerKey: KeyObject;
  digest?: DigestName;
  /** Extra signed attributes (SCEP). */
  attributes?: Asn1[];
  /** Certificates to include besides the signer's (chain). */
  extraCertificates?: Buffer[];
  /** Sign the content itself with no signed attributes (as iOS does for Mdm-Signature). */
  noSignedAttributes?: boolean;
  signingTime?: Date;
}

/** Builds a ContentInfo(SignedData) DER with one signer; the private-key operation is node:crypto's. */
export function signData(o: SignOptions): Buffer {
  const digest = o.digest ?? 'sha256';
  const contentType = o.contentType ?? OID.data;
  const parts = certificateParts(o.signerCert);
  const sigOid = o.signerKey.asymmetricKeyType === 'ec' ? signatureOid(o.signerKey, digest) : OID.rsaEncryption;
  let signedAttrs: Asn1 | null = null;
  let toSign = o.content;
  if (!o.noSignedAttributes) {
    const attrs = [
      attribute(OID.contentType, oid(contentType)),
      attribute(OID.signingTime, utcOrGeneralizedTime(o.signingTime ?? new Date())),
      attribute(OID.messageDigest, octets(createHash(digest).update(o.content).digest())),
      ...(o.attributes ?? []),
    ];
    // SET OF is DER-sorted by encoding (X.690 §11.6).
    const sorted = attrs.map(toDer).sort(Buffer.compare);
    toSign = toDer(set(sorted.map((b) => parseDer(b, 'attribute'))));
    signedAttrs = asn1.create(Class.CONTEXT_SPECIFIC, 0, true, sorted.map((b) => parseDer(b, 'attribute')));
  }
  const signature = signBytes(o.signerKey, digest, toSign);
  const signerInfo = seq([
    smallInt(1),
    seq([parseDer(parts.issuer, 'issuer'), integerBytes(parts.serial)]),
    algorithm(DIGEST_OID[digest], true),
    ...(signedAttrs ? [signedAttrs] : []),
    algorithm(sigOid, signatureParamsNull(sigOid)),
    octets(signature),
  ]);
  const encap = o.detached ? seq([oid(contentType)]) : seq([oid(contentType), explicit(0, [octets(o.content)])]);
  const certs = [o.signerCert, ...(o.extraCertificates ?? [])].map((c) => parseDer(c, 'certificate'));
  const signed = seq([smallInt(1), set([algorithm(DIGEST_OID[digest], true)]), encap, asn1.create(Class.CONTEXT_SPECIFIC, 0, true, certs), set([signerInfo])]);
  return toDer(seq([oid(OID.signedData), explicit(0, [signed])]));
}

/** A certs-only ("degenerate") SignedData (RFC 8894 §3.4): GetCACert chains and CertRep payloads. */
export function certificatesOnly(certs: Buffer[]): Buffer {
  const signed = seq([smallInt(1), set([]), seq([oid(OID.data)]), asn1.create(Class.CONTEXT_SPECIFIC, 0, true, certs.map((c) => parseDer(c, 'certificate'))), set([])]);
  return toDer(seq([oid(OID.signedData), explicit(0, [signed])]));
}
