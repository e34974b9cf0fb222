import type { AnswerEffects } from '../apple/command.service';
import type { DeviceReport } from '../apple/protocol';
import type { Tx } from '../db/database';
import type { AnswerOutcome } from '../db/stores';
import { POLICY_INVENTORY, POLICY_REQUEST_TYPES, type PolicyEvents } from './policy-events';

/**
 * Wraps the command endpoint's answer effects (inventory, lost mode, wipe) with policy's: answers
 * to policy commands and the inventory reports that confirm them are recorded in one transaction
 * with what they change for policy, so a failure rolls the answer back and the device reports again.
 */
export class PolicyAnswerEffects implements AnswerEffects {
  readonly requestTypes: readonly string[];

  constructor(private readonly inner: AnswerEffects, private readonly events: PolicyEvents) {
    this.requestTypes = [...new Set([...inner.requestTypes, ...POLICY_INVENTORY, ...Object.keys(POLICY_REQUEST_TYPES)])];
  }

  async apply(tx: Tx, deviceId: string, outcome: AnswerOutcome, report: DeviceReport): Promise<void> {
    if (outcome.kind !== 'finished' && outcome.kind !== 'late') return;
    const type = outcome.command.requestType;
    if (this.inner.requestTypes.includes(type)) await this.inner.apply(tx, deviceId, outcome, report);
    if ((POLICY_INVENTORY as readonly string[]).includes(type)) {
      if (report.status === 'Acknowledged') await this.events.inventoryReported(tx, deviceId, type, report.body);
    } else if (type in POLICY_REQUEST_TYPES) {
      await this.events.answered(tx, deviceId, outcome.command, report);
    }
  }
}
