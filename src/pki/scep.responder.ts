import { createHash } from 'node:crypto';
import type { ChallengePlacement } from '../db/stores';
import { AppError, isAppError } from '../errors';
import type { Logger } from '../log/logger';
import type { CertificateVerifier } from './certificate-verifier';
import { decryptEnvelope, type Decrypted } from './cms-enveloped-data';
import { parseCsr, type ParsedCsr } from './csr';
import { certRepFailure, certRepSuccess, decodePkiMessage, FailInfo, MessageType, replyCipher, type FailInfoCode, type PkiRequest, type Responder } from './scep-message';

export interface ScepResponderDeps {
  responder: Responder;
  /** Marks a one-time challenge used; its placement, or null when unknown, used or expired. */
  consumeChallenge(challenge: string): Promise<ChallengePlacement | null>;
  issue(csr: ParsedCsr, placement: ChallengePlacement, deviceId: string | null): Promise<Buffer>;
  verifier: CertificateVerifier;
  logger: Logger;
}

export function hashChallenge(challenge: string): string {
  return createHash('sha256').update(challenge, 'utf8').digest('hex');
}

/**
 * PKIOperation (RFC 8894 §3.3): a malformed message is a `bad_request` (bare 400); a well-formed
 * request that is refused gets a signed CertRep FAILURE inside HTTP 200, as SCEP clients expect.
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
    let envelope: Decrypted;
    let csr: ParsedCsr;
    try {
      envelope = decryptEnvelope(req.envelope, this.deps.responder.cert, this.deps.responder.key);
      csr = parseCsr(envelope.content);
    } catch (err) {
      return fail(FailInfo.badMessageCheck, isAppError(err) ? err.message : 'undecryptable');
    }
    const target = await this.authorise(req, csr);
    if ('refused' in target) return fail(FailInfo.badRequest, target.refused);
    if (csr.requestedExtensions.length) this.deps.logger.info({ ...log, ignored: csr.requestedExtensions }, 'CSR extensions ignored (policy decides)');
    const issued = await this.deps.issue(csr, target.placement, target.deviceId);
    try {
      const reply = certRepSuccess({ request: req, responder: this.deps.responder, issued, recipientCert: req.signerCert, cipher: replyCipher(envelope.cipher) });
      this.deps.logger.info({ ...log, cipher: envelope.cipher }, 'SCEP certificate issued');
      return reply;
    } catch (err) {
      throw new AppError('bad_request', 'SCEP: cannot encrypt to the requester', { cause: err });
    }
  }

  private async authorise(req: PkiRequest, csr: ParsedCsr): Promise<{ placement: ChallengePlacement; deviceId: string | null } | { refused: string }> {
    if (req.messageType === MessageType.RenewalReq) {
      // Renewal is authorised by the device's current identity, not by a challenge.
      try {
        const id = await this.deps.verifier.identify(req.signerCert);
        if (!id.schoolId || !id.gradeId) return { refused: 'renewal of a certificate without placement' };
        return { placement: { schoolId: id.schoolId, gradeId: id.gradeId, classId: id.classId, enrollmentTokenId: id.enrollmentTokenId }, deviceId: id.deviceId };
      } catch (err) {
        return { refused: `renewal not signed by a live Slate identity (${isAppError(err) ? err.code : 'error'})` };
      }
    }
    if (!csr.challengePassword) return { refused: 'no challengePassword' };
    const placement = await this.deps.consumeChallenge(csr.challengePassword);
    return placement ? { placement, deviceId: null } : { refused: 'challenge unknown, used or expired' };
  }
}
