import { EntitySchema } from 'typeorm';
import type { ColumnTypes } from '../columns';

export const PLATFORMS = ['apple', 'android'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const DEVICE_STATES = ['pending', 'enrolled', 'lost', 'wiped', 'retired'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/**
 * A tablet. Deliberately no pupil data here: a device belongs to a place in the organisation
 * tree; who borrows it is a loan, kept elsewhere and pseudonymous.
 */
export interface DeviceRow {
  id: string;
  platform: Platform;
  /** Apple UDID (the MDM identity of an iPad). */
  udid: string | null;
  serialNumber: string | null;
  /** Android Management API resource name, enterprises/{e}/devices/{d}. */
  androidName: string | null;
  model: string | null;
  modelName: string | null;
  osVersion: string | null;
  buildVersion: string | null;
  name: string | null;
  schoolId: string | null;
  gradeId: string | null;
  classId: string | null;
  state: DeviceState;
  /** Set by staff; the catalog's `{{device.assetTag}}`. */
  assetTag: string | null;
  /** DeviceInformation IsSupervised; null until the device has answered it. */
  supervised: boolean | null;
  enrolledAt: Date | null;
  lastSeenAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const deviceEntity = (t: ColumnTypes) =>
  new EntitySchema<DeviceRow>({
    name: 'Device',
    tableName: 'devices',
    columns: {
      id: { type: t.uuid, primary: true, length: t.uuid === 'varchar' ? 36 : undefined },
      platform: { type: 'varchar', length: 16 },
      udid: { type: 'varchar', length: 64, nullable: true },
      serialNumber: { name: 'serial_number', type: 'varchar', length: 64, nullable: true },
      androidName: { name: 'android_name', type: 'varchar', length: 200, nullable: true },
      model: { type: 'varchar', length: 100, nullable: true },
      modelName: { name: 'model_name', type: 'varchar', length: 100, nullable: true },
      osVersion: { name: 'os_version', type: 'varchar', length: 40, nullable: true },
      buildVersion: { name: 'build_version', type: 'varchar', length: 40, nullable: true },
      name: { type: 'varchar', length: 200, nullable: true },
      schoolId: { name: 'school_id', type: t.uuid, nullable: true },
      gradeId: { name: 'grade_id', type: t.uuid, nullable: true },
      classId: { name: 'class_id', type: t.uuid, nullable: true },
      state: { type: 'varchar', length: 16 },
      assetTag: { name: 'asset_tag', type: 'varchar', length: 64, nullable: true },
      supervised: { type: 'boolean', nullable: true },
      enrolledAt: { name: 'enrolled_at', type: t.timestamp, nullable: true },
      lastSeenAt: { name: 'last_seen_at', type: t.timestamp, nullable: true },
      createdAt: { name: 'created_at', type: t.timestamp },
      updatedAt: { name: 'updated_at', type: t.timestamp },
    },
  });
