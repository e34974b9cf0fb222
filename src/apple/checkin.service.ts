import type { SecretBox } from '../crypto/secret-box';
import type { AppleAuthContext, AppleDeviceStore, CheckinStore, DeviceStore } from '../db/stores';
import type { Sql } from '../db/sql';
import type { Logger } from '../log/logger';
import type { CheckinMessage, DeviceIdentity, DeviceReply } from './checkin.types';
import type { CommandService } from './command.service';
import { declarativeManagementReply } from './declarative-management';

/** Binds identity certificates to devices and revokes them (implemented by the PKI service). */
export interface CertificateBinder {
  bindCertificate(fingerprint: string, deviceId: string): Promise<void>;
  revokeByDevice(deviceId: string, reason: string): Promise<number>;
}

export type EncodePlist = (value: Record<string, unknown>) => Buffer;

const OK: DeviceReply = { status: 200 };
const forbidden = (reason: string): DeviceReply => ({ status: 403, reason });

/**
 * The check-in endpoint's behaviour per MessageType (Apple: "Check-in"). Every message is
 * recorded; a certificate proves one device only, bound at Authenticate.
 */
export class CheckinService {
  constructor(
    private readonly deps: {
      sql: Sql;
      devices: DeviceStore;
      appleDevices: AppleDeviceStore;
      checkins: CheckinStore;
      commands: CommandService;
      certificates: CertificateBinder;
      secrets: SecretBox;
      encodePlist: EncodePlist;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async handle(msg: CheckinMessage, id: DeviceIdentity): Promise<DeviceReply> {
    const udid = msg.UDID;
    if (!udid) return { status: 400, reason: 'no UDID (user enrolment is not supported)' };
    if (msg.MessageType === 'Authenticate') return this.authenticate(msg, udid, id);
    const ctx = await this.deps.appleDevices.authContext(udid);
    if (!ctx) return forbidden('unknown device');
    if (ctx.certFingerprint !== id.fingerprint) return forbidden('certificate not bound to this device');
    await this.record(ctx, msg.MessageType);
    // User-channel messages reach us when a profile allowed them; Slate manages the device channel.
    if (msg.UserID !== undefined && msg.MessageType !== 'UserAuthenticate') return OK;
    switch (msg.MessageType) {
      case 'TokenUpdate':
        return this.tokenUpdate(msg, ctx.deviceId);
      case 'CheckOut':
        return this.checkOut(ctx.deviceId);
      case 'UserAuthenticate':
        // 410 tells the device this server has no user channel, and not to ask again.
        return { status: 410, reason: 'user channel not supported' };
      case 'GetBootstrapToken': {
        const a = await this.deps.appleDevices.get(ctx.deviceId);
        const token = a?.bootstrapTokenSealed ? this.deps.secrets.open('bootstrap-token', a.bootstrapTokenSealed) : undefined;
        return { status: 200, body: this.deps.encodePlist(token ? { BootstrapToken: token } : {}), contentType: 'application/xml' };
      }
      case 'SetBootstrapToken':
        await this.deps.appleDevices.setBootstrapToken(ctx.deviceId, msg.BootstrapToken?.length ? this.deps.secrets.seal('bootstrap-token', msg.BootstrapToken) : null);
        return OK;
      case 'DeclarativeManagement':
        return declarativeManagementReply(msg.Endpoint, msg.Data);
      default:
        return { status: 400, reason: `unsupported check-in ${msg.MessageType}` };
    }
  }

  private async authenticate(msg: Extract<CheckinMessage, { MessageType: 'Authenticate' }>, udid: string, id: DeviceIdentity): Promise<DeviceReply> {
    const now = this.now();
    const existing = await this.deps.devices.getByUdid(udid);
    if (id.deviceId !== null && id.deviceId !== existing?.id) return forbidden('certificate bound to another device');
    if (existing?.state === 'retired') return forbidden('device retired');
    const placement = id.schoolId ? { schoolId: id.schoolId, gradeId: id.gradeId, classId: id.classId } : {};
    const facts = {
      serialNumber: msg.SerialNumber ?? existing?.serialNumber ?? null,
      model: msg.Model ?? existing?.model ?? null,
      modelName: msg.ModelName ?? existing?.modelName ?? null,
      name: msg.DeviceName ?? existing?.name ?? null,
      osVersion: msg.OSVersion ?? existing?.osVersion ?? null,
      buildVersion: msg.BuildVersion ?? existing?.buildVersion ?? null,
    };
    // 'pending' until the first TokenUpdate: only then can Slate reach the device.
    const device = existing
      ? await this.deps.devices.update(existing.id, { ...facts, ...placement, state: 'pending', lastSeenAt: now })
      : await this.deps.devices.create({ platform: 'apple', udid, ...facts, ...placement, state: 'pending', lastSeenAt: now });
    await this.deps.sql.transaction(async (ex) => {
      await this.deps.appleDevices.upsertAuthenticated(
        { deviceId: device.id, udid, enrollmentTokenId: id.enrollmentTokenId, certFingerprint: id.fingerprint, enrolledVia: 'profile', topic: msg.Topic, at: now }, ex);
      // A new enrolment: what was queued for the old one must not run (Apple expects a clean queue).
      const cancelled = await this.deps.commands.cancelAll(device.id, 'device re-enrolled', ex);
      if (cancelled) this.deps.logger.info({ deviceId: device.id, cancelled }, 'stale commands cancelled at re-enrolment');
      await this.deps.checkins.record({ deviceId: device.id, udid, messageType: 'Authenticate', osVersion: facts.osVersion, buildVersion: facts.buildVersion, createdAt: now }, ex);
    });
    // A fresh certificate supersedes the device's earlier ones: an old identity must not be able to
    // authenticate again and take the enrolment back.
    if (id.deviceId === null && existing) await this.deps.certificates.revokeByDevice(device.id, 'superseded by re-enrolment');
    await this.deps.certificates.bindCertificate(id.fingerprint, device.id);
    return OK;
  }

  private async tokenUpdate(msg: Extract<CheckinMessage, { MessageType: 'TokenUpdate' }>, deviceId: string): Promise<DeviceReply> {
    const now = this.now();
    await this.deps.appleDevices.updateToken(deviceId, {
      topic: msg.Topic,
      pushToken: msg.Token.toString('hex'),
      pushMagic: msg.PushMagic,
      unlockTokenSealed: msg.UnlockToken?.length ? this.deps.secrets.seal('unlock-token', msg.UnlockToken) : undefined,
      awaitingConfiguration: msg.AwaitingConfiguration ?? false,
      at: now,
    });
    const device = await this.deps.devices.getById(deviceId);
    if (device && device.state === 'pending') {
      await this.deps.devices.update(deviceId, { state: 'enrolled', enrolledAt: device.enrolledAt ?? now, lastSeenAt: now });
    }
    return OK;
  }

  private async checkOut(deviceId: string): Promise<DeviceReply> {
    const now = this.now();
    await this.deps.sql.transaction(async (ex) => {
      await this.deps.appleDevices.markCheckedOut(deviceId, now, ex);
      await this.deps.commands.cancelAll(deviceId, 'device checked out', ex);
    });
    await this.deps.devices.update(deviceId, { state: 'pending', lastSeenAt: now });
    await this.deps.certificates.revokeByDevice(deviceId, 'device checked out');
    return OK;
  }

  private async record(ctx: AppleAuthContext, messageType: string): Promise<void> {
    const now = this.now();
    await this.deps.checkins.record({ deviceId: ctx.deviceId, udid: ctx.udid, messageType, osVersion: ctx.osVersion, buildVersion: ctx.buildVersion, createdAt: now });
    await this.deps.devices.touch(ctx.deviceId, now);
  }
}
