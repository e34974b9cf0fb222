import type { Db } from '../db/database';
import type { DeviceStore } from '../db/stores';

/**
 * Records `last_seen_at` for device polls at most once a minute per device: contact times are
 * for people (is this tablet alive?), and a write per poll would double the poll's database work.
 */
export class ContactTracker {
  private readonly lastWrite = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly devices: DeviceStore,
    /** Devices remembered (DEVICE_CACHE_SIZE); beyond it, the worst case is one extra write each. */
    private readonly capacity: number,
    private readonly intervalMs = 60_000,
  ) {}

  async seen(deviceId: string, at: Date): Promise<void> {
    const prev = this.lastWrite.get(deviceId);
    if (prev !== undefined && at.getTime() - prev < this.intervalMs) return;
    this.lastWrite.set(deviceId, at.getTime());
    if (this.lastWrite.size > this.capacity) this.lastWrite.clear();
    await this.devices.touch(this.db, deviceId, at);
  }
}
