import { readBool, readDate } from '../columns';
import { placeholders, valuesList, type Db, type Queryable, type Tx } from '../database';
import { jsonParam, readJson } from '../json-column';
import type {
  CompactProfiles, LoadedItem, ManagedAppRecord, PolicyDeviceQuery, PolicyDeviceRow, PolicyDeviceStore, PolicyItem, PolicyItemKey, PolicyItemState,
} from './policy-device.store';
import { deviceScopeSql } from './scope';

const DEVICE_COLS = `d.id, d.serial_number, d.asset_tag, d.udid, d.supervised, d.school_id, d.grade_id, d.class_id, s.profiles, s.missing_apps, s.managed_apps,
  EXISTS (SELECT 1 FROM device_policy_items x WHERE x.device_id = d.id) AS has_items`;
const ITEM_COLS = 'i.device_id, i.item, i.target, i.action, i.entry_id, i.expected_version, i.state, i.command_uuid, i.attempts, i.retry_at, i.last_error, i.alerted_at, i.updated_at';
const ITEM_INSERT = 'device_id, item, target, action, entry_id, expected_version, state, command_uuid, attempts, retry_at, last_error, alerted_at, updated_at';
/** Ids per IN list: far below both drivers' parameter limits. */
const CHUNK = 1000;

export class SqlPolicyDeviceStore implements PolicyDeviceStore {
  fleetPage(db: Db, query: PolicyDeviceQuery): Promise<PolicyDeviceRow[]> {
    // On Postgres the planner picks parallel workers and on-disk sorts for some pages, whose
    // start-up costs each page more than it saves (the 100,000-device plan took 5.4-5.7 s with
    // them, 4.8 s without; docs/benchmarks.md). SQLite has neither.
    if (db.dialect === 'sqlite') return this.load(db, query);
    return db.transaction(async (tx) => {
      await tx.run('SET LOCAL max_parallel_workers_per_gather = 0');
      return this.load(tx, query);
    });
  }

  async load(q: Queryable, query: PolicyDeviceQuery): Promise<PolicyDeviceRow[]> {
    const where = [`d.platform = 'apple'`, `d.state = 'enrolled'`];
    const params: unknown[] = [];
    if (query.afterId !== undefined) (where.push('d.id > ?'), params.push(query.afterId));
    if (query.schoolIds) {
      if (query.schoolIds.length === 0) return [];
      where.push(`d.school_id IN (${placeholders(query.schoolIds.length)})`);
      params.push(...query.schoolIds);
    }
    if (query.scope && !query.scope.root) {
      const s = deviceScopeSql(query.scope);
      where.push(s.sql);
      params.push(...s.params);
    }
    if (query.ids) {
      if (query.ids.length === 0) return [];
      where.push(`d.id IN (${placeholders(query.ids.length)})`);
      params.push(...query.ids);
    }
    // Lock, then read in a statement of its own: a locking read that waited for another transaction
    // re-checks only the locked row, while its joins and subqueries keep the snapshot from before
    // the wait (Postgres READ COMMITTED), and would miss the items that transaction just wrote.
    if (query.lock && query.ids && 'forUpdate' in q) await this.lock(q as Tx, query.ids);
    const rows = await q.rows<Record<string, unknown>>(
      `SELECT ${DEVICE_COLS} FROM devices d LEFT JOIN device_policy_state s ON s.device_id = d.id
       WHERE ${where.join(' AND ')} ORDER BY d.id LIMIT ${Math.max(1, Math.floor(query.limit))}`, params);
    if (rows.length === 0) return [];
    const devices = rows.map(toDevice);
    // Most devices have no items (converged): ask for items only where there are some.
    const withItems = devices.filter((_, i) => readBool(rows[i]!.has_items));
    if (withItems.length === 0) return devices;
    const byId = new Map(devices.map((d) => [d.id, d]));
    for (const item of await this.items(q, withItems)) byId.get(item.deviceId)?.items.push(item);
    return devices;
  }

  /**
   * Items of a page of devices. A whole keyset page asks by id range (one index range scan, no
   * parameter list); filtered pages and single devices by id.
   */
  private async items(q: Queryable, devices: readonly PolicyDeviceRow[]): Promise<LoadedItem[]> {
    const sql = `SELECT ${ITEM_COLS}, q.id AS live FROM device_policy_items i LEFT JOIN command_queue q ON q.command_uuid = i.command_uuid WHERE `;
    if (devices.length > 50) {
      return (await q.rows<Record<string, unknown>>(`${sql}i.device_id >= ? AND i.device_id <= ?`, [devices[0]!.id, devices[devices.length - 1]!.id])).map(toLoaded);
    }
    return (await q.rows<Record<string, unknown>>(`${sql}i.device_id IN (${placeholders(devices.length)})`, devices.map((d) => d.id))).map(toLoaded);
  }

  async lock(tx: Tx, deviceIds: readonly string[]): Promise<void> {
    if (!tx.forUpdate) return;
    const sorted = [...new Set(deviceIds)].sort();
    for (let i = 0; i < sorted.length; i += CHUNK) {
      const part = sorted.slice(i, i + CHUNK);
      await tx.run(`SELECT id FROM devices WHERE id IN (${placeholders(part.length)}) ORDER BY id${tx.forUpdate}`, part);
    }
  }

  async managedApps(q: Queryable, deviceId: string): Promise<ManagedAppRecord[]> {
    const r = await q.one<{ managed_apps: string | null }>(`SELECT managed_apps FROM device_policy_state WHERE device_id = ?`, [deviceId]);
    return parse<ManagedAppRecord[]>(r?.managed_apps) ?? [];
  }

  putProfiles(tx: Tx, deviceId: string, profiles: CompactProfiles, at: Date): Promise<void> {
    return this.putState(tx, deviceId, 'profiles', JSON.stringify(profiles), at, true);
  }

  putMissingApps(tx: Tx, deviceId: string, bundleIds: readonly string[], at: Date): Promise<void> {
    return this.putState(tx, deviceId, 'missing_apps', JSON.stringify(bundleIds), at, true);
  }

  putManagedApps(tx: Tx, deviceId: string, apps: readonly ManagedAppRecord[], at: Date): Promise<void> {
    return this.putState(tx, deviceId, 'managed_apps', apps.length ? JSON.stringify(apps) : null, at, false);
  }

  private async putState(tx: Tx, deviceId: string, column: 'profiles' | 'missing_apps' | 'managed_apps', value: string | null, at: Date, inventory: boolean): Promise<void> {
    const inv = inventory ? ', inventory_at = excluded.inventory_at' : '';
    await tx.run(
      `INSERT INTO device_policy_state (device_id, ${column}, inventory_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at${inv}`,
      [deviceId, value, inventory ? at : null, at]);
  }

  async reset(tx: Tx, deviceId: string): Promise<void> {
    await tx.run(`DELETE FROM device_policy_items WHERE device_id = ?`, [deviceId]);
    await tx.run(`DELETE FROM device_policy_state WHERE device_id = ?`, [deviceId]);
  }

  async upsertItems(tx: Tx, items: readonly PolicyItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += 400) {
      const part = items.slice(i, i + 400);
      await tx.run(
        `INSERT INTO device_policy_items (${ITEM_INSERT}) VALUES ${valuesList(part.length, 13)}
         ON CONFLICT (device_id, item, target) DO UPDATE SET action = excluded.action, entry_id = excluded.entry_id,
           expected_version = excluded.expected_version, state = excluded.state, command_uuid = excluded.command_uuid,
           attempts = excluded.attempts, retry_at = excluded.retry_at, last_error = excluded.last_error,
           alerted_at = excluded.alerted_at, updated_at = excluded.updated_at`,
        part.flatMap((x) => [x.deviceId, x.item, x.target, x.action, x.entryId, x.expectedVersion, x.state, x.commandUuid, x.attempts, x.retryAt,
          x.lastError ? jsonParam(x.lastError) : null, x.alertedAt, x.updatedAt]));
    }
  }

  async itemByCommand(tx: Tx, deviceId: string, commandUuid: string): Promise<PolicyItem | null> {
    const r = await tx.one<Record<string, unknown>>(`SELECT ${ITEM_COLS} FROM device_policy_items i WHERE i.command_uuid = ? AND i.device_id = ?`, [commandUuid, deviceId]);
    return r ? toItem(r) : null;
  }

  async deleteItem(tx: Tx, key: PolicyItemKey): Promise<void> {
    await tx.run(`DELETE FROM device_policy_items WHERE device_id = ? AND item = ? AND target = ?`, [key.deviceId, key.item, key.target]);
  }

  async clearAcknowledged(tx: Tx, deviceId: string, item: 'profile' | 'app'): Promise<number> {
    return (await tx.run(`DELETE FROM device_policy_items WHERE device_id = ? AND item = ? AND state = 'acknowledged'`, [deviceId, item])).affected;
  }

  async hasPending(tx: Tx, deviceId: string, requestType: string): Promise<boolean> {
    return (await tx.one(`SELECT 1 AS x FROM command_queue WHERE device_id = ? AND request_type = ? LIMIT 1`, [deviceId, requestType])) !== undefined;
  }

  async dueRetries(q: Queryable, now: Date, limit: number): Promise<string[]> {
    const rows = await q.rows<{ device_id: string }>(
      `SELECT DISTINCT device_id FROM device_policy_items WHERE state = 'failed' AND retry_at <= ? LIMIT ${Math.max(1, Math.floor(limit))}`, [now]);
    return rows.map((r) => String(r.device_id));
  }
}

function toDevice(r: Record<string, unknown>): PolicyDeviceRow {
  const s = (k: string) => (r[k] as string | null | undefined) ?? null;
  return {
    id: String(r.id), serialNumber: s('serial_number'), assetTag: s('asset_tag'), udid: s('udid'),
    supervised: r.supervised === null || r.supervised === undefined ? null : readBool(r.supervised),
    schoolId: s('school_id'), gradeId: s('grade_id'), classId: s('class_id'),
    profiles: parse<CompactProfiles>(r.profiles), missingApps: parse<string[]>(r.missing_apps), managedApps: parse<ManagedAppRecord[]>(r.managed_apps) ?? [], items: [],
  };
}

/** Compact JSON in text columns: parsed here, once, without the driver's jsonb round trip. */
function parse<T>(v: unknown): T | null {
  return typeof v === 'string' ? (JSON.parse(v) as T) : null;
}

function toItem(r: Record<string, unknown>): PolicyItem {
  return {
    deviceId: String(r.device_id), item: r.item as PolicyItem['item'], target: String(r.target), action: String(r.action),
    entryId: (r.entry_id as string | null) ?? null, expectedVersion: (r.expected_version as string | null) ?? null,
    state: r.state as PolicyItemState, commandUuid: (r.command_uuid as string | null) ?? null, attempts: Number(r.attempts),
    retryAt: readDate(r.retry_at), lastError: readJson(r.last_error), alertedAt: readDate(r.alerted_at), updatedAt: readDate(r.updated_at)!,
  };
}

function toLoaded(r: Record<string, unknown>): LoadedItem {
  return { ...toItem(r), live: r.live !== null && r.live !== undefined };
}
