import { createHash, type KeyObject } from 'node:crypto';
import { CONTEXT, expect, readBer, T, UNIVERSAL, withoutLeadingZeros, type BerTree, type Tlv } from './ber';
import { AppError } from '../errors';
import { publicKeyFromSpki, verifyBytes } from './keys';
import { DIGEST_BY_OID, OID, type DigestName } from './oids';
import { certificateParts, keyIdentifier } from './x509';

/**
 * Apple's `Mdm-Signature` on every device request: a detached CMS SignedData (RFC 5652) over the
 * exact body, one signer, its certificate inside, SHA-1 or SHA-256, with or without signed
 * attributes, BER. This is the per-request path, so it reads the structure in place (ber.ts) and
 * keeps what it learnt about each device certificate (the same one arrives with every request).
 * SCEP and profile signing use the general CMS code in cms-signed-data.ts.
 */
export interface VerifiedSigner {
  /** The signer's certificate, DER, exactly as sent. */
  certificate: Buffer;
  /** SHA-256 of `certificate`, hex. */
  fingerprint: string;
}

interface SignerInfo {
  issuer: Buffer | null;
  serial: Buffer | null;
  subjectKeyId: Buffer | null;
  digest: DigestName;
  messageDigest: Buffer | null;
  /** DER of the signed attributes as a universal SET (what the signature covers), or null. */
  signedAttributes: Buffer | null;
  signatureAlgorithm: string;
  signature: Buffer;
}

interface CertificateFacts {
  issuer: Buffer;
  serial: Buffer;
  subjectKeyId: Buffer;
  key: KeyObject;
}

/**
 * Certificates a header may carry. iOS sends its identity certificate alone, macOS at most with
 * its issuers; each certificate not seen before costs a parse and a key load (~50 µs), so 8 keeps
 * one header under half a millisecond of that work (40 distinct ones took 18 ms).
 */
export const MAX_SIGNATURE_CERTIFICATES = 8;

/**
 * What verification needs of a signer certificate (names, key), kept per fingerprint: a device
 * sends the same certificate with every request, and parsing it and loading its key cost a sixth
 * of a poll's CPU. Owned by the caller (the composition root sizes it to the fleet); oldest out first.
 */
export class CertificateFactsCache {
  private readonly entries = new Map<string, CertificateFacts>();

  constructor(readonly capacity: number) {}

  get(fingerprint: string): CertificateFacts | undefined {
    return this.entries.get(fingerprint);
  }

  set(fingerprint: string, f: CertificateFacts): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(fingerprint, f);
  }
}

/**
 * Verifies `signature` (DER/BER bytes) over `body`. Returns the signer's certificate, or null when
 * the signature does not hold; throws AppError bad_request for bytes that are not SignedData.
 * Whether the certificate is one of Slate's is the caller's question (CertificateVerifier).
 */
export function verifyDetachedSignature(signature: Buffer, body: Buffer, cache = new CertificateFactsCache(MAX_SIGNATURE_CERTIFICATES)): VerifiedSigner | null {
  const ber = readBer(signature, { what: 'Mdm-Signature' });
  const ci = ber.children(expect(ber.root, UNIVERSAL, T.SEQUENCE, 'ContentInfo'));
  if (ber.oid(ci[0], 'contentType') !== OID.signedData) return null;
  const wrapper = expect(ci[1], CONTEXT, 0, 'content');
  const sd = ber.children(expect(ber.children(wrapper)[0], UNIVERSAL, T.SEQUENCE, 'SignedData'));
  const encap = ber.children(expect(sd[2], UNIVERSAL, T.SEQUENCE, 'EncapsulatedContentInfo'));
  // Content carried inside must be the body itself; Apple leaves it out.
  if (encap[1] && !ber.content(expect(ber.children(expect(encap[1], CONTEXT, 0, 'eContent'))[0], UNIVERSAL, T.OCTET_STRING, 'eContent')).equals(body)) return null;
  const certificates: Buffer[] = [];
  let signers: Tlv[] = [];
  for (const node of sd.slice(3)) {
    if (node.cls === CONTEXT && node.tag === 0) for (const c of ber.children(node)) certificates.push(ber.raw(c));
    else if (node.cls === UNIVERSAL && node.tag === T.SET) signers = ber.children(node);
  }
  if (certificates.length > MAX_SIGNATURE_CERTIFICATES) throw badSignature(`more than ${MAX_SIGNATURE_CERTIFICATES} certificates`);
  if (signers.length !== 1) return null;
  const signer = readSignerInfo(ber, signers[0]!);
  for (const cert of certificates) {
    const fingerprint = createHash('sha256').update(cert).digest('hex');
    const f = factsOf(cache, fingerprint, cert);
    if (!f) continue;
    const named = signer.subjectKeyId ? f.subjectKeyId.equals(signer.subjectKeyId) : f.issuer.equals(signer.issuer!) && withoutLeadingZeros(f.serial).equals(withoutLeadingZeros(signer.serial!));
    if (!named) continue;
    return verifySignerWith(f.key, signer, body) ? { certificate: cert, fingerprint } : null;
  }
  return null;
}

function verifySignerWith(key: KeyObject, s: SignerInfo, body: Buffer): boolean {
  let signed = body;
  if (s.signedAttributes) {
    if (!s.messageDigest || !createHash(s.digest).update(body).digest().equals(s.messageDigest)) return false;
    signed = s.signedAttributes;
  }
  return verifyBytes(key, s.signatureAlgorithm, signed, s.signature, s.digest);
}

function readSignerInfo(ber: BerTree, node: Tlv): SignerInfo {
  const f = ber.children(expect(node, UNIVERSAL, T.SEQUENCE, 'SignerInfo'));
  const sid = f[1];
  let issuer: Buffer | null = null;
  let serial: Buffer | null = null;
  let subjectKeyId: Buffer | null = null;
  if (sid?.cls === CONTEXT) subjectKeyId = ber.content(sid);
  else {
    const ias = ber.children(expect(sid, UNIVERSAL, T.SEQUENCE, 'IssuerAndSerialNumber'));
    issuer = ber.definite(expect(ias[0], UNIVERSAL, T.SEQUENCE, 'issuer'));
    serial = ber.integer(ias[1], 'serial');
  }
  const digest = DIGEST_BY_OID[ber.oid(ber.children(expect(f[2], UNIVERSAL, T.SEQUENCE, 'digestAlgorithm'))[0], 'digestAlgorithm')];
  if (!digest) throw badSignature('unsupported digest');
  let i = 3;
  let messageDigest: Buffer | null = null;
  let signedAttributes: Buffer | null = null;
  if (f[i]?.cls === CONTEXT && f[i]?.tag === 0) {
    const attrs = f[i]!;
    for (const a of ber.children(attrs)) {
      const parts = ber.children(expect(a, UNIVERSAL, T.SEQUENCE, 'attribute'));
      if (ber.oid(parts[0], 'attribute') !== OID.messageDigest) continue;
      const values = ber.children(expect(parts[1], UNIVERSAL, T.SET, 'attribute values'));
      if (values.length !== 1 || messageDigest) throw badSignature('messageDigest must appear once with one value');
      messageDigest = ber.content(expect(values[0], UNIVERSAL, T.OCTET_STRING, 'messageDigest'));
    }
    // RFC 5652 §5.4: the signature covers the DER of the attributes under the universal SET tag.
    signedAttributes = ber.definite(attrs, 0x31);
    i++;
  }
  const signatureAlgorithm = ber.oid(ber.children(expect(f[i], UNIVERSAL, T.SEQUENCE, 'signatureAlgorithm'))[0], 'signatureAlgorithm');
  const signature = ber.content(expect(f[i + 1], UNIVERSAL, T.OCTET_STRING, 'signature'));
  return { issuer, serial, subjectKeyId, digest, messageDigest, signedAttributes, signatureAlgorithm, signature };
}

/** Issuer, serial, key identifier and public key of a certificate, remembered by fingerprint. */
function factsOf(cache: CertificateFactsCache, fingerprint: string, der: Buffer): CertificateFacts | null {
  const known = cache.get(fingerprint);
  if (known) return known;
  let f: CertificateFacts;
  try {
    const parts = certificateParts(der);
    f = { serial: parts.serial, issuer: parts.issuer, subjectKeyId: keyIdentifier(parts.spki), key: publicKeyFromSpki(parts.spki) };
  } catch {
    // Any certificate this reader or node:crypto cannot read simply names no signer.
    return null;
  }
  cache.set(fingerprint, f);
  return f;
}

function badSignature(why: string): AppError {
  return new AppError('bad_request', `Mdm-Signature: ${why}`);
}
