import type { CertificateVerifier } from '../../ca/certificate-verifier';
import type { DeviceIdentity } from '../../ca/device-identity';
import { decodeForwardedCertificate } from '../../ca/certificate-verifier';
import type { Db } from '../../db/database';
import type { AppleAuthContext, AppleDeviceStore, CertificateStore } from '../../db/stores';
import { AppError } from '../../errors';
import type { Logger } from '../../log/logger';
import type { DeviceCredential } from './device-credential';

/** A request whose credential proved it holds a certificate Slate's CA issued (steps 1–2). */
export interface ProvenCertificate {
  fingerprint: string;
}

export interface AuthenticatedDevice {
  identity: DeviceIdentity;
  device: AppleAuthContext;
}

export interface DeviceAuthenticatorDeps {
  db: Db;
  verifier: CertificateVerifier;
  certificates: CertificateStore;
  appleDevices: AppleDeviceStore;
  logger: Logger;
  now?: () => Date;
}

/**
 * Device authentication, one pipeline for both device endpoints (docs/security.md):
 *  1. the credential (device-credential.ts: signature, or a client certificate from a trusted proxy);
 *  2. the certificate behind it was issued by Slate's CA (a signature must verify over the body);
 *  3. its record says it is a device identity, unrevoked and within its validity;
 *  4. it is the identity of the device the message names (by UDID), or a renewal issued for that
 *     device, which then becomes its identity (the old one is revoked).
 * Authenticate stops after step 3: binding is the check-in's business (binding-rules.ts).
 * Every refusal is an AppError (403 for devices); nothing is cached between requests, so a
 * revocation or re-binding by another Slate process counts at once.
 */
export class DeviceAuthenticator {
  constructor(private readonly deps: DeviceAuthenticatorDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Steps 1–2, before the body is parsed: the credential proves a Slate-issued certificate (a
   * signature must verify over these exact bytes). No database.
   */
  prove(cred: DeviceCredential | null, body: Buffer): ProvenCertificate {
    if (!cred) throw new AppError('device_auth_failed', 'no Mdm-Signature');
    if (cred.kind === 'client-certificate') return { fingerprint: this.deps.verifier.issuedBySlate(decodeForwardedCertificate(cred.certificate)) };
    return { fingerprint: this.deps.verifier.verifySignature(cred.signature, body) };
  }

  /** Step 3: the live identity of the proven certificate. */
  async identity(proven: ProvenCertificate): Promise<DeviceIdentity> {
    const { fingerprint } = proven;
    return this.deps.verifier.liveIdentity(fingerprint, await this.deps.certificates.getByFingerprint(this.deps.db, fingerprint));
  }

  /**
   * Steps 3–4: the identity and the device it belongs to, which must be the device named by `udid`.
   * One query on the common path (certificate and bound device together).
   */
  async device(proven: ProvenCertificate, udid: string): Promise<AuthenticatedDevice> {
    const { fingerprint } = proven;
    const ctx = await this.deps.appleDevices.connectContext(this.deps.db, fingerprint);
    const identity = this.deps.verifier.liveIdentity(fingerprint, ctx.certificate);
    if (ctx.device) {
      if (ctx.device.udid !== udid) throw new AppError('device_auth_failed', 'certificate not bound to this device');
      return { identity, device: ctx.device };
    }
    if (identity.deviceId) return { identity, device: await this.adoptRenewal(identity, udid) };
    throw new AppError('device_auth_failed', 'certificate not bound to an enrolled device');
  }

  /**
   * A renewed identity seen for the first time: a certificate issued for this device (RenewalReq
   * signed by its identity, or the renewal challenge Slate sent it) replaces the identity it holds,
   * in one transaction, and the old certificate is revoked. Never revives an ended enrolment and
   * never replaces a newer identity with an older one.
   */
  private async adoptRenewal(identity: DeviceIdentity, udid: string): Promise<AppleAuthContext> {
    const deviceId = identity.deviceId!;
    return this.deps.db.transaction(async (tx) => {
      // Locks the new certificate's row: two first requests with it take turns.
      await this.deps.certificates.getByFingerprintForUpdate(tx, identity.fingerprint);
      const apple = await this.deps.appleDevices.get(tx, deviceId);
      if (!apple || apple.udid !== udid) throw new AppError('device_auth_failed', 'renewed certificate belongs to another device');
      if (apple.certFingerprint === identity.fingerprint) return (await this.deps.appleDevices.authContext(tx, udid))!;
      if (!apple.certFingerprint || apple.checkedOutAt) throw new AppError('device_auth_failed', 'enrolment ended; a renewal cannot revive it');
      const current = await this.deps.certificates.getByFingerprint(tx, apple.certFingerprint);
      if (current && current.createdAt.getTime() > identity.issuedAt.getTime()) {
        throw new AppError('device_auth_failed', 'certificate is older than the identity the device uses');
      }
      if (!(await this.deps.appleDevices.rebind(tx, deviceId, apple.certFingerprint, identity.fingerprint))) {
        throw new AppError('device_auth_failed', 'identity changed meanwhile');
      }
      const revoked = await this.deps.certificates.revokeByDevice(tx, deviceId, 'superseded by renewal', this.now(), identity.fingerprint);
      this.deps.logger.info({ deviceId, serial: identity.serial, revoked }, 'device identity renewed');
      return (await this.deps.appleDevices.authContext(tx, udid))!;
    });
  }
}
