import { randomUUID } from 'node:crypto';
import { DataSource, FindOptionsWhere, In, MoreThan } from 'typeorm';
import { AppError } from '../../errors';
import type { DeviceRow } from '../entities';
import type { Device, DeviceFilter, DevicePatch, DeviceStore, NewDevice } from './device.store';

export class TypeOrmDeviceStore implements DeviceStore {
  constructor(private readonly ds: DataSource) {}

  private get repo() {
    return this.ds.getRepository<DeviceRow>('Device');
  }

  async create(input: NewDevice): Promise<Device> {
    const now = new Date();
    const row: DeviceRow = {
      udid: null, serialNumber: null, androidName: null, model: null, modelName: null, osVersion: null,
      buildVersion: null, name: null, schoolId: null, gradeId: null, classId: null, state: 'pending',
      enrolledAt: null, lastSeenAt: null,
      ...input,
      id: randomUUID(),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.repo.insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', 'a device with this identifier exists', { cause: err });
      throw err;
    }
    return row;
  }

  getById(id: string): Promise<Device | null> {
    return this.repo.findOneBy({ id });
  }

  getByUdid(udid: string): Promise<Device | null> {
    return this.repo.findOneBy({ udid });
  }

  getBySerial(serialNumber: string): Promise<Device[]> {
    return this.repo.findBy({ serialNumber });
  }

  getByAndroidName(androidName: string): Promise<Device | null> {
    return this.repo.findOneBy({ androidName });
  }

  list(filter: DeviceFilter = {}): Promise<Device[]> {
    return this.repo.find({ where: where(filter), order: { id: 'ASC' }, take: filter.limit ?? 1000 });
  }

  count(filter: DeviceFilter = {}): Promise<number> {
    return this.repo.countBy(where(filter));
  }

  async update(id: string, patch: DevicePatch): Promise<Device> {
    const result = await this.repo.update({ id }, { ...patch, updatedAt: new Date() });
    if (!result.affected) throw new AppError('device_unknown', `no device ${id}`);
    return (await this.getById(id))!;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastSeenAt: at });
  }
}

function where(f: DeviceFilter): FindOptionsWhere<DeviceRow> {
  const w: FindOptionsWhere<DeviceRow> = {};
  if (f.platform) w.platform = f.platform;
  if (f.state) w.state = f.state;
  if (f.schoolIds) w.schoolId = In([...f.schoolIds]);
  if (f.gradeId) w.gradeId = f.gradeId;
  if (f.classId) w.classId = f.classId;
  if (f.afterId) w.id = MoreThan(f.afterId);
  return w;
}

/** Unique-constraint violations, as reported by better-sqlite3 and pg. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  const code = e.driverError?.code ?? e.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
