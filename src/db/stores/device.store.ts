import type { Db, Queryable, Tx } from '../database';
import type { DeviceRow, DeviceState, Platform } from '../entities';

export type Device = DeviceRow;

export type NewDevice = Pick<DeviceRow, 'platform'> &
  Partial<Omit<DeviceRow, 'id' | 'platform' | 'createdAt' | 'updatedAt'>>;

export type DevicePatch = Partial<Omit<DeviceRow, 'id' | 'platform' | 'createdAt' | 'updatedAt'>>;

export interface DeviceFilter {
  platform?: Platform;
  state?: DeviceState;
  /** Devices placed in any of these schools. */
  schoolIds?: readonly string[];
  gradeId?: string;
  classId?: string;
  /** Keyset pagination: devices with id greater than this. */
  afterId?: string;
  limit?: number;
}

/** Devices of every platform. Reads take any handle; writes the caller's transaction. */
export interface DeviceStore {
  create(tx: Tx, input: NewDevice): Promise<Device>;
  getById(q: Queryable, id: string): Promise<Device | null>;
  /** The device row locked for the rest of the transaction (Postgres; SQLite's transaction holds the file). */
  getByUdidForUpdate(tx: Tx, udid: string): Promise<Device | null>;
  getByUdid(q: Queryable, udid: string): Promise<Device | null>;
  getBySerial(q: Queryable, serialNumber: string): Promise<Device[]>;
  getByAndroidName(q: Queryable, name: string): Promise<Device | null>;
  list(q: Queryable, filter?: DeviceFilter): Promise<Device[]>;
  count(q: Queryable, filter?: DeviceFilter): Promise<number>;
  /** Updates and returns the device; device_unknown if it does not exist. */
  update(tx: Tx, id: string, patch: DevicePatch): Promise<Device>;
  /** Records contact without touching anything else; one statement, cheap enough for polls. */
  touch(w: Db | Tx, id: string, at: Date): Promise<void>;
}
