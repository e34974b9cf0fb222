import { readDate } from '../columns';
import type { Atomic, Queryable, Tx } from '../database';
import { jsonParam, readJson } from '../json-column';
import type { CheckinRecord, CheckinStore } from './checkin.store';

export class SqlCheckinStore implements CheckinStore {
  async record(tx: Tx, c: Omit<CheckinRecord, 'id'>): Promise<void> {
    await tx.run(
      `INSERT INTO checkins (device_id, udid, message_type, os_version, build_version, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [c.deviceId, c.udid, c.messageType.slice(0, 32), c.osVersion?.slice(0, 40) ?? null, c.buildVersion?.slice(0, 40) ?? null, c.createdAt]);
  }

  async list(q: Queryable, deviceId: string, limit: number): Promise<CheckinRecord[]> {
    const rows = await q.rows<Record<string, unknown>>(
      `SELECT id, device_id, udid, message_type, os_version, build_version, created_at FROM checkins
       WHERE device_id = ? ORDER BY id DESC LIMIT ${Math.max(1, Math.floor(limit))}`, [deviceId]);
    return rows.map((r) => ({
      id: Number(r.id), deviceId: (r.device_id as string | null) ?? null, udid: String(r.udid), messageType: String(r.message_type),
      osVersion: (r.os_version as string | null) ?? null, buildVersion: (r.build_version as string | null) ?? null, createdAt: readDate(r.created_at)!,
    }));
  }

  async pruneBefore(w: Atomic, before: Date): Promise<number> {
    return (await w.run(`DELETE FROM checkins WHERE created_at < ?`, [before])).affected;
  }

  async putInventory(tx: Tx, deviceId: string, kind: string, data: unknown, at: Date): Promise<void> {
    await tx.run(
      `INSERT INTO device_inventory (device_id, kind, data, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id, kind) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      [deviceId, kind, jsonParam(data), at]);
  }

  async deleteInventory(tx: Tx, deviceId: string, kind: string): Promise<void> {
    await tx.run(`DELETE FROM device_inventory WHERE device_id = ? AND kind = ?`, [deviceId, kind]);
  }

  async inventory(q: Queryable, deviceId: string): Promise<Record<string, { data: unknown; updatedAt: Date }>> {
    const rows = await q.rows<Record<string, unknown>>(`SELECT kind, data, updated_at FROM device_inventory WHERE device_id = ?`, [deviceId]);
    const out: Record<string, { data: unknown; updatedAt: Date }> = {};
    for (const r of rows) out[String(r.kind)] = { data: readJson(r.data), updatedAt: readDate(r.updated_at)! };
    return out;
  }
}
