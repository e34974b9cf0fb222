import type { AnswerOutcome, CheckinStore, DeviceStore, DevicePatch } from '../db/stores';
import type { Logger } from '../log/logger';
import type { AnswerEffects, CommandService, DeviceReport } from './command.service';

/** Turns a query response into the compact inventory record Slate keeps (apple/protocol parsers). */
export type InventoryParser = (response: Record<string, unknown>) => unknown;

/** Device facts that DeviceInformation refreshes on the device row itself. */
export type DeviceFactsOf = (inventory: unknown) => DevicePatch;

const INVENTORY_KINDS = ['DeviceInformation', 'SecurityInfo', 'ProfileList', 'InstalledApplicationList', 'CertificateList'] as const;

/**
 * What a device's answer changes beyond the queue: inventory snapshots and the device's state
 * (lost, wiped). Answers that arrive after a command was cancelled still count: if a tablet says
 * it erased itself, it did.
 */
export class CommandEffects implements AnswerEffects {
  constructor(
    private readonly deps: {
      devices: DeviceStore;
      checkins: CheckinStore;
      parsers: Partial<Record<(typeof INVENTORY_KINDS)[number], InventoryParser>>;
      deviceFacts: DeviceFactsOf;
      logger: Logger;
      /** Set after construction (the command service needs the effects, the effects cancel commands). */
      commands?: Pick<CommandService, 'cancelAll'>;
      now?: () => Date;
    },
  ) {}

  bindCommands(commands: Pick<CommandService, 'cancelAll'>): void {
    this.deps.commands = commands;
  }

  async apply(deviceId: string, outcome: AnswerOutcome, report: DeviceReport): Promise<void> {
    if (outcome.kind !== 'finished' && outcome.kind !== 'late') return;
    if (report.status !== 'Acknowledged') return;
    const now = this.deps.now?.() ?? new Date();
    const type = outcome.command.requestType;
    const parse = this.deps.parsers[type as (typeof INVENTORY_KINDS)[number]];
    try {
      if (parse) {
        const inventory = parse(report.body);
        await this.deps.checkins.putInventory(deviceId, type, inventory, now);
        if (type === 'DeviceInformation') await this.deps.devices.update(deviceId, this.deps.deviceFacts(inventory));
        return;
      }
      switch (type) {
        case 'EnableLostMode':
          await this.setState(deviceId, 'lost', ['enrolled', 'pending']);
          return;
        case 'DisableLostMode':
          await this.setState(deviceId, 'enrolled', ['lost']);
          // Location is kept only while a device is lost (pupils' privacy).
          await this.deps.checkins.deleteInventory(deviceId, 'DeviceLocation');
          return;
        case 'EraseDevice':
          await this.setState(deviceId, 'wiped', ['enrolled', 'lost', 'pending']);
          await this.deps.checkins.deleteInventory(deviceId, 'DeviceLocation');
          await this.deps.commands?.cancelAll(deviceId, 'device erased');
          return;
        case 'DeviceLocation': {
          const device = await this.deps.devices.getById(deviceId);
          if (device?.state !== 'lost') return;
          const pick = (k: string) => report.body[k];
          await this.deps.checkins.putInventory(deviceId, 'DeviceLocation', {
            latitude: pick('Latitude'), longitude: pick('Longitude'), horizontalAccuracy: pick('HorizontalAccuracy'),
            timestamp: pick('Timestamp') instanceof Date ? (pick('Timestamp') as Date).toISOString() : pick('Timestamp') ?? null,
          }, now);
          return;
        }
      }
    } catch (err) {
      // The answer is recorded already; a response we cannot parse must not fail the poll.
      this.deps.logger.warn({ deviceId, requestType: type, err }, 'could not apply command response');
    }
  }

  private async setState(deviceId: string, to: 'lost' | 'enrolled' | 'wiped', from: readonly string[]): Promise<void> {
    const d = await this.deps.devices.getById(deviceId);
    if (d && from.includes(d.state)) await this.deps.devices.update(deviceId, { state: to });
  }
}
