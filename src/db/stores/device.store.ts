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

export interface DeviceStore {
  create(input: NewDevice): Promise<Device>;
  getById(id: string): Promise<Device | null>;
  getByUdid(udid: string): Promise<Device | null>;
  getBySerial(serialNumber: string): Promise<Device[]>;
  getByAndroidName(name: string): Promise<Device | null>;
  list(filter?: DeviceFilter): Promise<Device[]>;
  count(filter?: DeviceFilter): Promise<number>;
  /** Updates and returns the device; device_unknown if it does not exist. */
  update(id: string, patch: DevicePatch): Promise<Device>;
  /** Records contact without touching anything else; cheap enough for every poll. */
  touch(id: string, at: Date): Promise<void>;
}
