import { readDate } from '../columns';
import { readJson, type Executor, type Sql } from '../sql';
import type { CheckinRecord, CheckinStore } from './checkin.store';

export class SqlCheckinStore implements CheckinStore {
  constructor(private readonly sql: Sql) {}

  async record(c: Omit<CheckinRecord, 'id'>, ex?: Executor): Promise<void> {
    await this.sql.run(
      `INSERT INTO checkins (device_id, udid, message_type, os_version, build_version, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [c.deviceId, c.udid, c.messageType, c.osVersion, c.buildVersion, c.createdAt], ex);
  }

  async list(deviceId: string, limit: number): Promise<CheckinRecord[]> {
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT id, device_id, udid, message_type, os_version, build_version, created_at FROM checkins
       WHERE device_id = ? ORDER BY id DESC LIMIT ${Math.max(1, Math.floor(limit))}`, [deviceId]);
    return rows.map((r) => ({
      id: Number(r.id), deviceId: (r.device_id as string | null) ?? null, udid: String(r.udid), messageType: String(r.message_type),
      osVersion: (r.os_version as string | null) ?? null, buildVersion: (r.build_version as string | null) ?? null, createdAt: readDate(r.created_at)!,
    }));
  }

  async pruneBefore(before: Date): Promise<number> {
    return (await this.sql.run(`DELETE FROM checkins WHERE created_at < ?`, [before])).affected;
  }

  async putInventory(deviceId: string, kind: string, data: unknown, at: Date): Promise<void> {
    await this.sql.run(
      `INSERT INTO device_inventory (device_id, kind, data, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id, kind) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      [deviceId, kind, JSON.stringify(data), at]);
  }

  async deleteInventory(deviceId: string, kind: string): Promise<void> {
    await this.sql.run(`DELETE FROM device_inventory WHERE device_id = ? AND kind = ?`, [deviceId, kind]);
  }

  async inventory(deviceId: string): Promise<Record<string, { data: unknown; updatedAt: Date }>> {
    const rows = await this.sql.rows<Record<string, unknown>>(`SELECT kind, data, updated_at FROM device_inventory WHERE device_id = ?`, [deviceId]);
    const out: Record<string, { data: unknown; updatedAt: Date }> = {};
    for (const r of rows) out[String(r.kind)] = { data: readJson(r.data), updatedAt: readDate(r.updated_at)! };
    return out;
  }
}
