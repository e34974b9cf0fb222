import { randomBytes, type KeyObject } from 'node:crypto';
import { AppError } from '../errors';
import { octets, printable, readBytes, readText } from './der';
import { attribute, certificatesOnly, parseSignedData, signData, verifySigner } from './cms-signed-data';
import { encryptEnvelope, keyTransportTo, type ContentCipher } from './cms-enveloped-data';
import { OID, type DigestName } from './oids';

/**
 * SCEP pkiMessage codec (RFC 8894 §3.2-3.3). Pure: takes bytes and keys, returns bytes.
 * Message types: PKCSReq 19, RenewalReq 17, CertRep 3 (GetCertInitial/GetCert/GetCRL unsupported).
 */
export const MessageType = { CertRep: '3', RenewalReq: '17', PKCSReq: '19', CertPoll: '20', GetCert: '21', GetCRL: '22' } as const;
export const FailInfo = { badAlg: '0', badMessageCheck: '1', badRequest: '2', badTime: '3', badCertId: '4' } as const;
export type FailInfoCode = (typeof FailInfo)[keyof typeof FailInfo];

export interface PkiRequest {
  messageType: string;
  transactionId: string;
  senderNonce: Buffer;
  digest: DigestName;
  /** The certificate that signed the request (self-signed for PKCSReq, the old identity for RenewalReq). */
  signerCert: Buffer;
  /** ContentInfo(EnvelopedData) carrying the CSR, encrypted to the CA. */
  envelope: Buffer;
  /** False when the CMS signature does not hold (answered with FAILURE badMessageCheck). */
  signatureValid: boolean;
  /** The signer certificate's key type as node:crypto names it ('rsa', 'ec', 'ed25519', 'dsa', 'rsa-pss' ...), or 'unreadable'. */
  signerKeyType: string;
  /**
   * Whether a CertRep SUCCESS can be encrypted to `signerCert`: SCEP replies use RSA key transport
   * (RFC 8894 §3.3.2, §3.5.2), so an EC, Ed25519, DSA or unusable RSA signer can never receive its
   * certificate. When false, answer FAILURE badAlg before consuming a challenge or issuing anything.
   */
  replyable: boolean;
}

/** Decodes a pkiMessage; anything that is not a SCEP SignedData is a `bad_request` (bare 400). */
export function decodePkiMessage(der: Buffer): PkiRequest {
  const sd = parseSignedData(der);
  const signer = sd.signers[0];
  if (!signer || !signer.attributes) throw new AppError('bad_request', 'SCEP: no signed attributes');
  if (!sd.content) throw new AppError('bad_request', 'SCEP: no message data');
  const attr = (o: string) => signer.attributes!.get(o)?.[0];
  const messageType = readText(attr(OID.scepMessageType), 'messageType');
  const transactionId = readText(attr(OID.scepTransactionId), 'transactionID');
  const senderNonce = readBytes(attr(OID.scepSenderNonce), 'senderNonce');
  // RFC 8894 says 16 bytes, but real iOS sends 8 (smallstep/scep PKCSReq.der fixture): accept 8-64.
  if (senderNonce.length < 8 || senderNonce.length > 64) throw new AppError('bad_request', 'SCEP: bad senderNonce');
  if (transactionId.length === 0 || transactionId.length > 256) throw new AppError('bad_request', 'SCEP: bad transactionID');
  // A decimal number (RFC 8894 §3.2.1.2); bounded because it is logged with every refusal.
  if (!/^[0-9]{1,3}$/.test(messageType)) throw new AppError('bad_request', 'SCEP: bad messageType');
  const verified = verifySigner(sd, signer, sd.content);
  const signerCert = verified ?? sd.certificates[0];
  if (!signerCert) throw new AppError('bad_request', 'SCEP: no signer certificate');
  const reply = keyTransportTo(signerCert);
  return {
    messageType, transactionId, senderNonce, digest: signer.digest, signerCert, envelope: sd.content, signatureValid: verified !== null,
    signerKeyType: reply.keyType, replyable: reply.possible,
  };
}

export interface Responder {
  cert: Buffer;
  key: KeyObject;
  /** Further certificates to include (the CA when an RA answers). */
  chain: Buffer[];
}

interface ReplyBase {
  request: Pick<PkiRequest, 'transactionId' | 'senderNonce' | 'digest'>;
  responder: Responder;
}

function replyAttributes(req: ReplyBase['request'], status: '0' | '2', failInfo?: FailInfoCode) {
  const attrs = [
    attribute(OID.scepMessageType, printable(MessageType.CertRep)),
    attribute(OID.scepPkiStatus, printable(status)),
    attribute(OID.scepTransactionId, printable(req.transactionId)),
    attribute(OID.scepSenderNonce, octets(randomBytes(16))),
    attribute(OID.scepRecipientNonce, octets(req.senderNonce)),
  ];
  if (failInfo !== undefined) attrs.push(attribute(OID.scepFailInfo, printable(failInfo)));
  return attrs;
}

/** Replies are signed with the request's digest when it is one we trust, else SHA-256. */
function replyDigest(d: DigestName): DigestName {
  return d === 'sha1' || d === 'sha256' || d === 'sha512' || d === 'sha384' ? d : 'sha256';
}

/** CertRep SUCCESS: the issued certificate in a certs-only SignedData, encrypted to the requester. */
export function certRepSuccess(o: ReplyBase & { issued: Buffer; recipientCert: Buffer; cipher: ContentCipher }): Buffer {
  const envelope = encryptEnvelope(certificatesOnly([o.issued]), o.recipientCert, o.cipher);
  return signData({
    content: envelope, signerCert: o.responder.cert, signerKey: o.responder.key, extraCertificates: o.responder.chain,
    digest: replyDigest(o.request.digest), attributes: replyAttributes(o.request, '0'),
  });
}

/** CertRep FAILURE with a failInfo; no messageData (RFC 8894 §3.3.2). */
export function certRepFailure(o: ReplyBase & { failInfo: FailInfoCode }): Buffer {
  return signData({
    content: Buffer.alloc(0), detached: true, signerCert: o.responder.cert, signerKey: o.responder.key, extraCertificates: o.responder.chain,
    digest: replyDigest(o.request.digest), attributes: replyAttributes(o.request, '2', o.failInfo),
  });
}

/** Reply cipher: AES of the same strength when the client used AES, else 3DES; never single DES. */
export function replyCipher(requestCipher: ContentCipher): ContentCipher {
  return requestCipher.startsWith('aes-') ? requestCipher : 'des-ede3-cbc';
}
