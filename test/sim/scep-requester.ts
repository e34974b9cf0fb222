import { createPrivateKey, type KeyObject } from 'node:crypto';
import { signData } from '../../src/pki/cms-signed-data';
import type { DigestName } from '../../src/pki/oids';

// The simulator lives in src/sim (`slate sim`); test/sim re-exports it for existing imports.
export * from '../../src/sim/scep-requester';

/** Apple-style `Mdm-Signature`: detached CMS over the exact body, base64 (iOS: SHA-1, no signed attributes). */
export function signDetached(body: Buffer, keyPem: string | KeyObject, certDer: Buffer, o: { digest?: DigestName; signedAttributes?: boolean } = {}): string {
  const key = typeof keyPem === 'string' ? createPrivateKey(keyPem) : keyPem;
  return signData({ content: body, detached: true, signerCert: certDer, signerKey: key, digest: o.digest ?? 'sha1', noSignedAttributes: !o.signedAttributes }).toString('base64');
}
