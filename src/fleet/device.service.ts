import type { Db } from '../db/database';
import type { DeviceState, Platform } from '../db/entities';
import type { AppleDeviceStore, CheckinRecord, CheckinStore, Device, DeviceStore } from '../db/stores';
import { AppError } from '../errors';
import type { OrgService } from './org.service';

export interface DeviceDetails {
  device: Device;
  placement: { school: string | null; grade: string | null; class: string | null };
  apple: {
    enrolledVia: string;
    pushReachable: boolean;
    awaitingConfiguration: boolean;
    authenticatedAt: Date | null;
    tokenUpdatedAt: Date | null;
    checkedOutAt: Date | null;
    hasUnlockToken: boolean;
  } | null;
  inventory: Record<string, { data: unknown; updatedAt: Date }>;
  recentCheckins: CheckinRecord[];
}

/** Devices as staff see them: listed by place in the tree, shown with inventory and contacts. */
export class DeviceService {
  constructor(
    private readonly deps: { db: Db; devices: DeviceStore; appleDevices: AppleDeviceStore; checkins: CheckinStore; org: OrgService },
  ) {}

  /** Devices at or under a unit (school, municipality, authority), or all. */
  async list(filter: { underCode?: string; state?: DeviceState; platform?: Platform; limit?: number; afterId?: string } = {}): Promise<Device[]> {
    const schoolIds = filter.underCode ? await this.deps.org.schoolIdsUnder(filter.underCode) : undefined;
    return this.deps.devices.list(this.deps.db, { schoolIds, state: filter.state, platform: filter.platform, limit: filter.limit, afterId: filter.afterId });
  }

  /** Every device id at or under a unit, for bulk commands (paged internally). */
  async idsUnder(underCode: string | undefined, filter: { platform?: Platform; states?: readonly DeviceState[] } = {}): Promise<string[]> {
    const schoolIds = underCode ? await this.deps.org.schoolIdsUnder(underCode) : undefined;
    const ids: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await this.deps.devices.list(this.deps.db, { schoolIds, platform: filter.platform, afterId, limit: 5000 });
      for (const d of page) if (!filter.states || filter.states.includes(d.state)) ids.push(d.id);
      if (page.length < 5000) return ids;
      afterId = page[page.length - 1]!.id;
    }
  }

  async require(id: string): Promise<Device> {
    const d = /^[0-9a-f-]{36}$/i.test(id) ? await this.deps.devices.getById(this.deps.db, id) : null;
    if (d) return d;
    // Staff often have the UDID or serial from the back of the tablet, not Slate's id.
    const byUdid = await this.deps.devices.getByUdid(this.deps.db, id);
    if (byUdid) return byUdid;
    const bySerial = await this.deps.devices.getBySerial(this.deps.db, id);
    if (bySerial.length === 1) return bySerial[0]!;
    if (bySerial.length > 1) throw new AppError('conflict', `serial ${id} matches ${bySerial.length} devices; use the id`);
    throw new AppError('device_unknown', `no device ${id}`);
  }

  async details(id: string): Promise<DeviceDetails> {
    const device = await this.require(id);
    const code = async (unitId: string | null) => (unitId ? (await this.deps.org.byId(unitId))?.code ?? null : null);
    const a = device.platform === 'apple' ? await this.deps.appleDevices.get(this.deps.db, device.id) : null;
    return {
      device,
      placement: { school: await code(device.schoolId), grade: await code(device.gradeId), class: await code(device.classId) },
      apple: a && {
        enrolledVia: a.enrolledVia,
        pushReachable: !!a.pushToken && !a.tokenInvalidAt && !a.checkedOutAt,
        awaitingConfiguration: a.awaitingConfiguration,
        authenticatedAt: a.authenticatedAt,
        tokenUpdatedAt: a.tokenUpdatedAt,
        checkedOutAt: a.checkedOutAt,
        hasUnlockToken: !!a.unlockTokenSealed,
      },
      inventory: await this.deps.checkins.inventory(this.deps.db, device.id),
      recentCheckins: await this.deps.checkins.list(this.deps.db, device.id, 20),
    };
  }
}
