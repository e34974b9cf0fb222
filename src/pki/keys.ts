import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { AppError } from '../errors';
import { OID, SIGNATURE_DIGEST, type DigestName } from './oids';

/** Key types of a CA Slate creates (CA_KEY_ALGORITHM). */
export type KeyAlgorithm = 'rsa2048' | 'p256';

export function generateKey(alg: KeyAlgorithm): KeyObject {
  const pair = alg === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return pair.privateKey;
}

export function privateKeyFromPem(pem: string | Buffer, passphrase?: string): KeyObject {
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem } : { key: pem, passphrase });
  } catch (err) {
    throw new AppError('config_invalid', 'cannot read private key', { cause: err });
  }
}

export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

export function publicKeyFromSpki(der: Buffer): KeyObject {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (err) {
    throw new AppError('bad_request', 'unreadable public key', { cause: err });
  }
}

/** The signature algorithm OID Slate writes for a key and digest. */
export function signatureOid(key: KeyObject, digest: DigestName): string {
  const ec = key.asymmetricKeyType === 'ec';
  const table: Record<DigestName, [string, string]> = {
    sha1: [OID.sha1WithRSA, OID.ecdsaWithSHA1],
    sha256: [OID.sha256WithRSA, OID.ecdsaWithSHA256],
    sha384: [OID.sha384WithRSA, OID.ecdsaWithSHA384],
    sha512: [OID.sha512WithRSA, OID.ecdsaWithSHA512],
  };
  return table[digest][ec ? 1 : 0];
}

/** RFC 4055 writes NULL parameters for RSA signature algorithms; RFC 5758 omits them for ECDSA. */
export function signatureParamsNull(sigOid: string): boolean {
  return !sigOid.startsWith('1.2.840.10045.');
}

/** Private-key signing always through node:crypto (PKCS#1 v1.5 for RSA, DER ECDSA for EC). */
export function signBytes(key: KeyObject, digest: DigestName, data: Buffer): Buffer {
  return sign(digest, data, key);
}

/**
 * Verifies a signature given the signature-algorithm OID. In CMS SignerInfo the algorithm may be
 * plain `rsaEncryption` (Apple does this), so the digest can be passed separately.
 */
export function verifyBytes(key: KeyObject, sigAlgOid: string, data: Buffer, signature: Buffer, digestHint?: DigestName): boolean {
  const digest = SIGNATURE_DIGEST[sigAlgOid] ?? (sigAlgOid === OID.rsaEncryption || sigAlgOid === '1.2.840.10045.2.1' ? digestHint : undefined);
  if (!digest) return false;
  try {
    return verify(digest, data, key, signature);
  } catch {
    return false;
  }
}
