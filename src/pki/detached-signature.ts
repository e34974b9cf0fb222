import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { childrenOf, contentOf, CONTEXT, definiteBytes, expect, oidOf, readRoot, T, UNIVERSAL, withoutLeadingZeros, type Tlv } from './ber';
import { AppError } from '../errors';
import { verifyBytes } from './keys';
import { DIGEST_BY_OID, OID, type DigestName } from './oids';
import { keyIdentifier } from './x509';

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

const FACTS_MAX = 20_000;
const facts = new Map<string, CertificateFacts>();

/**
 * Verifies `signature` (DER/BER bytes) over `body`. Returns the signer's certificate, or null when
 * the signature does not hold; throws AppError bad_request for bytes that are not SignedData.
 * Whether the certificate is one of Slate's is the caller's question (CertificateVerifier).
 */
export function verifyDetachedSignature(signature: Buffer, body: Buffer): VerifiedSigner | null {
  const root = readRoot(signature);
  const ci = childrenOf(signature, expect(root, UNIVERSAL, T.SEQUENCE, 'ContentInfo'));
  if (oidOf(signature, ci[0], 'contentType') !== OID.signedData) return null;
  const wrapper = expect(ci[1], CONTEXT, 0, 'content');
  const sd = childrenOf(signature, expect(childrenOf(signature, wrapper)[0], UNIVERSAL, T.SEQUENCE, 'SignedData'));
  const encap = childrenOf(signature, expect(sd[2], UNIVERSAL, T.SEQUENCE, 'EncapsulatedContentInfo'));
  // Content carried inside must be the body itself; Apple leaves it out.
  if (encap[1] && !contentOf(signature, expect(childrenOf(signature, expect(encap[1], CONTEXT, 0, 'eContent'))[0], UNIVERSAL, T.OCTET_STRING, 'eContent')).equals(body)) return null;
  const certificates: Buffer[] = [];
  let signers: Tlv[] = [];
  for (const node of sd.slice(3)) {
    if (node.cls === CONTEXT && node.tag === 0) for (const c of childrenOf(signature, node)) certificates.push(signature.subarray(c.start, c.end));
    else if (node.cls === UNIVERSAL && node.tag === T.SET) signers = childrenOf(signature, node);
  }
  if (signers.length !== 1) return null;
  const signer = readSignerInfo(signature, signers[0]!);
  for (const cert of certificates) {
    const fingerprint = createHash('sha256').update(cert).digest('hex');
    const f = factsOf(fingerprint, cert);
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

function readSignerInfo(buf: Buffer, node: Tlv): SignerInfo {
  const f = childrenOf(buf, expect(node, UNIVERSAL, T.SEQUENCE, 'SignerInfo'));
  const sid = f[1];
  let issuer: Buffer | null = null;
  let serial: Buffer | null = null;
  let subjectKeyId: Buffer | null = null;
  if (sid?.cls === CONTEXT) subjectKeyId = contentOf(buf, sid);
  else {
    const ias = childrenOf(buf, expect(sid, UNIVERSAL, T.SEQUENCE, 'IssuerAndSerialNumber'));
    issuer = definiteBytes(buf, expect(ias[0], UNIVERSAL, T.SEQUENCE, 'issuer'));
    serial = contentOf(buf, expect(ias[1], UNIVERSAL, T.INTEGER, 'serial'));
  }
  const digest = DIGEST_BY_OID[oidOf(buf, childrenOf(buf, expect(f[2], UNIVERSAL, T.SEQUENCE, 'digestAlgorithm'))[0], 'digestAlgorithm')];
  if (!digest) throw badSignature('unsupported digest');
  let i = 3;
  let messageDigest: Buffer | null = null;
  let signedAttributes: Buffer | null = null;
  if (f[i]?.cls === CONTEXT && f[i]?.tag === 0) {
    const attrs = f[i]!;
    for (const a of childrenOf(buf, attrs)) {
      const parts = childrenOf(buf, expect(a, UNIVERSAL, T.SEQUENCE, 'attribute'));
      if (oidOf(buf, parts[0], 'attribute') !== OID.messageDigest) continue;
      const values = childrenOf(buf, expect(parts[1], UNIVERSAL, T.SET, 'attribute values'));
      if (values.length !== 1 || messageDigest) throw badSignature('messageDigest must appear once with one value');
      messageDigest = contentOf(buf, expect(values[0], UNIVERSAL, T.OCTET_STRING, 'messageDigest'));
    }
    // RFC 5652 §5.4: the signature covers the DER of the attributes under the universal SET tag.
    signedAttributes = definiteBytes(buf, attrs, 0x31);
    i++;
  }
  const signatureAlgorithm = oidOf(buf, childrenOf(buf, expect(f[i], UNIVERSAL, T.SEQUENCE, 'signatureAlgorithm'))[0], 'signatureAlgorithm');
  const signature = contentOf(buf, expect(f[i + 1], UNIVERSAL, T.OCTET_STRING, 'signature'));
  return { issuer, serial, subjectKeyId, digest, messageDigest, signedAttributes, signatureAlgorithm, signature };
}

/** Issuer, serial, key identifier and public key of a certificate, remembered by fingerprint. */
function factsOf(fingerprint: string, der: Buffer): CertificateFacts | null {
  const known = facts.get(fingerprint);
  if (known) return known;
  let f: CertificateFacts;
  try {
    const tbs = childrenOf(der, childrenOf(der, readRoot(der))[0]!);
    const o = tbs[0]?.cls === CONTEXT ? 1 : 0;
    const spki = tbs[5 + o]!;
    const spkiDer = der.subarray(spki.start, spki.end);
    f = {
      serial: contentOf(der, expect(tbs[o], UNIVERSAL, T.INTEGER, 'serial')),
      issuer: der.subarray(tbs[2 + o]!.start, tbs[2 + o]!.end),
      subjectKeyId: keyIdentifier(spkiDer),
      key: createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }),
    };
  } catch {
    return null;
  }
  if (facts.size >= FACTS_MAX) facts.delete(facts.keys().next().value!);
  facts.set(fingerprint, f);
  return f;
}


function badSignature(why: string): AppError {
  return new AppError('bad_request', `Mdm-Signature: ${why}`);
}
