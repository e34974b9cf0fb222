import { createHash, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { AppError } from '../errors';
import { CONTEXT, expect, readBer, T, UNIVERSAL } from './ber';
import {
  algorithm, asn1, bitString, Class, explicit, integerBytes, octets, oid, parseDer, seq, set, smallInt, toDer, Type, utcOrGeneralizedTime, type Asn1,
} from './der';
import { signatureOid, signatureParamsNull, signBytes, spkiDer } from './keys';
import { OID, type DigestName } from './oids';

/**
 * X.509 certificates (RFC 5280): node-forge's ASN.1 builds the TBSCertificate, node:crypto signs
 * it. Writing the TBS ourselves (instead of forge.pki.Certificate) keeps EC keys possible (forge
 * only knows RSA) and keeps forge's slow pure-JS RSA out of the signing path.
 */
export interface CertificateTemplate {
  serial: Buffer;
  /** DER of the subject Name (copied verbatim from a CSR, or built with `buildName`). */
  subject: Buffer;
  /** DER of the issuer Name: the CA certificate's subject, byte for byte. */
  issuer: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: Buffer;
  issuerPublicKey: Buffer;
  /**
   * ca; device identity (clientAuth); signing (profiles); ra (SCEP responder beside an EC CA: RSA
   * for key transport); tls-server (development HTTPS: serverAuth for `subjectAltNames`).
   */
  profile: 'ca' | 'device' | 'signing' | 'ra' | 'tls-server';
  /** tls-server: the host names and IP addresses it is valid for (RFC 5280 §4.2.1.6). */
  subjectAltNames?: { dns: string[]; ip: string[] };
}

/** Key usage bits (RFC 5280 §4.2.1.3), in bit order. */
const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'] as const;
type KeyUsage = (typeof KEY_USAGE_BITS)[number];

/** 127 random bits, positive and without a leading zero byte (RFC 5280 §4.1.2.2: ≤ 20 octets). */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b;
}

export function buildName(attrs: { commonName: string; organization?: string }): Buffer {
  const rdn = (o: string, v: string) => set([seq([oid(o), asn1.create(Class.UNIVERSAL, Type.UTF8, false, Buffer.from(v, 'utf8').toString('binary'))])]);
  const rdns = [];
  if (attrs.organization) rdns.push(rdn('2.5.4.10', attrs.organization));
  rdns.push(rdn('2.5.4.3', attrs.commonName));
  return toDer(seq(rdns));
}

function keyUsageValue(usages: readonly KeyUsage[]): Buffer {
  let bits = 0;
  let highest = 0;
  for (const u of usages) {
    const i = KEY_USAGE_BITS.indexOf(u);
    bits |= 0x80 >> i;
    highest = Math.max(highest, i);
  }
  // DER BIT STRING: one octet here; drop trailing unused bits (X.690 §11.2.2).
  return toDer(asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, String.fromCharCode(7 - highest) + String.fromCharCode(bits)));
}

function extension(id: string, critical: boolean, value: Buffer): Asn1 {
  const parts: Asn1[] = [oid(id)];
  if (critical) parts.push(asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff'));
  parts.push(octets(value));
  return seq(parts);
}

/** SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2, method 1). */
export function keyIdentifier(spki: Buffer): Buffer {
  const ber = readBer(spki, { der: true, what: 'public key' });
  const bits = ber.octetBits(ber.children(expect(ber.root, UNIVERSAL, T.SEQUENCE, 'public key'))[1], 'subjectPublicKey');
  return createHash('sha1').update(bits).digest();
}

function extensions(t: CertificateTemplate): Asn1[] {
  const ski = keyIdentifier(t.subjectPublicKey);
  const aki = toDer(seq([asn1.create(Class.CONTEXT_SPECIFIC, 0, false, keyIdentifier(t.issuerPublicKey).toString('binary'))]));
  const out: Asn1[] = [];
  if (t.profile === 'ca') {
    out.push(extension(OID.basicConstraints, true, toDer(seq([asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff')]))));
    out.push(extension(OID.keyUsage, true, keyUsageValue(['digitalSignature', 'keyCertSign', 'cRLSign'])));
  } else {
    out.push(extension(OID.basicConstraints, true, toDer(seq([]))));
    // Device identities sign check-ins and decrypt SCEP replies; profile signers only sign.
    const usages: KeyUsage[] = t.profile === 'signing' ? ['digitalSignature'] : ['digitalSignature', 'keyEncipherment'];
    out.push(extension(OID.keyUsage, true, keyUsageValue(usages)));
    const eku = t.profile === 'device' ? [OID.clientAuth] : t.profile === 'signing' ? [OID.codeSigning, OID.emailProtection] : t.profile === 'tls-server' ? [OID.serverAuth] : [];
    if (eku.length) out.push(extension(OID.extKeyUsage, false, toDer(seq(eku.map(oid)))));
    if (t.subjectAltNames) out.push(extension(OID.subjectAltName, false, subjectAltNames(t.subjectAltNames)));
  }
  out.push(extension(OID.subjectKeyIdentifier, false, toDer(octets(ski))));
  if (t.profile !== 'ca' || !t.issuerPublicKey.equals(t.subjectPublicKey)) out.push(extension(OID.authorityKeyIdentifier, false, aki));
  return out;
}

/** GeneralNames: dNSName [2] IA5String, iPAddress [7] OCTET STRING (4 or 16 bytes). */
function subjectAltNames(names: { dns: string[]; ip: string[] }): Buffer {
  const ip = (a: string) => (isIPv4(a) ? Buffer.from(a.split('.').map(Number)) : ipv6Bytes(a));
  return toDer(seq([
    ...names.dns.map((d) => asn1.create(Class.CONTEXT_SPECIFIC, 2, false, d)),
    ...names.ip.map((a) => asn1.create(Class.CONTEXT_SPECIFIC, 7, false, ip(a).toString('binary'))),
  ]));
}

function ipv6Bytes(a: string): Buffer {
  if (!isIPv6(a)) throw new AppError('validation_failed', `not an IP address: ${a}`);
  const [head = '', tail = ''] = a.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const fill = 8 - groups(head).length - groups(tail).length;
  const all = a.includes('::') ? [...groups(head), ...Array(fill).fill('0'), ...groups(tail)] : groups(a);
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** Builds and signs a certificate; returns its DER. */
export function issueCertificate(t: CertificateTemplate, issuerKey: KeyObject, digest: DigestName = 'sha256'): Buffer {
  const sigOid = signatureOid(issuerKey, digest);
  const sigAlg = algorithm(sigOid, signatureParamsNull(sigOid));
  const tbs = seq([
    explicit(0, [smallInt(2)]),
    integerBytes(t.serial),
    sigAlg,
    parseDer(t.issuer, 'issuer'),
    seq([utcOrGeneralizedTime(t.notBefore), utcOrGeneralizedTime(t.notAfter)]),
    parseDer(t.subject, 'subject'),
    parseDer(t.subjectPublicKey, 'public key'),
    explicit(3, [seq(extensions(t))]),
  ]);
  const tbsDer = toDer(tbs);
  const signature = signBytes(issuerKey, digest, tbsDer);
  return toDer(seq([parseDer(tbsDer, 'tbs'), algorithm(sigOid, signatureParamsNull(sigOid)), bitString(signature)]));
}

export function selfSignedCa(key: KeyObject, name: { commonName: string; organization?: string }, validityMs: number, now = new Date()): Buffer {
  const spki = spkiDer(key);
  const subject = buildName(name);
  return issueCertificate(
    { serial: randomSerial(), subject, issuer: subject, notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + validityMs), subjectPublicKey: spki, issuerPublicKey: spki, profile: 'ca' },
    key,
  );
}

/**
 * The raw pieces of a certificate that node's X509Certificate does not hand out as DER, as the
 * exact bytes sent (issuer matching in CMS is byte for byte, RFC 5652 §5.3). DER only.
 */
export function certificateParts(der: Buffer): { subject: Buffer; issuer: Buffer; serial: Buffer; spki: Buffer } {
  const ber = readBer(der, { der: true, what: 'certificate' }).readAll();
  const cert = ber.children(expect(ber.root, UNIVERSAL, T.SEQUENCE, 'certificate'), 'certificate');
  const f = ber.children(expect(cert[0], UNIVERSAL, T.SEQUENCE, 'tbsCertificate'), 'tbsCertificate');
  const o = f[0]?.cls === CONTEXT && f[0].tag === 0 ? 1 : 0;
  const name = (i: number, what: string) => ber.raw(expect(f[i + o], UNIVERSAL, T.SEQUENCE, what));
  return { serial: ber.integer(f[o], 'serial'), issuer: name(2, 'issuer'), subject: name(4, 'subject'), spki: name(5, 'subjectPublicKeyInfo') };
}

export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

export function parseCertificate(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new AppError('bad_request', 'not a certificate', { cause: err });
  }
}

/**
 * The certificate's public key. X509Certificate parses the key lazily: its `publicKey` getter
 * throws for a key OpenSSL cannot load (unknown algorithm, malformed modulus) even when the
 * certificate itself parsed, so device certificates are only ever read through here.
 */
export function publicKeyOf(der: Buffer): KeyObject {
  const cert = parseCertificate(der);
  try {
    return cert.publicKey;
  } catch (err) {
    throw new AppError('bad_request', 'certificate: unreadable public key', { cause: err });
  }
}

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';

/** Every certificate in a PEM text; scanned with indexOf, so its cost is linear whatever the text. */
export function pemToDers(pem: string): Buffer[] {
  const out: Buffer[] = [];
  for (let at = pem.indexOf(PEM_BEGIN); at >= 0; ) {
    const body = at + PEM_BEGIN.length;
    const end = pem.indexOf(PEM_END, body);
    if (end < 0) break;
    out.push(Buffer.from(pem.slice(body, end).replace(/\s+/g, ''), 'base64'));
    at = pem.indexOf(PEM_BEGIN, end + PEM_END.length);
  }
  return out;
}

export function derToPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
