import type { DataSource } from 'typeorm';
import { Sql } from '../sql';
import type { CommandQueueStore } from './command-queue.store';
import { SqlCommandQueueStore } from './command-queue.store.sql';
import type { DeviceStore } from './device.store';
import { TypeOrmDeviceStore } from './device.store.typeorm';
import type { OrgStore } from './org.store';
import { TypeOrmOrgStore } from './org.store.typeorm';

export * from './command-queue.store';
export * from './device.store';
export * from './org.store';
export { isUniqueViolation } from './device.store.typeorm';

/** Every store Slate uses, behind its interface. Services receive the ones they need. */
export interface Stores {
  org: OrgStore;
  devices: DeviceStore;
  commands: CommandQueueStore;
}

export function createStores(ds: DataSource): Stores {
  const sql = new Sql(ds);
  return {
    commands: new SqlCommandQueueStore(sql),
    org: new TypeOrmOrgStore(ds),
    devices: new TypeOrmDeviceStore(ds),
  };
}
