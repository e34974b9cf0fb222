import type { Tx } from '../db/database';
import type { AnswerOutcome, AppleDeviceStore, CertificateStore, CheckinStore, CommandQueueStore, DeviceStore } from '../db/stores';
import type { Logger } from '../log/logger';
import type { AnswerEffects } from './command.service';
import type { InventoryParser } from './protocol/apple-protocol';
import type { DeviceFacts, DeviceReport } from './protocol/messages';

const INVENTORY_KINDS = ['DeviceInformation', 'SecurityInfo', 'ProfileList', 'InstalledApplicationList', 'CertificateList'] as const;
const STATE_CHANGES = ['EnableLostMode', 'DisableLostMode', 'EraseDevice', 'DeviceLocation'] as const;

/**
 * What a device's answer changes beyond the queue: inventory snapshots and the device's state
 * (lost, wiped). It runs inside the answer's transaction: a database failure rolls the answer
 * back and the device reports again. Answers that arrive after a command was cancelled still
 * count: if a tablet says it erased itself, it did.
 */
export class CommandEffects implements AnswerEffects {
  readonly requestTypes: readonly string[] = [...INVENTORY_KINDS, ...STATE_CHANGES];

  constructor(
    private readonly deps: {
      devices: DeviceStore;
      checkins: CheckinStore;
      appleDevices: AppleDeviceStore;
      certificates: CertificateStore;
      queue: CommandQueueStore;
      parsers: Partial<Record<string, InventoryParser>>;
      deviceFacts: (inventory: unknown) => DeviceFacts;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  async apply(tx: Tx, deviceId: string, outcome: AnswerOutcome, report: DeviceReport): Promise<void> {
    if (outcome.kind !== 'finished' && outcome.kind !== 'late') return;
    if (report.status !== 'Acknowledged') return;
    const now = this.deps.now?.() ?? new Date();
    const type = outcome.command.requestType;
    const { checkins } = this.deps;
    const parse = this.deps.parsers[type];
    if (parse) {
      const inventory = this.parsed(parse, report, deviceId, type);
      if (inventory === undefined) return;
      await checkins.putInventory(tx, deviceId, type, inventory, now);
      if (type === 'DeviceInformation') await this.deps.devices.update(tx, deviceId, this.deps.deviceFacts(inventory));
      return;
    }
    switch (type) {
      case 'EnableLostMode':
        await this.setState(tx, deviceId, 'lost', ['enrolled', 'pending']);
        return;
      case 'DisableLostMode':
        await this.setState(tx, deviceId, 'enrolled', ['lost']);
        // Location is kept only while a device is lost (pupils' privacy).
        await checkins.deleteInventory(tx, deviceId, 'DeviceLocation');
        return;
      case 'EraseDevice':
        await this.erased(tx, deviceId, now);
        return;
      case 'DeviceLocation': {
        const device = await this.deps.devices.getById(tx, deviceId);
        if (device?.state !== 'lost') return;
        await checkins.putInventory(tx, deviceId, 'DeviceLocation', locationOf(report.body), now);
        return;
      }
    }
  }

  /** A parser is total by contract; should one still throw, the device's data is the cause and a retry would not help. */
  private parsed(parse: InventoryParser, report: DeviceReport, deviceId: string, type: string): unknown {
    try {
      return parse(report.body);
    } catch (err) {
      this.deps.logger.warn({ deviceId, requestType: type, err }, 'could not parse command response; kept the answer without inventory');
      return undefined;
    }
  }

  /**
   * The tablet erased itself: its enrolment has ended (identity revoked, tokens dropped, nothing
   * left to send), so it can enrol again, and no location of it is kept.
   */
  private async erased(tx: Tx, deviceId: string, now: Date): Promise<void> {
    await this.setState(tx, deviceId, 'wiped', ['enrolled', 'lost', 'pending']);
    await this.deps.checkins.deleteInventory(tx, deviceId, 'DeviceLocation');
    await this.deps.appleDevices.markCheckedOut(tx, deviceId, now);
    await this.deps.certificates.revokeByDevice(tx, deviceId, 'device erased', now);
    await this.deps.queue.cancelAllForDevice(tx, deviceId, now, 'device erased');
  }

  private async setState(tx: Tx, deviceId: string, to: 'lost' | 'enrolled' | 'wiped', from: readonly string[]): Promise<void> {
    const d = await this.deps.devices.getById(tx, deviceId);
    if (d && from.includes(d.state)) await this.deps.devices.update(tx, deviceId, { state: to });
  }
}

/** The location fields Slate keeps of a lost device; nothing else of the answer. */
function locationOf(body: Record<string, unknown>): Record<string, unknown> {
  const num = (k: string) => (typeof body[k] === 'number' && Number.isFinite(body[k]) ? body[k] : null);
  const ts = body.Timestamp;
  return {
    latitude: num('Latitude'), longitude: num('Longitude'), horizontalAccuracy: num('HorizontalAccuracy'),
    timestamp: ts instanceof Date ? ts.toISOString() : typeof ts === 'string' ? ts.slice(0, 40) : null,
  };
}
