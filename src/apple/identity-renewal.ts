import type { Db } from '../db/database';
import type { AppleDeviceStore } from '../db/stores';
import type { Logger } from '../log/logger';
import type { CommandService } from './command.service';
import type { AppleCommand } from './protocol/messages';
import type { EnrollmentService } from './enrollment/enrollment.service';

/**
 * How long a renewal challenge stays valid: the device may be in a school bag over the holidays.
 * Until it expires unused, no second renewal is sent to the same device.
 */
export const RENEWAL_CHALLENGE_TTL_MS = 14 * 86_400_000;

/**
 * Renews device identities before they expire (DEVICE_CERT_RENEW_BEFORE): the enrolment profile,
 * with a challenge bound to the device, is re-sent through InstallProfile. The device fetches a
 * new certificate with it and uses it from its next request on; the device authenticator then makes
 * it the device's identity and revokes the old one (device-authenticator.ts).
 */
export class IdentityRenewal {
  constructor(
    private readonly deps: {
      db: Db;
      appleDevices: AppleDeviceStore;
      enrollment: EnrollmentService;
      commands: CommandService;
      buildCommand(requestType: string, params: Record<string, unknown>): AppleCommand;
      renewBeforeMs: number;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  /** One round: queues renewals for up to `limit` devices; returns how many. */
  async renewDue(limit = 200): Promise<number> {
    const now = this.deps.now?.() ?? new Date();
    const due = await this.deps.appleDevices.renewalCandidates(this.deps.db, new Date(now.getTime() + this.deps.renewBeforeMs), now, limit);
    let queued = 0;
    for (const d of due) {
      await this.deps.db.transaction(async (tx) => {
        const profile = await this.deps.enrollment.forRenewal(tx, { ...d, challengeTtlMs: RENEWAL_CHALLENGE_TTL_MS });
        await this.deps.commands.enqueueIn(tx, [d.deviceId], this.deps.buildCommand('InstallProfile', { Payload: profile }), { createdBy: 'identity-renewal' });
      });
      queued++;
    }
    if (queued) this.deps.logger.info({ queued }, 'device identity renewals queued');
    return queued;
  }
}
