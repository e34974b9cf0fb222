import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors';
import { readBool, readDate } from '../columns';
import { isUniqueViolation, placeholders, type Db, type Queryable, type Tx } from '../database';
import type { DeviceRow } from '../entities';
import type { Device, DeviceFilter, DevicePatch, DeviceStore, NewDevice } from './device.store';

/** Property → column, in the order of the table. */
const COLUMNS: Record<keyof DeviceRow, string> = {
  id: 'id', platform: 'platform', udid: 'udid', serialNumber: 'serial_number', androidName: 'android_name', model: 'model',
  modelName: 'model_name', osVersion: 'os_version', buildVersion: 'build_version', name: 'name', schoolId: 'school_id',
  gradeId: 'grade_id', classId: 'class_id', state: 'state', assetTag: 'asset_tag', supervised: 'supervised', enrolledAt: 'enrolled_at', lastSeenAt: 'last_seen_at',
  createdAt: 'created_at', updatedAt: 'updated_at',
};
const KEYS = Object.keys(COLUMNS) as (keyof DeviceRow)[];
/** The device columns in table order, for stores that join devices (scoped-device.store.sql.ts). */
export const DEVICE_COLUMNS: readonly string[] = KEYS.map((k) => COLUMNS[k]);
const SELECT = `SELECT ${KEYS.map((k) => COLUMNS[k]).join(', ')} FROM devices`;
/** Widths of the text columns (migration 0001): device-reported values are cut to fit, never refused. */
const WIDTH: Partial<Record<keyof DeviceRow, number>> = {
  udid: 64, serialNumber: 64, assetTag: 64, androidName: 200, model: 100, modelName: 100, osVersion: 40, buildVersion: 40, name: 200,
};

export class SqlDeviceStore implements DeviceStore {
  async create(tx: Tx, input: NewDevice): Promise<Device> {
    const now = new Date();
    const row: DeviceRow = fit({
      udid: null, serialNumber: null, androidName: null, model: null, modelName: null, osVersion: null,
      buildVersion: null, name: null, schoolId: null, gradeId: null, classId: null, state: 'pending', assetTag: null, supervised: null,
      enrolledAt: null, lastSeenAt: null,
      ...input,
      id: randomUUID(),
      createdAt: now,
      updatedAt: now,
    });
    try {
      await tx.run(`INSERT INTO devices (${KEYS.map((k) => COLUMNS[k]).join(', ')}) VALUES (${placeholders(KEYS.length)})`, KEYS.map((k) => row[k]));
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', 'a device with this identifier exists', { cause: err });
      throw err;
    }
    return row;
  }

  async getById(q: Queryable, id: string): Promise<Device | null> {
    return first(await q.rows(`${SELECT} WHERE id = ?`, [id]));
  }

  async getByUdidForUpdate(tx: Tx, udid: string): Promise<Device | null> {
    return first(await tx.rows(`${SELECT} WHERE udid = ?${tx.forUpdate}`, [udid]));
  }

  async getByUdid(q: Queryable, udid: string): Promise<Device | null> {
    return first(await q.rows(`${SELECT} WHERE udid = ?`, [udid]));
  }

  async getBySerial(q: Queryable, serialNumber: string): Promise<Device[]> {
    return (await q.rows(`${SELECT} WHERE serial_number = ? ORDER BY id`, [serialNumber])).map(toDevice);
  }

  async getByAndroidName(q: Queryable, androidName: string): Promise<Device | null> {
    return first(await q.rows(`${SELECT} WHERE android_name = ?`, [androidName]));
  }

  async list(q: Queryable, filter: DeviceFilter = {}): Promise<Device[]> {
    const w = where(filter);
    const limit = Math.max(1, Math.floor(filter.limit ?? 1000));
    return (await q.rows(`${SELECT}${w.sql} ORDER BY id LIMIT ${limit}`, w.params)).map(toDevice);
  }

  async count(q: Queryable, filter: DeviceFilter = {}): Promise<number> {
    const w = where(filter);
    const r = await q.one<{ n: number | string }>(`SELECT COUNT(*) AS n FROM devices${w.sql}`, w.params);
    return Number(r?.n ?? 0);
  }

  async update(tx: Tx, id: string, patch: DevicePatch): Promise<Device> {
    const set = fit({ ...patch, updatedAt: new Date() } as Partial<DeviceRow>);
    const keys = (Object.keys(set) as (keyof DeviceRow)[]).filter((k) => set[k] !== undefined && k !== 'id');
    const r = await tx.rows(`UPDATE devices SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE id = ? RETURNING ${KEYS.map((k) => COLUMNS[k]).join(', ')}`,
      [...keys.map((k) => set[k]), id]);
    if (r.length === 0) throw new AppError('device_unknown', `no device ${id}`);
    return toDevice(r[0]!);
  }

  async touch(w: Db | Tx, id: string, at: Date): Promise<void> {
    await w.run(`UPDATE devices SET last_seen_at = ? WHERE id = ?`, [at, id]);
  }
}

function where(f: DeviceFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const eq = (col: string, v: unknown) => {
    parts.push(`${col} = ?`);
    params.push(v);
  };
  if (f.platform) eq('platform', f.platform);
  if (f.state) eq('state', f.state);
  if (f.schoolIds) {
    if (f.schoolIds.length === 0) parts.push('1 = 0');
    else {
      parts.push(`school_id IN (${placeholders(f.schoolIds.length)})`);
      params.push(...f.schoolIds);
    }
  }
  if (f.gradeId) eq('grade_id', f.gradeId);
  if (f.classId) eq('class_id', f.classId);
  if (f.afterId) {
    parts.push('id > ?');
    params.push(f.afterId);
  }
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

/** Cuts device-reported text to its column's width (Postgres would refuse the row, SQLite not). */
function fit<T extends Partial<DeviceRow>>(row: T): T {
  const out = { ...row };
  for (const [k, width] of Object.entries(WIDTH) as [keyof DeviceRow, number][]) {
    const v = out[k];
    if (typeof v === 'string' && v.length > width) (out as Record<string, unknown>)[k] = v.slice(0, width);
  }
  return out;
}

function first(rows: Record<string, unknown>[]): Device | null {
  return rows[0] ? toDevice(rows[0]) : null;
}

export function toDevice(r: Record<string, unknown>): Device {
  const s = (k: keyof DeviceRow) => (r[COLUMNS[k]] as string | null | undefined) ?? null;
  return {
    id: String(r.id), platform: r.platform as Device['platform'], udid: s('udid'), serialNumber: s('serialNumber'),
    androidName: s('androidName'), model: s('model'), modelName: s('modelName'), osVersion: s('osVersion'),
    buildVersion: s('buildVersion'), name: s('name'), schoolId: s('schoolId'), gradeId: s('gradeId'), classId: s('classId'),
    state: r.state as Device['state'], assetTag: s('assetTag'), supervised: r.supervised === null || r.supervised === undefined ? null : readBool(r.supervised),
    enrolledAt: readDate(r.enrolled_at), lastSeenAt: readDate(r.last_seen_at),
    createdAt: readDate(r.created_at)!, updatedAt: readDate(r.updated_at)!,
  };
}
