import type { DeviceIdentity } from '../ca/device-identity';
import type { SecretBox } from '../crypto/secret-box';
import type { Db, Tx } from '../db/database';
import type { AppleAuthContext, AppleDeviceStore, CertificateStore, CheckinStore, CommandQueueStore, DeviceStore, EnrollmentTokenStore } from '../db/stores';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { declarativeManagementReply } from './declarative-management';
import { decideAuthenticate } from './device-auth/binding-rules';
import type { AuthenticatedDevice } from './device-auth/device-authenticator';
import type { CheckinMessage } from './protocol/messages';

export type EncodePlist = (value: Record<string, unknown>) => Buffer;

/** What the check-in endpoint answers: an empty 200, or a plist body. Refusals are AppErrors. */
export type CheckinReply = { body: Buffer; contentType: string } | null;

/** Told when a device becomes enrolled (its TokenUpdate after Authenticate), inside that transaction. */
export interface EnrolmentListener {
  enrolled(tx: Tx, deviceId: string): Promise<void>;
}

/** Widths of the columns device-reported values go into; longer values are refused (400). */
const LIMITS = { udid: 64, topic: 255, pushMagic: 128, tokenBytes: 64 } as const;

/**
 * The check-in endpoint's behaviour per MessageType (Apple: "Check-in"). Each message is one
 * transaction with its check-in record, so no half-applied Authenticate, TokenUpdate or CheckOut
 * can be left behind by a failure or by a concurrent request.
 */
export class CheckinService {
  constructor(
    private readonly deps: {
      db: Db;
      devices: DeviceStore;
      appleDevices: AppleDeviceStore;
      checkins: CheckinStore;
      commands: CommandQueueStore;
      certificates: CertificateStore;
      enrollmentTokens: EnrollmentTokenStore;
      secrets: SecretBox;
      encodePlist: EncodePlist;
      logger: Logger;
      now?: () => Date;
      /** Policy: a newly enrolled device gets its school's and grade's set without anyone pushing it. */
      onEnrolled?: EnrolmentListener;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The UDID a message is about; bad_request when it has none or an impossible one. */
  static udidOf(msg: CheckinMessage): string {
    if (!msg.UDID) throw new AppError('bad_request', 'no UDID (user enrolment is not supported)');
    if (msg.UDID.length > LIMITS.udid) throw new AppError('bad_request', 'UDID too long');
    return msg.UDID;
  }

  /** Authenticate: the identity is live (checked by the caller); binding is decided here. */
  async authenticate(msg: Extract<CheckinMessage, { MessageType: 'Authenticate' }>, id: DeviceIdentity): Promise<CheckinReply> {
    const udid = CheckinService.udidOf(msg);
    if (msg.Topic.length > LIMITS.topic) throw new AppError('bad_request', 'Topic too long');
    const now = this.now();
    // A concurrent Authenticate creating the same UDID loses on the unique index; once more, it
    // then sees the device and the binding rules decide.
    await this.deps.db.transaction((tx) => this.bindAndRecord(tx, msg, udid, id, now), { retries: 1 });
    return null;
  }

  private async bindAndRecord(tx: Tx, msg: Extract<CheckinMessage, { MessageType: 'Authenticate' }>, udid: string, id: DeviceIdentity, now: Date): Promise<void> {
    const { devices, appleDevices, certificates, enrollmentTokens } = this.deps;
    const cert = await certificates.getByFingerprintForUpdate(tx, id.fingerprint);
    if (!cert) throw new AppError('certificate_untrusted', 'certificate unknown to this Slate');
    const existing = await devices.getByUdidForUpdate(tx, udid);
    const enrolment = existing ? await appleDevices.get(tx, existing.id) : null;
    const current = enrolment?.certFingerprint ? await certificates.getByFingerprint(tx, enrolment.certFingerprint) : null;
    const link = cert.deviceId === null && cert.enrollmentTokenId ? await enrollmentTokens.get(tx, cert.enrollmentTokenId) : null;
    const decision = decideAuthenticate({
      certificate: { fingerprint: cert.fingerprint, deviceId: cert.deviceId, schoolId: cert.schoolId, gradeId: cert.gradeId, linkRevoked: !!link?.revokedAt },
      device: existing,
      enrolment,
      current: current ? { revoked: current.revokedAt !== null, expired: current.notAfter.getTime() < now.getTime() } : null,
    });
    if (decision.kind === 'refuse') {
      if (decision.alert) {
        this.deps.logger.warn({
          alert: 'enrolment-refused', udid, deviceId: existing?.id ?? null, presented: { serial: cert.serial, fingerprint: cert.fingerprint },
          bound: current ? { serial: current.serial, fingerprint: current.fingerprint } : null, reason: decision.reason,
        }, 'Authenticate refused: a certificate tried to take over a device');
      }
      // Always 403 to the device (the code says why in the log): an iPad must not read 404 as "gone".
      throw new AppError(decision.code, decision.reason, { status: 403 });
    }
    const facts = {
      serialNumber: msg.SerialNumber ?? existing?.serialNumber ?? null,
      model: msg.Model ?? existing?.model ?? null,
      modelName: msg.ModelName ?? existing?.modelName ?? null,
      name: msg.DeviceName ?? existing?.name ?? null,
      osVersion: msg.OSVersion ?? existing?.osVersion ?? null,
      buildVersion: msg.BuildVersion ?? existing?.buildVersion ?? null,
    };
    const placement = { schoolId: cert.schoolId, gradeId: cert.gradeId, classId: cert.classId };
    // 'pending' until the first TokenUpdate (only then can Slate reach it); a lost device stays lost.
    const state = existing?.state === 'lost' ? 'lost' : 'pending';
    const device = existing
      ? await devices.update(tx, existing.id, { ...facts, ...(decision.kind === 'claim' && decision.place ? placement : {}), state, lastSeenAt: now })
      : await devices.create(tx, { platform: 'apple', udid, ...facts, ...placement, state, lastSeenAt: now });
    if ((await certificates.bind(tx, cert.fingerprint, device.id)) !== 'bound') throw new AppError('certificate_bound_elsewhere', 'certificate is bound to another device');
    await appleDevices.upsertAuthenticated(tx, { deviceId: device.id, udid, enrollmentTokenId: cert.enrollmentTokenId, certFingerprint: cert.fingerprint, enrolledVia: 'profile', topic: msg.Topic, at: now });
    if (existing) {
      // A new enrolment: what was queued for the old one must not run (Apple expects a clean queue),
      // and no earlier identity may authenticate again and take the enrolment back.
      const cancelled = await this.deps.commands.cancelAllForDevice(tx, device.id, now, 'device re-enrolled');
      const revoked = await certificates.revokeByDevice(tx, device.id, 'superseded by re-enrolment', now, cert.fingerprint);
      this.deps.logger.info({ deviceId: device.id, decision: decision.kind, cancelled, revoked }, 'device re-enrolled');
      if (existing.state === 'lost') this.deps.logger.warn({ alert: 'lost-device-enrolled', deviceId: device.id }, 'a device in lost mode enrolled again');
    }
    await this.record(tx, device.id, udid, 'Authenticate', facts.osVersion, facts.buildVersion, now);
  }

  /** Every other message: the caller authenticated the device (DeviceAuthenticator.device). */
  async handle(msg: CheckinMessage, auth: AuthenticatedDevice): Promise<CheckinReply> {
    const ctx = auth.device;
    // User-channel messages reach us when a profile allowed them; Slate manages the device channel.
    if (msg.UserID !== undefined && msg.MessageType !== 'UserAuthenticate') return this.inTx(ctx, msg.MessageType, async () => null);
    switch (msg.MessageType) {
      case 'TokenUpdate':
        return this.inTx(ctx, msg.MessageType, (tx, now) => this.tokenUpdate(tx, msg, ctx.deviceId, now));
      case 'CheckOut':
        return this.inTx(ctx, msg.MessageType, (tx, now) => this.checkOut(tx, ctx.deviceId, now));
      case 'UserAuthenticate':
        // Recorded like every message; then 410 tells the device this server has no user channel.
        await this.inTx(ctx, msg.MessageType, async () => null);
        throw new AppError('gone', 'user channel not supported');
      case 'GetBootstrapToken':
        return this.inTx(ctx, msg.MessageType, async (tx) => {
          const a = await this.deps.appleDevices.get(tx, ctx.deviceId);
          const token = a?.bootstrapTokenSealed ? this.deps.secrets.open('bootstrap-token', a.bootstrapTokenSealed) : undefined;
          return { body: this.deps.encodePlist(token ? { BootstrapToken: token } : {}), contentType: 'application/xml' };
        });
      case 'SetBootstrapToken':
        return this.inTx(ctx, msg.MessageType, async (tx) => {
          await this.deps.appleDevices.setBootstrapToken(tx, ctx.deviceId, msg.BootstrapToken?.length ? this.deps.secrets.seal('bootstrap-token', msg.BootstrapToken) : null);
          return null;
        });
      case 'DeclarativeManagement':
        return this.inTx(ctx, msg.MessageType, async () => {
          const r = declarativeManagementReply(msg.Endpoint, msg.Data);
          if (r.status !== 200) throw new AppError(r.status === 404 ? 'not_found' : 'bad_request', r.reason ?? 'declarative management');
          return r.body ? { body: r.body, contentType: 'application/json' } : null;
        });
      default:
        throw new AppError('bad_request', `unsupported check-in ${msg.MessageType}`);
    }
  }

  /** Runs a message's work and its check-in record in one transaction. */
  private inTx(ctx: AppleAuthContext, messageType: string, work: (tx: Tx, now: Date) => Promise<CheckinReply>): Promise<CheckinReply> {
    const now = this.now();
    return this.deps.db.transaction(async (tx) => {
      const reply = await work(tx, now);
      await this.record(tx, ctx.deviceId, ctx.udid, messageType, ctx.osVersion, ctx.buildVersion, now);
      return reply;
    });
  }

  private async tokenUpdate(tx: Tx, msg: Extract<CheckinMessage, { MessageType: 'TokenUpdate' }>, deviceId: string, now: Date): Promise<CheckinReply> {
    if (msg.Token.length > LIMITS.tokenBytes || msg.PushMagic.length > LIMITS.pushMagic || msg.Topic.length > LIMITS.topic) {
      throw new AppError('bad_request', 'TokenUpdate value too long');
    }
    await this.deps.appleDevices.updateToken(tx, deviceId, {
      topic: msg.Topic,
      pushToken: msg.Token.toString('hex'),
      pushMagic: msg.PushMagic,
      unlockTokenSealed: msg.UnlockToken?.length ? this.deps.secrets.seal('unlock-token', msg.UnlockToken) : undefined,
      awaitingConfiguration: msg.AwaitingConfiguration ?? false,
      at: now,
    });
    const device = await this.deps.devices.getById(tx, deviceId);
    if (device && device.state === 'pending') {
      await this.deps.devices.update(tx, deviceId, { state: 'enrolled', enrolledAt: device.enrolledAt ?? now });
      await this.deps.onEnrolled?.enrolled(tx, deviceId);
    }
    return null;
  }

  private async checkOut(tx: Tx, deviceId: string, now: Date): Promise<CheckinReply> {
    await this.deps.appleDevices.markCheckedOut(tx, deviceId, now);
    await this.deps.commands.cancelAllForDevice(tx, deviceId, now, 'device checked out');
    const device = await this.deps.devices.getById(tx, deviceId);
    if (device && device.state !== 'lost' && device.state !== 'retired') await this.deps.devices.update(tx, deviceId, { state: 'pending' });
    await this.deps.certificates.revokeByDevice(tx, deviceId, 'device checked out', now);
    return null;
  }

  private async record(tx: Tx, deviceId: string, udid: string, messageType: string, osVersion: string | null, buildVersion: string | null, now: Date): Promise<void> {
    await this.deps.checkins.record(tx, { deviceId, udid, messageType, osVersion, buildVersion, createdAt: now });
    await this.deps.devices.touch(tx, deviceId, now);
  }
}
