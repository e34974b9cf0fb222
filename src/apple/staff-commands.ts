import type { SecretBox } from '../crypto/secret-box';
import type { Db, Tx } from '../db/database';
import type { AppleDeviceStore, Device } from '../db/stores';
import { AppError } from '../errors';
import type { CommandService, EnqueueResult } from './command.service';
import type { AppleCommand } from './protocol/messages';

export interface StaffCommandRequest {
  devices: readonly Device[];
  requestType: string;
  params?: Record<string, unknown>;
  /** Who asked (audit): "cli", a staff id, ... */
  by: string;
  /** Describes a bulk target ("school:gs-bildstock"); recorded as a bulk job. */
  bulkTarget?: string;
}

/** States in which a device can still act on a command. */
const REACHABLE = new Set(['pending', 'enrolled', 'lost']);

/**
 * What staff may send to Apple devices, checked before anything is queued: the command must
 * validate, the devices must be Apple devices that can still answer. ClearPasscode carries each
 * device's own UnlockToken, so it is built per device from the sealed token the device gave us.
 */
export class StaffCommands {
  constructor(
    private readonly deps: {
      db: Db;
      commands: CommandService;
      appleDevices: AppleDeviceStore;
      secrets: SecretBox;
      build(requestType: string, params: Record<string, unknown>): AppleCommand;
    },
  ) {}

  async send(req: StaffCommandRequest): Promise<EnqueueResult & { skipped: { deviceId: string; reason: string }[] }> {
    return this.deps.db.transaction((tx) => this.sendIn(tx, req));
  }

  /** As send, in the caller's transaction (the admin API writes the audit line in it). */
  async sendIn(tx: Tx, req: StaffCommandRequest): Promise<EnqueueResult & { skipped: { deviceId: string; reason: string }[] }> {
    const skipped: { deviceId: string; reason: string }[] = [];
    const targets = req.devices.filter((d) => {
      if (d.platform !== 'apple') skipped.push({ deviceId: d.id, reason: 'not an Apple device' });
      else if (!REACHABLE.has(d.state)) skipped.push({ deviceId: d.id, reason: `device is ${d.state}` });
      else return true;
      return false;
    });
    if (targets.length === 0) throw new AppError('validation_failed', `no device can receive ${req.requestType}: ${skipped.map((s) => s.reason).join(', ') || 'none selected'}`);
    const opts = { createdBy: req.by, bulkTarget: req.bulkTarget };
    if (req.requestType !== 'ClearPasscode') {
      const command = this.deps.build(req.requestType, req.params ?? {});
      return { ...(await this.deps.commands.enqueueIn(tx, targets.map((d) => d.id), command, opts)), skipped };
    }
    const result: EnqueueResult = { bulkJobId: null, commands: [], duplicates: [] };
    for (const d of targets) {
      const sealed = (await this.deps.appleDevices.get(tx, d.id))?.unlockTokenSealed;
      if (!sealed) {
        skipped.push({ deviceId: d.id, reason: 'no UnlockToken (device not supervised or never sent one)' });
        continue;
      }
      const command = this.deps.build('ClearPasscode', { UnlockToken: this.deps.secrets.open('unlock-token', sealed) });
      const r = await this.deps.commands.enqueueIn(tx, [d.id], command, { createdBy: req.by });
      result.commands.push(...r.commands);
      result.duplicates.push(...r.duplicates);
    }
    if (result.commands.length === 0) throw new AppError('validation_failed', `ClearPasscode: ${skipped.map((s) => s.reason).join(', ')}`);
    return { ...result, skipped };
  }
}
