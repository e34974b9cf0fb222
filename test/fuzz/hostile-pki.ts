import { spkiDer } from '../../src/pki/keys';
import { readBer, type BerTree } from '../../src/pki/ber';
import { signData } from '../../src/pki/cms-signed-data';
import { OID } from '../../src/pki/oids';
import { buildName } from '../../src/pki/x509';
import { generateCsr, selfSignedFor } from '../sim/csr';
import { buildPkiMessage } from '../sim/scep-requester';
import { elements, replaceAt } from './ber-mutate';
import { nestDefinite, nestToSize, oidBytes, tlv } from './der-build';
import { certificateFor, keys, mdmSignatureSeeds, scepResponder, scepSeeds, signedCsr, type SignedBody } from './pki-corpus';

/**
 * Hand-made worst cases for the BER reader, the Mdm-Signature check, the SCEP codec and the CSR
 * parser, up to the 1 MiB device body limit: deep nesting (definite, indefinite, and the
 * definite-around-indefinite shape that made the old reader quadratic), many tiny elements, huge
 * length fields and values, and signers whose keys SCEP cannot answer or node:crypto cannot load.
 */
export const MiB = 1 << 20;
const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');
const NULL = hex('0500');
/** What made the old reader quadratic: definite levels re-walked down to an indefinite leaf. */
const INDEFINITE_LEAF = hex('3080 0500 0000');

export interface Labelled<T> {
  label: string;
  input: T;
}

function manyNulls(size: number): Buffer {
  const n = Math.floor((size - 6) / 2);
  return Buffer.concat([hex('3084'), Buffer.from([(n * 2) >>> 24, ((n * 2) >> 16) & 0xff, ((n * 2) >> 8) & 0xff, (n * 2) & 0xff]), Buffer.alloc(n * 2, NULL.toString('latin1'), 'latin1')]);
}

/** A primitive of `size` bytes in total with a 4-octet length. */
function bigPrimitive(identifier: number, size: number, fill: (n: number) => Buffer): Buffer {
  const n = size - 6;
  return Buffer.concat([Buffer.from([identifier, 0x84, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]), fill(n)]);
}

export function* hostileBer(): Iterable<Labelled<Buffer>> {
  for (const size of [15 * 1024, MiB]) {
    const kb = size === MiB ? '1 MiB' : '15 KB';
    yield { label: `definite nesting, ${kb}`, input: nestToSize(size, NULL, false) };
    yield { label: `indefinite nesting, ${kb}`, input: nestToSize(size, Buffer.alloc(0), true) };
    yield { label: `definite nesting around an indefinite leaf, ${kb}`, input: nestToSize(size, INDEFINITE_LEAF, false) };
  }
  yield { label: 'indefinite nesting never closed, 1 MiB', input: Buffer.from('3080'.repeat(MiB / 4), 'hex') };
  yield { label: '524,285 NULLs in one SEQUENCE, 1 MiB', input: manyNulls(MiB) };
  yield { label: 'chunked OCTET STRING of one-byte chunks, 1 MiB', input: Buffer.concat([hex('2480'), Buffer.from('040161'.repeat((MiB - 4) / 3), 'hex'), hex('0000')]) };
  yield { label: 'chunks nested 31 deep, 1 MiB', input: nestToSize(MiB, Buffer.from('040161'.repeat(1000), 'hex'), true) };
  yield { label: 'length field claims 4 GiB', input: Buffer.concat([hex('3084ffffffff'), Buffer.alloc(MiB - 6)]) };
  yield { label: 'length of length 127 octets', input: Buffer.concat([hex('30ff'), Buffer.alloc(MiB - 2, 0xff)]) };
  yield { label: 'OBJECT IDENTIFIER of 1 MiB', input: bigPrimitive(0x06, MiB, (n) => Buffer.concat([Buffer.alloc(n - 1, 0x81), hex('01')])) };
  yield { label: 'OBJECT IDENTIFIER of 1 MiB of one-octet arcs', input: bigPrimitive(0x06, MiB, (n) => Buffer.alloc(n, 0x01)) };
  yield { label: 'INTEGER of 1 MiB', input: bigPrimitive(0x02, MiB, (n) => Buffer.alloc(n, 0x7f)) };
  yield { label: 'UTF8String of 1 MiB, invalid at the end', input: bigPrimitive(0x0c, MiB, (n) => Buffer.concat([Buffer.alloc(n - 1, 0x61), hex('c3')])) };
  yield { label: 'BMPString of 1 MiB', input: bigPrimitive(0x1e, MiB, (n) => Buffer.alloc(n, 0x00)) };
  yield { label: '4,000 siblings each 30 deep', input: tlv(0x30, ...Array.from({ length: 4000 }, () => nestDefinite(29, NULL))) };
  const highTags = Buffer.from('1f8fff7f00'.repeat(Math.floor((MiB - 9) / 5)), 'hex');
  yield { label: 'high tag numbers, 1 MiB', input: Buffer.concat([hex('3f8fff7f 84'), Buffer.from([0, highTags.length >> 16, (highTags.length >> 8) & 0xff, highTags.length & 0xff]), highTags]) };
}

/** Path of the value of the first signed attribute of type `attributeOid` (inside SignerInfo [0]). */
function attributeValuePath(tree: BerTree, attributeOid: string): number[] {
  const want = oidBytes(attributeOid);
  const found = elements(tree).find((e) => e.node.tag === 6 && e.node.cls === 0 && tree.buf.subarray(e.node.contentStart, e.node.contentEnd).equals(want));
  if (!found) throw new Error(`no ${attributeOid} attribute`);
  const p = found.path;
  return [...p.slice(0, -1), p[p.length - 1]! + 1, 0];
}

/** ContentInfo → [0] → SignedData → certificates [0] → the first certificate. */
const FIRST_CERTIFICATE = [1, 0, 3, 0];

/** Room the enclosing length fields may grow by when an element becomes large (0x82 → 0x83 at each level). */
const SLACK = 64;

function withNesting(signature: Buffer, path: number[], size: number, inner: Buffer, indefinite: boolean): Buffer {
  const tree = readBer(signature);
  const room = size - SLACK - signature.length + tree.raw(elements(tree).find((e) => e.path.join() === path.join())!.node).length;
  return replaceAt(tree, path, nestToSize(room, inner, indefinite));
}

export function* hostileMdmSignatures(): Iterable<Labelled<SignedBody>> {
  const seeds = mdmSignatureSeeds();
  const { body } = seeds[3]!;
  const withAttributes = seeds[3]!.signature;
  const contentType = attributeValuePath(readBer(withAttributes), OID.contentType);
  for (const size of [15 * 1024, MiB]) {
    const kb = size === MiB ? '1 MiB' : '15 KB';
    yield { label: `${kb} header: a signed attribute nested around an indefinite leaf`, input: { signature: withNesting(withAttributes, contentType, size, INDEFINITE_LEAF, false), body } };
    yield { label: `${kb} header: a signed attribute in indefinite nesting`, input: { signature: withNesting(withAttributes, contentType, size, NULL, true), body } };
    yield { label: `${kb} header: the certificate replaced by nesting`, input: { signature: withNesting(withAttributes, FIRST_CERTIFICATE, size, INDEFINITE_LEAF, false), body } };
  }
  const tree = readBer(withAttributes);
  const cert = tree.raw(elements(tree).find((e) => e.path.join() === FIRST_CERTIFICATE.join())!.node);
  yield { label: '800 copies of the certificate, 1 MiB', input: { signature: replaceAt(tree, FIRST_CERTIFICATE, Buffer.concat(Array.from({ length: 800 }, () => cert))), body } };
  const distinct = Array.from({ length: 40 }, (_, i) => certificateFor(spkiDer(keys().ec), `other-${i}`));
  yield { label: '40 distinct certificates before the signer', input: { signature: replaceAt(tree, FIRST_CERTIFICATE, Buffer.concat([...distinct, cert])), body } };
  for (const s of signersScepCannotAnswer()) {
    const signature = signData({ content: body, detached: true, signerCert: s.cert, signerKey: s.signingKey, digest: 'sha1', noSignedAttributes: true });
    yield { label: `signer certificate with ${s.label}`, input: { signature, body } };
  }
}

interface OddSigner {
  label: string;
  cert: Buffer;
  /** Signs the CMS: the certificate's own key where node:crypto can sign with it, else an RSA key (signature does not hold). */
  signingKey: import('node:crypto').KeyObject;
}

/** An RSA SubjectPublicKeyInfo whose RSAPublicKey claims a zero-length modulus: X509Certificate reads the certificate, not the key. */
function malformedRsaSpki(): Buffer {
  const spki = spkiDer(keys().rsa);
  const tree = readBer(spki);
  const bits = elements(tree).find((e) => e.node.tag === 3)!;
  // Unused-bits octet, RSAPublicKey header (30 82 hh hh), INTEGER tag: then its length octets.
  const out = Buffer.from(spki);
  out[bits.node.contentStart + 1 + 4 + 1] = 0x00;
  return out;
}

export function signersScepCannotAnswer(): OddSigner[] {
  const k = keys();
  return [
    { label: 'an EC P-256 key', cert: certificateFor(spkiDer(k.ec)), signingKey: k.ec },
    { label: 'an Ed25519 key', cert: certificateFor(spkiDer(k.ed25519)), signingKey: k.rsa },
    { label: 'a DSA key', cert: certificateFor(spkiDer(k.dsa)), signingKey: k.dsa },
    { label: 'an RSA-PSS key', cert: certificateFor(spkiDer(k.rsaPss)), signingKey: k.rsaPss },
    { label: 'a malformed RSA key', cert: certificateFor(malformedRsaSpki()), signingKey: k.rsa },
  ];
}

export function* hostileScepMessages(): Iterable<Labelled<Buffer>> {
  const recipientCert = scepResponder().cert;
  const csr = generateCsr({ key: keys().rsa, challenge: 'fuzz-challenge' });
  for (const s of signersScepCannotAnswer()) {
    yield { label: `PKCSReq signed with ${s.label}`, input: buildPkiMessage({ csrDer: csr.csrDer, signerCert: s.cert, signerKey: s.signingKey, recipientCert }).der };
  }
  const signer = selfSignedFor(keys().rsa, csr.subject);
  yield { label: 'PKCSReq encrypted to another key', input: buildPkiMessage({ csrDer: csr.csrDer, signerCert: signer, signerKey: keys().rsa, recipientCert: certificateFor(spkiDer(keys().rsa)) }).der };
  const plain = scepSeeds()[2]!;
  const tree = readBer(plain);
  const envelope = elements(tree).find((e) => e.node.tag === 4 && e.node.contentEnd - e.node.contentStart > 500)!;
  const messageType = attributeValuePath(tree, OID.scepMessageType);
  for (const size of [15 * 1024, MiB]) {
    const kb = size === MiB ? '1 MiB' : '15 KB';
    yield { label: `${kb} PKCSReq: the envelope replaced by nesting around an indefinite leaf`, input: replaceAt(tree, envelope.path, tlv(0x04, nestToSize(size - SLACK - plain.length, INDEFINITE_LEAF, false))) };
    yield { label: `${kb} PKCSReq: messageType nested`, input: withNesting(plain, messageType, size, INDEFINITE_LEAF, false) };
    yield { label: `${kb} PKCSReq: 1-byte elements in the envelope`, input: replaceAt(tree, envelope.path, tlv(0x04, manyNulls(size - SLACK - plain.length))) };
  }
  yield { label: '1 MiB PKCSReq: an envelope of 1 MiB', input: replaceAt(tree, envelope.path, tlv(0x04, Buffer.alloc(MiB - SLACK - plain.length, 0x30))) };
  yield { label: 'PKCSReq: messageType as invalid UTF-8', input: replaceAt(tree, messageType, tlv(0x0c, hex('c328'))) };
  yield { label: 'PKCSReq: messageType as a 1 MiB string', input: replaceAt(tree, messageType, tlv(0x13, Buffer.alloc(MiB - SLACK - plain.length, 0x31))) };
  yield { label: 'PKCSReq: an attribute OID with a 400-bit arc', input: replaceAt(tree, attributeValuePath(tree, OID.scepMessageType).slice(0, -2).concat(0), tlv(0x06, hex('2a' + 'ff'.repeat(57) + '7f'))) };
}

export function* hostileCsrs(): Iterable<Labelled<Buffer>> {
  const k = keys();
  const subject = buildName({ commonName: 'fuzz' });
  const info = (spki: Buffer, attributes: Buffer[], version: Buffer = hex('020100')) => tlv(0x30, version, subject, spki, tlv(0xa0, ...attributes));
  const attribute = (oid: string, ...values: Buffer[]) => tlv(0x30, tlv(0x06, oidBytes(oid)), tlv(0x31, ...values));
  const rsa = spkiDer(k.rsa);
  const signed = (label: string, i: Buffer, key = k.rsa) => ({ label, input: signedCsr(i, key) });
  yield signed('challengePassword as invalid UTF-8', info(rsa, [attribute(OID.challengePassword, tlv(0x0c, hex('f0 28 8c 28')))]));
  yield signed('challengePassword as an odd-length BMPString', info(rsa, [attribute(OID.challengePassword, tlv(0x1e, hex('004100')))]));
  yield signed('challengePassword as a SEQUENCE', info(rsa, [attribute(OID.challengePassword, tlv(0x30))]));
  yield signed('challengePassword of 1 MiB', info(rsa, [attribute(OID.challengePassword, tlv(0x0c, Buffer.alloc(MiB - 1200, 0x61)))]));
  yield signed('4,000 requested extensions', info(rsa, [attribute(OID.extensionRequest, tlv(0x30, ...Array.from({ length: 4000 }, () => tlv(0x30, tlv(0x06, hex('551d0f')), tlv(0x04, hex('03020780'))))))]));
  yield signed('an attribute value nested 40 deep', info(rsa, [attribute('1.2.3.4', nestDefinite(40, NULL))]));
  yield signed('an attribute value nested to 1 MiB', info(rsa, [attribute('1.2.3.4', nestToSize(MiB - 1200, INDEFINITE_LEAF, false))]));
  yield signed('a 600-octet version INTEGER', info(rsa, [], tlv(0x02, Buffer.alloc(600, 0x7f))));
  yield signed('an EC key', info(spkiDer(k.ec), []), k.ec);
  yield signed('an Ed25519 key', info(spkiDer(k.ed25519), []), k.ed25519);
  yield signed('a DSA key', info(spkiDer(k.dsa), []), k.dsa);
  yield signed('a malformed RSA key', info(malformedRsaSpki(), []));
  const good = signedCsr(info(rsa, []), k.rsa);
  const bitsAt = good.length - 256 - 1;
  const unusedBits = Buffer.from(good);
  unusedBits[bitsAt] = 0x07;
  yield { label: 'signature BIT STRING with unused bits', input: unusedBits };
  yield { label: 'trailing bytes', input: Buffer.concat([good, hex('00')]) };
  yield { label: 'indefinite length (BER where DER is required)', input: Buffer.concat([hex('3080'), good.subarray(4), hex('0000')]) };
}
