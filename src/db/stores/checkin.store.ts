import type { Atomic, Queryable, Tx } from '../database';

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
  record(tx: Tx, c: Omit<CheckinRecord, 'id'>): Promise<void>;
  list(q: Queryable, deviceId: string, limit: number): Promise<CheckinRecord[]>;
  /** Retention: deletes check-ins older than `before`; returns how many. */
  pruneBefore(w: Atomic, before: Date): Promise<number>;
  putInventory(tx: Tx, deviceId: string, kind: string, data: unknown, at: Date): Promise<void>;
  deleteInventory(tx: Tx, deviceId: string, kind: string): Promise<void>;
  inventory(q: Queryable, deviceId: string): Promise<Record<string, { data: unknown; updatedAt: Date }>>;
}
