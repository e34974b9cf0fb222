import { AppError } from '../errors';
import { child, children, Class, parseDer, readBytes, readOid, readText, toDer } from './der';
import { publicKeyFromSpki, verifyBytes } from './keys';
import { OID } from './oids';

/** A PKCS#10 certification request (RFC 2986) as SCEP carries it. */
export interface ParsedCsr {
  /** DER of the subject Name, copied into the certificate as requested. */
  subject: Buffer;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  challengePassword: string | null;
  /** OIDs of extensions the requester asked for (recorded for logs; never copied into a certificate). */
  requestedExtensions: string[];
}

/** Parses and verifies a CSR's self-signature (proof of possession). */
export function parseCsr(der: Buffer): ParsedCsr {
  const root = parseDer(der, 'CSR');
  const info = child(root, 0, 'CSR');
  const sigAlg = readOid(child(child(root, 1, 'CSR'), 0, 'CSR algorithm'), 'CSR algorithm');
  const sigBits = readBytes(child(root, 2, 'CSR'), 'CSR signature');
  const fields = children(info, 'CSR info');
  const [, subjectNode, spkiNode, attrsNode] = fields;
  if (!subjectNode || !spkiNode) throw new AppError('bad_request', 'CSR: truncated');
  const spki = toDer(spkiNode);
  const key = publicKeyFromSpki(spki);
  if (!verifyBytes(key, sigAlg, toDer(info), sigBits.subarray(1))) throw new AppError('bad_request', 'CSR: signature does not verify');
  let challengePassword: string | null = null;
  const requestedExtensions: string[] = [];
  if (attrsNode && attrsNode.tagClass === Class.CONTEXT_SPECIFIC) {
    for (const attr of children(attrsNode, 'CSR attributes')) {
      const type = readOid(child(attr, 0, 'CSR attribute'), 'CSR attribute');
      const values = children(child(attr, 1, 'CSR attribute'), 'CSR attribute values');
      if (type === OID.challengePassword && values[0]) challengePassword = readText(values[0], 'challengePassword');
      if (type === OID.extensionRequest && values[0]) {
        for (const ext of children(values[0], 'extensionRequest')) requestedExtensions.push(readOid(child(ext, 0, 'extension'), 'extension'));
      }
    }
  }
  return { subject: toDer(subjectNode), spki, challengePassword, requestedExtensions };
}
