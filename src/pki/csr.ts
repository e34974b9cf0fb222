import { AppError } from '../errors';
import { CONTEXT, expect, readBer, T, UNIVERSAL, type BerTree, type Tlv } from './ber';
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

/**
 * Parses and verifies a CSR's self-signature (proof of possession). DER only: the signature covers
 * the CertificationRequestInfo exactly as sent, so it is checked over those bytes, not a re-encoding.
 */
export function parseCsr(der: Buffer): ParsedCsr {
  // Read in full: a CSR is small, and DER throughout is what its signature promises.
  const ber = readBer(der, { der: true, what: 'CSR' }).readAll();
  const [infoNode, algNode, sigNode, extra] = ber.children(expect(ber.root, UNIVERSAL, T.SEQUENCE, 'CSR'), 'CSR');
  if (extra) throw new AppError('bad_request', 'CSR: unexpected element');
  const info = expect(infoNode, UNIVERSAL, T.SEQUENCE, 'CertificationRequestInfo');
  const [version, subjectNode, spkiNode, attrsNode] = ber.children(info, 'CertificationRequestInfo');
  // RFC 2986 says version 0, but the iOS PKCSReq in test/fixtures/scep sends 2: read, not checked.
  ber.integer(version, 'CSR version');
  const subject = ber.raw(expect(subjectNode, UNIVERSAL, T.SEQUENCE, 'CSR subject'));
  const spki = ber.raw(expect(spkiNode, UNIVERSAL, T.SEQUENCE, 'CSR public key'));
  const sigAlg = ber.oid(ber.children(expect(algNode, UNIVERSAL, T.SEQUENCE, 'CSR algorithm'))[0], 'CSR algorithm');
  const signature = ber.octetBits(sigNode, 'CSR signature');
  const key = publicKeyFromSpki(spki);
  if (!verifyBytes(key, sigAlg, ber.raw(info), signature)) throw new AppError('bad_request', 'CSR: signature does not verify');
  const requested = attrsNode ? readAttributes(ber, expect(attrsNode, CONTEXT, 0, 'CSR attributes')) : { challengePassword: null, requestedExtensions: [] };
  return { subject, spki, ...requested };
}

function readAttributes(ber: BerTree, attrs: Tlv): Pick<ParsedCsr, 'challengePassword' | 'requestedExtensions'> {
  let challengePassword: string | null = null;
  const requestedExtensions: string[] = [];
  for (const attr of ber.children(attrs, 'CSR attributes')) {
    const [typeNode, valuesNode] = ber.children(expect(attr, UNIVERSAL, T.SEQUENCE, 'CSR attribute'), 'CSR attribute');
    const type = ber.oid(typeNode, 'CSR attribute');
    const values = ber.children(expect(valuesNode, UNIVERSAL, T.SET, 'CSR attribute values'), 'CSR attribute values');
    // RFC 2985 §5.4.1: challengePassword is single-valued, a DirectoryString.
    if (type === OID.challengePassword && values[0]) challengePassword = ber.text(values[0], 'challengePassword');
    if (type === OID.extensionRequest && values[0]) {
      for (const ext of ber.children(expect(values[0], UNIVERSAL, T.SEQUENCE, 'extensionRequest'), 'extensionRequest')) {
        requestedExtensions.push(ber.oid(ber.children(expect(ext, UNIVERSAL, T.SEQUENCE, 'extension'), 'extension')[0], 'extension'));
      }
    }
  }
  return { challengePassword, requestedExtensions };
}
