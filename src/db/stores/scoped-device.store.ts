import type { Queryable } from '../database';
import type { DeviceState, Platform } from '../entities';
import type { Device } from './device.store';
import type { Scope } from './scope';

/** A device with the path of its deepest placement unit (class, grade or school): where it sits in the tree. */
export interface PlacedDevice extends Device {
  placementPath: string | null;
}

export interface ScopedDeviceFilter {
  /** Only devices inside this unit (a municipality, school, grade or class), same rules as a scope. */
  within?: Scope;
  platform?: Platform;
  state?: DeviceState;
  lastSeenBefore?: Date;
  lastSeenAfter?: Date;
  /** Serial number or UDID (exact, any case), or part of the device name. */
  search?: string;
  afterId?: string;
  limit: number;
}

/**
 * Devices as the admin API reads them: every method takes the reader's scope and puts it into
 * its SQL, so a device outside it does not exist for the caller.
 */
export interface ScopedDeviceStore {
  list(q: Queryable, scope: Scope, filter: ScopedDeviceFilter): Promise<PlacedDevice[]>;
  /** By Slate's id, UDID or serial number; several devices with one serial: all of them. */
  find(q: Queryable, scope: Scope, ref: string): Promise<PlacedDevice[]>;
}
