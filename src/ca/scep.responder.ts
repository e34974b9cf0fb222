import { createHash } from 'node:crypto';
import type { Db, Tx } from '../db/database';
import type { ChallengePlacement } from '../db/stores';
import { AppError, isAppError } from '../errors';
import type { Logger } from '../log/logger';
import { decryptEnvelope, type Decrypted } from '../pki/cms-enveloped-data';
import { parseCsr, type ParsedCsr } from '../pki/csr';
import {
  certRepFailure, certRepSuccess, decodePkiMessage, FailInfo, MessageType, replyCipher, type FailInfoCode, type PkiRequest, type Responder,
} from '../pki/scep-message';
import type { CertificateVerifier } from './certificate-verifier';

/** Where an issued certificate belongs: its placement, and the device it renews (if any). */
export interface IssueTarget {
  placement: ChallengePlacement;
  /** Set for renewals: the new certificate belongs to this device from the start. */
  deviceId: string | null;
}

export interface ScepResponderDeps {
  db: Db;
  responder: Responder;
  /** Marks a one-time challenge used in `tx`; its target, or null when unknown, used, expired or void. */
  consumeChallenge(tx: Tx, challenge: string): Promise<IssueTarget | null>;
  /** Issues and records a device certificate in `tx`; the subject is Slate's, never the CSR's. */
  issue(tx: Tx, csr: ParsedCsr, target: IssueTarget): Promise<Buffer>;
  verifier: CertificateVerifier;
  logger: Logger;
}

export function hashChallenge(challenge: string): string {
  return createHash('sha256').update(challenge, 'utf8').digest('hex');
}

type Decision = { target: IssueTarget } | { refused: string; failInfo: FailInfoCode };

/**
 * PKIOperation (RFC 8894 §3.3): a malformed message is a `bad_request` (bare 400); a well-formed
 * request that is refused gets a signed CertRep FAILURE inside HTTP 200, as SCEP clients expect.
 *
 * Everything that can refuse a request without side effects runs first (message type, signature,
 * a signer Slate can answer, decryption, CSR). The challenge is then consumed, the certificate
 * issued and recorded, and the reply built in ONE transaction: a reply that cannot be built rolls
 * all of it back, so no challenge is spent and no certificate recorded that the device never got.
 */
export class ScepResponder {
  constructor(private readonly deps: ScepResponderDeps) {}

  async handle(body: Buffer): Promise<Buffer> {
    const req = decodePkiMessage(body);
    const log = { transactionId: req.transactionId, messageType: req.messageType };
    const fail = (failInfo: FailInfoCode, reason: string): Buffer => {
      this.deps.logger.warn({ ...log, failInfo, reason }, 'SCEP request refused');
      return certRepFailure({ request: req, responder: this.deps.responder, failInfo });
    };
    if (req.messageType !== MessageType.PKCSReq && req.messageType !== MessageType.RenewalReq) return fail(FailInfo.badRequest, 'unsupported messageType');
    if (!req.signatureValid) return fail(FailInfo.badMessageCheck, 'signature does not verify');
    // The reply is encrypted to the requester's certificate with RSA key transport (RFC 8894 §3.3.2):
    // a request Slate cannot answer is refused before it can spend a challenge.
    if (!req.replyable) return fail(FailInfo.badAlg, `requester key ${req.signerKeyType} cannot receive an encrypted reply`);
    let envelope: Decrypted;
    let csr: ParsedCsr;
    try {
      envelope = decryptEnvelope(req.envelope, this.deps.responder.cert, this.deps.responder.key);
      csr = parseCsr(envelope.content);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return fail(FailInfo.badMessageCheck, err.message);
    }
    if (csr.requestedExtensions.length) this.deps.logger.info({ ...log, ignored: csr.requestedExtensions }, 'CSR extensions ignored (policy decides)');
    return this.deps.db.transaction(async (tx) => {
      const decision = await this.authorise(tx, req, csr);
      if ('refused' in decision) return fail(decision.failInfo, decision.refused);
      const issued = await this.deps.issue(tx, csr, decision.target);
      let reply: Buffer;
      try {
        reply = certRepSuccess({ request: req, responder: this.deps.responder, issued, recipientCert: req.signerCert, cipher: replyCipher(envelope.cipher) });
      } catch (err) {
        throw new AppError('bad_request', 'SCEP: cannot encrypt to the requester', { cause: err });
      }
      this.deps.logger.info({ ...log, cipher: envelope.cipher, renewal: decision.target.deviceId !== null }, 'SCEP certificate issued');
      return reply;
    });
  }

  private async authorise(tx: Tx, req: PkiRequest, csr: ParsedCsr): Promise<Decision> {
    if (req.messageType === MessageType.RenewalReq) return this.authoriseRenewal(tx, req);
    if (!csr.challengePassword) return { refused: 'no challengePassword', failInfo: FailInfo.badRequest };
    const target = await this.deps.consumeChallenge(tx, csr.challengePassword);
    return target ? { target } : { refused: 'challenge unknown, used, expired or void', failInfo: FailInfo.badRequest };
  }

  /**
   * Renewal is authorised by the device's current identity, not by a challenge: the request must be
   * signed by a live Slate certificate that belongs to a device, and the new certificate belongs to
   * that same device (docs/security.md, "Renewal").
   */
  private async authoriseRenewal(tx: Tx, req: PkiRequest): Promise<Decision> {
    try {
      const id = await this.deps.verifier.identify(tx, req.signerCert);
      if (!id.deviceId) return { refused: 'renewal signed by a certificate no device has used', failInfo: FailInfo.badCertId };
      if (!id.schoolId || !id.gradeId) return { refused: 'renewal of a certificate without placement', failInfo: FailInfo.badCertId };
      return {
        target: {
          placement: { schoolId: id.schoolId, gradeId: id.gradeId, classId: id.classId, enrollmentTokenId: id.enrollmentTokenId },
          deviceId: id.deviceId,
        },
      };
    } catch (err) {
      if (!isAppError(err)) throw err;
      return { refused: `renewal not signed by a live Slate identity (${err.code})`, failInfo: FailInfo.badCertId };
    }
  }
}
