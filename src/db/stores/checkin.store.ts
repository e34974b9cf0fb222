import type { Executor } from '../sql';

export interface CheckinRecord {
  id: number;
  deviceId: string | null;
  udid: string;
  messageType: string;
  osVersion: string | null;
  buildVersion: string | null;
  createdAt: Date;
}

/** Check-in history and the latest inventory snapshot per kind (DeviceInformation, ProfileList, ...). */
export interface CheckinStore {
  record(c: Omit<CheckinRecord, 'id'>, ex?: Executor): Promise<void>;
  list(deviceId: string, limit: number): Promise<CheckinRecord[]>;
  /** Retention: deletes check-ins older than `before`; returns how many. */
  pruneBefore(before: Date): Promise<number>;
  putInventory(deviceId: string, kind: string, data: unknown, at: Date): Promise<void>;
  deleteInventory(deviceId: string, kind: string): Promise<void>;
  inventory(deviceId: string): Promise<Record<string, { data: unknown; updatedAt: Date }>>;
}
