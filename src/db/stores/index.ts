import type { DataSource } from 'typeorm';
import type { DeviceStore } from './device.store';
import { TypeOrmDeviceStore } from './device.store.typeorm';
import type { OrgStore } from './org.store';
import { TypeOrmOrgStore } from './org.store.typeorm';

export * from './device.store';
export * from './org.store';
export { isUniqueViolation } from './device.store.typeorm';

/** Every store Slate uses, behind its interface. Services receive the ones they need. */
export interface Stores {
  org: OrgStore;
  devices: DeviceStore;
}

export function createStores(ds: DataSource): Stores {
  return {
    org: new TypeOrmOrgStore(ds),
    devices: new TypeOrmDeviceStore(ds),
  };
}
