import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { AppError } from '../errors';
import { algorithm, asn1, child, children, Class, explicit, integerBytes, octets, oid, parseDer, readBytes, readOid, seq, set, smallInt, toDer, type Asn1 } from './der';
import { OID } from './oids';
import { certificateParts, publicKeyOf } from './x509';

/** Content ciphers SCEP clients use (RFC 8894 §3.5.2). Single DES is accepted inbound only. */
export type ContentCipher = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc' | 'des-cbc';

const CIPHERS: Record<string, { name: ContentCipher; keyLength: number; ivLength: number }> = {
  [OID.aes128Cbc]: { name: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  [OID.aes192Cbc]: { name: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  [OID.aes256Cbc]: { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  [OID.desEde3Cbc]: { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
  [OID.desCbc]: { name: 'des-cbc', keyLength: 8, ivLength: 8 },
};
/** forge's DES (typings omit it): the only single-DES implementation Node 20 can reach. */
interface ForgeCipher {
  start(iv: forge.util.ByteStringBuffer): void;
  update(b: forge.util.ByteStringBuffer): void;
  finish(): boolean;
  output: forge.util.ByteStringBuffer;
}
const des = (forge as unknown as { des: { createDecryptionCipher(k: string): ForgeCipher; createEncryptionCipher(k: string): ForgeCipher } }).des;

const OID_OF = Object.fromEntries(Object.entries(CIPHERS).map(([o, c]) => [c.name, o])) as Record<ContentCipher, string>;

export interface Decrypted {
  content: Buffer;
  cipher: ContentCipher;
}

/** Decrypts a ContentInfo(EnvelopedData) addressed to `recipientCert` with key transport (RSA). */
export function decryptEnvelope(der: Buffer, recipientCert: Buffer, recipientKey: KeyObject): Decrypted {
  const root = parseDer(der, 'EnvelopedData');
  if (readOid(child(root, 0, 'ContentInfo'), 'ContentInfo') !== OID.envelopedData) throw new AppError('bad_request', 'CMS: not EnvelopedData');
  const ed = children(child(child(root, 1, 'ContentInfo'), 0, 'EnvelopedData'), 'EnvelopedData');
  const hasOriginator = ed[1]?.tagClass === Class.CONTEXT_SPECIFIC;
  const recipients = children(ed[hasOriginator ? 2 : 1], 'recipientInfos');
  const eci = children(ed[hasOriginator ? 3 : 2], 'EncryptedContentInfo');
  const alg = eci[1];
  const spec = CIPHERS[readOid(child(alg, 0, 'contentEncryptionAlgorithm'), 'contentEncryptionAlgorithm')];
  if (!spec) throw new AppError('bad_request', 'CMS: unsupported content cipher');
  const iv = readBytes(child(alg, 1, 'contentEncryptionAlgorithm'), 'IV');
  if (iv.length !== spec.ivLength) throw new AppError('bad_request', 'CMS: bad IV');
  if (!eci[2]) throw new AppError('bad_request', 'CMS: no encrypted content');
  const ciphertext = readBytes(eci[2], 'encryptedContent');
  const mine = certificateParts(recipientCert);
  const ktri = recipients.find((r) => addressedTo(r, mine)) ?? recipients[0];
  const encryptedKey = readBytes(children(ktri, 'KeyTransRecipientInfo')[3], 'encryptedKey');
  const key = rsaUnwrap(recipientKey, encryptedKey, spec.keyLength);
  try {
    return { content: symmetricDecrypt(spec.name, key, iv, ciphertext), cipher: spec.name };
  } catch {
    // One answer for a wrong key and a bad padding: no decryption oracle.
    throw new AppError('bad_request', 'CMS: cannot decrypt content');
  }
}

function addressedTo(ri: Asn1, mine: { issuer: Buffer; serial: Buffer }): boolean {
  try {
    const rid = child(ri, 1, 'rid');
    if (rid.tagClass !== Class.UNIVERSAL) return false;
    return toDer(child(rid, 0, 'issuer')).equals(mine.issuer) && readBytes(child(rid, 1, 'serial'), 'serial').equals(mine.serial);
  } catch {
    return false;
  }
}

/**
 * RSA PKCS#1 v1.5 key transport. Node 20 refuses RSA_PKCS1_PADDING for private decryption
 * (CVE-2023-46809, Marvin), so node:crypto does the raw RSA operation and the padding is checked
 * here; a malformed block yields a random key instead of an error (implicit rejection, RFC 3218 §2.3.2),
 * so the caller sees the same failure later whatever went wrong.
 */
function rsaUnwrap(key: KeyObject, encryptedKey: Buffer, keyLength: number): Buffer {
  const fallback = randomBytes(keyLength);
  let block: Buffer;
  try {
    block = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, encryptedKey);
  } catch {
    return fallback;
  }
  let ok = block[0] === 0 && block[1] === 2;
  let sep = -1;
  for (let i = 2; i < block.length; i++) if (sep < 0 && block[i] === 0) sep = i;
  ok = ok && sep >= 10 && block.length - sep - 1 === keyLength;
  return ok ? block.subarray(sep + 1) : fallback;
}

function symmetricDecrypt(cipher: ContentCipher, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  if (cipher === 'des-cbc') {
    // OpenSSL 3 (Node 20) has single DES only in the legacy provider; Go SCEP clients still default to it.
    const d = des.createDecryptionCipher(key.toString('binary'));
    d.start(forge.util.createBuffer(iv.toString('binary')));
    d.update(forge.util.createBuffer(data.toString('binary')));
    if (!d.finish()) throw new Error('bad padding');
    return Buffer.from(d.output.getBytes(), 'binary');
  }
  const d = createDecipheriv(cipher, key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

function symmetricEncrypt(cipher: ContentCipher, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  if (cipher === 'des-cbc') {
    const c = des.createEncryptionCipher(key.toString('binary'));
    c.start(forge.util.createBuffer(iv.toString('binary')));
    c.update(forge.util.createBuffer(data.toString('binary')));
    c.finish();
    return Buffer.from(c.output.getBytes(), 'binary');
  }
  const c = createCipheriv(cipher, key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

/** The longest content-encryption key wrapped (AES-256): what a recipient key must be able to carry. */
const MAX_CONTENT_KEY = Math.max(...Object.values(CIPHERS).map((c) => c.keyLength));

/** RSA PKCS#1 v1.5 key transport of a content key to `recipientCert`; bad_request when that cannot be done. */
function wrapKey(recipientCert: Buffer, contentKey: Buffer): Buffer {
  const pub = publicKeyOf(recipientCert);
  // RFC 8894 §3.5.2: SCEP envelopes use key transport, which Slate does with RSA only.
  if (pub.asymmetricKeyType !== 'rsa') throw new AppError('bad_request', `CMS: cannot encrypt to a ${pub.asymmetricKeyType ?? 'unknown'} key`);
  try {
    return publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, contentKey);
  } catch (err) {
    // OpenSSL refuses some RSA keys it loads (modulus too small for the padding or over 16,384 bits, bad exponent).
    throw new AppError('bad_request', 'CMS: cannot encrypt to this RSA key', { cause: err });
  }
}

/**
 * Whether `encryptEnvelope` can encrypt to `recipientCert`, answered by wrapping a key of the
 * largest size for real (one public-key operation), so the answer cannot drift from what
 * encryption does. Returns the key type too ('rsa', 'ec', 'ed25519', 'dsa', 'rsa-pss', ... or
 * 'unreadable' for a key or certificate node:crypto cannot load).
 */
export function keyTransportTo(recipientCert: Buffer): { keyType: string; possible: boolean } {
  let keyType: string;
  try {
    keyType = publicKeyOf(recipientCert).asymmetricKeyType ?? 'unknown';
  } catch {
    return { keyType: 'unreadable', possible: false };
  }
  try {
    wrapKey(recipientCert, randomBytes(MAX_CONTENT_KEY));
    return { keyType, possible: true };
  } catch {
    return { keyType, possible: false };
  }
}

/** Encrypts `content` to the RSA key of `recipientCert` (ContentInfo(EnvelopedData) DER). */
export function encryptEnvelope(content: Buffer, recipientCert: Buffer, cipher: ContentCipher): Buffer {
  const spec = Object.values(CIPHERS).find((c) => c.name === cipher)!;
  const key = randomBytes(spec.keyLength);
  const iv = randomBytes(spec.ivLength);
  const encryptedKey = wrapKey(recipientCert, key);
  const parts = certificateParts(recipientCert);
  const ktri = seq([smallInt(0), seq([parseDer(parts.issuer, 'issuer'), integerBytes(parts.serial)]), algorithm(OID.rsaEncryption, true), octets(encryptedKey)]);
  const eci = seq([
    oid(OID.data),
    seq([oid(OID_OF[cipher]), octets(iv)]),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, false, symmetricEncrypt(cipher, key, iv, content).toString('binary')),
  ]);
  return toDer(seq([oid(OID.envelopedData), explicit(0, [seq([smallInt(0), set([ktri]), eci])])]));
}
